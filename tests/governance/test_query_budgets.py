"""Query budgets (issue #8.2): every list and detail page costs the same number of queries with
few rows and with many, and no more than its stated budget.

Each test builds a page's rows through the services, counts the queries of the page with
`few` rows, adds rows until it has `many`, and counts again. The two counts must be equal (a
query per row is an N+1) and within the budget written beside the page: a new query on a page
is a decision, made by raising its number here. The cache is cleared before each count, so a
cached figure does not hide a query.

Pages whose few-and-many test lives next to their own feature (the household tree in
tests/communities/test_views.py, the workbook check in tests/communities/test_imports.py) are
not repeated here.
"""

from __future__ import annotations

import datetime
import itertools
import uuid
from collections.abc import Callable
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities import services as community_services
from communities.models import Household, Notification
from deliberation import services as deliberation_services
from tests.factories import UserFactory
from volunteers import services as volunteer_services
from volunteers.models import Reward

FEW = 2
MANY = 12
ROW = "预算行"  # in every row's title, so the page can be seen to show them all

_numbers = itertools.count()


def _queries(client, url: str) -> tuple[int, str]:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(captured), response.content.decode()


def assert_fixed_cost(
    client,
    url: str,
    add: Callable[[int], None],
    *,
    budget: int,
    shows: int | None = MANY,
) -> None:
    """`add(n)` adds n rows to what the page lists. With FEW rows and with MANY, the page
    answers with the same number of queries, at most `budget`; it shows `shows` rows."""
    add(FEW)
    client.get(url)  # warm what every first request loads (content types, site, templates)
    few, _ = _queries(client, url)
    add(MANY - FEW)
    many, page = _queries(client, url)
    assert many == few, f"{url}: {few} queries with {FEW} rows, {many} with {MANY}"
    assert many <= budget, f"{url}: {many} queries, budget {budget}"
    if shows is not None:
        assert page.count(ROW) >= shows, f"{url} shows {page.count(ROW)} rows of {shows}"


def _title() -> str:
    return f"{ROW}{next(_numbers)}"


def _in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


# --- Issues ------------------------------------------------------------------------------------


def test_the_public_issue_list(client, tree, report):
    def add(count):
        for _ in range(count):
            report(title=_title())

    url = reverse("deliberation:area_issues", args=[tree.S1.code])
    assert_fixed_cost(client, url, add, budget=4)


def test_the_issue_page_with_a_long_timeline(client, people, firm, report):
    issue = report()
    deliberation_services.accept_issue(issue=issue, by=people.owners_member)
    deliberation_services.assign_issue(issue=issue, organization=firm, by=people.owners_member)

    def add(count):
        nonlocal issue
        for _ in range(count):
            # Each round adds two timeline entries: resolved (with a note) and reopened.
            issue = deliberation_services.resolve_issue(
                issue=issue, by=people.firm_staff, note=_title()
            )
            issue = deliberation_services.reopen_issue(
                issue=issue, by=people.resident, evidence="还是不亮"
            )

    assert_fixed_cost(client, issue.get_absolute_url(), add, budget=6)


def test_the_staff_queue(client, people, report):
    def add(count):
        for _ in range(count):
            report(title=_title())

    client.force_login(people.community_staff)
    assert_fixed_cost(client, reverse("deliberation:staff_queue"), add, budget=14)


def test_the_funnel_of_a_street(client, tree, report):
    def add(count):
        for _ in range(count):
            report(title=_title())

    url = reverse("deliberation:area_funnel", args=[tree.S1.code])
    assert_fixed_cost(client, url, add, budget=6, shows=None)


def test_the_household_visits(client, people, households):
    home = households["B1"]

    def add(count):
        for _ in range(count):
            deliberation_services.record_household_visit(
                visitor=people.grid_worker, household=home, needs_heard=_title()
            )

    client.force_login(people.grid_worker)
    assert_fixed_cost(client, reverse("deliberation:household_visits"), add, budget=12)


