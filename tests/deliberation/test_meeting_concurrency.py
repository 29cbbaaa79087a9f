"""On PostgreSQL, many ballots for one voter at the same moment: the motion's row lock queues
them, the first is stored and every other is told "already voted"; the unique constraints
refuse whatever slips past. One receipt, one ballot."""

import os

import pytest
from django.core.exceptions import ValidationError

from communities.models import Household, User
from deliberation import services
from deliberation.counting import Rule
from deliberation.models import Motion, MotionBallot, MotionReceipt, Party
from tests.communities.test_spaces_concurrency import _race
from tests.deliberation.meeting_fixtures import owned_home

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks only mean something on PostgreSQL (DATABASE_URL set)",
    ),
]

# PostgreSQL serves 100 connections to everyone on the machine: 25 threads at once, each
# submitting four times as fast as it can, make the 100 submissions.
THREADS = 25
SUBMITS_PER_THREAD = 4


@pytest.fixture
def in_session(table):
    services.open_meeting(meeting=table.meeting, by=table.clerk)
    for rep in table.reps.values():
        services.record_attendance(meeting=table.meeting, person=rep, by=table.clerk)
    return table


def _open_motion(table, **kwargs) -> Motion:
    motion = services.propose_motion(
        agenda_item=table.item, title="更换全部路灯", by=table.clerk, **kwargs
    )
    return services.open_vote(motion=motion, by=table.clerk)


def _cast(motion_pk: int, voter_pk: int, choice: str, household_pk: int | None = None):
    try:
        return services.cast_motion_ballot(
            motion=Motion(pk=motion_pk),
            voter=User.objects.get(pk=voter_pk),
            choice=choice,
            household=Household.objects.get(pk=household_pk) if household_pk else None,
        )
    except ValidationError as error:
        return error


def _paper(motion_pk: int, clerk_pk: int, household_pk: int, choice: str):
    try:
        return services.enter_paper_ballot(
            motion=Motion(pk=motion_pk),
            by=User.objects.get(pk=clerk_pk),
            household=Household.objects.get(pk=household_pk),
            choice=choice,
        )
    except ValidationError as error:
        return error


@pytest.mark.django_db(transaction=True)
def test_a_hundred_submissions_by_one_voter_store_one_ballot(in_session):
    motion = _open_motion(in_session, secret=True)
    voter = in_session.reps[Party.RESIDENTS]

    def submit_four_times(i):
        return [_cast(motion.pk, voter.pk, "yes") for _ in range(SUBMITS_PER_THREAD)]

    outcomes = [outcome for batch in _race(submit_four_times, THREADS) for outcome in batch]

    stored = [outcome for outcome in outcomes if isinstance(outcome, MotionReceipt)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert len(outcomes) == 100
    assert len(stored) == 1
    assert len(refused) == 99
    assert all("already voted" in error.messages[0] for error in refused)
    assert MotionReceipt.objects.filter(motion=motion).count() == 1
    assert MotionBallot.objects.filter(motion=motion).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_paper_ballot_and_the_owners_online_ballot_at_once_make_one(in_session, tree, people):
    home, owner = owned_home(tree.B2, "60.00", "owner-b", by=people.community_staff)
    motion = _open_motion(in_session, rule=Rule.OWNERS_SPECIAL, voting_unit="household")

    def either(i):
        if i % 2:
            return _paper(motion.pk, in_session.clerk.pk, home.pk, "no")
        return _cast(motion.pk, owner.pk, "yes", home.pk)

    outcomes = _race(either, 20)

    stored = [outcome for outcome in outcomes if isinstance(outcome, MotionReceipt)]
    assert len(stored) == 1
    assert all(
        "household has already voted" in outcome.messages[0]
        for outcome in outcomes
        if isinstance(outcome, ValidationError)
    )
    assert MotionReceipt.objects.filter(motion=motion, household=home).count() == 1
    assert MotionBallot.objects.filter(motion=motion).count() == 1
