"""Reads that span apps: the dashboards of every tier (district, street, community, compound).

Each figure is one aggregate query over counters or indexed rows, and children are grouped by
their path prefix in the same query, so a district's dashboard costs the same few queries
whether it holds a thousand issues or a million.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from communities.models import Area
from deliberation import selectors as issue_selectors
from deliberation.models import Commitment, FunnelCount, Meeting, Resolution
from deliberation.selectors import FUNNEL_FIELDS, Funnel, Period
from volunteers.models import SignUp

TREND_MONTHS = 12


@dataclass
class CommitmentFigures:
    made: int = 0
    on_track: int = 0
    overdue: int = 0
    fulfilled: int = 0
    partly: int = 0
    not_fulfilled: int = 0

    @property
    def completed(self) -> int:
        return self.fulfilled + self.partly + self.not_fulfilled

    @property
    def fulfilment_rate(self) -> float | None:
        return self.fulfilled / self.completed if self.completed else None


@dataclass
class MeetingFigures:
    held: int = 0
    resolutions: int = 0
    carried_out: int = 0

    @property
    def carried_out_rate(self) -> float | None:
        return self.carried_out / self.resolutions if self.resolutions else None


@dataclass
class VolunteerFigures:
    hours: Decimal = Decimal(0)
    volunteers: int = 0


@dataclass
class ChildRow:
    area: Area
    funnel: Funnel
    commitments: CommitmentFigures
    volunteering: VolunteerFigures
    meetings: MeetingFigures = field(default_factory=MeetingFigures)


@dataclass
class TrendPoint:
    month: datetime.date
    funnel: Funnel


@dataclass
class Dashboard:
    area: Area
    period: Period
    funnel: Funnel
    median_hours: float | None
    commitments: CommitmentFigures
    volunteering: VolunteerFigures
    meetings: MeetingFigures
    children: list[ChildRow] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)


def area_dashboard(area: Area, period: Period) -> Dashboard:
    """Everything a tier's dashboard shows, for the area and each of its children."""
    children = list(Area.objects.filter(path__startswith=area.path, depth=area.depth + 1))
    child_funnels = {row.area.pk: row for row in issue_selectors.funnel_of_children(area, period)}
    child_commitments = commitments_by_child(area, period)
    child_volunteering = volunteering_by_child(area, period)
    child_meetings = meetings_by_child(area, period)
    rows = [
        ChildRow(
            area=child,
            funnel=child_funnels.get(child.pk, Funnel(child)),
            commitments=child_commitments.get(child.path, CommitmentFigures()),
            volunteering=child_volunteering.get(child.path, VolunteerFigures()),
            meetings=child_meetings.get(child.path, MeetingFigures()),
        )
        for child in children
    ]
    rows.sort(key=_rank)
    return Dashboard(
        area=area,
        period=period,
        funnel=issue_selectors.funnel(area, period),
        median_hours=issue_selectors.median_hours_to_resolve(area, period),
        commitments=commitment_figures(area, period),
        volunteering=volunteer_figures(area, period),
        meetings=meeting_figures(area, period),
        children=rows,
        trend=funnel_trend(area),
    )


def _rank(row: ChildRow) -> tuple:
    """Best first: the highest resolution rate, then the most collected; areas with no issues
    last, so a quiet compound does not top the table."""
    rate = row.funnel.resolution_rate
    return (rate is None, -(rate or 0), -row.funnel.collected, row.area.path)


def funnel_trend(area: Area, months: int = TREND_MONTHS) -> list[TrendPoint]:
    """The area's funnel month by month over the last `months` months, empty months included."""
    today = timezone.localdate().replace(day=1)
    firsts = [_add_months(today, -back) for back in range(months - 1, -1, -1)]
    rows = FunnelCount.objects.filter(area=area, month__gte=firsts[0]).values(
        "month", *FUNNEL_FIELDS
    )
    by_month = {row.pop("month"): row for row in rows}
    return [TrendPoint(first, Funnel(area, **by_month.get(first, {}))) for first in firsts]


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _commitment_counts() -> dict:
    today = timezone.localdate()
    status = Commitment.Status
    return {
        "made": Count("pk"),
        "on_track": Count("pk", filter=Q(status=status.ACTIVE, due_on__gte=today)),
        "overdue": Count("pk", filter=Q(status=status.ACTIVE, due_on__lt=today)),
        "fulfilled": Count("pk", filter=Q(status=status.FULFILLED)),
        "partly": Count("pk", filter=Q(status=status.PARTLY)),
        "not_fulfilled": Count("pk", filter=Q(status=status.NOT_FULFILLED)),
    }