# --- Commitments -------------------------------------------------------------------------------


def _commitments(tree, people, firm):
    def add(count):
        for _ in range(count):
            deliberation_services.make_commitment(
                organization=firm,
                area=tree.K1,
                title=_title(),
                due_on=_in_days(14),
                by=people.firm_staff,
            )

    return add


def test_the_commitments_of_an_area(client, tree, people, firm):
    url = reverse("deliberation:area_commitments", args=[tree.K1.code])
    assert_fixed_cost(client, url, _commitments(tree, people, firm), budget=8)


def test_the_commitments_of_an_organisation(client, tree, people, firm):
    url = reverse("deliberation:organization_commitments", args=[firm.pk])
    assert_fixed_cost(client, url, _commitments(tree, people, firm), budget=8)


def test_the_staff_commitments(client, tree, people, firm):
    client.force_login(people.firm_staff)
    url = reverse("deliberation:staff_commitments")
    assert_fixed_cost(client, url, _commitments(tree, people, firm), budget=14)


def test_the_quarterly_register_of_a_community(client, tree, people, firm, report):
    def add(count):
        for _ in range(count):
            issue = deliberation_services.accept_issue(
                issue=report(title=_title()), by=people.owners_member
            )
            deliberation_services.make_commitment(
                organization=firm,
                area=tree.K1,
                title=_title(),
                due_on=_in_days(14),
                by=people.firm_staff,
                issues=[issue],
            )

    url = reverse("deliberation:area_register", args=[tree.C1.code])
    assert_fixed_cost(client, url, add, budget=10)


def test_the_commitment_page_with_a_long_progress_record(client, tree, people, firm):
    commitment = deliberation_services.make_commitment(
        organization=firm, area=tree.K1, title="修好路灯", due_on=_in_days(14), by=people.firm_staff
    )
    progress = itertools.count(1)

    def add(count):
        for _ in range(count):
            deliberation_services.report_progress(
                commitment=commitment, by=people.firm_staff, progress=next(progress), text=_title()
            )

    assert_fixed_cost(client, commitment.get_absolute_url(), add, budget=10)


# --- Polls and online topics -------------------------------------------------------------------


def test_the_polls_of_a_compound(client, tree, people):
    committee = people.owners_member.memberships.get().organization

    def add(count):
        for _ in range(count):
            deliberation_services.create_poll(
                organization=committee,
                area=tree.K1,
                title=_title(),
                options=["同意", "不同意"],
                closes_at=timezone.now() + datetime.timedelta(days=7),
                by=people.owners_member,
            )

    client.force_login(people.owners_member)
    url = reverse("deliberation:area_polls", args=[tree.K1.code])
    assert_fixed_cost(client, url, add, budget=13)


def test_a_poll_page_with_many_options(client, tree, people):
    """A poll's options are fixed when it is made: compare a poll of two with one of twelve."""
    committee = people.owners_member.memberships.get().organization
    client.force_login(people.resident)

    def poll_with(options: int) -> str:
        poll = deliberation_services.create_poll(
            organization=committee,
            area=tree.K1,
            title="小区更名",
            options=[f"{ROW}{number}" for number in range(options)],
            closes_at=timezone.now() + datetime.timedelta(days=7),
            max_choices=options,
            by=people.owners_member,
        )
        return poll.get_absolute_url()

    few_url, many_url = poll_with(FEW), poll_with(MANY)
    client.get(few_url)
    few, _ = _queries(client, few_url)
    many, page = _queries(client, many_url)
    assert many == few <= 15
    assert page.count(ROW) >= MANY


def _topic(tree, people):
    committee = people.community_staff.memberships.get().organization
    return deliberation_services.open_topic(
        organization=committee,
        area=tree.C1,
        title="楼道堆物怎么管",
        question="大家怎么看？",
        opens_on=timezone.localdate(),
        closes_on=_in_days(30),
        by=people.community_staff,
    )


