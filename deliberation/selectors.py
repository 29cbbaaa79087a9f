"""Reads that need more than one queryset: the funnel, the quarterly register, similar issues,
and the head hash of the public timelines."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, Sum
from django.db.models.functions import Extract
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Area
from deliberation.models import (
    Commitment,
    CommitmentUpdate,
    FunnelCount,
    Issue,
    PollReceipt,
    Support,
    TimelineSeal,
    TopicComment,
)
from deliberation.search import matching

FUNNEL_FIELDS = (
    "collected",
    "accepted",
    "committed",
    "resolved",
    "resolved_on_time",
    "rated",
    "rating_total",
)


# The years a period may fall in: year 1 or 9999 would overflow once shifted to UTC or to the
# first day of the next month.
YEARS = range(1970, 9999)


@dataclass(frozen=True)
class Period:
    """A month (2026-11) or a quarter (2026-Q4), as its first and last month."""

    key: str
    label: str
    first: datetime.date
    last: datetime.date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = datetime.date(year, month, 1)
        return cls(
            f"{year}-{month:02d}",
            _("%(year)s-%(month)02d") % {"year": year, "month": month},
            first,
            first,
        )

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = datetime.date(year, 3 * quarter - 2, 1)
        last = datetime.date(year, 3 * quarter, 1)
        return cls(
            f"{year}-Q{quarter}",
            _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter},
            first,
            last,
        )

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(str(year), str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 1))

    @classmethod
    def from_request(cls, key: str | None) -> Period:
        today = timezone.localdate()
        try:
            if key and "-Q" in key:
                year, quarter = key.split("-Q")
                if 1 <= int(quarter) <= 4 and int(year) in YEARS:
                    return cls.quarter(int(year), int(quarter))
            elif key and "-" in key:
                year, month = key.split("-")
                if 1 <= int(month) <= 12 and int(year) in YEARS:
                    return cls.month(int(year), int(month))
            elif key and key.isdecimal() and int(key) in YEARS:
                return cls.year(int(key))
        except (ValueError, OverflowError):  # not a number
            pass
        return cls.quarter(today.year, (today.month - 1) // 3 + 1)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as aware datetimes [start, end) in the portal's time zone, so a filter on
        submitted_at can use its index (a __date lookup cannot)."""
        after_last = (self.last.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        zone = timezone.get_current_timezone()
        return (
            datetime.datetime.combine(self.first, datetime.time.min, tzinfo=zone),
            datetime.datetime.combine(after_last, datetime.time.min, tzinfo=zone),
        )

    @classmethod
    def recent(cls) -> list[Period]:
        today = timezone.localdate()
        quarter = (today.month - 1) // 3 + 1
        periods = [cls.year(today.year), cls.quarter(today.year, quarter)]
        for back in range(3):
            month, year = today.month - back, today.year
            if month < 1:
                month, year = month + 12, year - 1
            periods.append(cls.month(year, month))
        return periods


@dataclass
class Funnel:
    area: Area | None
    collected: int = 0
    accepted: int = 0
    committed: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    rated: int = 0
    rating_total: int = 0

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.collected if self.collected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.resolved_on_time / self.resolved if self.resolved else None

    @property
    def satisfaction(self) -> float | None:
        return self.rating_total / self.rated if self.rated else None


def funnel(area: Area, period: Period) -> Funnel:
    """One area's funnel: a sum over its counter rows, whatever the number of issues."""
    totals = FunnelCount.objects.filter(
        area=area, month__range=(period.first, period.last)
    ).aggregate(**{field: Sum(field) for field in FUNNEL_FIELDS})
    return Funnel(area, **{field: totals[field] or 0 for field in FUNNEL_FIELDS})


def funnel_of_children(area: Area, period: Period) -> list[Funnel]:
    """Each child of the area side by side (which community of this street is slowest?)."""
    children = list(Area.objects.filter(path__startswith=area.path, depth=area.depth + 1))
    rows = (
        FunnelCount.objects.filter(area__in=children, month__range=(period.first, period.last))
        .values("area_id")
        .annotate(**{field: Sum(field) for field in FUNNEL_FIELDS})
    )
    by_area = {row.pop("area_id"): row for row in rows}
    return [Funnel(child, **by_area.get(child.pk, {})) for child in children]


class Median(Aggregate):
    """PostgreSQL's exact median; SQLite (the embedded default) computes it in Python."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


MEDIAN_CACHE_SECONDS = 600


def median_hours_to_resolve(area: Area, period: Period) -> float | None:
    """Median time from report to resolution of the issues reported in the period.

    Unlike the counters it needs every resolved issue of the subtree, so it is kept in the
    cache for ten minutes: a median moves slowly, and a district's page stays fast."""
    key = f"funnel-median:{area.pk}:{period.key}"
    return cache.get_or_set(key, lambda: _median_hours(area, period), MEDIAN_CACHE_SECONDS)


def _median_hours(area: Area, period: Period) -> float | None:
    start, end = period.bounds()
    resolved = (
        Issue.objects.under(area)
        .filter(submitted_at__gte=start, submitted_at__lt=end, resolved_at__isnull=False)
        .order_by()
    )
    hours = Extract(F("resolved_at") - F("submitted_at"), "epoch") / 3600.0
    if connection.vendor == "postgresql":
        median = resolved.aggregate(median=Median(hours))["median"]
        return round(median, 1) if median is not None else None
    spans = resolved.values_list("submitted_at", "resolved_at")
    values = [(done - reported).total_seconds() / 3600 for reported, done in spans]
    return round(statistics.median(values), 1) if values else None


def similar_open_issues(title: str, area_code: str, user, limit: int = 5) -> list[Issue]:
    """Open issues in the same compound with similar titles: support one instead of filing again."""
    area = Area.objects.filter(code=area_code).first()
    if area is None or not title.strip():
        return []
    compound_path = area.path[: area.steplen * min(area.level, Area.Level.COMPOUND)]
    candidates = Issue.objects.visible_to(user).open().filter(area__path__startswith=compound_path)
    return list(matching(candidates, title)[:limit])


# --- The quarterly register (实事登记) -------------------------------------------------------------


@dataclass
class Register:
    """A community's matters of a quarter: the issues registered (collected) in it, how many were
    committed to and done, and the commitments made in it. The counts are the funnel's: every
    issue, private ones included; the list shows the public ones only."""

    area: Area
    period: Period
    registered: int
    committed: int
    done: int
    listed: int
    commitments: dict[str, int]

    @property
    def not_listed(self) -> int:
        """Private matters (disputes) and reports not accepted or merged: counted, not listed."""
        return self.registered - self.listed


def quarterly_register(area: Area, period: Period) -> Register:
    """Counted in two aggregate queries over the indexed rows (issues by place and time of
    report, commitments by place and time made), never a loop over issues."""
    start, end = period.bounds()
    Status = Issue.Status
    counts = (
        Issue.objects.under(area)
        .filter(submitted_at__gte=start, submitted_at__lt=end)
        .order_by()
        .aggregate(
            registered=Count("pk"),
            committed=Count("pk", filter=Q(assigned_at__isnull=False)),
            done=Count(
                "pk",
                filter=Q(status__in=[Status.RESOLVED, Status.CLOSED], resolved_at__isnull=False),
            ),
            listed=Count(
                "pk",
                filter=Q(is_public=True) & ~Q(status__in=[Status.REJECTED, Status.MERGED]),
            ),
        )
    )
    return Register(
        area=area,
        period=period,
        commitments=Commitment.objects.under(area).made_between(start, end).tally(),
        **counts,
    )


def register_issues(area: Area, period: Period):
    """The public issues registered in the quarter, oldest first, with what answers them."""
    start, end = period.bounds()
    return (
        Issue.objects.public()
        .under(area)
        .filter(submitted_at__gte=start, submitted_at__lt=end)
        .select_related("category", "area", "assigned_to")
        .prefetch_related("commitments__organization")
        .order_by("submitted_at", "pk")
    )


def register_commitments(area: Area, period: Period):
    """The commitments made in the quarter, by due date, with how many issues each answers."""
    start, end = period.bounds()
    return (
        Commitment.objects.under(area)
        .made_between(start, end)
        .select_related("organization", "area")
        .annotate(issue_count=Count("issues"))
        .order_by("due_on", "pk")
    )


# --- Tamper evidence ------------------------------------------------------------------------------


def latest_seal(day: datetime.date | None = None) -> TimelineSeal | None:
    """The seal of `day`, or with no day the most recent one (yesterday's, once the periodic
    task has sealed it an hour after midnight)."""
    seals = TimelineSeal.objects.order_by("-day")
    return seals.filter(day=day).first() if day else seals.first()


def chain_head(day: datetime.date | None = None) -> str:
    """The head hash of the public timelines (issues and commitments) at the end of `day`, a
    date in the portal's time zone; with no day, of the last day sealed. "" when that day is not
    sealed yet. It changes if any entry written up to that day is changed, removed or added:
    note it down, and `manage.py verify_timeline` (or anyone recomputing the seals) will show
    the same value for as long as nothing was tampered with."""
    seal = latest_seal(day)
    return seal.hash if seal else ""


def personal_data(user) -> dict:
    """The issues a person reported and supported, the remarks they made as a public supervisor,
    their comments in the online deliberation hall and the polls they voted in (never what they
    chose: nothing links it to them): the deliberation part of "download my data"."""
    return {
        "issues_reported": [
            {
                "number": issue.pk,
                "title": issue.title,
                "description": issue.description,
                "where": issue.area.name,
                "status": issue.get_status_display(),
                "submitted_at": issue.submitted_at,
                "rating": issue.rating,
                "rating_comment": issue.rating_comment,
            }
            for issue in Issue.objects.filter(reporter=user).select_related("area")
        ],
        "issues_supported": [
            {"number": support.issue_id, "title": support.issue.title, "at": support.at}
            for support in Support.objects.filter(user=user).select_related("issue")
        ],
        "commitment_remarks": [
            {
                "commitment": remark.commitment_id,
                "title": remark.commitment.title,
                "remark": remark.text,
                "at": remark.at,
            }
            for remark in CommitmentUpdate.objects.filter(
                actor=user, kind=CommitmentUpdate.Kind.REMARK
            ).select_related("commitment")
        ],
        "topic_comments": [
            {
                "topic": comment.topic.title,
                "comment": comment.body,
                "written_at": comment.created_at,
                "hidden_by_the_moderator": comment.hidden_reason,
            }
            for comment in TopicComment.objects.filter(author=user).select_related("topic")
        ],
        "polls_voted_in": [
            {"poll": receipt.poll.title, "voted_at": receipt.cast_at}
            for receipt in PollReceipt.objects.filter(voter=user).select_related("poll")
        ],
    }
