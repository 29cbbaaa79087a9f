"""志愿服务 in a real browser: a resident signs up on their phone; the organiser checks them in
and confirms two hours; the points appear on the resident's statement; the resident redeems a
reward at the rewards shelf (雷锋超市) and the stock drops. The CSP never fires."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from volunteers.models import Activity, PointsAccount, Redemption, Reward, SignUp

pytestmark = pytest.mark.browser


@pytest.fixture
def activity(tree, people):
    """As tests/volunteers/conftest.py: the residents' committee of C1 organises."""
    start = timezone.now() + datetime.timedelta(days=2)
    return Activity.objects.create(
        title="为独居老人送餐",
        organization=people.community_staff.memberships.get().organization,
        area=tree.C1,
        place="安居社区睦邻驿站",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=2,
        points_per_hour=10,
    )


@pytest.fixture
def reward(tree, activity):
    return Reward.objects.create(
        name="大米一袋", organization=activity.organization, area=tree.C1, cost=15, stock=1
    )


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "a-long-test-passphrase")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _submit(page, selector):
    page.locator(f"{selector} button[type=submit]").first.click()
    expect(page.locator(".messages")).to_be_visible()


def test_sign_up_check_in_points_and_a_reward_in_a_browser(
    live_server, browser, people, activity, reward, shoot, csp_violations
):
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = csp_violations(phone.new_page())
    _log_in(page, live_server, people.resident.username)

    page.goto(live_server.url + reverse("volunteers:activity_list"))
    page.locator(f"main a[href='{activity.get_absolute_url()}']").click()
    expect(page.locator("h1")).to_have_text(activity.title)
    _submit(page, "form[action$='/sign-up/']")
    entry = SignUp.objects.get(activity=activity, user=people.resident)
    assert entry.status == SignUp.Status.CONFIRMED
    expect(page.locator(".places-left")).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "volunteer-activity-phone-zh")

    # The organiser, at the meeting place, checks the resident in and confirms two hours.
    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    organiser = csp_violations(desk.new_page())
    _log_in(organiser, live_server, people.community_staff.username)
    organiser.goto(live_server.url + activity.get_absolute_url())
    _submit(organiser, f"form[action$='/sign-ups/{entry.pk}/check-in/']")
    organiser.fill(f"#hours-{entry.pk}", "2")
    _submit(organiser, f"form[action$='/sign-ups/{entry.pk}/hours/']")
    shoot(organiser, "volunteer-organiser-desktop-zh")
    entry.refresh_from_db()
    assert entry.hours == 2 and entry.checked_in_at is not None

    # The points are on the resident's statement, with the check-in code beside them.
    page.goto(live_server.url + reverse("volunteers:my_volunteering"))
    expect(page.locator(".balance")).to_have_text("20")
    expect(page.locator(".statement tbody")).to_contain_text("+20")
    expect(page.locator(".check-in-qr")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "volunteer-statement-phone-zh")

    # The rewards shelf: redeem, get a pickup code, and the last bag of rice is gone.
    page.goto(live_server.url + reverse("volunteers:reward_list"))
    expect(page.locator(".reward .stock")).to_be_visible()
    _submit(page, f"form[action$='/rewards/{reward.pk}/redeem/']")
    redemption = Redemption.objects.get(user=people.resident)
    expect(page.locator(".pickup-code")).to_have_text(redemption.pickup_code)
    reward.refresh_from_db()
    assert reward.stock == 0
    assert PointsAccount.objects.get(user=people.resident).balance == 5
    page.goto(live_server.url + reverse("volunteers:reward_list"))
    expect(page.locator(".reward .badge")).to_be_visible()
    shoot(page, "volunteer-rewards-phone-zh")
    assert csp_violations.messages == []
