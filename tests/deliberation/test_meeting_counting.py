"""The counting of a meeting's votes, end to end: households with floor areas and their owners'
ballots, online and on paper, stored through the services, counted when the vote closes, and
compared with a plain reading of the rules (Civil Code art. 278 and the majorities), edges of
exactly two-thirds and three-quarters included.

tests/deliberation/test_counting.py tests the pure function; this goes through the database: the
electorate fixed at opening, floor areas carried by the ballots, the outcome stored as JSON."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from deliberation import services
from deliberation.counting import Rule
from deliberation.models import AgendaItem, Invitation, MeetingParty, Motion, Party
from tests.deliberation.meeting_fixtures import confirmed_meeting, owned_home

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def statute(rule: str, ballots: list[tuple[str, Decimal]], electorate: list[Decimal]) -> bool:
    """Passed or not, read straight from the rules, in whole-number comparisons.

    Simple majority: yes more than half of the ballots cast. Two-thirds: yes at least two-thirds
    of them. Art. 278: owners holding at least two-thirds of the floor area, and at least
    two-thirds of the owners, take part; then, of those taking part, at least three-quarters of
    the area and of the owners agree (special matters), or more than half of each (ordinary).
    Abstaining is taking part."""
    cast = len(ballots)
    yes = sum(1 for choice, _ in ballots if choice == "yes")
    if not electorate or cast == 0:
        return False
    if rule == Rule.SIMPLE_MAJORITY:
        return 2 * yes > cast
    if rule == Rule.TWO_THIRDS:
        return 3 * yes >= 2 * cast
    area = Fraction(sum(electorate))
    cast_area = Fraction(sum(a for _, a in ballots))
    yes_area = Fraction(sum(a for choice, a in ballots if choice == "yes"))
    took_part = 3 * cast >= 2 * len(electorate) and 3 * cast_area >= 2 * area
    if not took_part:
        return False
    if rule == Rule.OWNERS_SPECIAL:
        return 4 * yes >= 3 * cast and 4 * yes_area >= 3 * cast_area
    return 2 * yes > cast and 2 * yes_area > cast_area


@pytest.fixture
def assembly(tree, people, committee):
    """An owners' meeting for 金桥花园 (K2, building B3), organised by the residents'
    committee, in session. Its households are made by each example; the one B3 already holds
    (conftest.households) has no owner, so it is not entitled."""
    meeting = confirmed_meeting(organization=committee, area=tree.K2, title="金桥花园业主大会")
    party = MeetingParty.objects.create(
        meeting=meeting, party=Party.RESIDENTS_COMMITTEE, organization=committee
    )
    Invitation.objects.create(meeting=meeting, user=people.community_staff, party=party)
    item = AgendaItem.objects.create(meeting=meeting, position=1, title="电梯加装")
    services.open_meeting(meeting=meeting, by=people.community_staff)
    return item


def vote_through_the_services(item, tree, people, rule, homes):
    """Make the households, open the vote, cast each ballot online or on paper, close it."""
    clerk = people.community_staff
    made = []
    for number, (area, _) in enumerate(homes):
        made.append(owned_home(tree.B3, str(area), f"owner{number}", by=clerk))
    motion = services.propose_motion(
        agenda_item=item, title="加装电梯", by=clerk, rule=rule, voting_unit="household"
    )
    motion = services.open_vote(motion=motion, by=clerk)
    for (home, owner), (_, ballot) in zip(made, homes, strict=True):
        if ballot is None:
            continue
        choice, on_paper = ballot
        if on_paper:
            services.enter_paper_ballot(motion=motion, by=clerk, household=home, choice=choice)
        else:
            services.cast_motion_ballot(motion=motion, voter=owner, choice=choice)
    return services.close_vote(motion=motion, by=clerk)


def stored(motion: Motion) -> Motion:
    return Motion.objects.get(pk=motion.pk)


areas = st.one_of(
    st.integers(min_value=1, max_value=4).map(lambda whole: Decimal(whole * 30)),
    st.integers(min_value=1, max_value=30000).map(lambda cents: Decimal(cents).scaleb(-2)),
)
ballot = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(["yes", "no", "abstain"]), st.booleans()),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rule=st.sampled_from(Rule.values),
    homes=st.lists(st.tuples(areas, ballot), min_size=1, max_size=7),
)
# The edges, so every run meets them: exactly 2/3 of ballots; exactly 2/3 taking part and 3/4
# agreeing; exactly half.
@example(
    rule=Rule.TWO_THIRDS,
    homes=[(Decimal(1), ("yes", False)), (Decimal(1), ("yes", True)), (Decimal(1), ("no", False))],
)
@example(
    rule=Rule.OWNERS_SPECIAL,
    homes=[(Decimal(10), ("yes", False))] * 3
    + [(Decimal(10), ("abstain", True))]
    + [(Decimal(10), None)] * 2,
)
@example(
    rule=Rule.SIMPLE_MAJORITY,
    homes=[(Decimal(5), ("yes", False)), (Decimal(7), ("no", True))],
)
def test_the_stored_outcome_is_what_the_statute_says(assembly, tree, people, rule, homes):
    # Each example writes its households in a savepoint rolled back at its end, so every
    # example starts from the same meeting with no owners.
    with transaction.atomic():
        motion = stored(vote_through_the_services(assembly, tree, people, rule, homes))
        cast = [(b[0], a) for a, b in homes if b is not None]

        assert motion.passed is statute(rule, cast, [a for a, _ in homes])
        assert motion.outcome["cast"] == len(cast)
        assert Decimal(motion.outcome["cast_area"]) == sum((a for _, a in cast), Decimal("0"))
        assert Decimal(motion.outcome["electorate_area"]) == sum(a for a, _ in homes)
        assert motion.outcome["electorate_headcount"] == len(homes)
        transaction.set_rollback(True)


# --- The edges, built explicitly -------------------------------------------------------------

ONLINE, PAPER = False, True


def test_exactly_two_thirds_taking_part_and_three_quarters_agreeing_passes_a_special_matter(
    assembly, tree, people
):
    # 6 owners of 10 m² each: 4 take part (exactly 2/3 of owners and of area), 3 of them agree
    # (exactly 3/4 of those taking part, by head and by area).
    homes = [(Decimal("10"), ("yes", ONLINE))] * 2 + [
        (Decimal("10"), ("yes", PAPER)),
        (Decimal("10"), ("no", PAPER)),
        (Decimal("10"), None),
        (Decimal("10"), None),
    ]

    motion = stored(vote_through_the_services(assembly, tree, people, Rule.OWNERS_SPECIAL, homes))

    assert motion.passed is True
    assert motion.outcome["quorum_met"] is True
    assert "at least three-quarters of both" in motion.outcome["reason"]


def test_a_hundredth_of_a_square_metre_under_three_quarters_fails_a_special_matter(
    assembly, tree, people
):
    # As above, but the owner voting no holds 0.01 m² more: the yes side holds 30 of 40.01 m².
    homes = [(Decimal("10"), ("yes", ONLINE))] * 3 + [
        (Decimal("10.01"), ("no", PAPER)),
        (Decimal("10"), None),
        (Decimal("10"), None),
    ]

    motion = stored(vote_through_the_services(assembly, tree, people, Rule.OWNERS_SPECIAL, homes))

    assert motion.passed is False
    assert motion.outcome["quorum_met"] is True
    assert "hold 30.00 of the 40.01 m²" in motion.outcome["reason"]


def test_one_owner_short_of_two_thirds_taking_part_fails_whatever_they_vote(assembly, tree, people):
    homes = [(Decimal("10"), ("yes", ONLINE))] * 3 + [(Decimal("10"), None)] * 3

    motion = stored(vote_through_the_services(assembly, tree, people, Rule.OWNERS_ORDINARY, homes))

    assert motion.passed is False
    assert motion.outcome["quorum_met"] is False


def test_exactly_two_thirds_of_ballots_passes_a_two_thirds_motion(assembly, tree, people):
    homes = [
        (Decimal("50"), ("yes", ONLINE)),
        (Decimal("60"), ("yes", PAPER)),
        (Decimal("70"), ("no", ONLINE)),
    ]

    motion = stored(vote_through_the_services(assembly, tree, people, Rule.TWO_THIRDS, homes))

    assert motion.passed is True


def test_exactly_half_does_not_pass_an_ordinary_owners_matter(assembly, tree, people):
    homes = [(Decimal("25"), ("yes", ONLINE)), (Decimal("25"), ("no", PAPER))]

    ordinary = stored(
        vote_through_the_services(assembly, tree, people, Rule.OWNERS_ORDINARY, homes)
    )

    assert ordinary.passed is False
    assert ordinary.outcome["quorum_met"] is True
