"""The dashboard of every tier: one page per area, the same figures for staff and residents
(no personal data in either), its children ranked side by side, a trend, CSV for Excel."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from communities.exports import csv_for_excel
from communities.models import Area
from deliberation import selectors as issue_selectors
from deliberation.models import Commitment
from deliberation.selectors import Funnel, Period
from governance import charts, selectors


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def area_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(Area, code=code)
    period = Period.from_request(request.GET.get("period"))
    dashboard = selectors.area_dashboard(area, period)
    context = {
        "area": area,
        "ancestors": Area.objects.above(area, include_self=False),
        "period": period,
        "periods": Period.recent(),
        "dashboard": dashboard,
        "funnel_chart": _funnel_chart(dashboard.funnel),
        "children_chart": charts.bar_chart(
            [
                charts.Bar(
                    row.area.name,
                    row.funnel.resolution_rate or 0,
                    _percent(row.funnel.resolution_rate),
                )
                for row in dashboard.children
            ],
            title=_("Resolution rate of each place below"),
            maximum=1,
        ),
        "trend_chart": charts.line_chart(
            [f"{point.month:%m}" for point in dashboard.trend],
            [
                charts.Series(
                    _("Collected"),
                    "series-collected",
                    [p.funnel.collected for p in dashboard.trend],
                ),
                charts.Series(
                    _("Resolved"), "series-resolved", [p.funnel.resolved for p in dashboard.trend]
                ),
            ],
            title=_("Problems collected and resolved, month by month"),
        ),
        "may_manage": request.user.has_perm("communities.manage_area", area),
        # The day's head hash of every public timeline: anyone can note it down and compare.
        "seal": issue_selectors.latest_seal(),
    }
    if context["may_manage"]:
        context["overdue_commitments"] = (
            Commitment.objects.under(area).overdue().select_related("organization", "area")[:20]
        )
    return render(request, "governance/area_dashboard.html", context)


def _funnel_chart(funnel: Funnel):
    stages = [
        (_("Collected"), funnel.collected),
        (_("Accepted"), funnel.accepted),
        (_("Committed"), funnel.committed),
        (_("Resolved"), funnel.resolved),
    ]
    return charts.bar_chart(
        [charts.Bar(label, value, str(value)) for label, value in stages],
        title=_("Collected → accepted → committed → resolved"),
    )


def area_dashboard_csv(request: HttpRequest, code: str) -> HttpResponse:
    """The dashboard's tables as one sheet: the area, then each place below it."""
    area = get_object_or_404(Area, code=code)
    period = Period.from_request(request.GET.get("period"))
    dashboard = selectors.area_dashboard(area, period)
    header = [
        _("Place"),
        _("Code"),
        _("Period"),
        _("Collected"),
        _("Accepted"),
        _("Committed"),
        _("Resolved"),
        _("Resolution rate"),
        _("On time"),
        _("Satisfaction"),
        _("Commitments made"),
        _("On track"),
        _("Overdue"),
        _("Fulfilled"),
        _("Meetings held"),
        _("Resolutions"),
        _("Carried out"),
        _("Volunteer hours"),
    ]

    def line(place: Area, funnel: Funnel, commitments, meetings, volunteering) -> list:
        return [
            place.name,
            place.code,
            period.label,
            funnel.collected,
            funnel.accepted,
            funnel.committed,
            funnel.resolved,
            _percent(funnel.resolution_rate),
            _percent(funnel.on_time_rate),
            f"{funnel.satisfaction:.1f}" if funnel.satisfaction else "",
            commitments.made,
            commitments.on_track,
            commitments.overdue,
            commitments.fulfilled,
            meetings.held,
            meetings.resolutions,
            meetings.carried_out,
            volunteering.hours,
        ]

    rows = [
        line(
            area,
            dashboard.funnel,
            dashboard.commitments,
            dashboard.meetings,
            dashboard.volunteering,
        )
    ]
    rows += [
        line(row.area, row.funnel, row.commitments, row.meetings, row.volunteering)
        for row in dashboard.children
    ]
    return csv_for_excel(f"dashboard-{area.code}-{period.key}.csv", header, rows)
