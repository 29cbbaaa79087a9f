"""How a vote is decided: a majority of ballots cast, two-thirds, or the owners' rules of the
Civil Code art. 278. One pure function, `count`: ballots and the electorate in, an `Outcome` out.

No database and no models: meetings and polls gather the ballots, call `count` when the vote
closes, and store `Outcome.as_dict()` with the tally. Thresholds are compared as exact fractions,
never floats, so a share of exactly 2/3 or 3/4 is decided as the statute says (ADR 0006).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from decimal import MAX_PREC, Decimal, localcontext
from fractions import Fraction

from django.db import models
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

HALF = Fraction(1, 2)
TWO_THIRDS = Fraction(2, 3)
THREE_QUARTERS = Fraction(3, 4)


class Rule(models.TextChoices):
    # yes > 1/2 of the ballots cast; an abstention is a ballot cast.
    SIMPLE_MAJORITY = "simple_majority", _("simple majority of ballots cast")
    # yes >= 2/3 of the ballots cast.
    TWO_THIRDS = "two_thirds", _("two-thirds of ballots cast")
    # Civil Code art. 278 (2), matters 6-8: raising maintenance funds, rebuilding, changing the
    # use of common parts or running a business on them. Using the funds is matter 5: ordinary.
    OWNERS_SPECIAL = (
        "owners_special",
        _("owners, special matter (Civil Code art. 278: three-quarters)"),
    )
    # Civil Code art. 278 (2), every other matter owners decide jointly.
    OWNERS_ORDINARY = (
        "owners_ordinary",
        _("owners, ordinary matter (Civil Code art. 278: more than half)"),
    )

    @property
    def counts_floor_area(self) -> bool:
        """Whether ballots must carry the owner's exclusive floor area."""
        return self in (Rule.OWNERS_SPECIAL, Rule.OWNERS_ORDINARY)


class Choice(models.TextChoices):
    YES = "yes", pgettext_lazy("ballot", "yes")
    NO = "no", pgettext_lazy("ballot", "no")
    ABSTAIN = "abstain", pgettext_lazy("ballot", "abstain")


def _area(value, what: str) -> Decimal:
    # Floats are refused rather than converted: 0.1 m² as a float is not 0.1 m².
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal or an int, not {type(value).__name__}")
    area = Decimal(value)
    if not area.is_finite() or area < 0:
        raise ValueError(f"{what} must be a finite number of m², zero or more, not {value}")
    return area


