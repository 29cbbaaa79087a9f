"""No endpoint returns an object its caller could not see in the browser: for every role of
the `people` fixture, anonymous and the administrator, each list and detail endpoint gives
exactly what the pages give (their `visible_to()` querysets and their detail pages)."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone

from communities import services as community_services
from communities.models import ApiToken, Notice, Organization
from deliberation import services
from deliberation.models import Commitment, Issue

ROLES = [
    "street_staff",
    "community_staff",
    "owners_member",
    "firm_staff",
    "grid_worker",
    "resident",
    "stranger",
]


@pytest.fixture
def issues(report, people, tree, admin_user):
    """Public and private issues in K1 (the roles' compound) and K4 (under the other street),
    one rejected, one private and given to a firm elsewhere."""
    made = [
        report(title="路灯不亮"),
        report(category="private", title="邻里纠纷"),
        report(area=tree.B5, reporter=people.stranger, title="别处的路灯"),
        report(area=tree.B5, reporter=people.stranger, category="private", title="别处的纠纷"),
    ]
    rejected = report(title="不予受理的问题")
    services.reject_issue(issue=rejected, by=people.community_staff, reason="重复")
    given = report(
        category="private", title="交给物业的私事", reporter=people.stranger, area=tree.B5
    )
    other_firm = Organization.objects.create(name="别处物业", kind="property_firm", area=tree.S2)
    other_firm.served_areas.set([tree.K4])
    services.accept_issue(issue=given, by=admin_user)
    services.assign_issue(issue=given, organization=other_firm, by=admin_user)
    return [*made, rejected, given]


@pytest.fixture
def notices(tree, people):
    now = timezone.now()
    publish = community_services.publish_notice
    live = publish(area=tree.C1, title="停水通知", by=people.community_staff)
    scheduled = publish(
        area=tree.C1,
        title="下周的通知",
        by=people.community_staff,
        publish_at=now + datetime.timedelta(days=7),
    )
    elsewhere = publish(area=tree.S2, title="后湖街道的通知", by=None)
    taken_down = publish(area=tree.K1, title="已撤下的通知", by=people.owners_member)
    community_services.unpublish_notice(notice=taken_down, by=people.owners_member)
    return [live, scheduled, elsewhere, taken_down]


@pytest.fixture
def commitment(tree, people, issues):
    organization = people.community_staff.memberships.get().organization
    return services.make_commitment(
        organization=organization,
        area=tree.C1,
        title="月底前修好路灯",
        due_on=timezone.localdate() + datetime.timedelta(days=20),
        by=people.community_staff,
        issues=[issues[0], issues[1]],
        submission_key=uuid.uuid4(),
    )


def callers(people, admin_user, token_for):
    """Each role with a browser session and, where the role may hold one, a token."""
    for role in [*ROLES, "admin", "anonymous"]:
        user = {"admin": admin_user, "anonymous": AnonymousUser()}.get(role) or getattr(
            people, role
        )
        browser = Client()
        if user.is_authenticated:
            browser.force_login(user)
        yield role, user, browser, {}
        if user.has_perm("communities.create_api_token"):
            yield role, user, Client(), {"HTTP_AUTHORIZATION": f"Token {token_for(user)}"}


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_issue_lists_and_details_match_the_pages_for_every_role(
    people, admin_user, issues, token_for
):
    checked_tokens = 0
    for role, user, api, auth in callers(people, admin_user, token_for):
        page = Client()
        if user.is_authenticated:
            page.force_login(user)
        visible = set(Issue.objects.visible_to(user).values_list("pk", flat=True))
        assert _ids(api.get("/api/v1/issues/", {"page_size": 100}, **auth)) == visible, role
        for issue in issues:
            in_browser = page.get(issue.get_absolute_url()).status_code
            in_api = api.get(f"/api/v1/issues/{issue.pk}/", **auth).status_code
            assert (in_browser, in_api) in {(200, 200), (404, 404)}, (role, issue.title)
        checked_tokens += bool(auth)
    assert checked_tokens == 5  # street, community, owners' committee, firm and the admin
    # The matrix is not trivially true: someone saw less than everything.
    assert len(Issue.objects.visible_to(people.stranger)) < len(issues)


def test_the_staff_queue_filters_never_widen_what_a_role_sees(people, admin_user, issues):
    for role in ROLES:
        user = getattr(people, role)
        api = Client()
        api.force_login(user)
        visible = set(Issue.objects.visible_to(user).values_list("pk", flat=True))
        for query in (
            {"status": "rejected"},
            {"category": "dispute"},
            {"area": "D"},
            {"q": "纠纷"},
        ):
            assert _ids(api.get("/api/v1/issues/", query)) <= visible, (role, query)


def test_notices_match_the_board_for_every_role(people, admin_user, notices, token_for):
    for role, user, api, auth in callers(people, admin_user, token_for):
        visible = set(Notice.objects.visible_to(user).values_list("pk", flat=True))
        assert _ids(api.get("/api/v1/notices/", **auth)) == visible, role
        page = Client()
        if user.is_authenticated:
            page.force_login(user)
        for notice in notices:
            in_browser = page.get(notice.get_absolute_url()).status_code
            in_api = api.get(f"/api/v1/notices/{notice.pk}/", **auth).status_code
            assert (in_browser, in_api) in {(200, 200), (404, 404)}, (role, notice.title)


def test_a_commitment_names_only_the_issues_its_reader_may_see(
    people, admin_user, commitment, token_for
):
    for role, user, api, auth in callers(people, admin_user, token_for):
        (row,) = api.get("/api/v1/commitments/", **auth).json()["results"]
        visible = set(
            commitment.issues.visible_to(user).values_list("pk", flat=True)
        )  # as the commitment's page lists them
        assert set(row["issues"]) == visible, role
        assert Commitment.objects.visible_to(user).filter(pk=row["id"]).exists()


def test_open311_requests_match_what_the_keys_owner_or_the_public_may_see(
    people, admin_user, issues, token_for
):
    for role, user, _browser, auth in callers(people, admin_user, token_for):
        params = {"api_key": auth["HTTP_AUTHORIZATION"].split()[1]} if auth else {}
        seen_as = user if auth else AnonymousUser()
        response = Client().get("/open311/v2/requests.json", params)
        assert response.status_code == 200
        ids = {int(row["service_request_id"]) for row in response.json()}
        assert ids == set(Issue.objects.visible_to(seen_as).values_list("pk", flat=True)), role


def test_no_response_names_a_resident(people, admin_user, issues, token_for):
    """The reporter's name, username and phone never appear, whoever asks, in the API or in
    Open311, even to staff who may see the reporter on the page."""
    secret = token_for(people.community_staff)
    bodies = [
        Client().get(path, HTTP_AUTHORIZATION=f"Token {secret}").content.decode()
        for path in ["/api/v1/issues/", *(f"/api/v1/issues/{issue.pk}/" for issue in issues)]
    ]
    bodies.append(Client().get("/open311/v2/requests.xml", {"api_key": secret}).content.decode())
    for person in (people.resident, people.stranger):
        for body in bodies:
            assert person.full_name not in body
            assert person.phone[3:] not in body
            assert f'"{person.username}"' not in body


@pytest.fixture
def meetings(tree, people, admin_user):
    """In K1 and K4: a confirmed meeting, a draft with the resident invited, a cancelled one."""
    made = []
    for area in (tree.K1, tree.K4):
        organization = Organization.objects.create(
            name=f"{area.name}议事会", kind="social_organization", area=area
        )
        for n, status in enumerate(("confirmed", "draft", "cancelled")):
            start = timezone.now() + datetime.timedelta(days=3 + n, hours=len(made))
            meeting = services.plan_meeting(
                organization=organization,
                area=area,
                title=f"{area.name}的会{n}",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=1),
                location_note="活动室",
                by=admin_user,
            )
            if status == "confirmed":
                services.confirm_meeting(meeting=meeting, by=admin_user)
            if status == "cancelled":
                services.cancel_meeting(meeting=meeting, by=admin_user, reason="改期")
            made.append(meeting)
    from deliberation.models import Invitation

    Invitation.objects.create(meeting=made[1], user=people.resident, invited_by=admin_user)
    return made


def test_meetings_match_the_pages_for_every_role(people, admin_user, meetings, token_for):
    from deliberation.models import Meeting

    for role, user, api, auth in callers(people, admin_user, token_for):
        page = Client()
        if user.is_authenticated:
            page.force_login(user)
        visible = set(Meeting.objects.visible_to(user).values_list("pk", flat=True))
        assert _ids(api.get("/api/v1/meetings/", **auth)) == visible, role
        for meeting in meetings:
            in_browser = page.get(meeting.get_absolute_url()).status_code
            in_api = api.get(f"/api/v1/meetings/{meeting.pk}/", **auth).status_code
            assert (in_browser, in_api) in {(200, 200), (404, 404)}, (role, meeting.title)
    assert len(Meeting.objects.visible_to(people.stranger)) < len(meetings)
    assert meetings[1].pk in Meeting.objects.visible_to(people.resident).values_list(
        "pk", flat=True
    )


def test_tokens_are_listed_to_their_owner_alone_and_all_to_the_administrator(
    people, admin_user, token_for
):
    """The profile page lists one's own tokens; the API lists the same, and the administrator,
    who manages every token in the admin, sees them all."""
    for role in ("street_staff", "community_staff", "owners_member", "firm_staff"):
        token_for(getattr(people, role), name="另一个系统")
    for role, user, api, auth in callers(people, admin_user, token_for):
        listed = {row["id"] for row in api.get("/api/v1/tokens/", **auth).json()["results"]}
        own = set(user.api_tokens.values_list("pk", flat=True)) if user.is_authenticated else set()
        expected = set(ApiToken.objects.values_list("pk", flat=True)) if role == "admin" else own
        assert listed == expected, role
    # Someone saw less than everything: the test is not trivially true.
    assert len(ApiToken.objects.all()) > len(people.street_staff.api_tokens.all())
