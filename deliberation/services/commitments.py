"""Writes to public commitments (公开承诺 · 践诺): making one, reporting progress, recording the
result, public supervisors' remarks (群众监督) and the organisation's answers, and reminding the
organisation of an overdue one.

Every write locks the commitment row before it appends to the commitment's timeline, so the
timeline's hash chain (deliberation.timeline) grows one entry at a time. Locks are always taken
commitment first, then its issues in the order of their number, so two writers never wait on
each other in a circle. What the public reads (timeline notes, notices) is written in the
portal's language, whatever the language of the person acting.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communities.models import Area, Membership, Notice, Notification, Organization, User
from communities.rules import require
from communities.services import notify, publish_notice
from deliberation import timeline
from deliberation.models import (
    Commitment,
    CommitmentPhoto,
    CommitmentReminder,
    CommitmentUpdate,
    Issue,
)
from deliberation.services.issues import _commit_issue, _settle_issue, committable_statuses

U = CommitmentUpdate.Kind
Status = Commitment.Status

# The organisation hears of an overdue commitment the morning after it fell due, then weekly.
REMIND_AT = datetime.time(9, 0)
REMIND_EVERY = datetime.timedelta(days=7)
REMINDERS_PER_RUN = 500


def _locked(commitment: Commitment) -> Commitment:
    return (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("organization", "area")
        .get(pk=commitment.pk)
    )


def _append(commitment: Commitment, *, kind: str, by: User | None, **fields) -> CommitmentUpdate:
    """One entry on the commitment's timeline, chained to the one before it. The commitment row
    is locked by the caller."""
    fields.setdefault("actor_role", commitment.organization.name)
    return timeline.append(CommitmentUpdate(commitment=commitment, kind=kind, actor=by, **fields))


def _already_posted(submission_key: uuid.UUID | None) -> CommitmentUpdate | None:
    if submission_key is None:
        return None
    return CommitmentUpdate.objects.filter(submission_key=submission_key).first()


def _attach(entry: CommitmentUpdate, photos: list | None) -> None:
    for photo in photos or []:
        CommitmentPhoto.objects.create(update=entry, image=photo)


def _members(organization: Organization):
    return User.objects.filter(
        pk__in=Membership.objects.active().filter(organization=organization).values("user_id")
    )


def first_reminder_at(due_on: datetime.date) -> datetime.datetime:
    """The morning after the due date, in the portal's time zone."""
    return datetime.datetime.combine(
        due_on + datetime.timedelta(days=1), REMIND_AT, tzinfo=timezone.get_current_timezone()
    )


# --- Making a commitment ---------------------------------------------------------------------


@transaction.atomic
def make_commitment(
    *,
    organization: Organization,
    area: Area,
    title: str,
    due_on: datetime.date,
    by: User,
    description: str = "",
    issues: Iterable[Issue] = (),
    submission_key: uuid.UUID | None = None,
) -> Commitment:
    """An organisation promises, in public, to do something for an area by a date. Only its
    members speak for it, only where it serves, and never with a date already past. The same
    submission key gives back the commitment the first submission made.

    Each issue it answers must lie in the area and be open: its timeline says who committed to
    what by when, and an issue not yet given to a party is given to this organisation, so the
    funnel counts it as committed (once). The commitment goes on the area's notice board and its
    organisation is reminded if it becomes overdue."""
    if submission_key is not None:
        existing = Commitment.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    if not by.has_perm("deliberation.commit_for", organization):
        raise PermissionDenied(
            _("Only members of %(name)s can commit it.") % {"name": organization}
        )
    if not organization.reaches(area):
        raise ValidationError(
            {"area": _("%(name)s does not serve this place.") % {"name": organization.name}}
        )
    title, description = title.strip(), description.strip()
    if not title:
        raise ValidationError({"title": _("Say what is promised.")})
    if len(title) > 120:
        raise ValidationError({"title": _("Say what is promised in at most 120 characters.")})
    if len(description) > 4000:
        raise ValidationError({"description": _("The details may be at most 4000 characters.")})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("A commitment cannot be due in the past.")})
    issues = sorted({issue.pk: issue for issue in issues}.values(), key=lambda issue: issue.pk)
    _check_committable(issues, area=area, by=by)
    try:
        with transaction.atomic():
            commitment = Commitment.objects.create(
                organization=organization,
                area=area,
                title=title,
                description=description,
                due_on=due_on,
                made_by=by,
                submission_key=submission_key or uuid.uuid4(),
            )
    except IntegrityError:
        # Two taps raced past the check above; the other one won.
        return Commitment.objects.get(submission_key=submission_key)
    commitment.issues.set(issues)
    with translation.override(settings.LANGUAGE_CODE):
        _append(
            commitment,
            kind=U.MADE,
            by=by,
            at=commitment.made_at,
            text="\n\n".join(part for part in (title, description) if part),
            due_on=due_on,
        )
        for issue in issues:
            _commit_issue(issue, commitment=commitment, by=by)
        CommitmentReminder.objects.create(commitment=commitment, due_at=first_reminder_at(due_on))
        publish_notice(
            area=area,
            kind=Notice.Kind.COMMITMENT,
            title=(
                _("%(organization)s commits: %(title)s")
                % {
                    "organization": organization.name,
                    "title": title,
                }
            )[:200],
            body=_notice_body(commitment, issues),
            link_url=commitment.get_absolute_url(),
            by=None,
            source_key=f"commitment-{commitment.pk}",
            organization=organization,
        )
    return commitment


