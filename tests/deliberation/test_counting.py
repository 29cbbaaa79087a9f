"""The counting rules: cases worked out by hand from the statute, then hypothesis against a
reference written as plainly as the law reads, over ballots built to land on the boundaries."""

import itertools
import json
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from deliberation.counting import Choice, Electorate, Outcome, Rule, Vote, count

YES, NO, ABSTAIN = Choice.YES, Choice.NO, Choice.ABSTAIN


def ballots(yes: int = 0, no: int = 0, abstain: int = 0) -> list[Vote]:
    return [Vote(YES)] * yes + [Vote(NO)] * no + [Vote(ABSTAIN)] * abstain


def owners(*votes: tuple[str, str]) -> list[Vote]:
    """One ballot per household: (choice, its floor area in m²)."""
    return [Vote(choice, Decimal(area)) for choice, area in votes]


# Majority and two-thirds of the ballots cast


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "passed"),
    [
        (3, 2, 0, True),
        (1, 0, 0, True),
        (51, 49, 0, True),
        (3, 1, 1, True),
        (2, 2, 0, False),  # a tie
        (2, 1, 1, False),  # exactly half: the abstention is a ballot cast
        (50, 49, 1, False),
        (0, 0, 3, False),  # everyone abstains
    ],
)
def test_a_simple_majority_needs_more_than_half_of_the_ballots_cast(yes, no, abstain, passed):
    outcome = count(Rule.SIMPLE_MAJORITY, ballots(yes, no, abstain), Electorate(headcount=120))
    assert (outcome.passed, outcome.quorum_met) == (passed, True)
    assert (outcome.yes, outcome.no, outcome.abstain) == (yes, no, abstain)
    assert outcome.cast == yes + no + abstain


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "passed"),
    [
        (2, 1, 0, True),  # exactly two-thirds
        (2, 0, 1, True),  # exactly two-thirds, with an abstention
        (6, 2, 1, True),  # exactly two-thirds of nine
        (67, 33, 0, True),
        (3, 2, 0, False),
        (5, 3, 0, False),
        (66, 34, 0, False),
        (5, 2, 1, False),  # 5 of 8, below two-thirds because of the abstention
        (1, 1, 0, False),  # a tie
        (0, 0, 4, False),  # everyone abstains
    ],
)
def test_two_thirds_needs_at_least_two_thirds_of_the_ballots_cast(yes, no, abstain, passed):
    outcome = count(Rule.TWO_THIRDS, ballots(yes, no, abstain), Electorate(headcount=120))
    assert (outcome.passed, outcome.quorum_met) == (passed, True)


def test_a_ballot_counts_as_many_heads_as_it_stands_for():
    votes = [Vote(YES, weight=3), Vote(NO, weight=1), Vote(ABSTAIN, weight=1)]
    majority = count(Rule.SIMPLE_MAJORITY, votes, Electorate(headcount=5))
    two_thirds = count(Rule.TWO_THIRDS, votes, Electorate(headcount=5))
    assert (majority.yes, majority.cast) == (3, 5)
    assert (majority.passed, two_thirds.passed) == (True, False)


@pytest.mark.parametrize("rule", Rule.values)
def test_no_ballot_never_passes(rule):
    outcome = count(rule, [], Electorate(headcount=12, floor_area=Decimal("1200")))
    assert (outcome.passed, outcome.quorum_met, outcome.cast) == (False, False, 0)
    assert outcome.reason_code == "no_ballot"


@pytest.mark.parametrize("rule", Rule.values)
def test_an_empty_electorate_never_passes(rule):
    outcome = count(rule, [], Electorate(headcount=0))
    assert (outcome.passed, outcome.quorum_met) == (False, False)
    assert outcome.reason_code == "nobody_entitled"


def test_the_owners_rules_never_pass_without_the_electorates_floor_area():
    without_area = ballots(yes=4)
    ordinary = count(Rule.OWNERS_ORDINARY, without_area, Electorate(headcount=4))
    majority = count(Rule.SIMPLE_MAJORITY, without_area, Electorate(headcount=4))
    assert (ordinary.passed, ordinary.quorum_met) == (False, False)
    assert ordinary.reason_code == "no_area_recorded"
    assert majority.passed


