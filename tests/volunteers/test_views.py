"""The volunteer pages: who sees what, every write through a service, clear messages for bad
input with nothing stored, and list pages whose query count does not grow with their rows."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities import services as community_services
from communities.models import Residency
from tests.factories import UserFactory
from volunteers import services
from volunteers.models import (
    Activity,
    LedgerEntry,
    PointsAccount,
    Redemption,
    Reward,
    SignUp,
)


@pytest.fixture
def client(client):
    # Messages are asserted in English; the portal's default language is Chinese.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _activity(organiser_org, area, *, title="捡拾垃圾", days=3, capacity=50, **fields):
    start = timezone.now() + datetime.timedelta(days=days)
    return Activity.objects.create(
        title=title,
        organization=organiser_org,
        area=area,
        place="小区东门",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=capacity,
        points_per_hour=fields.pop("points_per_hour", 10),
        **fields,
    )


def _checked_in(activity, user, organiser) -> SignUp:
    entry = services.sign_up(activity=activity, user=user)
    return services.check_in(sign_up=entry, by=organiser)


def _earn(user, points, admin_user, key="k"):
    services.award_points(
        user=user, points=points, reason="送餐", by=admin_user, idempotency_key=key
    )


def _neighbour(tree, households, people, building="B1", **kwargs):
    """A verified resident of the building, made through the services as staff would."""
    user = UserFactory(**kwargs)
    claim = community_services.claim_household(
        user=user,
        community=tree.C1 if building in ("B1", "B2", "B3") else tree.C2,
        building=getattr(tree, building),
        unit=households[building].unit,
        room=households[building].room,
        relation=Residency.Relation.TENANT,
    )
    community_services.verify_residency(
        residency=claim, by=people.community_staff if building != "B4" else people.street_staff
    )
    return user


# --- The activity list ----------------------------------------------------------------------------


def test_the_list_shows_upcoming_activities_with_places_left(client, people, activity):
    services.sign_up(activity=activity, user=people.resident)
    html = client.get(reverse("volunteers:activity_list")).content.decode()
    assert activity.title in html
    assert "1 place left" in html


def test_the_list_shows_neither_cancelled_nor_past_activities(
    client, tree, organiser_org, activity
):
    _activity(organiser_org, tree.C1, title="已取消的活动", status=Activity.Status.CANCELLED)
    past = _activity(organiser_org, tree.C1, title="上周的活动")
    past.starts_at = timezone.now() - datetime.timedelta(days=7)
    past.ends_at = past.starts_at + datetime.timedelta(hours=2)
    past.save()
    html = client.get(reverse("volunteers:activity_list")).content.decode()
    assert activity.title in html
    assert "已取消的活动" not in html and "上周的活动" not in html


def test_a_resident_sees_activities_near_home_first_and_everywhere_on_request(
    client, tree, people, organiser_org, activity
):
    far = _activity(organiser_org, tree.C3, title="金桥社区的活动")
    street = _activity(organiser_org, tree.S1, title="街道的活动")
    client.force_login(people.resident)
    near = client.get(reverse("volunteers:activity_list")).content.decode()
    assert activity.title in near and street.title in near and far.title not in near
    everywhere = client.get(reverse("volunteers:activity_list"), {"all": "1"}).content.decode()
    assert far.title in everywhere


def test_the_activity_list_costs_the_same_queries_for_few_and_many(
    client, tree, people, organiser_org, activity
):
    client.force_login(people.resident)
    url = reverse("volunteers:activity_list")
    few = _count_queries(client, url)
    for number in range(30):
        services.sign_up(
            activity=_activity(organiser_org, tree.K1, title=f"活动{number}"), user=people.resident
        )
    assert _count_queries(client, url) == few


# --- The activity page: signing up ----------------------------------------------------------------


def test_a_resident_signs_up_and_cancels(client, people, activity):
    client.force_login(people.resident)
    response = client.post(reverse("volunteers:activity_sign_up", args=[activity.pk]), follow=True)
    entry = SignUp.objects.get(activity=activity, user=people.resident)
    assert entry.status == SignUp.Status.CONFIRMED
    assert _messages(response)[0][0] == "success"
    assert "Cancel my sign-up" in response.content.decode()

    client.post(reverse("volunteers:activity_cancel_sign_up", args=[activity.pk]))
    entry.refresh_from_db()
    assert entry.status == SignUp.Status.CANCELLED


def test_a_full_activity_offers_the_waiting_list(client, people, activity):
    services.sign_up(activity=activity, user=people.stranger)
    services.sign_up(activity=activity, user=UserFactory())
    client.force_login(people.resident)
    page = client.get(activity.get_absolute_url()).content.decode()
    assert "Join the waiting list" in page
    response = client.post(reverse("volunteers:activity_sign_up", args=[activity.pk]), follow=True)
    assert SignUp.objects.get(user=people.resident).status == SignUp.Status.WAITING
    assert "You are number 1 on the waiting list." in response.content.decode()


def test_signing_up_for_a_cancelled_activity_is_refused_with_a_message(client, people, activity):
    activity.status = Activity.Status.CANCELLED
    activity.save()
    client.force_login(people.resident)
    response = client.post(reverse("volunteers:activity_sign_up", args=[activity.pk]), follow=True)
    assert _messages(response) == [("error", "This activity was cancelled.")]
    assert not SignUp.objects.exists()


def test_a_visitor_must_log_in_to_sign_up(client, activity):
    response = client.post(reverse("volunteers:activity_sign_up", args=[activity.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not SignUp.objects.exists()


def test_a_guessed_activity_id_is_a_404(client, people):
    assert client.get(reverse("volunteers:activity_detail", args=[99999])).status_code == 404
    client.force_login(people.resident)
    response = client.post(reverse("volunteers:activity_sign_up", args=[99999]))
    assert response.status_code == 404


def test_only_the_organiser_sees_the_sign_ups(client, people, activity):
    services.sign_up(activity=activity, user=people.resident)
    name = people.resident.full_name
    assert name not in client.get(activity.get_absolute_url()).content.decode()
    for outsider in (people.resident, people.stranger, people.firm_staff):
        client.force_login(outsider)
        html = client.get(activity.get_absolute_url()).content.decode()
        assert "Check volunteers in" not in html, outsider
    client.force_login(people.community_staff)
    html = client.get(activity.get_absolute_url()).content.decode()
    assert name in html and "Check volunteers in" in html
    assert people.resident.phone not in html


# --- Check-in and hours ---------------------------------------------------------------------------


def test_the_organiser_checks_in_and_confirms_hours_into_points(client, people, activity):
    entry = services.sign_up(activity=activity, user=people.resident)
    client.force_login(people.community_staff)
    client.post(reverse("volunteers:sign_up_check_in", args=[activity.pk, entry.pk]))
    entry.refresh_from_db()
    assert entry.checked_in_at is not None

    response = client.post(
        reverse("volunteers:sign_up_confirm_hours", args=[activity.pk, entry.pk]),
        {"hours": "2"},
        follow=True,
    )
    assert _messages(response)[0][0] == "success"
    account = PointsAccount.objects.get(user=people.resident)
    assert (account.balance, account.hours) == (20, Decimal("2.00"))


def test_someone_who_does_not_organise_cannot_check_in_or_confirm(client, people, activity):
    entry = services.sign_up(activity=activity, user=people.resident)
    for outsider in (people.resident, people.firm_staff, people.stranger):
        client.force_login(outsider)
        check_in = reverse("volunteers:sign_up_check_in", args=[activity.pk, entry.pk])
        hours = reverse("volunteers:sign_up_confirm_hours", args=[activity.pk, entry.pk])
        scan = reverse("volunteers:activity_scan", args=[activity.pk])
        assert client.post(check_in).status_code == 403
        assert client.post(hours, {"hours": "2"}).status_code == 403
        assert client.post(scan, {"token": str(uuid.uuid4())}).status_code == 403
    entry.refresh_from_db()
    assert entry.checked_in_at is None and not LedgerEntry.objects.exists()


def test_a_sign_up_of_another_activity_is_a_404(client, tree, people, organiser_org, activity):
    other = _activity(organiser_org, tree.C1)
    entry = services.sign_up(activity=other, user=people.resident)
    client.force_login(people.community_staff)
    response = client.post(reverse("volunteers:sign_up_check_in", args=[activity.pk, entry.pk]))
    assert response.status_code == 404


def test_checking_in_a_cancelled_sign_up_is_refused_with_a_message(client, people, activity):
    entry = services.sign_up(activity=activity, user=people.resident)
    services.cancel_sign_up(sign_up=entry, by=people.resident)
    client.force_login(people.community_staff)
    response = client.post(
        reverse("volunteers:sign_up_check_in", args=[activity.pk, entry.pk]), follow=True
    )
    assert _messages(response) == [
        (
            "error",
            "Only a volunteer with a confirmed place can be checked in "
            "(this sign-up is cancelled).",
        )
    ]
    entry.refresh_from_db()
    assert entry.checked_in_at is None


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("-2", "Hours must be more than 0 and at most 24."),
        ("0", "Hours must be more than 0 and at most 24."),
        ("25", "Hours must be more than 0 and at most 24."),
        ("two", "Enter a number."),
        ("", "This field is required."),
    ],
)
def test_bad_hours_get_a_clear_message_and_nothing_is_stored(
    client, people, activity, hours, message
):
    entry = _checked_in(activity, people.resident, people.community_staff)
    client.force_login(people.community_staff)
    response = client.post(
        reverse("volunteers:sign_up_confirm_hours", args=[activity.pk, entry.pk]),
        {"hours": hours},
        follow=True,
    )
    assert _messages(response) == [("error", message)]
    entry.refresh_from_db()
    assert entry.hours is None
    assert not LedgerEntry.objects.exists()


def test_a_double_tap_on_confirm_counts_the_hours_once_even_without_points(
    client, tree, people, organiser_org
):
    activity = _activity(organiser_org, tree.C1, points_per_hour=0)
    entry = _checked_in(activity, people.resident, people.community_staff)
    client.force_login(people.community_staff)
    url = reverse("volunteers:sign_up_confirm_hours", args=[activity.pk, entry.pk])
    client.post(url, {"hours": "2"})
    client.post(url, {"hours": "2"})
    assert PointsAccount.objects.get(user=people.resident).hours == Decimal("2.00")


def test_hours_before_check_in_are_refused(client, people, activity):
    entry = services.sign_up(activity=activity, user=people.resident)
    client.force_login(people.community_staff)
    response = client.post(
        reverse("volunteers:sign_up_confirm_hours", args=[activity.pk, entry.pk]),
        {"hours": "2"},
        follow=True,
    )
    assert _messages(response) == [("error", "Check the volunteer in before confirming hours.")]
    assert not LedgerEntry.objects.exists()


def test_the_organiser_checks_in_by_scanning_the_volunteers_code(client, people, activity):
    entry = services.sign_up(activity=activity, user=people.resident)
    account, _ = PointsAccount.objects.get_or_create(user=people.resident)
    client.force_login(people.community_staff)
    response = client.post(
        reverse("volunteers:activity_scan", args=[activity.pk]),
        {"token": f"  {account.check_in_token}\n"},
        follow=True,
    )
    assert _messages(response)[0][0] == "success"
    entry.refresh_from_db()
    assert entry.checked_in_at is not None


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("not-a-code", "This is not a volunteer's check-in code. Scan the QR code again."),
        ("unknown", "This QR code belongs to nobody signed up for this activity."),
        ("cancelled", "This QR code belongs to nobody signed up for this activity."),
    ],
)
def test_a_bad_scan_gets_a_clear_message(client, people, activity, token, message):
    entry = services.sign_up(activity=activity, user=people.resident)
    if token == "cancelled":
        services.cancel_sign_up(sign_up=entry, by=people.resident)
    tokens = {
        "not-a-code": "https://example.org/not-a-code",
        "unknown": str(uuid.uuid4()),
        "cancelled": str(
            PointsAccount.objects.get_or_create(user=people.resident)[0].check_in_token
        ),
    }
    client.force_login(people.community_staff)
    response = client.post(
        reverse("volunteers:activity_scan", args=[activity.pk]),
        {"token": tokens[token]},
        follow=True,
    )
    assert _messages(response) == [("error", message)]
    assert not SignUp.objects.filter(checked_in_at__isnull=False).exists()


def test_the_organisers_page_costs_the_same_queries_for_few_and_many_sign_ups(
    client, people, tree, organiser_org
):
    activity = _activity(organiser_org, tree.C1)
    _checked_in(activity, people.resident, people.community_staff)
    client.force_login(people.community_staff)
    few = _count_queries(client, activity.get_absolute_url())
    for _number in range(20):
        _checked_in(activity, UserFactory(), people.community_staff)
    assert _count_queries(client, activity.get_absolute_url()) == few


# --- Announcing an activity -----------------------------------------------------------------------


def _activity_form(organization, area, **overrides):
    start = timezone.localtime() + datetime.timedelta(days=5)
    data = {
        "organization": organization.pk,
        "area": area.code,
        "title": "楼道清洁",
        "kind": Activity.Kind.GREENERY,
        "description": "带手套",
        "place": "1栋楼下",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "10",
        "points_per_hour": "10",
        "points_per_activity": "5",
    }
    data.update(overrides)
    return data


def test_an_organiser_announces_an_activity(client, tree, people, organiser_org):
    client.force_login(people.community_staff)
    assert client.get(reverse("volunteers:activity_create")).status_code == 200
    response = client.post(
        reverse("volunteers:activity_create"), _activity_form(organiser_org, tree.K1)
    )
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert (activity.area, activity.organization, activity.capacity) == (
        tree.K1,
        organiser_org,
        10,
    )


def test_a_resident_without_a_post_cannot_announce(client, tree, people, organiser_org):
    client.force_login(people.resident)
    assert client.get(reverse("volunteers:activity_create")).status_code == 403
    response = client.post(
        reverse("volunteers:activity_create"), _activity_form(organiser_org, tree.C1)
    )
    assert response.status_code == 403
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"ends_at": "past-start"},
            "ends_at",
            "The activity must end after it starts.",
        ),
        (
            {"starts_at": "yesterday"},
            "starts_at",
            "The activity must start in the future.",
        ),
        ({"capacity": "0"}, "capacity", None),
        ({"area": "C3"}, "area", None),
        ({"title": ""}, "title", None),
    ],
    ids=["ends before it starts", "starts in the past", "no places", "area elsewhere", "no title"],
)
def test_a_bad_activity_gets_a_clear_message_and_nothing_is_stored(
    client, tree, people, organiser_org, overrides, field, message
):
    data = _activity_form(organiser_org, tree.C1)
    start = datetime.datetime.fromisoformat(data["starts_at"])
    values = {
        "past-start": (start - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "yesterday": (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update({key: values.get(value, value) for key, value in overrides.items()})
    client.force_login(people.community_staff)
    response = client.post(reverse("volunteers:activity_create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    if message:
        assert message in html
    assert not Activity.objects.exists()


def test_a_property_firm_announces_only_where_it_has_a_contract(client, tree, people, firm):
    client.force_login(people.firm_staff)
    form = client.get(reverse("volunteers:activity_create")).content.decode()
    assert f'value="{tree.K1.code}"' in form and f'value="{tree.C2.code}"' not in form
    response = client.post(reverse("volunteers:activity_create"), _activity_form(firm, tree.C2))
    assert response.status_code == 400 and not Activity.objects.exists()


def test_the_service_refuses_an_area_outside_the_organisation(tree, people, firm):
    start = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.create_activity(
            organization=firm,
            area=tree.C2,
            by=people.firm_staff,
            title="清洁",
            place="门口",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            capacity=5,
        )
    assert "area" in error.value.message_dict
    assert not Activity.objects.exists()


# --- My volunteering ------------------------------------------------------------------------------


def test_my_page_needs_a_login(client):
    response = client.get(reverse("volunteers:my_volunteering"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_my_page_shows_balance_qr_code_statement_and_pickup_codes(
    client, people, activity, reward, admin_user
):
    entry = _checked_in(activity, people.resident, people.community_staff)
    services.confirm_hours(sign_up=entry, hours=Decimal("2"), by=people.community_staff)
    redemption = services.redeem_reward(reward=reward, user=people.resident)
    client.force_login(people.resident)
    html = client.get(reverse("volunteers:my_volunteering")).content.decode()
    assert 'src="data:image/svg+xml' in html
    assert activity.title in html
    assert "+20" in html and "-15" in html
    assert redemption.pickup_code in html
    assert 'class="balance">5<' in html


def test_my_statement_downloads_as_csv_with_a_bom(client, people, admin_user):
    _earn(people.resident, 20, admin_user)
    client.force_login(people.resident)
    response = client.get(reverse("volunteers:my_volunteering"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert "送餐" in text and "20" in text


def test_my_statement_costs_the_same_queries_for_few_and_many_entries(client, people, admin_user):
    _earn(people.resident, 5, admin_user, key="first")
    client.force_login(people.resident)
    url = reverse("volunteers:my_volunteering")
    few = _count_queries(client, url)
    for number in range(30):
        _earn(people.resident, 5, admin_user, key=f"k{number}")
    assert _count_queries(client, url) == few


def test_a_volunteer_leaves_and_rejoins_the_leaderboards(client, people):
    client.force_login(people.resident)
    client.post(reverse("volunteers:my_listing"), {})
    assert PointsAccount.objects.get(user=people.resident).listed is False
    client.post(reverse("volunteers:my_listing"), {"listed": "on"})
    assert PointsAccount.objects.get(user=people.resident).listed is True


# --- The rewards shelf ----------------------------------------------------------------------------


def test_a_volunteer_redeems_a_reward_and_the_stock_drops(client, people, reward, admin_user):
    _earn(people.resident, 40, admin_user)
    client.force_login(people.resident)
    assert reward.name in client.get(reverse("volunteers:reward_list")).content.decode()
    response = client.post(reverse("volunteers:reward_redeem", args=[reward.pk]), follow=True)
    redemption = Redemption.objects.get()
    assert redemption.pickup_code in _messages(response)[0][1]
    reward.refresh_from_db()
    assert (reward.stock, PointsAccount.objects.get(user=people.resident).balance) == (0, 25)


def test_a_redemption_beyond_the_balance_is_refused_and_nothing_is_stored(
    client, people, reward, admin_user
):
    _earn(people.resident, 10, admin_user)
    client.force_login(people.resident)
    response = client.post(reverse("volunteers:reward_redeem", args=[reward.pk]), follow=True)
    assert _messages(response) == [("error", "Not enough points: 10 available, 15 needed.")]
    reward.refresh_from_db()
    assert reward.stock == 1 and not Redemption.objects.exists()
    assert PointsAccount.objects.get(user=people.resident).balance == 10


def test_an_item_out_of_stock_is_refused_with_a_message(client, people, reward, admin_user):
    reward.stock = 0
    reward.save()
    _earn(people.resident, 40, admin_user)
    client.force_login(people.resident)
    response = client.post(reverse("volunteers:reward_redeem", args=[reward.pk]), follow=True)
    assert _messages(response) == [("error", f"{reward.name} is out of stock.")]
    assert not Redemption.objects.exists()
    assert PointsAccount.objects.get(user=people.resident).balance == 40


def test_a_reward_off_the_shelf_is_a_404(client, people, reward, admin_user):
    reward.active = False
    reward.save()
    _earn(people.resident, 40, admin_user)
    client.force_login(people.resident)
    assert client.post(reverse("volunteers:reward_redeem", args=[reward.pk])).status_code == 404
    assert reward.name not in client.get(reverse("volunteers:reward_list")).content.decode()


def test_the_rewards_shelf_costs_the_same_queries_for_few_and_many(
    client, tree, people, organiser_org, reward
):
    client.force_login(people.resident)
    url = reverse("volunteers:reward_list")
    few = _count_queries(client, url)
    for number in range(30):
        Reward.objects.create(
            name=f"奖品{number}", organization=organiser_org, area=tree.K1, cost=5, stock=3
        )
    assert _count_queries(client, url) == few


def test_a_volunteer_cancels_a_redemption_and_gets_the_points_back(
    client, people, reward, admin_user
):
    _earn(people.resident, 40, admin_user)
    redemption = services.redeem_reward(reward=reward, user=people.resident)
    client.force_login(people.stranger)
    assert (
        client.post(reverse("volunteers:redemption_cancel", args=[redemption.pk])).status_code
        == 404
    )
    client.force_login(people.resident)
    client.post(reverse("volunteers:redemption_cancel", args=[redemption.pk]))
    redemption.refresh_from_db()
    reward.refresh_from_db()
    assert redemption.status == Redemption.Status.CANCELLED
    assert (reward.stock, PointsAccount.objects.get(user=people.resident).balance) == (1, 40)


# --- Handing over at the counter ------------------------------------------------------------------


def test_the_redemption_queue_is_for_staff_who_offer_the_rewards(
    client, people, reward, admin_user
):
    _earn(people.resident, 40, admin_user)
    redemption = services.redeem_reward(reward=reward, user=people.resident)
    client.force_login(people.resident)
    assert client.get(reverse("volunteers:redemption_queue")).status_code == 403
    client.force_login(people.firm_staff)  # works for another organisation
    html = client.get(reverse("volunteers:redemption_queue")).content.decode()
    assert reward.name not in html
    client.force_login(people.community_staff)
    html = client.get(reverse("volunteers:redemption_queue")).content.decode()
    assert reward.name in html and people.resident.masked_name in html
    assert redemption.pickup_code not in html and people.resident.phone not in html


def test_staff_hand_over_with_the_pickup_code(client, people, reward, admin_user):
    _earn(people.resident, 40, admin_user)
    redemption = services.redeem_reward(reward=reward, user=people.resident)
    url = reverse("volunteers:redemption_hand_over", args=[redemption.pk])
    wrong = "000000" if redemption.pickup_code != "000000" else "111111"

    client.force_login(people.firm_staff)
    assert client.post(url, {"code": redemption.pickup_code}).status_code == 404

    client.force_login(people.community_staff)
    response = client.post(url, {"code": wrong}, follow=True)
    assert _messages(response) == [("error", "The pickup code does not match.")]
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.WAITING

    client.post(url, {"code": redemption.pickup_code})
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.HANDED_OVER
    assert redemption.handed_over_by == people.community_staff


def test_the_redemption_queue_costs_the_same_queries_for_few_and_many(
    client, tree, people, organiser_org, admin_user
):
    reward = Reward.objects.create(
        name="洗衣液", organization=organiser_org, area=tree.C1, cost=1, stock=100
    )
    _earn(people.resident, 100, admin_user)
    services.redeem_reward(reward=reward, user=people.resident)
    client.force_login(people.community_staff)
    url = reverse("volunteers:redemption_queue")
    few = _count_queries(client, url)
    for _number in range(20):
        services.redeem_reward(reward=reward, user=people.resident)
    assert _count_queries(client, url) == few


# --- Leaderboards ---------------------------------------------------------------------------------


def test_the_leaderboard_lists_neighbours_who_agreed_with_masked_names(
    client, tree, people, households, organiser_org
):
    activity = _activity(organiser_org, tree.C1, days=1)
    hidden = _neighbour(tree, households, people, full_name="李四光")
    elsewhere = _neighbour(tree, households, people, building="B4", full_name="王五")
    for volunteer in (people.resident, hidden, elsewhere):
        entry = _checked_in(activity, volunteer, people.community_staff)
        services.confirm_hours(sign_up=entry, hours=Decimal("3"), by=people.community_staff)
    services.set_leaderboard_listing(user=hidden, listed=False)

    html = client.get(reverse("volunteers:leaderboard", args=[tree.C1.code])).content.decode()
    assert people.resident.masked_name in html and "30" in html
    assert people.resident.full_name not in html and people.resident.phone not in html
    assert hidden.masked_name not in html
    assert elsewhere.masked_name not in html
    parent = client.get(reverse("volunteers:leaderboard", args=[tree.S1.code])).content.decode()
    assert elsewhere.masked_name in parent and people.resident.masked_name in parent


def test_a_leaderboard_of_an_unknown_area_is_a_404(client, db):
    assert client.get(reverse("volunteers:leaderboard", args=["nowhere"])).status_code == 404


def test_the_leaderboard_costs_the_same_queries_for_few_and_many(
    client, tree, people, households, organiser_org
):
    activity = _activity(organiser_org, tree.C1, days=1)
    entry = _checked_in(activity, people.resident, people.community_staff)
    services.confirm_hours(sign_up=entry, hours=Decimal("1"), by=people.community_staff)
    url = reverse("volunteers:leaderboard", args=[tree.C1.code])
    few = _count_queries(client, url)
    for _number in range(25):
        volunteer = _neighbour(tree, households, people)
        entry = _checked_in(activity, volunteer, people.community_staff)
        services.confirm_hours(sign_up=entry, hours=Decimal("2"), by=people.community_staff)
    assert _count_queries(client, url) == few
    html = client.get(url).content.decode()
    assert html.count("<tr><td>") == 20


# --- Administration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "pointsaccount",
        "ledgerentry",
        "activity",
        "signup",
        "reminder",
        "reward",
        "redemption",
        "skill",
        "nomination",
    ],
)
def test_every_volunteers_model_is_in_the_admin(client, admin_user, people, activity, model):
    services.sign_up(activity=activity, user=people.resident)
    client.force_login(admin_user)
    url = reverse(f"admin:volunteers_{model}_changelist")
    assert client.get(url, {"q": "张"}).status_code == 200


def test_the_ledger_is_read_only_in_the_admin(client, admin_user, people):
    _earn(people.resident, 20, admin_user)
    entry = LedgerEntry.objects.get()
    client.force_login(admin_user)
    assert client.get(reverse("admin:volunteers_ledgerentry_add")).status_code == 403
    assert (
        client.get(reverse("admin:volunteers_ledgerentry_delete", args=[entry.pk])).status_code
        == 403
    )
    response = client.post(
        reverse("admin:volunteers_ledgerentry_change", args=[entry.pk]),
        {"points": "9999", "reason": "改", "kind": "award"},
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.points == 20


def test_the_admin_cancels_a_redemption_through_the_service(client, admin_user, people, reward):
    _earn(people.resident, 40, admin_user)
    redemption = services.redeem_reward(reward=reward, user=people.resident)
    client.force_login(admin_user)
    client.post(
        reverse("admin:volunteers_redemption_changelist"),
        {"action": "cancel", "_selected_action": [redemption.pk]},
    )
    redemption.refresh_from_db()
    reward.refresh_from_db()
    assert redemption.status == Redemption.Status.CANCELLED
    assert (reward.stock, PointsAccount.objects.get(user=people.resident).balance) == (1, 40)
