"""Writes to a consultation meeting in session (议事协商): opening it, attendance and each
party's quorum, motions, their votes and ballots, and closing it.

Every write that reads the meeting's or a motion's state first locks that row, so a ballot
either lands while the vote is open or is refused as late, and two taps of the same button
store one row. The electorate of a motion is fixed when its vote opens (`MotionElector`);
ballots are taken only from it, and nothing is counted before the vote closes: then
`deliberation.counting.count` decides once and its outcome is stored on the motion.

Ballots are two rows (ADR 0011): a receipt that says someone voted, and the choice. A secret
ballot's choice row names nobody and carries no time, so it cannot be paired with its receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Household, Residency, User
from communities.rules import require
from deliberation import counting
from deliberation.counting import Choice, Rule
from deliberation.models import (
    AgendaItem,
    Attendance,
    Invitation,
    Meeting,
    MeetingParty,
    Motion,
    MotionBallot,
    MotionElector,
    MotionReceipt,
)

S = Meeting.Status
Unit = Motion.VotingUnit


def _locked_meeting(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("area", "organization", "matter")
        .get(pk=meeting.pk)
    )


def _locked_motion(motion: Motion) -> Motion:
    return (
        Motion.objects.select_for_update(of=("self",))
        .select_related("agenda_item__meeting__area", "agenda_item__meeting__organization")
        .get(pk=motion.pk)
    )


def _require_in_session(meeting: Meeting) -> None:
    if meeting.status != S.IN_PROGRESS:
        raise ValidationError(
            _("The meeting is not in session; open it first."), code="not_in_session"
        )


# --- Opening, attendance, quorum, closing ----------------------------------------------------


@transaction.atomic
def open_meeting(*, meeting: Meeting, by: User) -> Meeting:
    """A confirmed meeting goes into session, on its day or later, opened by its organisers.
    Opening an open meeting changes nothing."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.run_meeting", meeting)
    if meeting.status == S.IN_PROGRESS:
        return meeting
    if meeting.status != S.CONFIRMED:
        raise ValidationError(
            _("Only a confirmed meeting can be opened; this one is “%(status)s”.")
            % {"status": meeting.get_status_display()},
            code="not_confirmed",
        )
    if timezone.localdate() < timezone.localdate(meeting.starts_at):
        raise ValidationError(
            _("This meeting is on %(day)s; it cannot be opened before its day.")
            % {"day": timezone.localdate(meeting.starts_at).isoformat()},
            code="too_early",
        )
    meeting.status = S.IN_PROGRESS
    meeting.opened_at = timezone.now()
    meeting.save(update_fields=["status", "opened_at"])
    return meeting


