"""Writes to polls (投票): create, vote, announce, close and publish the result.

A ballot is a receipt (who voted, unique per poll and voter, and per household where the poll
counts households) and choice rows without a voter, written together or not at all. The poll
row is locked by every ballot and by the close, so a ballot either lands before the count or
is refused as late; nothing is counted before the close.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from communities.background import enqueue_after_commit
from communities.models import Area, Notice, Notification, Organization, User
from communities.rules import require
from communities.services import notify_many, publish_notice
from deliberation.models import Poll, PollChoice, PollOption, PollReceipt, Topic

logger = logging.getLogger(__name__)

MAX_OPTIONS = 20
# A form posts times to the minute: "now" typed at 10:05 arrives at 10:05:40. Within this much
# of the past, a poll simply opens now.
OPENING_GRACE = datetime.timedelta(minutes=5)


@transaction.atomic
def create_poll(
    *,
    organization: Organization,
    area: Area,
    title: str,
    options: Sequence[str],
    closes_at: datetime.datetime,
    by: User,
    description: str = "",
    opens_at: datetime.datetime | None = None,
    voting_unit: str = Poll.VotingUnit.RESIDENT,
    owners_only: bool = False,
    max_choices: int = 1,
    topic: Topic | None = None,
    submission_key: uuid.UUID | None = None,
) -> Poll:
    """An organisation puts a question to the residents of an area it acts in: at least two
    different options, closing after it opens, opening now or later (never in the past). The
    eligible voters are told once it opens. The same submission key gives back the same poll."""
    if submission_key is not None:
        existing = Poll.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    if not by.has_perm("deliberation.speak_for_organization", organization):
        raise PermissionDenied(
            _("Only members of %(name)s can run polls for it.") % {"name": organization}
        )
    if not organization.reaches(area):
        raise ValidationError(
            {"area": _("%(name)s does not serve this place.") % {"name": organization.name}}
        )
    now = timezone.now()
    opens_at = opens_at or now
    labels = [label.strip() for label in options if label.strip()]
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Say what residents are asked.")
    if len(labels) < 2:
        errors["options"] = _("A poll needs at least two options to choose from.")
    elif len(labels) > MAX_OPTIONS:
        errors["options"] = _("A poll offers at most %(count)s options.") % {"count": MAX_OPTIONS}
    elif len(set(labels)) < len(labels):
        twice = next(label for label in labels if labels.count(label) > 1)
        errors["options"] = _("Each option must be different: “%(label)s” is there twice.") % {
            "label": twice
        }
    elif any(len(label) > PollOption._meta.get_field("label").max_length for label in labels):
        errors["options"] = _("Keep each option under 100 characters.")
    if not 1 <= max_choices <= max(len(labels), 1):
        errors["max_choices"] = _("A ballot may choose from 1 to %(count)s options.") % {
            "count": max(len(labels), 1)
        }
    if voting_unit not in Poll.VotingUnit.values:
        errors["voting_unit"] = _("Choose one vote per resident or one per household.")
    if opens_at < now - OPENING_GRACE:
        errors["opens_at"] = _("A poll cannot open in the past. Leave it empty to open it now.")
    opens_at = max(opens_at, now)
    if closes_at <= opens_at:
        errors["closes_at"] = _("A poll must close after it opens.")
    if topic is not None and not topic.area.contains(area):
        errors["area"] = _("A poll from a topic is for the topic's place or a place under it.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            poll = Poll.objects.create(
                organization=organization,
                area=area,
                topic=topic,
                title=title.strip(),
                description=description.strip(),
                voting_unit=voting_unit,
                owners_only=owners_only,
                max_choices=max_choices,
                opens_at=opens_at,
                closes_at=closes_at,
                created_by=by,
                created_at=now,
                submission_key=submission_key or uuid.uuid4(),
            )
    except IntegrityError:
        # Two taps raced past the check above; the other one won.
        return Poll.objects.get(submission_key=submission_key)
    PollOption.objects.bulk_create(
        [
            PollOption(poll=poll, label=label, position=position)
            for position, label in enumerate(labels, start=1)
        ]
    )
    if opens_at <= now:
        from deliberation.tasks import announce_poll

        enqueue_after_commit(announce_poll, poll.pk)
    return poll


@transaction.atomic
def cast_ballot(*, poll: Poll, voter: User, options: Sequence[PollOption]) -> PollReceipt:
    """One ballot per voter, and per household where the poll counts households (the first
    resident of a household to vote votes for it). Only while the poll is open, only by a
    verified resident under its area (an owner, if the poll says so). The receipt and the
    choices are written together; the choices carry nothing that leads back to the voter."""
    poll = Poll.objects.select_for_update(of=("self",)).select_related("area").get(pk=poll.pk)
    now = timezone.now()
    if poll.closed_at is not None or now >= poll.closes_at:
        raise ValidationError(
            _("This poll closed on %(when)s; ballots are no longer taken.")
            % {"when": _when(poll.closed_at or poll.closes_at)},
            code="closed",
        )
    if now < poll.opens_at:
        raise ValidationError(
            _("This poll opens on %(when)s; come back then.") % {"when": _when(poll.opens_at)},
            code="not_open",
        )
    households = poll.eligible_households_of(voter)
    if not households:
        if poll.owners_only:
            message = _("Only verified owners living in %(place)s may vote in this poll.")
        else:
            message = _("Only verified residents of %(place)s may vote in this poll.")
        raise PermissionDenied(message % {"place": poll.area.name})
    if PollReceipt.objects.filter(poll=poll, voter=voter).exists():
        raise ValidationError(_("You have already voted in this poll."), code="already_voted")
    household = None
    if poll.per_household:
        voted = set(
            PollReceipt.objects.filter(poll=poll, household__in=households).values_list(
                "household_id", flat=True
            )
        )
        household = next((home for home in households if home.pk not in voted), None)
        if household is None:
            raise ValidationError(
                _("Your household has already voted in this poll."), code="household_voted"
            )
    chosen = _checked_choices(poll, options)
    try:
        with transaction.atomic():
            receipt = PollReceipt.objects.create(
                poll=poll, voter=voter, household=household, cast_at=now
            )
    except IntegrityError:
        # The lock above makes this unreachable; the constraints are the last guard.
        raise ValidationError(
            _("You have already voted in this poll."), code="already_voted"
        ) from None
    PollChoice.objects.bulk_create([PollChoice(poll=poll, option=option) for option in chosen])
    return receipt


def _checked_choices(poll: Poll, options: Sequence[PollOption]) -> list[PollOption]:
    chosen = {option.pk: option for option in options}
    if any(option.poll_id != poll.pk for option in chosen.values()):
        raise ValidationError({"options": _("Choose among this poll's options.")})
    if not chosen:
        raise ValidationError({"options": _("Choose an option.")})
    if len(chosen) > poll.max_choices:
        raise ValidationError(
            {
                "options": _("Choose at most %(count)s options.") % {"count": poll.max_choices}
                if poll.max_choices > 1
                else _("Choose one option.")
            }
        )
    return list(chosen.values())


def _when(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def announce_poll(*, poll: Poll) -> int:
    """Tell every eligible voter, once, that the poll is open: bulk inbox rows keyed by poll,
    so a retried or overlapping run adds nothing. Returns how many people were covered."""
    now = timezone.now()
    poll = Poll.objects.select_related("area").get(pk=poll.pk)
    if poll.announced_at is not None or poll.phase_at(now) != Poll.Phase.OPEN:
        return 0
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        covered = notify_many(
            user_ids=list(poll.eligible_voter_ids()),
            key=f"poll-{poll.pk}-open",
            title=_("A poll is open: %(title)s") % {"title": poll.title},
            body=_("Vote by %(when)s. Results are shown when the poll closes.")
            % {"when": _when(poll.closes_at)},
            url=poll.get_absolute_url(),
            kind=Notification.Kind.POLL,
        )
        Poll.objects.filter(pk=poll.pk, announced_at__isnull=True).update(announced_at=now)
    return covered


def announce_due_polls() -> list[int]:
    """The periodic task: polls whose time to open came (or whose announcement never ran)."""
    due = list(Poll.objects.due_to_announce().values_list("pk", flat=True))
    for pk in due:
        announce_poll(poll=Poll(pk=pk))
    return due


@transaction.atomic
def close_poll(*, poll: Poll, by: User | None = None) -> Poll:
    """Count the ballots once, store the result on the options and publish it on the area's
    notice board, whose delivery tells every resident of the area. `by=None` is the periodic task, which closes a poll only
    once its time has passed; the organiser may close an open poll early. Closing a closed poll
    changes nothing."""
    poll = (
        Poll.objects.select_for_update(of=("self",))
        .select_related("area", "organization")
        .get(pk=poll.pk)
    )
    if poll.closed_at is not None:
        return poll
    now = timezone.now()
    if by is None and now < poll.closes_at:
        raise ValidationError(_("This poll is still open."), code="still_open")
    if by is not None:
        require(by, "deliberation.manage_poll", poll)
        if now < poll.opens_at:
            raise ValidationError(
                _("This poll has not opened yet; there is nothing to close."), code="not_open"
            )
    counts = dict(
        PollChoice.objects.filter(poll=poll)
        .values("option")
        .annotate(votes=Count("pk"))
        .values_list("option", "votes")
    )
    options = list(poll.options.all())
    for option in options:
        option.votes = counts.get(option.pk, 0)
    PollOption.objects.bulk_update(options, ["votes"])
    poll.ballots_cast = PollReceipt.objects.filter(poll=poll).count()
    poll.eligible_count = poll.eligible_unit_count()
    poll.closed_at = now
    poll.closed_by = by
    poll.save(update_fields=["ballots_cast", "eligible_count", "closed_at", "closed_by"])
    with translation.override(settings.LANGUAGE_CODE):
        publish_notice(
            area=poll.area,
            title=_("Poll result: %(title)s") % {"title": poll.title},
            by=None,
            kind=Notice.Kind.POLL_RESULT,
            body=_result_text(poll),
            organization=poll.organization,
            link_url=poll.get_absolute_url(),
            source_key=f"poll-{poll.pk}-result",
        )
    return poll


def _result_text(poll: Poll) -> str:
    lines = [
        _("%(option)s: %(votes)s votes (%(share).0f%%)")
        % {"option": row.option.label, "votes": row.votes, "share": row.share * 100}
        for row in poll.results()
    ]
    if poll.per_household:
        turnout = _("%(cast)s of %(eligible)s eligible households voted.")
    else:
        turnout = _("%(cast)s of %(eligible)s eligible residents voted.")
    lines.append(turnout % {"cast": poll.ballots_cast, "eligible": poll.eligible_count})
    return "\n".join(lines)


def close_due_polls() -> list[int]:
    """The periodic task: close every poll whose time has passed, each in its own transaction,
    so one that fails is logged and retried on the next run without holding the others back.
    Running it again closes nothing twice."""
    closed = []
    for pk in list(Poll.objects.due_to_close().values_list("pk", flat=True)):
        try:
            close_poll(poll=Poll(pk=pk))
        except Exception:
            logger.exception("Could not close poll %s; the next run retries.", pk)
        else:
            closed.append(pk)
    return closed
