"""Meeting reminders on the real parts: the periodic task run by a Celery worker on Redis, and
two runners at once on PostgreSQL, each reminder sent once."""

import datetime
import os
import threading
import time

import pytest
from django.db import connection

from communities.models import Notification
from deliberation import services, tasks
from deliberation.models import MeetingReminder
from tests.deliberation.test_meetings import seat_all


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker thread consuming from the Redis broker the settings name."""
    from celery.contrib.testing.worker import start_worker

    from governance.celery import app

    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def due_now(plan, five_parties, people):
    """A confirmed meeting whose day-before reminders are due now (five invitees)."""
    meeting = plan()
    seat_all(meeting, five_parties, people)
    services.confirm_meeting(meeting=meeting, by=five_parties["group_member"])
    MeetingReminder.objects.filter(
        meeting=meeting, due_at=meeting.starts_at - datetime.timedelta(hours=24)
    ).update(due_at=meeting.starts_at - datetime.timedelta(days=3))
    return meeting


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs the Redis broker (REDIS_URL set)"
)
def test_a_real_worker_sends_the_due_reminders_once(celery_worker, plan, five_parties, people):
    meeting = due_now(plan, five_parties, people)
    tasks.send_meeting_reminders.delay()
    deadline = time.monotonic() + 20
    while (
        time.monotonic() < deadline
        and MeetingReminder.objects.filter(sent_at__isnull=False).count() < 5
    ):
        time.sleep(0.2)
    assert MeetingReminder.objects.filter(sent_at__isnull=False).count() == 5
    reminded = Notification.objects.filter(key__startswith="meeting-reminder-")
    assert reminded.count() == 5
    assert set(reminded.values_list("url", flat=True)) == {meeting.get_absolute_url()}


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks only mean something on PostgreSQL (DATABASE_URL set)",
)
@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_send_each_reminder_once(plan, five_parties, people):
    due_now(plan, five_parties, people)
    barrier = threading.Barrier(2)
    sent = []

    def run():
        try:
            barrier.wait()
            sent.append(services.send_meeting_reminders())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 5
    assert Notification.objects.filter(key__startswith="meeting-reminder-").count() == 5
    assert MeetingReminder.objects.filter(sent_at__isnull=False).count() == 5


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks only mean something on PostgreSQL (DATABASE_URL set)",
)
@pytest.mark.django_db(transaction=True)
def test_two_last_answers_at_once_never_both_take_the_last_seat(plan, five_parties, people):
    from django.core.exceptions import ValidationError

    from deliberation.models import Invitation

    meeting = plan(capacity=1)
    seat_all(meeting, five_parties, people)
    services.confirm_meeting(meeting=meeting, by=five_parties["group_member"])
    answering = [people.resident, people.owners_member, people.firm_staff]
    barrier = threading.Barrier(len(answering))
    refused = []

    def answer(person):
        try:
            invitation = Invitation.objects.get(meeting=meeting, user=person)
            barrier.wait()
            services.answer_invitation(invitation=invitation, by=person, answer="yes")
        except ValidationError as error:
            refused.append(list(error.message_dict))
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(person,)) for person in answering]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert meeting.invitations.filter(answer="yes").count() == 1
    assert refused == [["answer"], ["answer"]]