def test_the_topics_of_a_community(client, tree, people):
    committee = people.community_staff.memberships.get().organization

    def add(count):
        for _ in range(count):
            deliberation_services.open_topic(
                organization=committee,
                area=tree.C1,
                title=_title(),
                question="大家怎么看？",
                opens_on=timezone.localdate(),
                closes_on=_in_days(30),
                by=people.community_staff,
            )

    url = reverse("deliberation:area_topics", args=[tree.K1.code])
    assert_fixed_cost(client, url, add, budget=8)


def test_a_topic_page_with_many_comments(client, tree, people):
    topic = _topic(tree, people)

    def add(count):
        for _ in range(count):
            first = deliberation_services.post_comment(
                topic=topic, author=people.resident, body=_title(), submission_key=uuid.uuid4()
            )
            deliberation_services.post_comment(
                topic=topic,
                author=people.community_staff,
                body="居委会会去看看。",
                parent=first,
                submission_key=uuid.uuid4(),
            )

    client.force_login(people.resident)
    assert_fixed_cost(client, topic.get_absolute_url(), add, budget=17)


# --- Notices and the inbox ---------------------------------------------------------------------


def test_the_notice_board(client, tree, people):
    def add(count):
        for _ in range(count):
            community_services.publish_notice(
                area=tree.C1, title=_title(), by=people.community_staff
            )

    url = reverse("communities:area_notices", args=[tree.B1.code])
    assert_fixed_cost(client, url, add, budget=6)


def test_the_inbox(client, people):
    def add(count):
        for _ in range(count):
            community_services.notify(
                user=people.resident, key=f"budget-{uuid.uuid4()}", title=_title()
            )

    client.force_login(people.resident)
    assert_fixed_cost(client, reverse("communities:inbox"), add, budget=9)
    assert Notification.objects.filter(user=people.resident).count() == MANY


# --- Rooms and bookings ------------------------------------------------------------------------


def test_the_rooms_of_an_area(client, tree, people, organiser_org):
    def add(count):
        for _ in range(count):
            community_services.create_space(
                area=tree.C1,
                name=_title(),
                capacity=10,
                opens_at=datetime.time(8, 0),
                closes_at=datetime.time(20, 0),
                managed_by=organiser_org,
                by=people.community_staff,
            )

    url = reverse("communities:area_spaces", args=[tree.B1.code])
    assert_fixed_cost(client, url, add, budget=6)


def _bookings(room, people, at, *, by, organization=None):
    slots = itertools.count()

    def add(count):
        for _ in range(count):
            slot = next(slots)
            start = at(1 + slot // 6, 8 + 2 * (slot % 6))
            community_services.book_space(
                space=room,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=1),
                by=by,
                organization=organization,
                purpose=_title(),
            )

    return add


def test_a_room_page_with_many_bookings(client, room, people, at, organiser_org):
    client.force_login(people.community_staff)
    add = _bookings(room, people, at, by=people.community_staff, organization=organiser_org)
    assert_fixed_cost(client, room.get_absolute_url(), add, budget=18, shows=None)


def test_my_bookings(client, room, people, at):
    client.force_login(people.resident)
    add = _bookings(room, people, at, by=people.resident)
    assert_fixed_cost(client, reverse("communities:my_bookings"), add, budget=11)


def test_the_booking_queue(client, room, people, at):
    client.force_login(people.community_staff)
    add = _bookings(room, people, at, by=people.resident)
    assert_fixed_cost(client, reverse("communities:booking_queue"), add, budget=12)


# --- Households and residents ------------------------------------------------------------------


def test_the_households_of_a_building(client, tree, people):
    rooms = itertools.count(101)

    def add(count):
        for _ in range(count):
            community_services.create_household(
                building=tree.B1,
                unit="9",
                room=str(next(rooms)),
                floor_area=Decimal("80"),
                by=people.community_staff,
            )

    client.force_login(people.community_staff)
    url = reverse("communities:household_list", args=[tree.B1.code])
    assert_fixed_cost(client, url, add, budget=13, shows=None)