def test_only_the_owners_rules_count_floor_area():
    assert [rule for rule in Rule if rule.counts_floor_area] == [
        Rule.OWNERS_SPECIAL,
        Rule.OWNERS_ORDINARY,
    ]


# Civil Code art. 278: who takes part


OWNERS_RULES = [Rule.OWNERS_SPECIAL, Rule.OWNERS_ORDINARY]
NINE_HOUSEHOLDS = Electorate(headcount=9, floor_area=Decimal("900.00"))


@pytest.mark.parametrize("rule", OWNERS_RULES)
@pytest.mark.parametrize(
    "took_part",
    [
        # 6 of 9 owners holding 600 of 900 m²: exactly two-thirds of both
        [(YES, "100")] * 6,
        [(YES, "50")] * 3 + [(YES, "150")] * 3,
        # exactly two-thirds of one, more of the other
        [(YES, "85.71")] * 6 + [(YES, "85.74")],
        [(YES, "110")] * 6,
        [(YES, "100")] * 9,
    ],
)
def test_owners_decide_when_two_thirds_of_the_area_and_of_the_owners_take_part(rule, took_part):
    outcome = count(rule, owners(*took_part), NINE_HOUSEHOLDS)
    assert (outcome.quorum_met, outcome.passed) == (True, True)  # everyone taking part agreed


@pytest.mark.parametrize("rule", OWNERS_RULES)
@pytest.mark.parametrize(
    ("took_part", "reason_code"),
    [
        # exactly two-thirds of the area only: 600 m², 5 of 9 owners
        ([(YES, "120")] * 5, "took_part_short_of_owners"),
        # exactly two-thirds of the owners only: 6 of 9, 599.99 m²
        ([(YES, "100")] * 5 + [(YES, "99.99")], "took_part_short_of_area"),
        ([(YES, "85.71")] * 7, "took_part_short_of_area"),
        ([(YES, "100")] * 5, "took_part_short_of_both"),
    ],
)
def test_owners_decide_nothing_when_fewer_take_part(rule, took_part, reason_code):
    outcome = count(rule, owners(*took_part), NINE_HOUSEHOLDS)
    assert (outcome.quorum_met, outcome.passed) == (False, False)
    assert outcome.reason_code == reason_code


def test_an_abstention_takes_part_and_does_not_agree():
    agreeing = [(YES, "100")] * 4
    abstaining = [(ABSTAIN, "100")] * 2
    alone = count(Rule.OWNERS_ORDINARY, owners(*agreeing), NINE_HOUSEHOLDS)
    with_abstentions = count(Rule.OWNERS_ORDINARY, owners(*agreeing, *abstaining), NINE_HOUSEHOLDS)
    half_abstain = count(
        Rule.OWNERS_ORDINARY, owners(*agreeing[:3], *[(ABSTAIN, "100")] * 3), NINE_HOUSEHOLDS
    )
    assert (alone.quorum_met, alone.passed) == (False, False)
    assert (with_abstentions.quorum_met, with_abstentions.passed) == (True, True)
    assert (with_abstentions.cast, with_abstentions.cast_area) == (6, Decimal("600"))
    assert (half_abstain.quorum_met, half_abstain.passed) == (True, False)
    assert half_abstain.reason_code == "owners_ordinary_agreed_short_of_both"


# Civil Code art. 278: who agrees. Twelve households of 1,200 m², eight of them (800 m²) take
# part: exactly two-thirds of both, so the quorum is met and only agreement decides.

TWELVE_HOUSEHOLDS = Electorate(headcount=12, floor_area=Decimal("1200.00"))