@transaction.atomic
def record_attendance(
    *, meeting: Meeting, person: User, by: User, observer: bool = False
) -> Attendance:
    """Counting staff note someone present: an invitee for the party they were invited for, or
    (observer=True) anyone as an observer, who counts for no party. Noting a person already
    present gives back their row; noting one who left brings them back."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.run_meeting", meeting)
    _require_in_session(meeting)
    invitation = Invitation.objects.filter(meeting=meeting, user=person).first()
    party = invitation.party if invitation else None
    if invitation is not None and party is None:
        observer = True  # invited as an observer
    if party is None and not observer:
        raise ValidationError(
            {
                "person": _(
                    "%(name)s was not invited for a party; note them as an observer instead."
                )
                % {"name": person.full_name or person.username}
            },
            code="not_a_representative",
        )
    if observer:
        party = None
    attendance = Attendance.objects.filter(meeting=meeting, user=person).first()
    if attendance is not None:
        if attendance.left_at is not None or attendance.party_id != (party and party.pk):
            attendance.left_at = None
            attendance.party = party
            attendance.save(update_fields=["left_at", "party"])
        return attendance
    return Attendance.objects.create(
        meeting=meeting, user=person, party=party, recorded_by=by, arrived_at=timezone.now()
    )


@transaction.atomic
def record_leaving(*, attendance: Attendance, by: User) -> Attendance:
    """Someone leaves before the end: they stop counting for their party's quorum and may no
    longer cast its voice, but they were there, so they still count for the minutes."""
    meeting = _locked_meeting(attendance.meeting)
    require(by, "deliberation.run_meeting", meeting)
    _require_in_session(meeting)
    attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
    if attendance.left_at is None:
        attendance.left_at = timezone.now()
        attendance.save(update_fields=["left_at"])
    return attendance


@transaction.atomic
def undo_attendance(*, attendance: Attendance, by: User) -> None:
    """Take back a person noted present by mistake. Refused once they voted or were counted in
    an electorate: the record of a vote does not change after the fact."""
    meeting = _locked_meeting(attendance.meeting)
    require(by, "deliberation.run_meeting", meeting)
    _require_in_session(meeting)
    if MotionElector.objects.filter(
        motion__agenda_item__meeting=meeting, user=attendance.user_id
    ).exists():
        raise ValidationError(
            _("This person was counted in a vote; record that they left instead."),
            code="counted",
        )
    Attendance.objects.filter(pk=attendance.pk).delete()


@dataclass(frozen=True)
class PartyQuorum:
    party: MeetingParty
    present: int
    needed: int

    @property
    def met(self) -> bool:
        return self.present >= self.needed


@dataclass(frozen=True)
class Quorum:
    parties: list[PartyQuorum]
    observers: int

    @property
    def complete(self) -> bool:
        """Every party at the table has the representatives it needs."""
        return bool(self.parties) and all(row.met for row in self.parties)

    @property
    def missing(self) -> list[MeetingParty]:
        return [row.party for row in self.parties if not row.met]


def quorum_of(meeting: Meeting) -> Quorum:
    """Per party, how many of its representatives are present and how many it needs, and
    whether the table has all its parties. Two queries, whatever the size of the meeting."""
    parties = (
        MeetingParty.objects.filter(meeting=meeting)
        .select_related("organization")
        .annotate(
            present=Count("attendance", filter=Q(attendance__left_at__isnull=True), distinct=True)
        )
    )
    observers = Attendance.objects.filter(
        meeting=meeting, party__isnull=True, left_at__isnull=True
    ).count()
    return Quorum(
        parties=[PartyQuorum(party=p, present=p.present, needed=p.quorum) for p in parties],
        observers=observers,
    )


@transaction.atomic
def close_meeting(*, meeting: Meeting, by: User) -> Meeting:
    """The session ends: the meeting is held. Every vote must be closed first, so no ballot is
    left uncounted."""
    meeting = _locked_meeting(meeting)
    require(by, "deliberation.run_meeting", meeting)
    if meeting.status == S.HELD:
        return meeting
    _require_in_session(meeting)
    if Motion.objects.filter(agenda_item__meeting=meeting, status=Motion.Status.OPEN).exists():
        raise ValidationError(
            _("A vote is still open; close it before closing the meeting."), code="vote_open"
        )
    meeting.status = S.HELD
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["status", "closed_at"])
    return meeting


# --- Motions and votes -----------------------------------------------------------------------


@transaction.atomic
def propose_motion(
    *,
    agenda_item: AgendaItem,
    title: str,
    by: User,
    text: str = "",
    rule: str | None = None,
    voting_unit: str = Unit.PERSON,
    secret: bool = False,
) -> Motion:
    """Counting staff put a motion under an agenda item, counted by `rule` (by default the
    catalogue's rule for the meeting's matter). The owners' rules of art. 278 count households
    with their floor area, so they require a vote by household."""
    meeting = _locked_meeting(agenda_item.meeting)
    require(by, "deliberation.run_meeting", meeting)
    if meeting.status not in (S.CONFIRMED, S.IN_PROGRESS):
        raise ValidationError(
            _("Motions are put while the meeting is confirmed or in session."), code="not_open"
        )
    if rule in (None, ""):
        rule = meeting.matter.default_rule if meeting.matter else Rule.SIMPLE_MAJORITY
    errors: dict[str, str] = {}
    title, text = title.strip(), text.strip()
    if not title:
        errors["title"] = _("Say what the motion proposes.")
    elif len(title) > 200:
        errors["title"] = _("Keep the motion under 200 characters; put the rest in its text.")
    if len(text) > 4000:
        errors["text"] = _("The text may be at most 4000 characters.")
    if rule not in Rule.values:
        errors["rule"] = _("Choose a counting rule.")
    if voting_unit not in Unit.values:
        errors["voting_unit"] = _("Choose who votes.")
    elif rule in Rule.values and Rule(rule).counts_floor_area and voting_unit != Unit.HOUSEHOLD:
        errors["voting_unit"] = _(
            "The owners' rules of the Civil Code count households with their floor area: "
            "choose one vote per household."
        )
    if errors:
        raise ValidationError(errors)
    return Motion.objects.create(
        agenda_item=agenda_item,
        title=title,
        text=text,
        rule=rule,
        voting_unit=voting_unit,
        secret=secret,
        proposed_by=by,
    )


def _present_representatives(meeting: Meeting):
    return Attendance.objects.filter(meeting=meeting, party__isnull=False, left_at__isnull=True)


def owner_households(meeting: Meeting):
    """Households under the meeting's area with at least one verified owner."""
    return Household.objects.filter(
        building__path__startswith=meeting.area.path,
        residencies__relation=Residency.Relation.OWNER,
        residencies__status=Residency.Status.VERIFIED,
    ).distinct()