def test_the_residency_queue(client, tree, people):
    rooms = itertools.count(201)

    def add(count):
        for _ in range(count):
            room = str(next(rooms))
            Household.objects.create(building=tree.B1, unit="2", room=room, floor_area=60)
            community_services.claim_household(
                user=UserFactory(full_name=_title()),
                community=tree.C1,
                building=tree.B1,
                unit="2",
                room=room,
                relation="owner",
            )

    client.force_login(people.community_staff)
    assert_fixed_cost(client, reverse("communities:residency_queue"), add, budget=10, shows=None)


# --- Volunteering ------------------------------------------------------------------------------


def _activities(tree, people, organiser_org):
    def add(count):
        for _ in range(count):
            start = timezone.now() + datetime.timedelta(days=2)
            volunteer_services.create_activity(
                organization=organiser_org,
                area=tree.C1,
                by=people.community_staff,
                title=_title(),
                place="安居社区睦邻驿站",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                capacity=5,
                points_per_hour=10,
            )

    return add


def test_the_activity_list(client, tree, people, organiser_org):
    client.force_login(people.resident)
    add = _activities(tree, people, organiser_org)
    assert_fixed_cost(client, reverse("volunteers:activity_list"), add, budget=11)


def test_the_volunteering_of_an_area(client, tree, people, organiser_org):
    client.force_login(people.community_staff)
    add = _activities(tree, people, organiser_org)
    url = reverse("volunteers:area_volunteering", args=[tree.C1.code])
    assert_fixed_cost(client, url, add, budget=14)


def test_an_activity_page_with_many_sign_ups(client, activity, people):
    activity.capacity = MANY
    activity.save(update_fields=["capacity"])

    def add(count):
        for _ in range(count):
            volunteer_services.sign_up(activity=activity, user=UserFactory(full_name=_title()))

    client.force_login(people.community_staff)
    assert_fixed_cost(client, activity.get_absolute_url(), add, budget=14, shows=None)


def test_my_statement_of_points(client, people, admin_user):
    def add(count):
        for _ in range(count):
            volunteer_services.award_points(
                user=people.resident,
                points=5,
                reason=_title(),
                by=admin_user,
                idempotency_key=f"budget-{uuid.uuid4()}",
            )

    client.force_login(people.resident)
    assert_fixed_cost(client, reverse("volunteers:my_volunteering"), add, budget=15)


def test_the_rewards_shelf(client, tree, people, organiser_org):
    def add(count):
        for _ in range(count):
            Reward.objects.create(
                name=_title(), organization=organiser_org, area=tree.C1, cost=5, stock=3
            )

    client.force_login(people.resident)
    assert_fixed_cost(client, reverse("volunteers:reward_list"), add, budget=11)


def test_the_redemption_queue(client, tree, people, organiser_org, admin_user):
    reward = Reward.objects.create(
        name=f"{ROW}洗衣液", organization=organiser_org, area=tree.C1, cost=1, stock=100
    )
    volunteer_services.award_points(
        user=people.resident, points=100, reason="攒分", by=admin_user, idempotency_key="budget"
    )

    def add(count):
        for _ in range(count):
            volunteer_services.redeem_reward(reward=reward, user=people.resident)

    client.force_login(people.community_staff)
    url = reverse("volunteers:redemption_queue")
    assert_fixed_cost(client, url, add, budget=12)


def test_the_leaderboard(client, tree, households, admin_user):
    rooms = itertools.count(301)

    def add(count):
        for _ in range(count):
            room = str(next(rooms))
            home = Household.objects.create(building=tree.B1, unit="3", room=room, floor_area=70)
            neighbour = UserFactory(full_name=f"{ROW}{room}")
            home.residencies.create(user=neighbour, relation="owner", status="verified")
            volunteer_services.award_points(
                user=neighbour,
                points=int(room),
                reason="送餐",
                by=admin_user,
                idempotency_key=f"budget-{room}",
            )

    url = reverse("volunteers:leaderboard", args=[tree.C1.code])
    assert_fixed_cost(client, url, add, budget=8, shows=None)


