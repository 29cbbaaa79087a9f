"""The talent pool (人才库), good neighbours (好邻居) and the staff's view of an area: bad input is
refused with a clear message and nothing stored, who sees a skill is one answer for the rule and
the list, and names are masked for whoever may not see personal data."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from communities import reach
from communities import services as community_services
from communities.models import Notification, Residency, User
from tests.factories import UserFactory
from volunteers import services
from volunteers.models import Activity, Nomination, Skill
from volunteers.selectors import skills_visible_to, with_personal_data_flag

ROLES = [
    "street_staff",
    "community_staff",
    "owners_member",
    "firm_staff",
    "grid_worker",
    "resident",
    "stranger",
]
COMMUNITY_OF = {"B1": "C1", "B2": "C1", "B3": "C1", "B4": "C2", "B5": "C3"}


@pytest.fixture(autouse=True)
def in_english():
    # Messages are asserted in English; the portal's default language is Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def live_in(tree, households, admin_user):
    """Make `user` (or a new person) a verified resident of the building, through the services."""

    def make(building, user=None, **kwargs):
        user = user or UserFactory(**kwargs)
        claim = community_services.claim_household(
            user=user,
            community=getattr(tree, COMMUNITY_OF[building]),
            building=getattr(tree, building),
            unit=households[building].unit,
            room=households[building].room,
            relation=Residency.Relation.TENANT,
        )
        community_services.verify_residency(residency=claim, by=admin_user)
        reach.forget(user)
        return user

    return make


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _skill(user, name="水电维修", visibility=Skill.Visibility.STAFF, description=""):
    return services.add_skill(user=user, name=name, description=description, visibility=visibility)


# --- Skills ---------------------------------------------------------------------------------------


def test_a_skill_without_a_name_is_refused_and_nothing_stored(people):
    with pytest.raises(ValidationError) as error:
        services.add_skill(user=people.resident, name="  ", description="", visibility="staff")
    assert error.value.message_dict == {"name": ["Name your skill."]}
    assert not Skill.objects.exists()


def test_a_skill_name_longer_than_60_characters_is_refused(people):
    with pytest.raises(ValidationError, match="60 characters"):
        services.add_skill(user=people.resident, name="长" * 61, visibility="staff")
    assert not Skill.objects.exists()


def test_listing_the_same_skill_again_updates_it(people):
    _skill(people.resident, description="会修水管")
    again = _skill(people.resident, description="水管、电路都会", visibility="neighbours")
    assert Skill.objects.get() == again
    assert (again.description, again.visibility) == ("水管、电路都会", "neighbours")


def test_only_the_owner_removes_a_skill(people):
    skill = _skill(people.resident)
    with pytest.raises(PermissionDenied):
        services.remove_skill(skill=skill, by=people.community_staff)
    assert Skill.objects.filter(pk=skill.pk).exists()
    services.remove_skill(skill=skill, by=people.resident)
    assert not Skill.objects.exists()


# --- Invitations ----------------------------------------------------------------------------------


def test_inviting_twice_notifies_once(people, activity):
    _skill(people.resident)
    services.invite_to_activity(activity=activity, user=people.resident, by=people.community_staff)
    services.invite_to_activity(activity=activity, user=people.resident, by=people.community_staff)
    invitations = Notification.objects.filter(
        user=people.resident, key__startswith="activity-invite"
    )
    assert invitations.count() == 1
    assert invitations.get().key == f"activity-invite-{activity.pk}-{people.resident.pk}"


def test_only_the_organiser_invites(people, activity):
    _skill(people.resident, visibility="neighbours")
    with pytest.raises(PermissionDenied):
        services.invite_to_activity(activity=activity, user=people.resident, by=people.stranger)
    assert not Notification.objects.filter(key__startswith="activity-invite").exists()


def test_a_cancelled_or_past_activity_takes_no_invitation(people, activity):
    _skill(people.resident)
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        services.invite_to_activity(
            activity=activity, user=people.resident, by=people.community_staff
        )
    past = timezone.now() - datetime.timedelta(days=1)
    Activity.objects.filter(pk=activity.pk).update(
        status=Activity.Status.OPEN, starts_at=past, ends_at=past + datetime.timedelta(hours=2)
    )
    with pytest.raises(ValidationError, match="already started"):
        services.invite_to_activity(
            activity=activity, user=people.resident, by=people.community_staff
        )
    assert not Notification.objects.filter(key__startswith="activity-invite").exists()


# --- Who sees a skill -----------------------------------------------------------------------------


@pytest.fixture
def pool(people, live_in):
    """Skills of people living in C1 (the roles' community), C2 (its sibling), C3 (under the
    other street) and of someone with no verified home, each shown to staff or to neighbours."""
    neighbour = live_in("B3", username="neighbour")
    sibling = live_in("B4", username="sibling")
    far = live_in("B5", username="far")
    homeless = UserFactory(username="homeless")
    return {
        "viewers": [neighbour, sibling, far, homeless],
        "skills": [
            _skill(people.resident, name="书法"),
            _skill(people.resident, name="英语", visibility="neighbours"),
            _skill(neighbour, name="急救", visibility="neighbours"),
            _skill(neighbour, name="法律咨询"),
            _skill(sibling, name="理发", visibility="neighbours"),
            _skill(far, name="摄影", visibility="neighbours"),
            _skill(homeless, name="编程", visibility="neighbours"),
        ],
    }


def test_view_skill_and_the_selector_agree_for_every_role(people, pool, admin_user):
    users = [getattr(people, role) for role in ROLES] + pool["viewers"]
    users += [admin_user, AnonymousUser()]
    saw_allowed = saw_denied = False
    for user in users:
        visible = set(skills_visible_to(user).values_list("pk", flat=True))
        for skill in Skill.objects.select_related("user"):
            allowed = user.has_perm("volunteers.view_skill", skill)
            assert allowed == (skill.pk in visible), (
                getattr(user, "username", "anonymous"),
                skill.name,
            )
            saw_allowed |= allowed
            saw_denied |= not allowed
    assert saw_allowed and saw_denied


def test_staff_see_every_skill_in_their_area_and_neighbours_only_what_is_shared(people, pool):
    by_name = lambda user: set(skills_visible_to(user).values_list("name", flat=True))  # noqa: E731
    assert by_name(people.community_staff) == {"书法", "英语", "急救", "法律咨询"}
    assert by_name(people.street_staff) == {"书法", "英语", "急救", "法律咨询", "理发"}
    assert by_name(people.resident) == {"书法", "英语", "急救"}
    assert by_name(people.stranger) == set()
    assert by_name(AnonymousUser()) == set()


def test_the_selector_filters_by_area_and_text(people, pool, tree):
    staff = people.street_staff
    assert set(skills_visible_to(staff, area=tree.C2).values_list("name", flat=True)) == {"理发"}
    assert set(skills_visible_to(staff, query="急").values_list("name", flat=True)) == {"急救"}


def test_the_personal_data_flag_agrees_with_the_rule_for_every_role(people, pool, admin_user):
    users = [getattr(people, role) for role in ROLES] + pool["viewers"]
    users += [admin_user, AnonymousUser()]
    for viewer in users:
        flags = dict(
            with_personal_data_flag(User.objects.all(), viewer).values_list(
                "pk", "may_see_personal"
            )
        )
        for person in User.objects.all():
            assert flags[person.pk] == viewer.has_perm("communities.view_personal_data", person), (
                getattr(viewer, "username", "anonymous"),
                person.username,
            )


# --- Good neighbours ------------------------------------------------------------------------------


def test_nominating_oneself_is_refused(people, tree):
    with pytest.raises(ValidationError, match="yourself"):
        services.nominate(nominee=people.resident, by=people.resident, area=tree.C1, reason="热心")
    assert not Nomination.objects.exists()


def test_nominating_someone_of_another_community_is_refused(people, tree, live_in):
    sibling = live_in("B4")
    with pytest.raises(ValidationError, match="your own community"):
        services.nominate(nominee=sibling, by=people.resident, area=tree.C1, reason="热心")
    with pytest.raises(ValidationError, match="Only verified residents"):
        services.nominate(nominee=sibling, by=people.resident, area=tree.C2, reason="热心")
    assert not Nomination.objects.exists()


def test_a_nomination_needs_a_reason(people, tree, live_in):
    neighbour = live_in("B3")
    with pytest.raises(ValidationError) as error:
        services.nominate(nominee=neighbour, by=people.resident, area=tree.C1, reason=" ")
    assert "reason" in error.value.message_dict
    assert not Nomination.objects.exists()


def test_a_second_nomination_the_same_year_is_refused(people, tree, live_in):
    neighbour = live_in("B3")
    services.nominate(nominee=neighbour, by=people.resident, area=tree.C1, reason="帮我搬家")
    with pytest.raises(ValidationError, match="already nominated"):
        services.nominate(nominee=neighbour, by=people.resident, area=tree.C1, reason="又帮忙")
    assert Nomination.objects.count() == 1


def test_only_staff_who_manage_the_area_decide(people, tree, live_in):
    neighbour = live_in("B3")
    nomination = services.nominate(
        nominee=neighbour, by=people.resident, area=tree.C1, reason="照顾独居老人"
    )
    for outsider in (people.firm_staff, people.resident, people.owners_member):
        with pytest.raises(PermissionDenied):
            services.decide_nomination(nomination=nomination, award=True, by=outsider)
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.PROPOSED
    assert not Notification.objects.filter(user=neighbour).exists()


def test_an_award_notifies_the_good_neighbour_once(people, tree, live_in):
    neighbour = live_in("B3")
    nomination = services.nominate(
        nominee=neighbour, by=people.resident, area=tree.C1, reason="照顾独居老人"
    )
    services.decide_nomination(nomination=nomination, award=True, by=people.community_staff)
    nomination.refresh_from_db()
    assert (nomination.status, nomination.decided_by) == ("awarded", people.community_staff)
    assert Notification.objects.filter(user=neighbour).count() == 1
    with pytest.raises(ValidationError, match="already decided"):
        services.decide_nomination(nomination=nomination, award=False, by=people.community_staff)


# --- Pages ----------------------------------------------------------------------------------------


def test_the_skills_page_asks_for_a_login(client):
    response = client.get(reverse("volunteers:skill_list"))
    assert response.status_code == 302


def test_a_resident_lists_and_removes_a_skill_on_the_page(client, people):
    client.force_login(people.resident)
    url = reverse("volunteers:skill_list")
    response = client.post(url, {"name": "", "description": "", "visibility": "staff"})
    assert response.status_code == 400
    assert not Skill.objects.exists()
    response = client.post(url, {"name": "书法", "description": "", "visibility": "staff"})
    assert response.status_code == 302
    skill = Skill.objects.get(user=people.resident)
    html = client.get(url).content.decode()
    assert "书法" in html and "Find people by skill" not in html
    client.post(reverse("volunteers:skill_remove", args=[skill.pk]))
    assert not Skill.objects.exists()


def test_nobody_removes_another_persons_skill(client, people):
    skill = _skill(people.resident)
    client.force_login(people.community_staff)
    response = client.post(reverse("volunteers:skill_remove", args=[skill.pk]))
    assert response.status_code == 404
    assert Skill.objects.filter(pk=skill.pk).exists()


def test_staff_search_the_pool_and_invite(client, people, activity):
    people.resident.full_name = "王小明"
    people.resident.save()
    _skill(people.resident, name="急救培训")
    client.force_login(people.community_staff)
    response = client.get(reverse("volunteers:skill_list"), {"query": "急救", "area": "C1"})
    html = response.content.decode()
    assert "王小明" in html and "急救培训" in html and activity.title in html
    response = client.post(
        reverse("volunteers:skill_invite"),
        {"person": people.resident.pk, "activity": activity.pk, "back": "query=急救"},
    )
    assert response.status_code == 302
    assert Notification.objects.filter(key__startswith="activity-invite").count() == 1


def test_someone_who_organises_nothing_cannot_invite(client, people, activity, live_in):
    neighbour = live_in("B3")
    _skill(neighbour, visibility="neighbours")
    client.force_login(people.resident)
    client.post(
        reverse("volunteers:skill_invite"), {"person": neighbour.pk, "activity": activity.pk}
    )
    assert not Notification.objects.filter(key__startswith="activity-invite").exists()


def test_staff_see_masked_names_of_people_whose_home_they_do_not_manage(client, people, live_in):
    # The community's staff member also lives in the sibling community and sees its neighbours.
    live_in("B4", user=people.community_staff)
    sibling = live_in("B4", full_name="李四光")
    _skill(sibling, name="理发", visibility="neighbours")
    client.force_login(people.community_staff)
    html = client.get(reverse("volunteers:skill_list")).content.decode()
    assert "理发" in html
    assert "李**" in html and "李四光" not in html


def test_the_talent_search_does_not_grow_with_the_rows(
    client, people, live_in, django_assert_max_num_queries
):
    _skill(live_in("B1"))
    client.force_login(people.community_staff)
    url = reverse("volunteers:skill_list")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        _skill(live_in("B2"))
    with django_assert_max_num_queries(len(few)):
        client.get(url)


def test_the_good_neighbours_page_shows_this_years_awards_masked(client, people, tree, live_in):
    neighbour = live_in("B3", full_name="赵热心")
    nomination = services.nominate(
        nominee=neighbour, by=people.resident, area=tree.C1, reason="照顾独居老人"
    )
    services.decide_nomination(nomination=nomination, award=True, by=people.community_staff)
    html = client.get(reverse("volunteers:good_neighbours")).content.decode()
    assert "赵**" in html and "赵热心" not in html


def test_a_resident_nominates_by_mobile_number_on_the_page(client, people, live_in):
    neighbour = live_in("B3")
    client.force_login(people.resident)
    url = reverse("volunteers:good_neighbours")
    local = neighbour.phone.removeprefix("+86")
    response = client.post(
        url, {"neighbour": f"{local[:3]} {local[3:7]} {local[7:]}", "reason": "帮忙"}
    )
    assert response.status_code == 302
    assert Nomination.objects.get().nominee == neighbour


def test_the_page_refuses_a_neighbour_it_cannot_find(client, people, live_in):
    sibling = live_in("B4")
    client.force_login(people.resident)
    response = client.post(
        reverse("volunteers:good_neighbours"), {"neighbour": sibling.username, "reason": "帮忙"}
    )
    assert response.status_code == 400
    assert "No verified resident of your community" in response.content.decode()
    assert not Nomination.objects.exists()


def test_someone_without_a_home_cannot_nominate(client, people):
    client.force_login(people.stranger)
    response = client.post(
        reverse("volunteers:good_neighbours"), {"neighbour": "resident", "reason": "帮忙"}
    )
    assert response.status_code == 403
    assert not Nomination.objects.exists()


def test_staff_decide_nominations_in_their_areas_only(client, people, tree, live_in):
    neighbour = live_in("B3", full_name="赵热心")
    nomination = services.nominate(
        nominee=neighbour, by=people.resident, area=tree.C1, reason="照顾独居老人"
    )
    url = reverse("volunteers:nomination_decide", args=[nomination.pk])
    client.force_login(people.firm_staff)
    assert client.post(url, {"decision": "award"}).status_code == 404
    client.force_login(people.community_staff)
    assert "赵热心" in client.get(reverse("volunteers:good_neighbours")).content.decode()
    assert client.post(url, {"decision": "award"}).status_code == 302
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.AWARDED


# --- Volunteering in an area ----------------------------------------------------------------------


def _volunteer(activity, user, organiser, hours="2"):
    entry = services.sign_up(activity=activity, user=user)
    services.check_in(sign_up=entry, by=organiser)
    services.confirm_hours(sign_up=entry, hours=Decimal(hours), by=organiser)


def test_the_area_page_is_for_the_staff_who_manage_it(client, people, tree):
    url = reverse("volunteers:area_volunteering", args=["C1"])
    assert client.get(url).status_code == 302
    client.force_login(people.resident)
    assert client.get(url).status_code == 403
    client.force_login(people.community_staff)
    assert client.get(url).status_code == 200
    assert client.get(reverse("volunteers:area_volunteering", args=["C3"])).status_code == 403


def test_the_area_page_sums_this_year_and_masks_who_lives_elsewhere(
    client, people, activity, live_in
):
    Activity.objects.filter(pk=activity.pk).update(capacity=10)
    far = live_in("B5", full_name="钱远方")
    _volunteer(activity, people.resident, people.community_staff, hours="2")
    _volunteer(activity, far, people.community_staff, hours="3")
    client.force_login(people.community_staff)
    response = client.get(reverse("volunteers:area_volunteering", args=["C1"]))
    assert (response.context["hours"], response.context["volunteers"]) == (Decimal("5"), 2)
    assert response.context["points"] == 50
    html = response.content.decode()
    assert "钱**" in html and "钱远方" not in html
    assert people.resident.full_name in html


def test_the_area_page_does_not_grow_with_the_volunteers(
    client, people, activity, live_in, django_assert_max_num_queries
):
    Activity.objects.filter(pk=activity.pk).update(capacity=10)
    _volunteer(activity, people.resident, people.community_staff)
    client.force_login(people.community_staff)
    url = reverse("volunteers:area_volunteering", args=["C1"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(4):
        _volunteer(activity, live_in("B2"), people.community_staff)
    with django_assert_max_num_queries(len(few)):
        client.get(url)
