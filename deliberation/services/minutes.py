"""Writes to a meeting's minutes and resolutions: writing, sending for confirmation, each
party's confirmation, publishing on the notice board, and turning resolutions into public
commitments.

The minutes row is locked by every write, so a confirmation is always of the text as it is,
and an edit after submission withdraws the confirmations given to the old text. Publishing is
one transaction: the notice, every commitment and every issue it moves forward, or nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communities.models import Notice, Organization, User
from communities.rules import require
from communities.services import publish_notice
from deliberation.models import (
    Attendance,
    Issue,
    Meeting,
    MeetingParty,
    Minutes,
    MinutesConfirmation,
    Motion,
    Resolution,
)
from deliberation.services.commitments import make_commitment

S = Meeting.Status
MAX_BODY = 20000


def _locked_meeting(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("area", "organization")
        .get(pk=meeting.pk)
    )


def _locked_minutes(minutes: Minutes) -> Minutes:
    return (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("meeting__area", "meeting__organization")
        .get(pk=minutes.pk)
    )


def _require_not_published(minutes: Minutes) -> None:
    if minutes.published_at is not None:
        raise ValidationError(
            _("The minutes are published; they no longer change."), code="published"
        )


def parties_present(meeting: Meeting) -> list[MeetingParty]:
    """The parties someone attended for: they confirm the minutes."""
    return list(
        MeetingParty.objects.filter(
            pk__in=Attendance.objects.filter(meeting=meeting, party__isnull=False).values(
                "party_id"
            )
        ).select_related("organization")
    )


@transaction.atomic
def write_minutes(*, meeting: Meeting, body: str, by: User) -> Minutes:
    """The organisers write the minutes during the meeting or after it. Changing minutes sent
    for confirmation takes them back: the confirmations of the old text are withdrawn and the
    new text must be sent again."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.run_meeting", meeting)
    if meeting.status not in (S.IN_PROGRESS, S.HELD):
        raise ValidationError(
            _("Minutes are written once the meeting is in session."), code="not_started"
        )
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write what was said and decided.")})
    if len(body) > MAX_BODY:
        raise ValidationError(
            {"body": _("The minutes may be at most %(count)s characters.") % {"count": MAX_BODY}}
        )
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        try:
            with transaction.atomic():
                return Minutes.objects.create(meeting=meeting, body=body, written_by=by)
        except IntegrityError:
            minutes = Minutes.objects.get(meeting=meeting)
    minutes = _locked_minutes(minutes)
    _require_not_published(minutes)
    if minutes.body == body:
        return minutes
    minutes.body = body
    minutes.written_by = by
    minutes.updated_at = timezone.now()
    if minutes.submitted_at is not None:
        minutes.submitted_at = None
        MinutesConfirmation.objects.filter(minutes=minutes).delete()
    minutes.save(update_fields=["body", "written_by", "updated_at", "submitted_at"])
    return minutes


@transaction.atomic
def submit_minutes(*, minutes: Minutes, by: User) -> Minutes:
    """The text is frozen and sent to the parties present for confirmation. Only once the
    meeting is held: until then there is more to write."""
    minutes = _locked_minutes(minutes)
    require(by, "deliberation.run_meeting", minutes.meeting)
    _require_not_published(minutes)
    if minutes.meeting.status != S.HELD:
        raise ValidationError(
            _("Close the meeting before sending its minutes for confirmation."), code="not_held"
        )
    if minutes.submitted_at is None:
        minutes.submitted_at = timezone.now()
        minutes.save(update_fields=["submitted_at"])
    return minutes


@transaction.atomic
def confirm_minutes(*, minutes: Minutes, party: MeetingParty, by: User) -> MinutesConfirmation:
    """One representative of a party present agrees, for the party, that the submitted minutes
    say what happened. For an organisation's party they must speak for the organisation, since
    its resolutions become that organisation's commitments in their name."""
    minutes = _locked_minutes(minutes)
    _require_not_published(minutes)
    if minutes.submitted_at is None:
        raise ValidationError(
            _("The minutes have not been sent for confirmation yet."), code="not_submitted"
        )
    meeting = minutes.meeting
    if party.meeting_id != meeting.pk or party.pk not in {p.pk for p in parties_present(meeting)}:
        raise ValidationError(
            {"party": _("Only a party present at the meeting confirms its minutes.")}
        )
    if not Attendance.objects.filter(meeting=meeting, party=party, user=by).exists():
        raise PermissionDenied(
            _("Only a representative of %(party)s who attended confirms for it.") % {"party": party}
        )
    if party.organization and not by.has_perm(
        "deliberation.speak_for_organization", party.organization
    ):
        raise PermissionDenied(
            _("Only a member of %(name)s confirms for it.") % {"name": party.organization.name}
        )
    existing = MinutesConfirmation.objects.filter(minutes=minutes, party=party).first()
    if existing:
        raise ValidationError(
            _("%(party)s has already confirmed these minutes.") % {"party": party},
            code="confirmed",
        )
    try:
        with transaction.atomic():
            return MinutesConfirmation.objects.create(minutes=minutes, party=party, confirmed_by=by)
    except IntegrityError:
        raise ValidationError(
            _("%(party)s has already confirmed these minutes.") % {"party": party},
            code="confirmed",
        ) from None


