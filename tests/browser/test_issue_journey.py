"""民事民提 → 民评 in a real browser: a resident scans their building's poster, reports with a
photo; staff accept, assign and resolve; the resident rates; the public sees no personal data."""

import io

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from deliberation.models import Issue, IssuePhoto
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _photo_with_gps(path) -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (640, 480), "orange").save(path, "JPEG", exif=exif)


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "a-long-test-passphrase")
    page.locator("main form button[type=submit]").click()


def _act(page, action):
    page.locator(f"form[action$='/{action}/'] button[type=submit]").first.click()
    expect(page.locator(".messages")).to_be_visible()


def test_report_to_rating_in_a_browser(
    live_server, browser, tree, people, categories, firm, tmp_path, shoot, csp_violations
):
    photo = tmp_path / "lamp.jpg"
    _photo_with_gps(photo)

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = csp_violations(phone.new_page())
    _log_in(page, live_server, people.resident.username)

    # The poster on the board downstairs carries this link.
    poster = page.goto(
        f"{live_server.url}{reverse('deliberation:area_poster', args=[tree.B1.code])}"
    )
    assert poster.status == 200
    link = page.locator(".poster-link").inner_text()
    assert f"area={tree.B1.code}" in link and "via=qr" in link
    page.goto(link)
    expect(page.locator("#id_area")).to_have_value(tree.B1.code)
    page.fill("#id_title", "小区路灯不亮")
    page.fill("#id_description", "1栋门口的路灯坏了一周，晚上很黑。")
    page.select_option("#id_category", categories["lamp"].code)
    page.set_input_files("#id_photos", str(photo))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "report-phone-zh")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("小区路灯不亮")
    issue = Issue.objects.get()
    assert issue.channel == Issue.Channel.QR

    # Staff of the owners' committee accept it and give it to the property firm.
    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    staff = csp_violations(desk.new_page())
    _log_in(staff, live_server, people.owners_member.username)
    staff.goto(live_server.url + issue.get_absolute_url())
    _act(staff, "accept")
    staff.select_option("#id_organization", str(firm.pk))
    _act(staff, "assign")

    firm_context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    worker = csp_violations(firm_context.new_page())
    _log_in(worker, live_server, people.firm_staff.username)
    worker.goto(live_server.url + issue.get_absolute_url())
    worker.fill("form[action$='/resolve/'] textarea[name=note]", "已更换灯泡，恢复照明。")
    _act(worker, "resolve")
    shoot(worker, "issue-staff-desktop-zh")

    # The resident rates the result.
    page.goto(live_server.url + issue.get_absolute_url())
    page.locator("label[for=id_rating_0]").click()
    page.fill("#id_comment", "修得很快，谢谢")
    page.locator("form[action$='/rate/'] button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    issue.refresh_from_db()
    assert (issue.status, issue.rating) == (Issue.Status.CLOSED, 5)

    # The public page: the whole timeline, no name, no phone, and a photo without EXIF.
    public = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    public.goto(live_server.url + issue.get_absolute_url())
    timeline = public.locator(".timeline").inner_text()
    for step in ("反映问题", "已受理", "已交办", "已办结", "已评价", "已关闭"):
        assert step in timeline, step
    html = public.content()
    for secret in (
        people.resident.full_name,
        people.resident.username,
        people.resident.phone,
        people.resident.phone[3:],
    ):
        assert secret not in html
    shoot(public, "issue-public-phone-zh")
    image_url = public.locator(".photos img").first.get_attribute("src")
    body = public.request.get(live_server.url + image_url).body()
    assert len(Image.open(io.BytesIO(body)).getexif()) == 0
    assert b"GPS" not in body and b"PhoneMaker" not in body
    assert IssuePhoto.objects.count() == 1
    assert csp_violations.messages == []


def test_similar_issues_appear_while_the_title_is_typed(
    live_server, browser, tree, people, report, csp_violations
):
    report(title="小区路灯不亮")
    page = csp_violations(browser.new_context(viewport=PHONE, locale="zh-CN").new_page())
    _log_in(page, live_server, people.resident.username)
    page.goto(f"{live_server.url}{reverse('deliberation:report_issue')}")
    page.locator("#id_title").press_sequentially("路灯坏了")
    expect(page.locator("#similar")).to_contain_text("小区路灯不亮")
    assert csp_violations.messages == []


@pytest.mark.parametrize("zoom", [1, 2], ids=["360px", "360px at 200% zoom"])
def test_the_report_form_fits_a_phone_even_at_200_percent_zoom(
    live_server, browser, tree, people, categories, zoom
):
    # Zooming to 200% halves the CSS width a page lays out in: 360 px becomes 180 px.
    context = browser.new_context(
        viewport={"width": 360 // zoom, "height": 740 // zoom}, locale="zh-CN"
    )
    page = context.new_page()
    _log_in(page, live_server, people.resident.username)
    page.goto(f"{live_server.url}{reverse('deliberation:report_issue')}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.fill("#id_title", "楼道灯不亮")
    page.fill("#id_description", "3楼楼道灯坏了。")
    page.select_option("#id_category", categories["lamp"].code)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("楼道灯不亮")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_public_pages_fit_a_phone_at_200_percent_zoom(
    live_server, browser, tree, people, report
):
    issue = report()
    page = browser.new_context(viewport={"width": 180, "height": 370}, locale="zh-CN").new_page()
    for path in [
        "/",
        issue.get_absolute_url(),
        reverse("deliberation:area_issues", args=[tree.C1.code]),
        tree.K1.get_absolute_url(),
    ]:
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path


def test_the_portal_reads_in_english_on_a_phone(live_server, browser, tree, people, report, shoot):
    issue = report()
    page = browser.new_context(viewport=PHONE, locale="en-US").new_page()
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Report a problem").first).to_be_visible()
    shoot(page, "home-phone-en")
    page.goto(live_server.url + issue.get_absolute_url())
    expect(page.locator(".next-step")).to_contain_text("Received")
    shoot(page, "issue-public-phone-en")