@pytest.mark.parametrize(
    ("took_part", "passed", "reason_code"),
    [
        # 6 of 8 owners holding 600 of 800 m²: exactly three-quarters of both
        ([(YES, "100")] * 6 + [(NO, "100")] * 2, True, "owners_special_passed"),
        ([(YES, "100")] * 6 + [(ABSTAIN, "100")] * 2, True, "owners_special_passed"),
        ([(YES, "100")] * 7 + [(NO, "100")], True, "owners_special_passed"),
        # 6 of 8 owners, but they hold 599.99 m²
        (
            [(YES, "100")] * 5 + [(YES, "99.99"), (NO, "100"), (NO, "100.01")],
            False,
            "owners_special_agreed_short_of_area",
        ),
        # 600 of 800 m², but 5 of 8 owners
        (
            [(YES, "100")] * 4 + [(YES, "200"), (NO, "66.66"), (NO, "66.67"), (NO, "66.67")],
            False,
            "owners_special_agreed_short_of_owners",
        ),
        # 600 of 800 m², but 5 of 8 owners: the two abstentions count against agreement
        (
            [(YES, "120")] * 5 + [(NO, "100"), (ABSTAIN, "50"), (ABSTAIN, "50")],
            False,
            "owners_special_agreed_short_of_owners",
        ),
        # 5 of 8 owners holding 500 of 800 m²: more than half of both is not enough
        ([(YES, "100")] * 5 + [(NO, "100")] * 3, False, "owners_special_agreed_short_of_both"),
    ],
)
def test_a_special_matter_needs_three_quarters_of_the_area_and_of_the_owners_taking_part(
    took_part, passed, reason_code
):
    outcome = count(Rule.OWNERS_SPECIAL, owners(*took_part), TWELVE_HOUSEHOLDS)
    assert (outcome.quorum_met, outcome.passed) == (True, passed)
    assert outcome.reason_code == reason_code


@pytest.mark.parametrize(
    ("took_part", "passed", "reason_code"),
    [
        ([(YES, "100")] * 5 + [(NO, "100")] * 3, True, "owners_ordinary_passed"),
        # 5 of 8 owners holding 400.01 of 800 m²: just over half of both
        (
            [(YES, "80")] * 4 + [(YES, "80.01"), (NO, "133.33"), (NO, "133.33"), (NO, "133.33")],
            True,
            "owners_ordinary_passed",
        ),
        # 5 of 8 owners holding exactly half the area
        (
            [(YES, "80")] * 5 + [(NO, "133.33"), (NO, "133.33"), (NO, "133.34")],
            False,
            "owners_ordinary_agreed_short_of_area",
        ),
        # exactly half of the owners, holding 500 of 800 m²
        (
            [(YES, "125")] * 4 + [(NO, "75")] * 4,
            False,
            "owners_ordinary_agreed_short_of_owners",
        ),
        # a tie
        ([(YES, "100")] * 4 + [(NO, "100")] * 4, False, "owners_ordinary_agreed_short_of_both"),
        # everyone abstains
        ([(ABSTAIN, "100")] * 8, False, "owners_ordinary_agreed_short_of_both"),
    ],
)
def test_an_ordinary_matter_needs_more_than_half_of_the_area_and_of_the_owners_taking_part(
    took_part, passed, reason_code
):
    outcome = count(Rule.OWNERS_ORDINARY, owners(*took_part), TWELVE_HOUSEHOLDS)
    assert (outcome.quorum_met, outcome.passed) == (True, passed)
    assert outcome.reason_code == reason_code


def test_exactly_three_quarters_passes_where_floats_would_fail_it():
    # 600.06 of 800.08 m² is exactly 3/4; as floats it comes out as 0.7499999999999999.
    assert 600.06 / 800.08 < 0.75
    # Four of six owners, holding 800.08 of 1,200.12 m², take part: exactly two-thirds of both.
    votes = owners((YES, "200.02"), (YES, "200.02"), (YES, "200.02"), (NO, "200.02"))
    outcome = count(
        Rule.OWNERS_SPECIAL, votes, Electorate(headcount=6, floor_area=Decimal("1200.12"))
    )
    assert (outcome.quorum_met, outcome.passed) == (True, True)
    assert outcome.yes_area == Decimal("600.06")