def unconfirmed_parties(minutes: Minutes) -> list[MeetingParty]:
    confirmed = set(
        MinutesConfirmation.objects.filter(minutes=minutes).values_list("party_id", flat=True)
    )
    return [party for party in parties_present(minutes.meeting) if party.pk not in confirmed]


@transaction.atomic
def record_resolution(
    *,
    meeting: Meeting,
    text: str,
    responsible: Organization,
    due_on: datetime.date,
    by: User,
    issues: Iterable[Issue] = (),
    motion: Motion | None = None,
) -> Resolution:
    """The meeting resolves that an organisation at its table will do something by a date in
    the future, for residents' issues on its agenda, and, when it was put to the vote, from a
    motion that passed. Published with the minutes, it becomes that organisation's commitment."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.run_meeting", meeting)
    if meeting.status not in (S.IN_PROGRESS, S.HELD):
        raise ValidationError(
            _("Resolutions are recorded once the meeting is in session."), code="not_started"
        )
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is not None and minutes.published_at is not None:
        raise ValidationError(
            _("The minutes are published; no resolution can be added."), code="published"
        )
    errors: dict[str, str] = {}
    text = text.strip()
    if not text:
        errors["text"] = _("Say what will be done.")
    elif len(text) > 120:
        # It becomes a commitment's title, which is at most 120 characters.
        errors["text"] = _("Say what will be done in at most 120 characters.")
    if not MeetingParty.objects.filter(meeting=meeting, organization=responsible).exists():
        errors["responsible"] = _("Only an organisation at the table can be made responsible.")
    if due_on <= timezone.localdate():
        errors["due_on"] = _("The date must be in the future.")
    issues = list({issue.pk: issue for issue in issues}.values())
    on_agenda = set(
        Issue.objects.filter(agenda_items__meeting=meeting).values_list("pk", flat=True)
    )
    if any(issue.pk not in on_agenda for issue in issues):
        errors["issues"] = _("Link only residents' issues that are on this meeting's agenda.")
    if motion is not None:
        if motion.agenda_item.meeting_id != meeting.pk:
            errors["motion"] = _("The motion is not one of this meeting's.")
        elif motion.status != Motion.Status.CLOSED or not motion.passed:
            errors["motion"] = _("Only a motion that passed can lead to a resolution.")
    if errors:
        raise ValidationError(errors)
    resolution = Resolution.objects.create(
        meeting=meeting,
        motion=motion,
        text=text,
        responsible=responsible,
        due_on=due_on,
        created_by=by,
    )
    resolution.issues.set(issues)
    return resolution


@transaction.atomic
def publish_minutes(*, minutes: Minutes, by: User) -> Minutes:
    """Once every party present has confirmed them, the minutes go on the notice board of the
    meeting's area (and from there to its residents' inboxes), and every resolution becomes
    a public commitment of its organisation, made in the name of the person who confirmed the
    minutes for it. All of it or nothing: a commitment refused stores no notice."""
    minutes = _locked_minutes(minutes)
    meeting = minutes.meeting
    require(by, "deliberation.run_meeting", meeting)
    if minutes.published_at is not None:
        return minutes
    if minutes.submitted_at is None:
        raise ValidationError(_("Send the minutes for confirmation first."), code="not_submitted")
    missing = unconfirmed_parties(minutes)
    if missing:
        raise ValidationError(
            _("Waiting for the confirmation of: %(parties)s.")
            % {"parties": "、".join(str(party) for party in missing)},
            code="unconfirmed",
        )
    confirmer_of = {
        confirmation.party.organization_id: confirmation.confirmed_by
        for confirmation in MinutesConfirmation.objects.filter(minutes=minutes).select_related(
            "party", "confirmed_by"
        )
        if confirmation.party.organization_id
    }
    resolutions = list(
        Resolution.objects.filter(meeting=meeting)
        .select_related("responsible")
        .prefetch_related("issues")
        .order_by("pk")
    )
    # What the public reads is in the portal's language; a refusal is in the reader's.
    for resolution in resolutions:
        confirmer = confirmer_of.get(resolution.responsible_id)
        if confirmer is None:
            raise ValidationError(
                _("%(name)s did not confirm the minutes, so it cannot commit to “%(text)s”.")
                % {"name": resolution.responsible.name, "text": resolution.text}
            )
        with translation.override(settings.LANGUAGE_CODE):
            description = _("Resolved at the meeting “%(title)s” on %(day)s.") % {
                "title": meeting.title,
                "day": timezone.localdate(meeting.starts_at).isoformat(),
            }
        resolution.commitment = make_commitment(
            organization=resolution.responsible,
            area=meeting.area,
            title=resolution.text,
            due_on=resolution.due_on,
            issues=list(resolution.issues.all()),
            by=confirmer,
            description=description,
        )
        resolution.save(update_fields=["commitment"])
    with translation.override(settings.LANGUAGE_CODE):
        title = (_("Minutes: %(title)s") % {"title": meeting.title})[:200]
    notice = publish_notice(
        area=meeting.area,
        title=title,
        by=None,
        kind=Notice.Kind.MINUTES,
        body=minutes.body,
        organization=meeting.organization,
        link_url=reverse("deliberation:minutes_detail", kwargs={"pk": meeting.pk}),
        source_key=f"meeting-{meeting.pk}-minutes",
    )
    minutes.notice = notice
    minutes.published_at = timezone.now()
    minutes.save(update_fields=["notice", "published_at"])
    return minutes