def _commitments_made_in(area: Area, period: Period):
    start, end = period.bounds()
    return Commitment.objects.under(area).filter(made_at__gte=start, made_at__lt=end).order_by()


def commitment_figures(area: Area, period: Period) -> CommitmentFigures:
    """Commitments made in the period under the area, and where each stands today."""
    return CommitmentFigures(**_commitments_made_in(area, period).aggregate(**_commitment_counts()))


def commitments_by_child(area: Area, period: Period) -> dict[str, CommitmentFigures]:
    prefix = Substr("area__path", 1, area.steplen * (area.depth + 1))
    rows = (
        _commitments_made_in(area, period)
        .filter(area__depth__gt=area.depth)
        .annotate(child=prefix)
        .values("child")
        .annotate(**_commitment_counts())
    )
    return {row.pop("child"): CommitmentFigures(**row) for row in rows}


def _hours_in(area: Area, period: Period):
    start, end = period.bounds()
    return SignUp.objects.filter(
        hours__isnull=False,
        activity__area__path__startswith=area.path,
        activity__starts_at__gte=start,
        activity__starts_at__lt=end,
    ).order_by()


def volunteer_figures(area: Area, period: Period) -> VolunteerFigures:
    """Confirmed volunteer hours of the activities held under the area in the period."""
    totals = _hours_in(area, period).aggregate(
        hours=Sum("hours"), volunteers=Count("user", distinct=True)
    )
    return VolunteerFigures(hours=totals["hours"] or Decimal(0), volunteers=totals["volunteers"])


def volunteering_by_child(area: Area, period: Period) -> dict[str, VolunteerFigures]:
    prefix = Substr("activity__area__path", 1, area.steplen * (area.depth + 1))
    rows = (
        _hours_in(area, period)
        .filter(activity__area__depth__gt=area.depth)
        .annotate(child=prefix)
        .values("child")
        .annotate(hours=Sum("hours"), volunteers=Count("user", distinct=True))
    )
    return {
        row["child"]: VolunteerFigures(hours=row["hours"], volunteers=row["volunteers"])
        for row in rows
    }


def _held_in(area: Area, period: Period):
    start, end = period.bounds()
    return Meeting.objects.filter(
        status=Meeting.Status.HELD,
        area__path__startswith=area.path,
        starts_at__gte=start,
        starts_at__lt=end,
    ).order_by()


def _resolutions_of_meetings_held_in(area: Area, period: Period):
    start, end = period.bounds()
    return Resolution.objects.filter(
        meeting__status=Meeting.Status.HELD,
        meeting__area__path__startswith=area.path,
        meeting__starts_at__gte=start,
        meeting__starts_at__lt=end,
    ).order_by()


# A resolution is carried out when the commitment it became was fulfilled.
_RESOLUTION_COUNTS = {
    "resolutions": Count("pk"),
    "carried_out": Count("pk", filter=Q(commitment__status=Commitment.Status.FULFILLED)),
}


def meeting_figures(area: Area, period: Period) -> MeetingFigures:
    """Meetings held under the area in the period, their resolutions, and how many of those
    were carried out (their commitment fulfilled)."""
    return MeetingFigures(
        held=_held_in(area, period).count(),
        **_resolutions_of_meetings_held_in(area, period).aggregate(**_RESOLUTION_COUNTS),
    )


def meetings_by_child(area: Area, period: Period) -> dict[str, MeetingFigures]:
    length = area.steplen * (area.depth + 1)
    held = (
        _held_in(area, period)
        .filter(area__depth__gt=area.depth)
        .annotate(child=Substr("area__path", 1, length))
        .values("child")
        .annotate(held=Count("pk"))
    )
    figures = {row["child"]: MeetingFigures(held=row["held"]) for row in held}
    resolutions = (
        _resolutions_of_meetings_held_in(area, period)
        .filter(meeting__area__depth__gt=area.depth)
        .annotate(child=Substr("meeting__area__path", 1, length))
        .values("child")
        .annotate(**_RESOLUTION_COUNTS)
    )
    for row in resolutions:
        child = figures.setdefault(row["child"], MeetingFigures())
        child.resolutions, child.carried_out = row["resolutions"], row["carried_out"]
    return figures