@transaction.atomic
def open_vote(*, motion: Motion, by: User) -> Motion:
    """Voting opens, and who may vote is fixed now: the representatives present (by person),
    the parties that have their quorum (by party), or every household under the meeting's
    area with a verified owner, with its floor area (by household)."""
    motion = _locked_motion(motion)
    meeting = _locked_meeting(motion.agenda_item.meeting)
    require(by, "deliberation.run_meeting", meeting)
    _require_in_session(meeting)
    if motion.status == Motion.Status.OPEN:
        return motion
    if motion.status == Motion.Status.CLOSED:
        raise ValidationError(_("This vote is closed and counted."), code="closed")
    if motion.voting_unit == Unit.PERSON:
        electors = [
            MotionElector(motion=motion, user_id=row.user_id, party_id=row.party_id)
            for row in _present_representatives(meeting)
        ]
    elif motion.voting_unit == Unit.PARTY:
        electors = [
            MotionElector(motion=motion, party=row.party)
            for row in quorum_of(meeting).parties
            if row.met
        ]
    else:
        electors = [
            MotionElector(motion=motion, household=home, floor_area=home.floor_area)
            for home in owner_households(meeting).order_by("pk")
        ]
    if not electors:
        raise ValidationError(_("Nobody is entitled to vote on this motion yet."), code="empty")
    MotionElector.objects.bulk_create(electors)
    motion.electorate_headcount = len(electors)
    motion.electorate_floor_area = sum((e.floor_area for e in electors), Decimal("0"))
    motion.status = Motion.Status.OPEN
    motion.opened_at = timezone.now()
    motion.save(
        update_fields=["electorate_headcount", "electorate_floor_area", "status", "opened_at"]
    )
    return motion


def _require_open(motion: Motion) -> None:
    if motion.status == Motion.Status.CLOSED:
        raise ValidationError(
            _("This vote is closed; ballots are no longer taken."), code="vote_closed"
        )
    if motion.status != Motion.Status.OPEN:
        raise ValidationError(_("This vote is not open yet."), code="vote_not_open")


def _already_voted(motion: Motion) -> ValidationError:
    if motion.voting_unit == Unit.PARTY:
        return ValidationError(_("Your party has already voted on this motion."), code="voted")
    if motion.voting_unit == Unit.HOUSEHOLD:
        return ValidationError(_("This household has already voted on this motion."), code="voted")
    return ValidationError(_("You have already voted on this motion."), code="voted")