def test_exactly_two_thirds_takes_part_where_floats_would_say_less():
    # 400.46 of 600.69 m² is exactly 2/3; as floats it comes out below 2/3.
    assert 400.46 / 600.69 < 2 / 3
    votes = owners((YES, "200.23"), (YES, "200.23"))
    outcome = count(
        Rule.OWNERS_ORDINARY, votes, Electorate(headcount=3, floor_area=Decimal("600.69"))
    )
    assert (outcome.quorum_met, outcome.passed) == (True, True)


# Refusing nonsense: the caller checks its input, so these are programming errors.


@pytest.mark.parametrize(
    "make",
    [
        lambda: Vote("maybe"),
        lambda: Vote(YES, Decimal("-0.01")),
        lambda: Vote(YES, Decimal("NaN")),
        lambda: Vote(YES, Decimal("Infinity")),
        lambda: Vote(YES, weight=0),
        lambda: Electorate(headcount=-1),
        lambda: Electorate(headcount=3, floor_area=Decimal("-1")),
    ],
)
def test_a_nonsense_vote_or_electorate_is_refused(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: Vote(YES, 80.5),
        lambda: Vote(YES, weight=1.0),
        lambda: Vote(YES, weight=True),
        lambda: Electorate(headcount=3.0),
        lambda: Electorate(headcount=3, floor_area=240.5),
    ],
)
def test_floats_are_refused_rather_than_rounded(make):
    with pytest.raises(TypeError):
        make()


@pytest.mark.parametrize(
    ("rule", "votes", "electorate"),
    [
        ("unanimity", ballots(yes=1), Electorate(headcount=1)),
        (Rule.SIMPLE_MAJORITY, ballots(yes=2, no=2), Electorate(headcount=3)),
        (Rule.SIMPLE_MAJORITY, [Vote(YES, weight=4)], Electorate(headcount=3)),
        (
            Rule.OWNERS_ORDINARY,
            owners((YES, "100"), (NO, "100.01")),
            Electorate(headcount=3, floor_area=Decimal("200")),
        ),
    ],
)
def test_an_unknown_rule_or_more_participation_than_the_electorate_is_refused(
    rule, votes, electorate
):
    with pytest.raises(ValueError):
        count(rule, votes, electorate)


def test_only_votes_are_counted():
    with pytest.raises(TypeError):
        count(Rule.SIMPLE_MAJORITY, [("yes", 1)], Electorate(headcount=3))


# What is said and stored


def test_the_reason_says_why_in_the_readers_language():
    with translation.override("en"):
        outcome = count(
            Rule.SIMPLE_MAJORITY, ballots(yes=2, no=1, abstain=1), Electorate(headcount=9)
        )
    assert (
        outcome.reason == "Not passed: 2 of the 4 ballots cast are yes; more than half are needed."
    )
    with translation.override("zh-hans"):
        assert outcome.explain() == "未通过：参与投票的 4 票中，同意 2 票；须超过半数。"
        assert str(Rule(outcome.rule).label) == "投票数的简单多数（过半数）"
        assert [str(label) for label in Choice.labels] == ["同意", "反对", "弃权"]


def test_an_owners_reason_says_which_threshold_was_missed():
    took_part = owners(*[(YES, "100")] * 5, (YES, "99.99"))
    with translation.override("en"):
        outcome = count(Rule.OWNERS_SPECIAL, took_part, NINE_HOUSEHOLDS)
    assert outcome.reason == (
        "Not passed: owners holding 599.99 of 900.00 m² took part; at least two-thirds of the "
        "floor area must take part."
    )
    with translation.override("zh-hans"):
        assert outcome.explain() == (
            "未通过：参与表决业主的专有部分面积合计 599.99 m²（总面积 900.00 m²）；"
            "须专有部分面积占比三分之二以上的业主参与表决。"
        )


# Properties, against a reference read straight from the rules