def _whole(value, what: str, *, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < least:
        raise ValueError(f"{what} must be {least} or more, not {value}")
    return value


@dataclass(frozen=True)
class Vote:
    """One ballot: what was chosen and what it stands for. It names no voter, so a secret
    ballot is counted from the same rows as an open one."""

    choice: str
    floor_area: Decimal = Decimal("0")
    weight: int = 1

    def __post_init__(self):
        if self.choice not in Choice.values:
            raise ValueError(f"unknown choice {self.choice!r}, expected one of {Choice.values}")
        object.__setattr__(self, "floor_area", _area(self.floor_area, "a vote's floor area"))
        _whole(self.weight, "a vote's weight", least=1)


@dataclass(frozen=True)
class Electorate:
    """Everyone entitled to vote: a headcount and, for the owners' rules, their floor area."""

    headcount: int
    floor_area: Decimal = Decimal("0")

    def __post_init__(self):
        _whole(self.headcount, "the electorate's headcount", least=0)
        object.__setattr__(self, "floor_area", _area(self.floor_area, "the electorate's area"))


def _at_least(part, whole, share: Fraction) -> bool:
    """part >= share of whole, exactly: 以上 includes the number itself."""
    return Fraction(part) >= share * Fraction(whole)


def _more_than(part, whole, share: Fraction) -> bool:
    """part > share of whole, exactly: 过半数 is strictly more than half."""
    return Fraction(part) > share * Fraction(whole)


def _short_of(owners: bool, area: bool) -> str:
    return "short_of_both" if owners and area else "short_of_owners" if owners else "short_of_area"


REASONS = {
    "nobody_entitled": gettext_noop("Not passed: nobody is entitled to vote."),
    "no_area_recorded": gettext_noop(
        "Not passed: the floor area of the owners entitled to vote is not recorded."
    ),
    "no_ballot": gettext_noop("Not passed: no ballot was cast."),
    "simple_majority_passed": gettext_noop(
        "Passed: %(yes)s of the %(cast)s ballots cast are yes, more than half."
    ),
    "simple_majority_failed": gettext_noop(
        "Not passed: %(yes)s of the %(cast)s ballots cast are yes; more than half are needed."
    ),
    "two_thirds_passed": gettext_noop(
        "Passed: %(yes)s of the %(cast)s ballots cast are yes, at least two-thirds."
    ),
    "two_thirds_failed": gettext_noop(
        "Not passed: %(yes)s of the %(cast)s ballots cast are yes; at least two-thirds are needed."
    ),
    "took_part_short_of_both": gettext_noop(
        "Not passed: %(cast)s of %(headcount)s owners, holding %(cast_area)s of %(area)s m², "
        "took part; at least two-thirds of the owners and of the floor area must take part."
    ),
    "took_part_short_of_owners": gettext_noop(
        "Not passed: %(cast)s of %(headcount)s owners took part; at least two-thirds of the "
        "owners must take part."
    ),
    "took_part_short_of_area": gettext_noop(
        "Not passed: owners holding %(cast_area)s of %(area)s m² took part; at least two-thirds "
        "of the floor area must take part."
    ),
    "owners_special_passed": gettext_noop(
        "Passed: %(yes)s of the %(cast)s owners taking part, holding %(yes_area)s of their "
        "%(cast_area)s m², agreed: at least three-quarters of both."
    ),
    "owners_special_agreed_short_of_both": gettext_noop(
        "Not passed: %(yes)s of the %(cast)s owners taking part, holding %(yes_area)s of their "
        "%(cast_area)s m², agreed; at least three-quarters of the owners and of the floor area "
        "are needed."
    ),
    "owners_special_agreed_short_of_owners": gettext_noop(
        "Not passed: %(yes)s of the %(cast)s owners taking part agreed; at least three-quarters "
        "of them are needed."
    ),
    "owners_special_agreed_short_of_area": gettext_noop(
        "Not passed: the owners who agreed hold %(yes_area)s of the %(cast_area)s m² taking "
        "part; at least three-quarters of it is needed."
    ),
    "owners_ordinary_passed": gettext_noop(
        "Passed: %(yes)s of the %(cast)s owners taking part, holding %(yes_area)s of their "
        "%(cast_area)s m², agreed: more than half of both."
    ),
    "owners_ordinary_agreed_short_of_both": gettext_noop(
        "Not passed: %(yes)s of the %(cast)s owners taking part, holding %(yes_area)s of their "
        "%(cast_area)s m², agreed; more than half of the owners and of the floor area are needed."
    ),
    "owners_ordinary_agreed_short_of_owners": gettext_noop(
        "Not passed: %(yes)s of the %(cast)s owners taking part agreed; more than half of them "
        "are needed."
    ),
    "owners_ordinary_agreed_short_of_area": gettext_noop(
        "Not passed: the owners who agreed hold %(yes_area)s of the %(cast_area)s m² taking "
        "part; more than half of it is needed."
    ),
}


_AREA_FIELDS = frozenset({"yes_area", "no_area", "abstain_area", "cast_area", "electorate_area"})


@dataclass(frozen=True)
class Outcome:
    """The result of a vote, with every number it was decided on.

    `reason` is the explanation in the language active when the vote was counted, kept with the
    record; pages show `explain()`, which says the same in the reader's language."""

    rule: str
    passed: bool
    quorum_met: bool
    yes: int
    no: int
    abstain: int
    yes_area: Decimal
    no_area: Decimal
    abstain_area: Decimal
    cast: int
    cast_area: Decimal
    electorate_headcount: int
    electorate_area: Decimal
    reason: str

    def as_dict(self) -> dict:
        """JSON-safe: Decimals as strings, so no m² is rounded on the way to the database."""
        data = {field.name: getattr(self, field.name) for field in fields(self)}
        return {name: str(value) if name in _AREA_FIELDS else value for name, value in data.items()}

    @classmethod
    def from_dict(cls, data: dict) -> Outcome:
        return cls(
            **{
                field.name: Decimal(data[field.name])
                if field.name in _AREA_FIELDS
                else data[field.name]
                for field in fields(cls)
            }
        )

    @property
    def electorate_is_empty(self) -> bool:
        """Nobody to decide: no one entitled, or (owners' rules) no floor area recorded."""
        if self.electorate_headcount == 0:
            return True
        return Rule(self.rule).counts_floor_area and self.electorate_area == 0

    @property
    def reason_code(self) -> str:
        """Which of the REASONS explains this outcome; the same in every language."""
        if self.electorate_headcount == 0:
            return "nobody_entitled"
        if self.electorate_is_empty:
            return "no_area_recorded"
        if self.cast == 0:
            return "no_ballot"
        if not Rule(self.rule).counts_floor_area:
            return f"{self.rule}_{'passed' if self.passed else 'failed'}"
        if not self.quorum_met:
            owners_short = not _at_least(self.cast, self.electorate_headcount, TWO_THIRDS)
            area_short = not _at_least(self.cast_area, self.electorate_area, TWO_THIRDS)
            return "took_part_" + _short_of(owners_short, area_short)
        if self.passed:
            return f"{self.rule}_passed"
        return f"{self.rule}_agreed_" + _short_of(*_approval_shortfalls(self))

    def explain(self) -> str:
        """Why it passed or failed, in the active language, from the numbers alone."""
        return gettext(REASONS[self.reason_code]) % {
            "yes": self.yes,
            "cast": self.cast,
            "headcount": self.electorate_headcount,
            "yes_area": self.yes_area,
            "cast_area": self.cast_area,
            "area": self.electorate_area,
        }


def _approval_shortfalls(tally: Outcome) -> tuple[bool, bool]:
    """For an owners' rule: (too few owners agreed, too little floor area agreed), out of those
    who took part, abstentions included."""
    if tally.rule == Rule.OWNERS_SPECIAL:
        return (
            not _at_least(tally.yes, tally.cast, THREE_QUARTERS),
            not _at_least(tally.yes_area, tally.cast_area, THREE_QUARTERS),
        )
    return (
        not _more_than(tally.yes, tally.cast, HALF),
        not _more_than(tally.yes_area, tally.cast_area, HALF),
    )


def _decide(tally: Outcome) -> tuple[bool, bool]:
    """(quorum met, passed) for a tally whose numbers are filled in."""
    if tally.electorate_is_empty or tally.cast == 0:
        return False, False
    if tally.rule == Rule.SIMPLE_MAJORITY:
        return True, _more_than(tally.yes, tally.cast, HALF)
    if tally.rule == Rule.TWO_THIRDS:
        return True, _at_least(tally.yes, tally.cast, TWO_THIRDS)
    quorum_met = _at_least(tally.cast, tally.electorate_headcount, TWO_THIRDS) and _at_least(
        tally.cast_area, tally.electorate_area, TWO_THIRDS
    )
    return quorum_met, quorum_met and not any(_approval_shortfalls(tally))


def count(rule: str, votes: Iterable[Vote], electorate: Electorate) -> Outcome:
    """Decide a vote under `rule`.

    Every ballot cast takes part, abstentions included; an empty electorate or no ballot never
    passes. Raises ValueError for an unknown rule or more participation (by headcount or by
    area) than the electorate holds: the caller checks eligibility before counting, so that is
    a programming error, not a voter's."""
    if rule not in Rule.values:
        raise ValueError(f"unknown rule {rule!r}, expected one of {Rule.values}")
    if not isinstance(electorate, Electorate):
        raise TypeError(f"the electorate must be an Electorate, not {type(electorate).__name__}")
    heads = dict.fromkeys(Choice.values, 0)
    areas = dict.fromkeys(Choice.values, Decimal("0"))
    # Enough precision that adding areas never rounds, however many ballots there are.
    with localcontext(prec=MAX_PREC):
        for vote in votes:
            if not isinstance(vote, Vote):
                raise TypeError(f"each vote must be a Vote, not {type(vote).__name__}")
            heads[vote.choice] += vote.weight
            areas[vote.choice] += vote.floor_area
        cast_area = sum(areas.values(), Decimal("0"))
    cast = sum(heads.values())
    if cast > electorate.headcount:
        raise ValueError(f"{cast} ballots cast by an electorate of {electorate.headcount}")
    if cast_area > electorate.floor_area:
        raise ValueError(f"{cast_area} m² voted of an electorate holding {electorate.floor_area}")
    tally = Outcome(
        rule=Rule(rule).value,
        passed=False,
        quorum_met=False,
        yes=heads[Choice.YES],
        no=heads[Choice.NO],
        abstain=heads[Choice.ABSTAIN],
        yes_area=areas[Choice.YES],
        no_area=areas[Choice.NO],
        abstain_area=areas[Choice.ABSTAIN],
        cast=cast,
        cast_area=cast_area,
        electorate_headcount=electorate.headcount,
        electorate_area=electorate.floor_area,
        reason="",
    )
    quorum_met, passed = _decide(tally)
    decided = replace(tally, quorum_met=quorum_met, passed=passed)
    return replace(decided, reason=decided.explain())