def _check_choice(choice: str) -> None:
    if choice not in Choice.values:
        raise ValidationError({"choice": _("Choose yes, no or abstain.")})


def _elector_of(
    motion: Motion, *, voter: User | None, household: Household | None
) -> MotionElector:
    """The voter's place in the fixed electorate, or a refusal saying why they have none."""
    meeting = motion.agenda_item.meeting
    electors = MotionElector.objects.filter(motion=motion).select_related("party", "household")
    if motion.voting_unit == Unit.PERSON:
        elector = electors.filter(user=voter).first()
        if elector is None or not _present_representatives(meeting).filter(user=voter).exists():
            raise PermissionDenied(
                _("Only the parties' representatives present when voting opened vote on this.")
            )
        return elector
    if motion.voting_unit == Unit.PARTY:
        present = _present_representatives(meeting).filter(user=voter).first()
        elector = present and electors.filter(user__isnull=True, party_id=present.party_id).first()
        if not elector:
            raise PermissionDenied(
                _("Only a representative present for a party at the table casts its voice.")
            )
        return elector
    elector = household and electors.filter(household=household).first()
    if not elector:
        raise PermissionDenied(
            _("Only the owners' households of %(place)s, as they stood when voting opened, vote.")
            % {"place": meeting.area.name}
        )
    return elector


def owned_households(motion: Motion, voter: User) -> list[Household]:
    """The households in the motion's electorate this person is a verified owner of."""
    return list(
        Household.objects.filter(
            pk__in=MotionElector.objects.filter(motion=motion, household__isnull=False).values(
                "household_id"
            ),
            residencies__user=voter,
            residencies__relation=Residency.Relation.OWNER,
            residencies__status=Residency.Status.VERIFIED,
        )
        .select_related("building")
        .distinct()
        .order_by("pk")
    )


def _store_ballot(
    motion: Motion,
    elector: MotionElector,
    *,
    choice: str,
    voter: User | None,
    on_paper: bool,
    entered_by: User | None,
) -> MotionReceipt:
    receipt = MotionReceipt(
        motion=motion,
        voter=voter,
        party=elector.party if motion.voting_unit == Unit.PARTY else None,
        household=elector.household,
        on_paper=on_paper,
        entered_by=entered_by,
        cast_at=timezone.now(),
    )
    if motion.voting_unit == Unit.HOUSEHOLD and on_paper:
        # A paper ballot is the household's; nobody online cast it.
        receipt.voter = None
    try:
        with transaction.atomic():
            receipt.save()
    except IntegrityError:
        # The motion's lock makes this unreachable; the constraints are the last guard.
        raise _already_voted(motion) from None
    MotionBallot.objects.create(
        motion=motion,
        choice=choice,
        floor_area=elector.floor_area,
        voter=None if motion.secret else voter,
        party=None if motion.secret else elector.party,
    )
    return receipt


def _receipt_exists(motion: Motion, elector: MotionElector, voter: User | None) -> bool:
    receipts = MotionReceipt.objects.filter(motion=motion)
    if motion.voting_unit == Unit.PERSON:
        return receipts.filter(voter=voter, party__isnull=True, household__isnull=True).exists()
    if motion.voting_unit == Unit.PARTY:
        return receipts.filter(party=elector.party).exists()
    return receipts.filter(household=elector.household).exists()


