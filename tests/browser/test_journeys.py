"""A resident and a member of staff, in a real browser, at phone width and on a desktop."""

import pytest
from playwright.sync_api import Page, expect

from communities.models import Residency
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server, login: str, password: str = "a-long-test-passphrase") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名、电子邮箱或手机号").fill(login)
    page.get_by_label("密码").fill(password)
    page.locator("main form button[type=submit]").click()


def _fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_resident_claims_a_home_by_phone_and_staff_verify_it(
    live_server, browser, tree, households, people, shoot, csp_violations
):
    resident = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = csp_violations(resident.new_page())

    page.goto(live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_contain_text("社区治理")
    assert _fits_the_screen(page)
    shoot(page, "home-phone-zh")

    # The newcomer logs in with the mobile number as people write it, spaces and all.
    newcomer = people.stranger
    local = newcomer.phone.removeprefix("+86")
    _log_in(page, live_server, f"{local[:3]} {local[3:7]} {local[7:]}")
    expect(page.get_by_role("link", name="登记我家").first).to_be_visible()

    page.get_by_role("link", name="登记我家").first.click()
    page.get_by_label("社区").select_option(label="安居社区")
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("楼栋").select_option(label="2栋")
    page.get_by_label("单元").fill("1")
    page.get_by_label("房号").fill("101")
    assert _fits_the_screen(page)
    shoot(page, "claim-phone-zh")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".messages")).to_contain_text("核实")
    expect(page.locator("main")).to_contain_text("待核实")

    # Staff of the community verify it on a desktop.
    staff = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    desk = csp_violations(staff.new_page())
    _log_in(desk, live_server, people.community_staff.username)
    desk.get_by_role("link", name="待核实居民").first.click()
    expect(desk.locator("main")).to_contain_text(f"{local[:3]}****{local[7:]}")
    desk.get_by_role("button", name="显示完整号码").click()
    expect(desk.locator("main")).to_contain_text(f"{local[:3]} {local[3:7]} {local[7:]}")
    shoot(desk, "claims-desktop-zh")
    desk.get_by_role("button", name="核实", exact=True).click()
    expect(desk.locator(".messages")).to_be_visible()
    assert Residency.objects.get(user=newcomer).status == Residency.Status.VERIFIED

    page.reload()
    expect(page.locator("main")).to_contain_text("已核实")
    assert csp_violations.messages == []


def test_large_text_and_high_contrast_work_without_javascript(live_server, browser, tree, shoot):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + tree.K1.get_absolute_url())
    base = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_label("大字").check()
    page.get_by_label("高对比度").check()
    page.get_by_role("button", name="应用").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_class("large-text high-contrast")
    larger = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert larger > base
    assert _fits_the_screen(page)
    shoot(page, "compound-phone-large-text")
    # Remembered on the next visit.
    page.goto(live_server.url)
    expect(page.locator("html")).to_have_class("large-text high-contrast")


def test_every_tap_target_is_big_enough_on_a_phone(live_server, browser, tree):
    page = browser.new_context(viewport=PHONE).new_page()
    for path in ["/", tree.C1.get_absolute_url(), "/accounts/login/"]:
        page.goto(live_server.url + path)
        too_small = page.evaluate(
            """() => [...document.querySelectorAll('main a, main button, header a, header button, footer button, input, select')]
                  .filter(el => el.offsetParent !== null && el.type !== 'hidden')
                  // A checkbox's target is its whole label: tapping the words ticks the box.
                  .map(el => (el.type === 'checkbox' || el.type === 'radio') && el.labels.length ? el.labels[0] : el)
                  .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
                  .filter(([, height]) => height < 44)"""
        )
        assert too_small == [], (path, too_small)


def test_the_portal_in_english(live_server, browser, tree, shoot):
    page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    page.goto(live_server.url + tree.S1.get_absolute_url())
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation", name="You are here")).to_contain_text("江岸区")
    shoot(page, "street-desktop-en")