def reference(rule: str, votes: list[Vote], electorate: Electorate) -> tuple[bool, bool]:
    """(quorum met, passed), written as plainly as the rules read, with Fraction."""
    yes = sum(vote.weight for vote in votes if vote.choice == "yes")
    cast = sum(vote.weight for vote in votes)
    yes_area = sum(Fraction(vote.floor_area) for vote in votes if vote.choice == "yes")
    cast_area = sum(Fraction(vote.floor_area) for vote in votes)

    if rule in ("simple_majority", "two_thirds"):
        if cast == 0:
            return False, False
        if rule == "simple_majority":
            return True, Fraction(yes, cast) > Fraction(1, 2)
        return True, Fraction(yes, cast) >= Fraction(2, 3)

    # Civil Code art. 278: 专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主参与表决
    if electorate.headcount == 0 or electorate.floor_area == 0:
        return False, False
    area_taking_part = cast_area / Fraction(electorate.floor_area)
    owners_taking_part = Fraction(cast, electorate.headcount)
    if area_taking_part < Fraction(2, 3) or owners_taking_part < Fraction(2, 3):
        return False, False
    area_agreeing = yes_area / cast_area
    owners_agreeing = Fraction(yes, cast)
    if rule == "owners_special":
        # 经参与表决专有部分面积四分之三以上的业主且参与表决人数四分之三以上的业主同意
        return True, area_agreeing >= Fraction(3, 4) and owners_agreeing >= Fraction(3, 4)
    # 经参与表决专有部分面积过半数的业主且参与表决人数过半数的业主同意
    return True, area_agreeing > Fraction(1, 2) and owners_agreeing > Fraction(1, 2)


