"""公开承诺 · 践诺 in a real browser: community staff commit, in public, to two residents' issues,
found with the search; they post progress and record it fulfilled; the issues show "committed"
and then "resolved"; the quarter's register and the street's dashboard count it; the notice
board carries it and a resident under the community reads it in their inbox; a public
supervisor's remark is answered."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from communities import services as community_services
from communities.models import AreaRole, Notice
from deliberation.models import Commitment, Issue
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "a-long-test-passphrase")
    page.locator("main form button[type=submit]").click()


def test_commit_keep_and_fulfil_in_a_browser(
    live_server, browser, tree, people, report, admin_user, shoot, csp_violations
):
    lamp = report(title="小区东门路灯不亮")
    hallway = report(title="2栋楼道灯不亮", area=tree.B2)
    report(title="电梯异响", description="3栋电梯运行时有很大的摩擦声。")
    supervisor = UserFactory(username="supervisor")
    community_services.assign_area_role(
        user=supervisor, area=tree.C1, kind=AreaRole.Kind.PUBLIC_SUPERVISOR, by=admin_user
    )
    committee = people.community_staff.memberships.get().organization

    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    staff = csp_violations(desk.new_page())
    _log_in(staff, live_server, people.community_staff.username)
    staff.goto(live_server.url + reverse("deliberation:commitment_new"))
    expect(staff.locator("h1")).to_have_text("作出公开承诺")

    # The search narrows the list as staff type (htmx), and the place to commit for is chosen.
    staff.select_option("#id_find-area", tree.K1.code)
    staff.fill("#id_find-q", "灯")
    expect(staff.locator(f"#candidates input[value='{lamp.pk}']")).to_be_visible()
    expect(staff.locator("#candidates")).not_to_contain_text("电梯异响")
    staff.check(f"#candidates input[value='{lamp.pk}']")
    staff.check(f"#candidates input[value='{hallway.pk}']")
    staff.select_option("#id_area", tree.K1.code)
    staff.fill("#id_title", "两周内修好小区东门和2栋的照明")
    staff.fill("#id_due_on", (timezone.localdate() + datetime.timedelta(days=14)).isoformat())
    staff.fill("#id_description", "居委会督促物业排查线路、更换灯具。")
    shoot(staff, "commitment-new-desktop-zh")
    staff.locator("main form[method=post] button[type=submit]").click()
    expect(staff.locator("h1")).to_have_text("两周内修好小区东门和2栋的照明")
    commitment = Commitment.objects.get()
    assert commitment.organization == committee
    assert set(commitment.issues.all()) == {lamp, hallway}

    # The issues say so in public.
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    visitor = csp_violations(phone.new_page())
    visitor.goto(live_server.url + lamp.get_absolute_url())
    expect(visitor.locator(".timeline")).to_contain_text("已公开承诺")
    expect(visitor.locator(".timeline")).to_contain_text(commitment.title)

    # A public supervisor asks; staff answer.
    watch = csp_violations(browser.new_context(viewport=PHONE, locale="zh-CN").new_page())
    _log_in(watch, live_server, supervisor.username)
    watch.goto(live_server.url + commitment.get_absolute_url())
    watch.fill("#id_remark-text", "2栋的灯什么时候能修好？")
    watch.locator("#remark button[type=submit]").click()
    expect(watch.locator(".messages")).to_be_visible()
    staff.goto(live_server.url + commitment.get_absolute_url())
    staff.locator("#answers textarea").fill("灯具已订购，下周二更换。")
    staff.locator("#answers button[type=submit]").click()
    expect(staff.locator(".timeline")).to_contain_text("灯具已订购，下周二更换。")

    # Progress, then the result.
    staff.fill("#id_progress-progress", "60")
    staff.fill("#id_progress-text", "东门线路已修复，2栋灯具到货。")
    staff.locator("#progress button[type=submit]").click()
    expect(staff.locator("progress")).to_have_attribute("value", "60")
    staff.check("#result input[value=fulfilled]")
    staff.fill("#id_result-note", "东门和2栋照明全部恢复。")
    staff.locator("#result button[type=submit]").click()
    expect(staff.locator(".result")).to_contain_text("已践诺")

    for issue in (lamp, hallway):
        issue.refresh_from_db()
        assert issue.status == Issue.Status.RESOLVED
    visitor.goto(live_server.url + hallway.get_absolute_url())
    expect(visitor.locator(".badge").first).to_have_text("已办结")
    expect(visitor.locator(".timeline")).to_contain_text("东门和2栋照明全部恢复。")
    shoot(visitor, "commitment-issue-phone-zh")

    # The register of the quarter counts it; the board carries the commitment and its result.
    visitor.goto(live_server.url + reverse("deliberation:area_register", args=[tree.C1.code]))
    figures = visitor.locator(".register-figures dd")
    expect(figures.nth(0)).to_have_text("3")  # registered
    expect(figures.nth(1)).to_have_text("2")  # committed to
    expect(figures.nth(2)).to_have_text("2")  # done
    assert visitor.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert (
        Notice.objects.filter(
            kind__in=[Notice.Kind.COMMITMENT, Notice.Kind.COMMITMENT_RESULT], area=tree.K1
        ).count()
        == 2
    )
    visitor.goto(live_server.url + reverse("communities:area_notices", args=[tree.B1.code]))
    expect(visitor.locator("main")).to_contain_text(commitment.title)
    visitor.goto(live_server.url + commitment.get_absolute_url())
    expect(visitor.locator("main")).not_to_contain_text(supervisor.full_name)
    shoot(visitor, "commitment-phone-zh")

    # The street's dashboard counts it: two issues committed and resolved, one commitment kept.
    visitor.goto(live_server.url + reverse("area_dashboard", args=[tree.S1.code]))
    funnel = visitor.locator("#funnel-heading + .chart-with-table dl dd")
    expect(funnel.nth(2)).to_have_text("2")  # committed
    expect(funnel.nth(3)).to_have_text("2")  # resolved
    kept = visitor.locator("section[aria-labelledby=commitments-heading] dl dd")
    expect(kept.nth(0)).to_have_text("1")  # made
    expect(kept.nth(3)).to_have_text("1")  # fulfilled

    # A resident of a compound under the community reads both on the board and in the inbox.
    home = csp_violations(browser.new_context(viewport=PHONE, locale="zh-CN").new_page())
    _log_in(home, live_server, people.resident.username)
    home.goto(live_server.url + reverse("communities:inbox") + "?kind=notice")
    expect(home.locator("main article")).to_have_count(2)  # the commitment, then its result
    expect(home.locator("main")).to_contain_text(commitment.title)
    assert csp_violations.messages == []