@transaction.atomic
def cast_ballot(
    *, motion: Motion, voter: User, choice: str, household: Household | None = None
) -> MotionReceipt:
    """One ballot per elector of the fixed electorate: a representative present (by person),
    a party's voice cast by any of its representatives present (by party), or an owner for a
    household they own (by household; the household may be left out when they own one). Only
    while the vote is open. A second ballot, however quickly it follows, is refused."""
    motion = _locked_motion(motion)
    _require_open(motion)
    _check_choice(choice)
    if motion.voting_unit == Unit.HOUSEHOLD:
        owned = owned_households(motion, voter)
        if household is None and len(owned) == 1:
            household = owned[0]
        if household is None or household.pk not in {home.pk for home in owned}:
            raise PermissionDenied(
                _("Only a verified owner votes for a household, as it stood when voting opened.")
                if household is not None or not owned
                else _("Say which of your households this ballot is for.")
            )
    elector = _elector_of(motion, voter=voter, household=household)
    if _receipt_exists(motion, elector, voter):
        raise _already_voted(motion)
    return _store_ballot(
        motion, elector, choice=choice, voter=voter, on_paper=False, entered_by=None
    )


@transaction.atomic
def enter_paper_ballot(
    *,
    motion: Motion,
    by: User,
    choice: str,
    household: Household | None = None,
    voter: User | None = None,
) -> MotionReceipt:
    """Counting staff enter a ballot cast on paper, for a household (by household) or a person
    (by person or party). The same eligibility and the same once-only hold as online; the
    receipt says it came from paper and who entered it."""
    motion = _locked_motion(motion)
    require(by, "deliberation.run_meeting", motion.agenda_item.meeting)
    _require_open(motion)
    _check_choice(choice)
    if motion.voting_unit == Unit.HOUSEHOLD:
        if household is None:
            raise ValidationError({"household": _("Say which household the ballot is from.")})
    elif voter is None:
        raise ValidationError({"voter": _("Say whose ballot this is.")})
    elector = _elector_of(motion, voter=voter, household=household)
    if _receipt_exists(motion, elector, voter):
        raise _already_voted(motion)
    return _store_ballot(
        motion,
        elector,
        choice=choice,
        voter=None if motion.voting_unit == Unit.HOUSEHOLD else voter,
        on_paper=True,
        entered_by=by,
    )


def turnout(motion: Motion) -> int:
    """How many ballots are in: the only number anyone sees while a vote is open."""
    return MotionReceipt.objects.filter(motion=motion).count()


@transaction.atomic
def close_vote(*, motion: Motion, by: User) -> Motion:
    """Voting ends and, then and only then, the ballots are counted under the motion's rule
    against the electorate fixed at the opening. The outcome (tally, decision and its
    reasons) is stored on the motion and never changes. Closing a closed vote changes
    nothing."""
    motion = _locked_motion(motion)
    require(by, "deliberation.run_meeting", motion.agenda_item.meeting)
    if motion.status == Motion.Status.CLOSED:
        return motion
    if motion.status != Motion.Status.OPEN:
        raise ValidationError(_("This vote is not open yet."), code="vote_not_open")
    votes = [
        counting.Vote(choice=choice, floor_area=area)
        for choice, area in MotionBallot.objects.filter(motion=motion).values_list(
            "choice", "floor_area"
        )
    ]
    electorate = counting.Electorate(
        headcount=motion.electorate_headcount or 0,
        floor_area=motion.electorate_floor_area or Decimal("0"),
    )
    outcome = counting.count(motion.rule, votes, electorate)
    motion.passed = outcome.passed
    motion.outcome = outcome.as_dict()
    motion.status = Motion.Status.CLOSED
    motion.closed_at = timezone.now()
    motion.save(update_fields=["passed", "outcome", "status", "closed_at"])
    return motion


def open_ballots(motion: Motion) -> list[MotionBallot]:
    """Who chose what in an open vote, once it is closed; nothing before, and nothing for a
    secret vote."""
    if motion.secret or motion.status != Motion.Status.CLOSED:
        return []
    return list(
        MotionBallot.objects.filter(motion=motion)
        .select_related("voter", "party__organization")
        .order_by("party__party", "voter__full_name", "choice")
    )


def outcome_of(motion: Motion) -> counting.Outcome | None:
    if motion.status != Motion.Status.CLOSED or not motion.outcome:
        return None
    return counting.Outcome.from_dict(motion.outcome)