# --- Dashboards and the home page --------------------------------------------------------------


def test_the_dashboard_of_the_district(client, tree, report):
    def add(count):
        for number in range(count):
            report(area=(tree.B1, tree.B2, tree.B4)[number % 3], title=_title())

    url = reverse("area_dashboard", args=[tree.D.code])
    # 16: the funnel, commitments, volunteering and meetings, each for the area and by child.
    assert_fixed_cost(client, url, add, budget=16, shows=None)


def test_the_home_page_of_a_resident(client, people, report):
    def add(count):
        for _ in range(count):
            report(title=_title())

    client.force_login(people.resident)
    assert_fixed_cost(client, reverse("home"), add, budget=12, shows=None)


# --- The API -----------------------------------------------------------------------------------


def test_the_api_lists_issues(client, tree, report):
    def add(count):
        for _ in range(count):
            report(title=_title())

    assert_fixed_cost(client, "/api/v1/issues/", add, budget=3)


def test_the_api_lists_commitments(client, tree, people, firm):
    assert_fixed_cost(client, "/api/v1/commitments/", _commitments(tree, people, firm), budget=4)


def test_the_api_lists_notices(client, tree, people):
    def add(count):
        for _ in range(count):
            community_services.publish_notice(
                area=tree.C1, title=_title(), by=people.community_staff
            )

    assert_fixed_cost(client, "/api/v1/notices/", add, budget=4)


def test_the_api_lists_areas(client, tree, admin_user):
    def add(count):
        for _ in range(count):
            number = next(_numbers)
            community_services.create_area(
                parent=tree.K1,
                code=f"9{number:05d}",
                name=f"{ROW}{number}号楼",
                level=5,
                by=admin_user,
            )

    assert_fixed_cost(client, "/api/v1/areas/?page_size=100", add, budget=4, shows=None)


def test_open311_lists_requests(client, tree, report):
    def add(count):
        for _ in range(count):
            report(title=_title())

    # Open311 carries the description, not the title: count the requests instead.
    assert_fixed_cost(client, "/open311/v2/requests.json", add, budget=4, shows=None)


# --- Imports, party registration ---------------------------------------------------------------


def test_the_imports_of_a_community(client, tree, people, django_capture_on_commit_callbacks):
    from tests.factories import workbook_upload

    rooms = itertools.count(401)

    def add(count):
        for _ in range(count):
            sheets = {
                "住户": [
                    ["楼栋代码", "单元", "室号", "建筑面积(㎡)"],
                    ["B1", "5", str(next(rooms)), 88.5],
                ]
            }
            with django_capture_on_commit_callbacks(execute=True):
                community_services.start_import(
                    area=tree.C1,
                    upload=workbook_upload(sheets, f"{_title()}.xlsx"),
                    by=people.community_staff,
                    language="en",
                )

    client.force_login(people.community_staff)
    url = reverse("communities:area_imports", args=[tree.C1.code])
    assert_fixed_cost(client, url, add, budget=11)


def test_the_party_registration_queue(client, tree, people):
    rooms = itertools.count(501)

    def add(count):
        for _ in range(count):
            room = str(next(rooms))
            home = Household.objects.create(building=tree.B1, unit="6", room=room, floor_area=70)
            member = UserFactory(full_name=_title())
            home.residencies.create(user=member, relation="owner", status="verified")
            community_services.register_party_member(
                user=member, community=tree.C1, home_organization="机关支部", show_publicly=True
            )

    client.force_login(people.community_staff)
    assert_fixed_cost(client, reverse("communities:party_queue"), add, budget=10, shows=None)


def test_the_api_gives_the_funnel_of_a_district(client, tree, report):
    def add(count):
        for number in range(count):
            report(area=(tree.B1, tree.B2, tree.B4)[number % 3], title=_title())

    assert_fixed_cost(client, f"/api/v1/funnel/{tree.D.code}/", add, budget=5, shows=None)
