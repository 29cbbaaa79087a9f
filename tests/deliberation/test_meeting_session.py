"""A meeting in session, through its services: opening, attendance and quorum, motions, ballots
online and on paper, counting at close, and the secrecy of what was chosen."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from deliberation import services
from deliberation.counting import Rule
from deliberation.models import (
    Attendance,
    ConsultationMatter,
    Invitation,
    Meeting,
    Motion,
    MotionBallot,
    MotionElector,
    MotionReceipt,
    Party,
)
from deliberation.services import meeting_session as session
from tests.deliberation.meeting_fixtures import confirmed_meeting, member, owned_home
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
P = Party
Unit = Motion.VotingUnit


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def in_session(table):
    services.open_meeting(meeting=table.meeting, by=table.clerk)
    for rep in table.reps.values():
        services.record_attendance(meeting=table.meeting, person=rep, by=table.clerk)
    return table


def motion_on(table, **kwargs):
    fields = {"agenda_item": table.item, "title": "更换全部路灯", "by": table.clerk}
    fields.update(kwargs)
    return services.propose_motion(**fields)


@pytest.fixture
def owners(tree, people, in_session):
    """Three more owners' households in K1 besides the resident's (B1 101, 88.50 m²)."""
    by = people.community_staff
    return [
        owned_home(tree.B1, "100.00", "owner-a", by=by),
        owned_home(tree.B2, "60.00", "owner-b", by=by),
        owned_home(tree.B2, "51.50", "owner-c", by=by),
    ]


# --- Opening and attendance ------------------------------------------------------------------


def test_the_organisers_open_a_confirmed_meeting_on_its_day(table):
    meeting = services.open_meeting(meeting=table.meeting, by=table.clerk)

    assert meeting.status == Meeting.Status.IN_PROGRESS
    assert meeting.opened_at is not None


def test_a_representative_who_does_not_organise_cannot_open_the_meeting(table, people):
    with pytest.raises(PermissionDenied):
        services.open_meeting(meeting=table.meeting, by=people.firm_staff)

    table.meeting.refresh_from_db()
    assert table.meeting.status == Meeting.Status.CONFIRMED


def test_a_meeting_cannot_be_opened_before_its_day(table, committee, tree):
    tomorrow = confirmed_meeting(
        organization=committee, area=tree.K1, starts_at=timezone.now() + datetime.timedelta(days=2)
    )

    with pytest.raises(ValidationError, match="before its day"):
        services.open_meeting(meeting=tomorrow, by=table.clerk)


def test_a_draft_meeting_cannot_be_opened(table):
    Meeting.objects.filter(pk=table.meeting.pk).update(status=Meeting.Status.DRAFT)

    with pytest.raises(ValidationError, match="confirmed"):
        services.open_meeting(meeting=table.meeting, by=table.clerk)


def test_attendance_counts_for_the_party_the_person_was_invited_for(table, people):
    services.open_meeting(meeting=table.meeting, by=table.clerk)

    first = services.record_attendance(
        meeting=table.meeting, person=people.owners_member, by=table.clerk
    )
    again = services.record_attendance(
        meeting=table.meeting, person=people.owners_member, by=table.clerk
    )

    assert first.pk == again.pk
    assert first.party == table.parties[P.OWNERS_COMMITTEE]
    assert Attendance.objects.filter(meeting=table.meeting).count() == 1


def test_someone_not_invited_comes_only_as_an_observer(table, people):
    services.open_meeting(meeting=table.meeting, by=table.clerk)

    with pytest.raises(ValidationError, match="observer"):
        services.record_attendance(meeting=table.meeting, person=people.stranger, by=table.clerk)
    walk_in = services.record_attendance(
        meeting=table.meeting, person=people.stranger, by=table.clerk, observer=True
    )

    assert walk_in.party is None
    assert services.quorum_of(table.meeting).observers == 1


def test_someone_invited_as_an_observer_is_noted_as_one(table, people):
    services.open_meeting(meeting=table.meeting, by=table.clerk)
    Invitation.objects.create(meeting=table.meeting, user=people.grid_worker, party=None)

    attendance = services.record_attendance(
        meeting=table.meeting, person=people.grid_worker, by=table.clerk
    )

    assert attendance.party is None
    assert services.quorum_of(table.meeting).observers == 1


def test_only_counting_staff_record_attendance(table, people):
    services.open_meeting(meeting=table.meeting, by=table.clerk)

    with pytest.raises(PermissionDenied):
        services.record_attendance(
            meeting=table.meeting, person=people.resident, by=people.resident
        )
    assert not Attendance.objects.exists()


def test_quorum_per_party_and_the_whole_table(table, people):
    services.open_meeting(meeting=table.meeting, by=table.clerk)
    table.parties[P.PROPERTY_FIRM].quorum = 2
    table.parties[P.PROPERTY_FIRM].save()
    for rep in table.reps.values():
        services.record_attendance(meeting=table.meeting, person=rep, by=table.clerk)

    quorum = services.quorum_of(table.meeting)

    firm_row = next(row for row in quorum.parties if row.party.party == P.PROPERTY_FIRM)
    assert (firm_row.present, firm_row.needed, firm_row.met) == (1, 2, False)
    assert sum(row.met for row in quorum.parties) == 4
    assert not quorum.complete
    assert quorum.missing == [table.parties[P.PROPERTY_FIRM]]


def test_someone_leaving_no_longer_counts_and_coming_back_counts_again(in_session, people):
    attendance = Attendance.objects.get(user=people.firm_staff)
    assert services.quorum_of(in_session.meeting).complete

    services.record_leaving(attendance=attendance, by=in_session.clerk)
    assert not services.quorum_of(in_session.meeting).complete

    services.record_attendance(
        meeting=in_session.meeting, person=people.firm_staff, by=in_session.clerk
    )
    assert services.quorum_of(in_session.meeting).complete


def test_attendance_noted_by_mistake_is_taken_back_unless_counted_in_a_vote(in_session, people):
    services.record_attendance(
        meeting=in_session.meeting, person=people.stranger, by=in_session.clerk, observer=True
    )
    services.undo_attendance(
        attendance=Attendance.objects.get(user=people.stranger), by=in_session.clerk
    )
    services.open_vote(motion=motion_on(in_session), by=in_session.clerk)

    with pytest.raises(ValidationError, match="counted in a vote"):
        services.undo_attendance(
            attendance=Attendance.objects.get(user=people.resident), by=in_session.clerk
        )
    assert not Attendance.objects.filter(user=people.stranger).exists()
    assert Attendance.objects.filter(user=people.resident).exists()


def test_the_meeting_closes_only_when_no_vote_is_open(in_session):
    motion = services.open_vote(motion=motion_on(in_session), by=in_session.clerk)

    with pytest.raises(ValidationError, match="still open"):
        services.close_meeting(meeting=in_session.meeting, by=in_session.clerk)
    services.close_vote(motion=motion, by=in_session.clerk)
    meeting = services.close_meeting(meeting=in_session.meeting, by=in_session.clerk)

    assert meeting.status == Meeting.Status.HELD
    assert meeting.closed_at is not None


# --- Motions and electorates -----------------------------------------------------------------


def test_a_motion_is_counted_by_the_matters_rule_unless_told_otherwise(table, tree):
    matter = ConsultationMatter.objects.create(
        area=tree.C1,
        kind=ConsultationMatter.Kind.RENOVATION,
        title="公共部位改造",
        level=tree.K1.level,
        default_rule=Rule.TWO_THIRDS,
    )
    Meeting.objects.filter(pk=table.meeting.pk).update(matter=matter)

    assert motion_on(table).rule == Rule.TWO_THIRDS
    assert motion_on(table, rule=Rule.SIMPLE_MAJORITY).rule == Rule.SIMPLE_MAJORITY


def test_the_owners_rules_require_a_vote_by_household(table):
    with pytest.raises(ValidationError) as refused:
        motion_on(table, rule=Rule.OWNERS_SPECIAL, voting_unit=Unit.PERSON)

    assert "voting_unit" in refused.value.error_dict
    assert not Motion.objects.exists()


def test_opening_a_vote_by_person_fixes_the_representatives_present(in_session, people):
    services.record_leaving(
        attendance=Attendance.objects.get(user=people.firm_staff), by=in_session.clerk
    )
    services.record_attendance(
        meeting=in_session.meeting, person=people.stranger, by=in_session.clerk, observer=True
    )

    motion = services.open_vote(motion=motion_on(in_session), by=in_session.clerk)

    assert motion.electorate_headcount == 4
    assert set(MotionElector.objects.filter(motion=motion).values_list("user", flat=True)) == {
        rep.pk for party, rep in in_session.reps.items() if party != P.PROPERTY_FIRM
    }


def test_opening_a_vote_by_party_counts_the_parties_with_their_quorum(in_session):
    in_session.parties[P.PROPERTY_FIRM].quorum = 2
    in_session.parties[P.PROPERTY_FIRM].save()

    motion = services.open_vote(
        motion=motion_on(in_session, voting_unit=Unit.PARTY), by=in_session.clerk
    )

    assert motion.electorate_headcount == 4


def test_opening_a_vote_by_household_fixes_owners_households_and_their_floor_area(
    in_session, owners, tree, people
):
    _, tenant = owned_home(tree.B2, "70.00", "tenant", by=people.community_staff)
    tenant.residencies.update(relation="tenant")
    owned_home(tree.B3, "90.00", "elsewhere", by=people.community_staff)  # K2, not K1

    motion = services.open_vote(
        motion=motion_on(in_session, rule=Rule.OWNERS_SPECIAL, voting_unit=Unit.HOUSEHOLD),
        by=in_session.clerk,
    )

    assert motion.electorate_headcount == 4
    assert motion.electorate_floor_area == Decimal("300.00")


def test_a_vote_opens_only_in_session(table):
    motion = motion_on(table)

    with pytest.raises(ValidationError, match="not in session"):
        services.open_vote(motion=motion, by=table.clerk)


# --- Ballots ---------------------------------------------------------------------------------


def test_a_ballot_before_the_vote_opens_or_after_it_closes_is_refused(in_session, people):
    motion = motion_on(in_session)

    with pytest.raises(ValidationError, match="not open yet"):
        services.cast_motion_ballot(motion=motion, voter=people.resident, choice="yes")
    services.open_vote(motion=motion, by=in_session.clerk)
    services.close_vote(motion=motion, by=in_session.clerk)
    with pytest.raises(ValidationError, match="closed"):
        services.cast_motion_ballot(motion=motion, voter=people.resident, choice="yes")
    assert not MotionReceipt.objects.exists()


def test_a_second_ballot_by_the_same_person_is_refused_and_stores_nothing(in_session, people):
    motion = services.open_vote(motion=motion_on(in_session), by=in_session.clerk)

    services.cast_motion_ballot(motion=motion, voter=people.resident, choice="yes")
    with pytest.raises(ValidationError, match="already voted"):
        services.cast_motion_ballot(motion=motion, voter=people.resident, choice="no")

    assert MotionReceipt.objects.filter(motion=motion).count() == 1
    assert MotionBallot.objects.filter(motion=motion).count() == 1


def test_only_the_representatives_present_at_the_opening_vote_by_person(in_session, people):
    motion = services.open_vote(motion=motion_on(in_session), by=in_session.clerk)
    late = UserFactory(username="late")
    services.record_attendance(
        meeting=in_session.meeting, person=late, by=in_session.clerk, observer=True
    )

    with pytest.raises(PermissionDenied, match="representatives present"):
        services.cast_motion_ballot(motion=motion, voter=late, choice="yes")
    with pytest.raises(PermissionDenied):
        services.cast_motion_ballot(motion=motion, voter=people.stranger, choice="yes")
    assert not MotionReceipt.objects.exists()


def test_a_partys_voice_is_cast_once_by_any_of_its_representatives(in_session, people, admin_user):
    second_rep = UserFactory(username="firm-2")

    member(people.firm_staff.memberships.get().organization, "firm-2", by=admin_user)
    Invitation.objects.create(
        meeting=in_session.meeting, user=second_rep, party=in_session.parties[P.PROPERTY_FIRM]
    )
    services.record_attendance(meeting=in_session.meeting, person=second_rep, by=in_session.clerk)
    motion = services.open_vote(
        motion=motion_on(in_session, voting_unit=Unit.PARTY), by=in_session.clerk
    )

    services.cast_motion_ballot(motion=motion, voter=second_rep, choice="yes")
    with pytest.raises(ValidationError, match="Your party has already voted"):
        services.cast_motion_ballot(motion=motion, voter=people.firm_staff, choice="no")

    receipt = MotionReceipt.objects.get(motion=motion)
    assert receipt.party == in_session.parties[P.PROPERTY_FIRM]
    assert receipt.voter == second_rep


def test_an_owner_votes_for_their_household_with_its_floor_area(in_session, owners, people):
    motion = services.open_vote(
        motion=motion_on(in_session, rule=Rule.OWNERS_ORDINARY, voting_unit=Unit.HOUSEHOLD),
        by=in_session.clerk,
    )
    home, owner = owners[0]

    receipt = services.cast_motion_ballot(motion=motion, voter=owner, choice="yes")

    assert receipt.household == home
    assert MotionBallot.objects.get(motion=motion).floor_area == Decimal("100.00")
    with pytest.raises(PermissionDenied, match="verified owner"):
        services.cast_motion_ballot(
            motion=motion, voter=people.stranger, choice="yes", household=home
        )


def test_a_paper_ballot_and_an_online_one_for_the_same_household_make_one(in_session, owners):
    motion = services.open_vote(
        motion=motion_on(in_session, rule=Rule.OWNERS_SPECIAL, voting_unit=Unit.HOUSEHOLD),
        by=in_session.clerk,
    )
    home, owner = owners[1]

    paper = services.enter_paper_ballot(
        motion=motion, by=in_session.clerk, household=home, choice="no"
    )
    with pytest.raises(ValidationError, match="household has already voted"):
        services.cast_motion_ballot(motion=motion, voter=owner, choice="yes")
    with pytest.raises(ValidationError, match="household has already voted"):
        services.enter_paper_ballot(motion=motion, by=in_session.clerk, household=home, choice="no")

    assert (paper.on_paper, paper.entered_by, paper.voter) == (True, in_session.clerk, None)
    assert MotionBallot.objects.filter(motion=motion).count() == 1


def test_only_counting_staff_enter_paper_ballots(in_session, owners, people):
    motion = services.open_vote(
        motion=motion_on(in_session, rule=Rule.OWNERS_SPECIAL, voting_unit=Unit.HOUSEHOLD),
        by=in_session.clerk,
    )

    with pytest.raises(PermissionDenied):
        services.enter_paper_ballot(
            motion=motion, by=people.resident, household=owners[0][0], choice="yes"
        )
    assert not MotionReceipt.objects.exists()


def test_an_unknown_choice_is_refused(in_session, people):
    motion = services.open_vote(motion=motion_on(in_session), by=in_session.clerk)

    with pytest.raises(ValidationError, match="yes, no or abstain"):
        services.cast_motion_ballot(motion=motion, voter=people.resident, choice="maybe")
    assert not MotionReceipt.objects.exists()


# --- Counting and secrecy --------------------------------------------------------------------


def test_closing_the_vote_counts_it_once_and_stores_the_outcome(in_session, people):
    motion = services.open_vote(motion=motion_on(in_session), by=in_session.clerk)
    for party, choice in [
        (P.RESIDENTS, "yes"),
        (P.OWNERS_COMMITTEE, "yes"),
        (P.PROPERTY_FIRM, "no"),
        (P.PARTY_ORGANIZATION, "abstain"),
    ]:
        services.cast_motion_ballot(motion=motion, voter=in_session.reps[party], choice=choice)
    assert Motion.objects.get(pk=motion.pk).outcome is None

    motion = services.close_vote(motion=motion, by=in_session.clerk)

    assert motion.passed is False
    assert motion.outcome["yes"] == 2
    assert motion.outcome["cast"] == 4
    assert motion.outcome["electorate_headcount"] == 5
    assert "more than half" in motion.outcome["reason"]


def test_a_secret_ballot_leads_back_to_nobody(in_session, people):
    motion = services.open_vote(motion=motion_on(in_session, secret=True), by=in_session.clerk)

    receipt = services.cast_motion_ballot(motion=motion, voter=people.resident, choice="yes")
    ballot = MotionBallot.objects.get(motion=motion)

    assert (ballot.voter_id, ballot.party_id) == (None, None)
    assert isinstance(ballot.pk, uuid.UUID)
    ballot_fields = {field.name for field in MotionBallot._meta.get_fields()}
    assert not ballot_fields & {"cast_at", "created_at", "receipt", "household"}
    assert str(ballot.pk) != str(receipt.pk)
    services.close_vote(motion=motion, by=in_session.clerk)
    assert session.open_ballots(Motion.objects.get(pk=motion.pk)) == []


def test_who_chose_what_in_an_open_vote_is_read_only_after_it_closes(in_session, people):
    motion = services.open_vote(motion=motion_on(in_session), by=in_session.clerk)
    services.cast_motion_ballot(motion=motion, voter=people.resident, choice="no")

    assert session.open_ballots(Motion.objects.get(pk=motion.pk)) == []
    assert session.outcome_of(Motion.objects.get(pk=motion.pk)) is None
    assert session.turnout(motion) == 1

    services.close_vote(motion=motion, by=in_session.clerk)
    [ballot] = session.open_ballots(Motion.objects.get(pk=motion.pk))
    assert (ballot.voter, ballot.choice) == (people.resident, "no")
