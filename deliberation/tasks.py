"""Thin Celery wrappers: load by id, call a service. Each is safe to run twice."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from communities.services import notify
from deliberation import services
from deliberation.models import IssueEvent, Poll


@shared_task
def notify_followers(event_id: int) -> int:
    """Tell the reporter and every supporter about a step in the issue's life, once each."""
    event = IssueEvent.objects.select_related("issue__reporter").filter(pk=event_id).first()
    if event is None:
        return 0
    issue = event.issue
    followers = {support.user for support in issue.supports.select_related("user")}
    if issue.reporter is not None:
        followers.add(issue.reporter)
    followers.discard(event.actor)
    with translation.override(settings.LANGUAGE_CODE):
        title = f"{issue.title}: {event.get_kind_display()}"
        for user in followers:
            notify(
                user=user,
                key=f"issue-event-{event.pk}",
                title=title,
                body=event.note,
                url=issue.get_absolute_url(),
            )
    IssueEvent.objects.filter(pk=event.pk, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    return len(followers)


@shared_task
def notify_pending_events(older_than_seconds: int = 120) -> int:
    """The sweep: entries whose notification never ran (the broker was down) are sent now.
    Sending is idempotent per (person, entry), so overlapping with a late task is harmless."""
    waiting = IssueEvent.objects.filter(
        notified_at__isnull=True,
        at__lte=timezone.now() - datetime.timedelta(seconds=older_than_seconds),
    ).values_list("pk", flat=True)[:1000]
    for event_id in waiting:
        notify_followers(event_id)
    return len(waiting)


@shared_task
def escalate_overdue_issues() -> int:
    return len(services.escalate_overdue_issues())


@shared_task
def close_resolved_issues() -> int:
    return services.close_resolved_issues()


@shared_task
def send_commitment_reminders() -> int:
    return services.send_commitment_reminders()


@shared_task
def seal_timeline() -> int:
    return len(services.seal_timeline())


@shared_task
def announce_poll(poll_id: int) -> int:
    """Tell the eligible voters that a poll is open; once per person, however often it runs."""
    poll = Poll.objects.filter(pk=poll_id).first()
    return services.announce_poll(poll=poll) if poll else 0


@shared_task
def announce_due_polls() -> int:
    return len(services.announce_due_polls())


@shared_task
def close_due_polls() -> int:
    return len(services.close_due_polls())


@shared_task
def send_meeting_reminders() -> int:
    return services.send_meeting_reminders()
