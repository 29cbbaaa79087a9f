"""The JSON API of deliberation: reports and steps go through the services, bad input is a
4xx with the service's message, and lists cost the same queries at any size."""

import uuid

import pytest
from django.test import Client

from deliberation import services
from deliberation.models import FunnelCount, Issue, IssueEvent


@pytest.fixture
def as_user(people, categories):
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


def test_a_resident_reports_through_the_api_as_on_the_form(as_user, people):
    key = str(uuid.uuid4())
    body = {
        "title": "楼道灯坏了",
        "description": "3单元楼道灯一周不亮。",
        "category": "lamp",
        "area": "B1",
        "submission_key": key,
    }
    first = as_user(people.resident).post("/api/v1/issues/", body, content_type="application/json")
    assert first.status_code == 201, first.content
    again = as_user(people.resident).post("/api/v1/issues/", body, content_type="application/json")
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    issue = Issue.objects.get()
    assert issue.reporter == people.resident and issue.channel == Issue.Channel.ONLINE
    assert [event["kind"] for event in first.json()["timeline"]] == ["submitted"]
    assert FunnelCount.objects.filter(area__code="D").get().collected == 1


def test_nobody_reports_outside_their_community_or_records_for_others_without_a_role(
    as_user, people
):
    elsewhere = {"title": "路灯", "description": "不亮", "category": "lamp", "area": "B5"}
    recorded = {**elsewhere, "area": "B1", "channel": "phone"}
    client = as_user(people.resident)
    outside = client.post("/api/v1/issues/", elsewhere, content_type="application/json")
    on_behalf = client.post("/api/v1/issues/", recorded, content_type="application/json")
    assert outside.status_code == 400 and "area" in outside.json()
    assert on_behalf.status_code == 400 and "channel" in on_behalf.json()
    assert not Issue.objects.exists()


def test_staff_record_a_phone_call_without_naming_a_reporter(as_user, people):
    body = {
        "title": "电梯异响",
        "description": "居民来电。",
        "category": "lamp",
        "area": "B1",
        "channel": "phone",
    }
    response = as_user(people.community_staff).post(
        "/api/v1/issues/", body, content_type="application/json"
    )
    assert response.status_code == 201
    issue = Issue.objects.get()
    assert issue.reporter is None and issue.recorded_by == people.community_staff


def test_anonymous_callers_read_but_do_not_write(client, report):
    issue = report()
    assert client.get(f"/api/v1/issues/{issue.pk}/").status_code == 200
    for path in ("/api/v1/issues/", f"/api/v1/issues/{issue.pk}/transitions/"):
        response = client.post(path, {"action": "support"}, content_type="application/json")
        assert response.status_code in {401, 403}
        assert response.json()["detail"]


def test_staff_take_an_issue_from_report_to_resolved_through_transitions(
    as_user, people, report, firm
):
    issue = report()
    staff = as_user(people.community_staff)
    url = f"/api/v1/issues/{issue.pk}/transitions/"
    steps = [
        (staff, {"action": "accept"}),
        (staff, {"action": "assign", "organization": firm.pk, "note": "请物业处理"}),
        (as_user(people.firm_staff), {"action": "start"}),
        (as_user(people.firm_staff), {"action": "resolve", "note": "已更换灯泡"}),
        (as_user(people.resident), {"action": "rate", "rating": 5, "comment": "很快"}),
    ]
    for client, step in steps:
        response = client.post(url, step, content_type="application/json")
        assert response.status_code == 200, (step, response.content)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.CLOSED and issue.assigned_to == firm
    who = {event["kind"]: event["who"] for event in response.json()["timeline"]}
    assert who["resolved"] == firm.name
    # The resident is the role's word, the same for the report and the rating, never a name.
    assert who["rated"] == who["submitted"]
    assert who["rated"] not in (people.resident.full_name, people.resident.username)


