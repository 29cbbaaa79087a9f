"""The dashboard of every tier: figures from the counters, children ranked, CSV, fixed cost."""

import datetime

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deliberation import services
from deliberation.models import Issue
from deliberation.selectors import Period
from governance import selectors
from volunteers import services as volunteer_services


def _this_quarter() -> Period:
    return Period.from_request(None)


def _resolve(issue, people, firm):
    services.accept_issue(issue=issue, by=people.owners_member)
    services.assign_issue(issue=issue, organization=firm, by=people.owners_member)
    services.resolve_issue(issue=issue, by=people.firm_staff, note="换了灯泡")


def test_a_street_counts_its_compounds_and_ranks_the_one_that_resolves_first(
    tree, people, firm, report
):
    _resolve(report(area=tree.B1), people, firm)
    report(area=tree.B4)
    dashboard = selectors.area_dashboard(tree.S1, _this_quarter())
    assert (dashboard.funnel.collected, dashboard.funnel.resolved) == (2, 1)
    assert [row.area for row in dashboard.children] == [tree.C1, tree.C2]
    assert [row.funnel.resolution_rate for row in dashboard.children] == [1.0, 0.0]
    assert dashboard.trend[-1].funnel.collected == 2


def test_commitments_are_counted_where_they_stand_today(tree, people, firm):
    due = timezone.localdate() + datetime.timedelta(days=3)
    services.make_commitment(
        organization=firm, area=tree.K1, title="修好路灯", due_on=due, by=people.firm_staff
    )
    late = services.make_commitment(
        organization=firm, area=tree.K1, title="清理楼道", due_on=due, by=people.firm_staff
    )
    type(late).objects.filter(pk=late.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(1)
    )
    figures = selectors.area_dashboard(tree.S1, _this_quarter())
    assert (figures.commitments.made, figures.commitments.on_track) == (2, 1)
    assert figures.commitments.overdue == 1
    assert figures.children[0].commitments.overdue == 1


def test_meetings_held_count_with_their_resolutions_carried_out(tree, people, firm):
    from deliberation.models import Commitment, Meeting, Resolution

    start = timezone.now() - datetime.timedelta(hours=3)

    def meeting(area, status):
        return Meeting.objects.create(
            organization=firm,
            area=area,
            title="联席会议",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            status=status,
        )

    held = meeting(tree.K1, Meeting.Status.HELD)
    meeting(tree.K3, Meeting.Status.HELD)
    meeting(tree.K1, Meeting.Status.CANCELLED)
    due = timezone.localdate() + datetime.timedelta(days=3)
    for title in ("修好路灯", "清理楼道"):
        commitment = services.make_commitment(
            organization=firm, area=tree.K1, title=title, due_on=due, by=people.firm_staff
        )
        Resolution.objects.create(
            meeting=held, text=title, responsible=firm, due_on=due, commitment=commitment
        )
    services.record_commitment_result(
        commitment=Commitment.objects.get(title="修好路灯"),
        result=Commitment.Status.FULFILLED,
        note="已修好",
        by=people.firm_staff,
    )
    dashboard = selectors.area_dashboard(tree.S1, _this_quarter())
    assert (dashboard.meetings.held, dashboard.meetings.resolutions) == (2, 2)
    assert dashboard.meetings.carried_out == 1
    by_child = {row.area: row.meetings for row in dashboard.children}
    assert (by_child[tree.C1].held, by_child[tree.C1].carried_out) == (1, 1)
    assert by_child[tree.C2].held == 1


def test_confirmed_volunteer_hours_count_where_the_activity_was_held(
    tree, people, activity, organiser_org
):
    entry = volunteer_services.sign_up(activity=activity, user=people.resident)
    volunteer_services.check_in(sign_up=entry, by=people.community_staff)
    volunteer_services.confirm_hours(sign_up=entry, hours=2, by=people.community_staff)
    quarter = Period.from_request(
        f"{activity.starts_at.year}-Q{(timezone.localtime(activity.starts_at).month - 1) // 3 + 1}"
    )
    dashboard = selectors.area_dashboard(tree.S1, quarter)
    assert dashboard.volunteering.hours == 2
    assert dashboard.volunteering.volunteers == 1


def test_the_public_page_shows_figures_charts_and_tables_but_no_resident(
    client, tree, people, report
):
    report(area=tree.B1)
    response = client.get(reverse("area_dashboard", args=[tree.S1.code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<svg") == 3
    assert "<table" in page and "安居社区" in page
    assert people.resident.full_name not in page
    assert "style=" not in page


def test_the_csv_opens_in_excel_with_one_line_per_place(client, tree, people, report):
    report(area=tree.B1)
    response = client.get(reverse("area_dashboard_csv", args=[tree.S1.code]))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 1 + 2  # header, the street, its two communities
    assert lines[1].split(",")[:4][:2] == [tree.S1.name, tree.S1.code]


def test_a_district_dashboard_costs_the_same_queries_at_any_size(
    client, tree, people, firm, report
):
    def queries_for_district() -> int:
        cache.clear()  # the median is cached for ten minutes; count the cold page each time
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("area_dashboard", args=[tree.D.code])).status_code == 200
        return len(queries)

    report(area=tree.B1)
    few = queries_for_district()
    for area in (tree.B2, tree.B3, tree.B4, tree.B5) * 5:
        report(area=area)
    _resolve(Issue.objects.filter(area=tree.B2).first(), people, firm)
    assert queries_for_district() == few


def test_the_dashboard_shows_the_last_sealed_head_hash(client, tree, people, report):
    report(area=tree.B1)
    url = reverse("area_dashboard", args=[tree.S1.code])
    before = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No day has been sealed yet" in before
    seals = services.seal_timeline(now=timezone.now() + datetime.timedelta(days=1, hours=2))
    after = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert seals[-1].hash in after