def sizes(most: int, least: int = 0):
    """Often a multiple of 12, so that its half, two-thirds and three-quarters are whole."""
    return st.one_of(st.integers(least, most), st.integers(1, most // 12).map(lambda k: 12 * k))


@st.composite
def part_of(draw, whole: int, shares: list[Fraction]) -> int:
    """A part of `whole`: often exactly one of the shares of it, or one off, or above it."""
    exact = draw(st.sampled_from(shares)) * whole
    near = {math.floor(exact) - 1, math.floor(exact), math.ceil(exact), math.ceil(exact) + 1}
    return draw(
        st.one_of(
            st.just(math.floor(exact)),
            st.sampled_from(sorted(n for n in near if 0 <= n <= whole)),
            st.integers(math.ceil(exact), whole),
            st.integers(0, whole),
        )
    )


TAKING_PART = [Fraction(2, 3)]
AGREEING = [Fraction(1, 2), Fraction(2, 3), Fraction(3, 4)]


@st.composite
def weights(draw, heads: int) -> list[int]:
    """Ballots standing for `heads` people: mostly one each, sometimes a party or household."""
    parts = []
    while sum(parts) < heads:
        parts.append(min(draw(st.sampled_from([1, 1, 1, 2, 3])), heads - sum(parts)))
    return parts


@st.composite
def ballots_of(draw, choice: str, heads: int, units: int, exponent: int) -> list[Vote]:
    """Ballots of one choice, standing for `heads` people holding units × 10^exponent m²."""
    if heads == 0:
        return []
    parts = draw(weights(heads))
    cuts = draw(st.lists(st.integers(0, units), min_size=len(parts) - 1, max_size=len(parts) - 1))
    bounds = [0, *sorted(cuts), units]
    return [
        Vote(choice, Decimal(high - low).scaleb(exponent), weight)
        for weight, (low, high) in zip(parts, itertools.pairwise(bounds), strict=True)
    ]


def taking_part(whole: int, quorate: bool):
    if quorate:
        least = math.ceil(Fraction(2, 3) * whole)
        return st.one_of(st.just(least), st.integers(least, whole))
    return part_of(whole, TAKING_PART)


@st.composite
def votes_and_electorates(draw, quorate: bool = False):
    """An electorate and its ballots, with participation and agreement drawn to land on, or one
    off, a half, two-thirds or three-quarters, by headcount and by area. When `quorate`, at
    least two-thirds of both take part, so that agreement decides."""
    headcount = draw(sizes(48, least=int(quorate)))
    cast = draw(taking_part(headcount, quorate))
    yes = draw(part_of(cast, AGREEING))
    no = draw(st.integers(0, cast - yes))
    abstain = cast - yes - no
    # Areas in units of 1, 0.01 or 0.0001 m²; a choice nobody made holds no area.
    exponent = draw(st.sampled_from([0, -2, -4]))
    units = draw(sizes(120_000, least=int(quorate)))
    cast_units = draw(taking_part(units, quorate)) if cast else 0
    yes_units = (
        draw(part_of(cast_units, AGREEING)) if yes and no + abstain else cast_units if yes else 0
    )
    rest = cast_units - yes_units
    no_units = draw(st.integers(0, rest)) if no and abstain else rest if no else 0
    votes = [
        *draw(ballots_of(YES, yes, yes_units, exponent)),
        *draw(ballots_of(NO, no, no_units, exponent)),
        *draw(ballots_of(ABSTAIN, abstain, rest - no_units, exponent)),
    ]
    return draw(st.permutations(votes)), Electorate(headcount, Decimal(units).scaleb(exponent))


RULES = st.sampled_from(Rule.values)
SCENES = st.one_of(votes_and_electorates(), votes_and_electorates(quorate=True))


def agrees_with_the_reference(rule: str, votes: list[Vote], electorate: Electorate) -> None:
    """count() and the reference decide alike, and the outcome adds up."""
    outcome = count(rule, votes, electorate)
    assert (outcome.quorum_met, outcome.passed) == reference(rule, votes, electorate)
    assert (
        outcome.cast == outcome.yes + outcome.no + outcome.abstain == sum(v.weight for v in votes)
    )
    assert outcome.cast_area == sum((v.floor_area for v in votes), Decimal(0))
    assert outcome.reason_code.endswith("_passed") == outcome.passed
    event(f"{rule}: {'passed' if outcome.passed else outcome.reason_code}")
    event(f"took part exactly 2/3 by headcount: {3 * outcome.cast == 2 * electorate.headcount}")
    event(f"took part exactly 2/3 by area: {3 * outcome.cast_area == 2 * electorate.floor_area}")
    event(f"agreed exactly 3/4 by headcount: {4 * outcome.yes == 3 * outcome.cast}")
    event(f"agreed exactly 3/4 by area: {4 * outcome.yes_area == 3 * outcome.cast_area}")
    event(f"agreed exactly 1/2 by area: {2 * outcome.yes_area == outcome.cast_area}")


@settings(max_examples=400)
@given(rule=RULES, scene=votes_and_electorates())
def test_count_agrees_with_the_reference(rule, scene):
    agrees_with_the_reference(rule, *scene)


@settings(max_examples=400)
@given(rule=st.sampled_from(OWNERS_RULES), scene=votes_and_electorates(quorate=True))
def test_count_agrees_with_the_reference_when_enough_owners_take_part(rule, scene):
    agrees_with_the_reference(rule, *scene)


@given(rule=RULES, scene=SCENES, data=st.data())
def test_a_further_yes_never_turns_a_pass_into_a_fail(rule, scene, data):
    votes, electorate = scene
    before = count(rule, votes, electorate)
    assume(before.cast < electorate.headcount)
    weight = data.draw(st.integers(1, electorate.headcount - before.cast))
    area = data.draw(st.decimals(0, electorate.floor_area - before.cast_area, places=2))
    after = count(rule, [*votes, Vote(YES, area, weight)], electorate)
    assert after.quorum_met >= before.quorum_met
    assert after.passed >= before.passed


@given(rule=RULES, scene=SCENES)
def test_the_order_of_the_ballots_does_not_matter(rule, scene):
    votes, electorate = scene
    assert count(rule, votes[::-1], electorate) == count(rule, votes, electorate)


@given(rule=RULES, scene=SCENES)
def test_an_outcome_survives_a_trip_through_json(rule, scene):
    outcome = count(rule, *scene)
    stored = json.loads(json.dumps(outcome.as_dict()))
    assert Outcome.from_dict(stored) == outcome
    assert Outcome.from_dict(stored).explain() == outcome.reason
