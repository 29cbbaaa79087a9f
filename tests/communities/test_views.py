"""Pages as people use them: what each sees, what bad input gets back, what is never shown."""

import io

import pytest
from django.urls import reverse

from communities.models import Area, PartyRegistration, PersonalDataAccess, Residency
from tests.factories import UserFactory


def test_the_home_page_speaks_chinese_first(client, tree):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans"' in response.content.decode()
    assert "江岸区" in response.content.decode()


def test_the_language_switcher_changes_to_english(client, tree):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en"' in response.content.decode()


def test_every_page_carries_a_content_security_policy_without_inline_code(client, tree):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_no_page_loads_an_asset_from_another_origin(client, tree, people):
    client.force_login(people.community_staff)
    for url in [
        "/",
        tree.K1.get_absolute_url(),
        reverse("account_login"),
        reverse("communities:profile"),
    ]:
        html = client.get(url).content.decode()
        assert 'src="http' not in html and 'href="http' not in html and "//cdn" not in html, url


@pytest.mark.parametrize(
    "login", ["resident", "resident@example.org", "139 0000 0001", "+8613900000001"]
)
def test_a_resident_logs_in_by_username_email_or_mobile_number(client, db, login):
    UserFactory(username="resident", email="resident@example.org", phone="+8613900000001")
    response = client.post(
        reverse("account_login"), {"login": login, "password": "a-long-test-passphrase"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(reverse("communities:profile")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, db):
    UserFactory(username="resident", phone="+8613900000002")
    response = client.post(reverse("account_login"), {"login": "13900000002", "password": "wrong"})
    assert response.status_code == 200
    assert "不正确" in response.content.decode() or "incorrect" in response.content.decode()


def test_signup_with_a_malformed_mobile_number_is_refused_and_creates_no_account(client, db):
    from communities.models import User

    response = client.post(
        reverse("account_signup"),
        {
            "username": "newbie",
            "password1": "a-long-test-passphrase",
            "password2": "a-long-test-passphrase",
            "phone": "12345",
        },
    )
    assert response.status_code == 200
    assert "11" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_signup_stores_the_mobile_number_normalised(client, db):
    from communities.models import User

    response = client.post(
        reverse("account_signup"),
        {
            "username": "newbie",
            "full_name": "李四",
            "password1": "a-long-test-passphrase",
            "password2": "a-long-test-passphrase",
            "phone": "138-1234-5678",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newbie").phone == "+8613812345678"


def test_staff_see_everything_under_their_street_a_page_at_a_time(client, tree):
    response = client.get(reverse("communities:area_everything", args=[tree.S1.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "安居社区" in html and "紫薇苑" not in html


def test_adding_a_building_under_a_street_is_refused_with_a_message(client, tree, people):
    client.force_login(people.street_staff)
    before = Area.objects.count()
    response = client.post(
        reverse("communities:area_add_child", args=[tree.S1.code]),
        {"name": "9栋", "code": "X9", "level": Area.Level.BUILDING},
    )
    assert response.status_code == 400
    assert "楼栋" in response.content.decode()
    assert Area.objects.count() == before


def test_adding_an_area_with_a_taken_code_is_refused(client, tree, people):
    client.force_login(people.street_staff)
    response = client.post(
        reverse("communities:area_add_child", args=[tree.C1.code]),
        {"name": "重名小区", "code": "K1", "level": Area.Level.COMPOUND},
    )
    assert response.status_code == 400
    assert "K1" in response.content.decode()


def test_staff_of_another_street_may_not_add_here(client, tree, people):
    client.force_login(people.street_staff)
    response = client.post(
        reverse("communities:area_add_child", args=[tree.S2.code]),
        {"name": "新社区", "code": "C9", "level": Area.Level.COMMUNITY},
    )
    assert response.status_code == 403
    assert not Area.objects.filter(code="C9").exists()


def test_a_claim_on_a_building_of_another_community_is_refused_in_the_form(
    client, tree, households
):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("communities:household_claim"),
        {
            "community": tree.C1.code,
            "building": tree.B4.code,
            "unit": "1",
            "room": "101",
            "relation": "owner",
        },
    )
    assert response.status_code == 400
    assert not Residency.objects.filter(user=user).exists()


def test_a_claim_posted_twice_makes_one_claim(client, tree, households):
    user = UserFactory()
    client.force_login(user)
    data = {
        "community": tree.C1.code,
        "building": tree.B1.code,
        "unit": "1",
        "room": "101",
        "relation": "owner",
    }
    client.post(reverse("communities:household_claim"), data)
    client.post(reverse("communities:household_claim"), data)
    assert Residency.objects.filter(user=user).count() == 1


def test_staff_ask_to_see_a_claimants_number_are_recorded_and_verify_the_claim(
    client, tree, households, people
):
    newcomer = UserFactory(phone="+8613712345678")
    client.force_login(newcomer)
    client.post(
        reverse("communities:household_claim"),
        {
            "community": tree.C1.code,
            "building": tree.B2.code,
            "unit": "1",
            "room": "101",
            "relation": "tenant",
        },
    )
    claim = Residency.objects.get(user=newcomer)

    client.force_login(people.owners_member)
    assert "13712345678" not in client.get(reverse("communities:residency_queue")).content.decode()
    response = client.post(reverse("communities:residency_decide", args=[claim.pk, "verify"]))
    assert response.status_code == 404

    assert client.post(reverse("communities:residency_reveal", args=[claim.pk])).status_code == 404

    client.force_login(people.community_staff)
    queue = client.get(reverse("communities:residency_queue")).content.decode()
    assert "137****5678" in queue and "137 1234 5678" not in queue
    client.post(reverse("communities:residency_reveal", args=[claim.pk]))
    assert "137 1234 5678" in client.get(reverse("communities:residency_queue")).content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.viewer, access.person, access.context) == (
        people.community_staff,
        newcomer,
        f"claim {claim.pk}",
    )
    client.post(reverse("communities:residency_decide", args=[claim.pk, "verify"]))
    claim.refresh_from_db()
    assert claim.status == Residency.Status.VERIFIED


def test_a_grid_workers_phone_is_masked_on_public_pages(client, tree, people):
    html = client.get(tree.K1.get_absolute_url()).content.decode()
    phone = people.grid_worker.phone.removeprefix("+86")
    assert phone not in html
    assert f"{phone[:3]}****{phone[-4:]}" in html


def test_the_party_board_is_shown_to_residents_of_the_compound_not_to_the_public(
    client, tree, people
):
    from communities import services

    services.register_party_member(
        user=people.resident, community=tree.C1, home_organization="区机关支部", show_publicly=True
    )
    services.confirm_party_registration(
        registration=PartyRegistration.objects.get(user=people.resident), by=people.community_staff
    )
    name = people.resident.full_name
    assert name not in client.get(tree.K1.get_absolute_url()).content.decode()
    client.force_login(people.stranger)
    assert name not in client.get(tree.K1.get_absolute_url()).content.decode()
    client.force_login(people.resident)
    assert name in client.get(tree.K1.get_absolute_url()).content.decode()


def test_households_are_listed_only_to_those_who_may_see_them(client, tree, households, people):
    url = reverse("communities:household_list", args=[tree.K1.code])
    client.force_login(people.stranger)
    assert "101" not in client.get(url).content.decode()
    client.force_login(people.grid_worker)
    html = client.get(url).content.decode()
    assert html.count("<td>101</td>") == 2
    assert "幸福家园" in html


def test_large_text_is_remembered_for_a_visitor(client, tree):
    response = client.post(
        reverse("communities:display_preferences"), {"large_text": "1", "next": "/"}
    )
    assert response.status_code == 302
    assert 'class="large-text"' in client.get("/").content.decode()


def test_display_preferences_never_redirect_off_site(client, db):
    response = client.post(
        reverse("communities:display_preferences"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_an_unknown_area_is_a_404(client, db):
    assert client.get("/areas/NOPE/").status_code == 404


def test_listing_everything_under_a_street_costs_the_same_queries_at_any_size(
    client, django_assert_num_queries, db
):
    """50 compounds or 2,000: the page asks for a count and one page of rows."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for code, communities_per_street in (("700001", 5), ("700002", 200)):
        call_command(
            "seed_demo",
            scale=True,
            district_code=code,
            streets=1,
            communities_per_street=communities_per_street,
            compounds_per_community=10,
            buildings_per_compound=1,
            households_per_building=1,
            stdout=io.StringIO(),
        )
        street = Area.objects.get(code__startswith=code, level=Area.Level.STREET)
        assert (
            Area.objects.under(street).of_level(Area.Level.COMPOUND).count()
            == communities_per_street * 10
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                reverse("communities:area_everything", args=[street.code]), {"level": 4}
            )
        assert response.status_code == 200
        counts[code] = len(queries)
    assert counts["700001"] == counts["700002"], counts


def test_a_resident_sees_the_problems_they_follow_on_the_home_page(client, report, people):
    issue = report(title="小区路灯不亮")
    client.force_login(people.resident)
    html = client.get("/").content.decode()
    assert issue.title in html and issue.get_absolute_url() in html


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/me/household/?community=NOPE", {}),
        (
            "post",
            "/me/household/",
            {"community": "C1", "building": "NOPE", "room": "1" * 100, "relation": "x"},
        ),
        ("post", "/me/household/", {"community": "", "building": "", "room": "", "relation": ""}),
        ("post", "/areas/C1/add/", {"name": "x" * 500, "code": "bad code!", "level": "abc"}),
        ("post", "/areas/C1/add/", {"name": "", "code": "", "level": "99"}),
        ("post", "/staff/claims/999999/verify/", {}),
        ("post", "/staff/claims/1/explode/", {}),
        ("post", "/staff/party/999999/confirm/", {}),
        (
            "post",
            "/me/party/",
            {"community": "K1", "home_organization": "", "show_publicly": "maybe"},
        ),
        ("post", "/me/", {"phone": "１２３", "email": "not-an-email", "full_name": "x" * 200}),
        ("get", "/areas/S1/all/?level=99&page=-5", {}),
        ("get", "/areas/S1/all/?page=abc", {}),
        ("post", "/areas/B1/households/add/", {"unit": "1", "room": "", "floor_area": "abc"}),
    ],
)
def test_hostile_input_gets_an_answer_not_a_server_error(
    client, tree, households, people, method, url, data
):
    from communities.models import Area, Household

    client.force_login(people.community_staff)
    before = (Area.objects.count(), Household.objects.count(), Residency.objects.count())
    response = getattr(client, method)(url, data)
    assert response.status_code in {200, 302, 400, 403, 404, 405}, response.status_code
    assert (Area.objects.count(), Household.objects.count(), Residency.objects.count()) == before