@pytest.mark.parametrize(
    ("role", "step", "status", "key"),
    [
        ("stranger", {"action": "accept"}, 403, "detail"),
        ("firm_staff", {"action": "accept"}, 403, "detail"),
        ("community_staff", {"action": "reject"}, 400, "reason"),
        ("community_staff", {"action": "resolve", "note": "x"}, 400, "detail"),
        ("community_staff", {"action": "assign"}, 400, "organization"),
        ("community_staff", {"action": "assign", "organization": 999999}, 400, "organization"),
        ("community_staff", {"action": "summon", "department": 1}, 400, "department"),
        ("community_staff", {"action": "merge", "into": 999999}, 400, "into"),
        ("community_staff", {"action": "fly"}, 400, "action"),
        ("community_staff", {"action": "rate", "rating": 9}, 400, "rating"),
        ("resident", {"action": "rate", "rating": 4}, 400, "detail"),
    ],
)
def test_a_refused_step_is_a_4xx_with_the_services_message(
    as_user, people, report, role, step, status, key
):
    issue = report()
    response = as_user(getattr(people, role)).post(
        f"/api/v1/issues/{issue.pk}/transitions/", step, content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert response.json()[key]
    assert IssueEvent.objects.filter(issue=issue).count() == 1


def test_the_queue_filters_work_on_the_api(as_user, people, report):
    lamp = report(title="路灯不亮")
    fire = report(category="fire", title="消防通道被占", description="电动车堵住了消防通道。")
    services.reject_issue(issue=fire, by=people.community_staff, reason="已处理")
    client = as_user(people.community_staff)

    def ids(**query):
        return [row["id"] for row in client.get("/api/v1/issues/", query).json()["results"]]

    assert ids(status="rejected") == [fire.pk]
    assert ids(category="lamp") == [lamp.pk]
    assert ids(q="路灯") == [lamp.pk]
    assert ids(area="K4") == []
    assert set(ids(area="K1")) == {lamp.pk, fire.pk}
    assert ids(order="deadline") == [fire.pk, lamp.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "nonsense"},
        {"category": "no-such"},
        {"submitted_after": "yesterday"},
        {"page": "0"},
        {"page": "abc"},
        {"page_size": "1000"},
        {"order": "password"},
        {"assigned_to": "99999999999999999999999"},
        {"assigned_to": "1e400"},
    ],
)
def test_bad_filters_are_400_not_500(client, db, query):
    response = client.get("/api/v1/issues/", query)
    assert response.status_code == 400
    assert response.json()


def test_the_staff_queue_page_survives_an_organisation_number_past_any_integer(as_user, people):
    client = as_user(people.community_staff)
    response = client.get("/staff/issues/", {"assigned_to": "99999999999999999999999"})
    assert response.status_code == 200


def test_pages_link_to_each_other_without_counting(client, report):
    for number in range(3):
        report(title=f"路灯{number}")
    first = client.get("/api/v1/issues/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert "count" not in first


def test_listing_issues_costs_the_same_queries_at_any_size(
    client, report, django_assert_max_num_queries
):
    report()
    with django_assert_max_num_queries(3):
        small = client.get("/api/v1/issues/")
    for number in range(10):
        report(title=f"路灯{number}")
    with django_assert_max_num_queries(3):
        large = client.get("/api/v1/issues/")
    assert len(small.json()["results"]) == 1 and len(large.json()["results"]) == 11


def test_the_funnel_of_an_area_and_its_children(client, report, people):
    issue = report()
    services.accept_issue(issue=issue, by=people.community_staff)
    body = client.get("/api/v1/funnel/C1/").json()
    assert body["total"]["collected"] == 1 and body["total"]["accepted"] == 1
    assert [child["area"] for child in body["children"]] == ["K1", "K2"]
    assert client.get("/api/v1/funnel/C1/", {"period": "2026-Q9"}).status_code == 400
    assert client.get("/api/v1/funnel/NOWHERE/").status_code == 404


def test_categories_and_areas_are_public(client, tree, categories):
    codes = {row["code"] for row in client.get("/api/v1/categories/").json()}
    assert codes == {"lamp", "fire-lane", "dispute"}
    k1 = client.get("/api/v1/areas/K1/").json()
    assert k1["parent"] == "C1"
    assert [area["code"] for area in k1["ancestors"]] == ["D", "S1", "C1"]
    assert [area["code"] for area in k1["children"]] == ["B1", "B2"]
    under = client.get("/api/v1/areas/", {"under": "C1", "level": 5}).json()["results"]
    assert [area["code"] for area in under] == ["B1", "B2", "B3"]
    assert client.get("/api/v1/areas/", {"level": "9"}).status_code == 400