def _check_committable(issues: list[Issue], *, area: Area, by: User) -> None:
    """Every issue lies in the area and is open to a commitment by this person."""
    for issue in issues:
        if not area.contains(issue.area):
            raise ValidationError(
                {"issues": _("Issue #%(pk)s is not in this place.") % {"pk": issue.pk}}
            )
        if issue.status in committable_statuses(by, issue):
            continue
        if issue.status == Issue.Status.SUBMITTED:
            message = _(
                "Issue #%(pk)s has not been accepted yet; only those who accept issues here can "
                "commit to it now."
            )
        else:
            message = _("Issue #%(pk)s is no longer open.")
        raise ValidationError({"issues": message % {"pk": issue.pk}})


def _notice_body(commitment: Commitment, issues: list[Issue]) -> str:
    lines = [commitment.description] if commitment.description else []
    lines.append(_("Due by %(date)s.") % {"date": commitment.due_on.isoformat()})
    if issues:
        lines.append(
            _("It answers residents' issues: %(issues)s.")
            % {"issues": "、".join(f"#{issue.pk} {issue.title}" for issue in issues)}
        )
    return "\n\n".join(lines)


# --- Keeping it: progress and the result -------------------------------------------------------


@transaction.atomic
def report_progress(
    *,
    commitment: Commitment,
    by: User,
    progress: int,
    text: str,
    photos: list | None = None,
    submission_key: uuid.UUID | None = None,
) -> CommitmentUpdate:
    """践诺: how far the organisation has got, as a percentage and in words, with photos as
    evidence (already cleaned by deliberation.photos). Only its members report, only while the
    commitment is in progress. The percentage lies between 0 and 100 and never falls below the
    last one reported: the public figure only moves forward, and a setback is told in words."""
    commitment = _locked(commitment)
    existing = _already_posted(submission_key)
    if existing:
        return existing
    require(by, "deliberation.report_commitment_progress", commitment)
    if commitment.status != Status.ACTIVE:
        raise ValidationError(_("This commitment already has its result."))
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Give the progress as a percentage from 0 to 100.")})
    if progress < commitment.progress:
        raise ValidationError(
            {
                "progress": _(
                    "Progress cannot go back below the %(last)s%% reported before; say what set "
                    "it back in words instead."
                )
                % {"last": commitment.progress}
            }
        )
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Say what was done.")})
    if len(text) > 4000:
        raise ValidationError({"text": _("Say it in at most 4000 characters.")})
    entry = _append(
        commitment,
        kind=U.PROGRESS,
        by=by,
        progress=progress,
        text=text,
        submission_key=submission_key,
    )
    _attach(entry, photos)
    commitment.progress = progress
    commitment.save(update_fields=["progress"])
    return entry


@transaction.atomic
def record_commitment_result(
    *,
    commitment: Commitment,
    by: User,
    result: str,
    note: str = "",
    photos: list | None = None,
) -> Commitment:
    """The commitment is done with: fulfilled, partly fulfilled or not fulfilled, once and for
    all. A reason is required unless it was fulfilled. Fulfilling it resolves each issue it
    answers that is still being worked on (the note says what was done); otherwise they stay
    open, and their timelines say so and why. The result goes on the notice board; pending
    reminders are dropped. Recording the same result twice (a double tap) changes nothing."""
    commitment = _locked(commitment)
    require(by, "deliberation.record_commitment_result", commitment)
    if result not in CommitmentUpdate.RESULTS:
        raise ValidationError({"result": _("Choose fulfilled, partly fulfilled or not fulfilled.")})
    if commitment.status == result:
        return commitment
    if commitment.status != Status.ACTIVE:
        raise ValidationError(
            _("This commitment already has its result: %(result)s.")
            % {"result": commitment.get_status_display()}
        )
    note = note.strip()
    if result != Status.FULFILLED and not note:
        raise ValidationError({"note": _("Say why it was not fulfilled in full.")})
    if len(note) > 4000:
        raise ValidationError({"note": _("Say it in at most 4000 characters.")})
    entry = _append(commitment, kind=U.RESULT, by=by, result=result, text=note)
    _attach(entry, photos)
    commitment.status = result
    commitment.result_note = note
    commitment.completed_at = entry.at
    if result == Status.FULFILLED:
        commitment.progress = 100
    commitment.save(update_fields=["status", "result_note", "completed_at", "progress"])
    commitment.reminders.filter(sent_at__isnull=True).delete()
    with translation.override(settings.LANGUAGE_CODE):
        for issue in commitment.issues.order_by("pk"):
            _settle_issue(issue, commitment=commitment, by=by)
        publish_notice(
            area=commitment.area,
            kind=Notice.Kind.COMMITMENT_RESULT,
            title=(
                _("%(result)s: %(title)s")
                % {"result": commitment.get_status_display(), "title": commitment.title}
            )[:200],
            body=note,
            link_url=commitment.get_absolute_url(),
            by=None,
            source_key=f"commitment-result-{commitment.pk}",
            organization=commitment.organization,
        )
    return commitment


# --- Public supervision (群众监督) ----------------------------------------------------------------


@transaction.atomic
def remark_on_commitment(
    *,
    commitment: Commitment,
    by: User,
    text: str,
    submission_key: uuid.UUID | None = None,
) -> CommitmentUpdate:
    """群众监督: a public supervisor of the place (or of a place above it) questions or objects
    to a commitment, in public, at any time, also after its result. The organisation must
    answer; its members are told at once. The timeline names the role, never the person."""
    commitment = _locked(commitment)
    existing = _already_posted(submission_key)
    if existing:
        return existing
    require(by, "deliberation.remark_on_commitment", commitment)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write your remark.")})
    if len(text) > 2000:
        raise ValidationError({"text": _("Say it in at most 2000 characters.")})
    remark = _append(
        commitment,
        kind=U.REMARK,
        by=by,
        actor_role=CommitmentUpdate.SUPERVISOR,
        text=text,
        submission_key=submission_key,
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A public supervisor asks about “%(title)s”") % {"title": commitment.title}
        for member in _members(commitment.organization):
            notify(
                user=member,
                key=f"commitment-remark-{remark.pk}",
                title=title,
                body=text,
                url=commitment.get_absolute_url(),
                kind=Notification.Kind.COMMITMENT,
            )
    return remark


@transaction.atomic
def answer_remark(*, remark: CommitmentUpdate, by: User, text: str) -> CommitmentUpdate:
    """The organisation answers a supervisor's remark, in public, once. Answering again (a
    double tap) gives back the first answer."""
    commitment = _locked(remark.commitment)
    require(by, "deliberation.answer_commitment_remark", commitment)
    remark = (
        CommitmentUpdate.objects.filter(pk=remark.pk, commitment=commitment, kind=U.REMARK)
        .select_related("actor")
        .first()
    )
    if remark is None:
        raise ValidationError(_("Only a supervision remark can be answered."))
    answered = CommitmentUpdate.objects.filter(answer_to=remark).first()
    if answered:
        return answered
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write your answer.")})
    if len(text) > 2000:
        raise ValidationError({"text": _("Say it in at most 2000 characters.")})
    answer = _append(commitment, kind=U.ANSWER, by=by, answer_to=remark, text=text)
    if remark.actor is not None:
        with translation.override(settings.LANGUAGE_CODE):
            notify(
                user=remark.actor,
                key=f"commitment-answer-{answer.pk}",
                title=_("%(organization)s answered your remark on “%(title)s”")
                % {"organization": commitment.organization.name, "title": commitment.title},
                body=text,
                url=commitment.get_absolute_url(),
                kind=Notification.Kind.COMMITMENT,
            )
    return answer


# --- Reminders -----------------------------------------------------------------------------------


@transaction.atomic
def send_commitment_reminders(*, now: datetime.datetime | None = None) -> int:
    """The periodic task: an overdue commitment still in progress reminds the active members of
    its organisation the morning after it fell due and every week after that. Each reminder is a
    row, sent once: rows are locked (a second runner skips them), stamped when sent, and every
    message has the reminder's key, so a retried run sends nothing twice. Returns how many
    reminders went out."""
    now = now or timezone.now()
    due = list(
        CommitmentReminder.objects.select_for_update(skip_locked=True)
        .filter(sent_at__isnull=True, due_at__lte=now)
        .order_by("due_at")[:REMINDERS_PER_RUN]
    )
    commitments = Commitment.objects.select_related("organization").in_bulk(
        {reminder.commitment_id for reminder in due}
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for reminder in due:
            commitment = commitments[reminder.commitment_id]
            if commitment.status != Status.ACTIVE:
                reminder.delete()
                continue
            body = _(
                "It was due on %(date)s and has no result yet. Report the progress or record "
                "the result: the public can see it is overdue."
            ) % {"date": commitment.due_on.isoformat()}
            for member in _members(commitment.organization):
                notify(
                    user=member,
                    key=f"commitment-reminder-{reminder.pk}",
                    title=_("Overdue commitment: %(title)s") % {"title": commitment.title},
                    body=body,
                    url=commitment.get_absolute_url(),
                    kind=Notification.Kind.COMMITMENT,
                )
            reminder.sent_at = now
            reminder.save(update_fields=["sent_at"])
            weeks = (now - reminder.due_at) // REMIND_EVERY + 1
            CommitmentReminder.objects.get_or_create(
                commitment=commitment, due_at=reminder.due_at + weeks * REMIND_EVERY
            )
            sent += 1
    return sent
