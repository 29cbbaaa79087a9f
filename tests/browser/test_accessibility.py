"""axe-core scans of the main pages, in Chinese and English, at phone and desktop width.

axe-core is vendored from its npm package (tests/browser/vendor/axe.min.js) and injected by
Playwright; serious and critical violations fail the test.
"""

import datetime
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from communities import services as community_services
from deliberation import services as deliberation_services
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
LANGUAGES = ["zh-CN", "en-US"]
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def _violations(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "a-long-test-passphrase")
    page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_main_pages_have_no_serious_accessibility_violations(
    live_server, browser, tree, people, report, firm, activity, reward, room, at, language, width
):
    from tests.factories import workbook_upload

    job = community_services.start_import(
        area=tree.C1,
        upload=workbook_upload(
            {
                "住户": [["楼栋代码", "单元", "室号", "建筑面积(㎡)"], ["B2", "1", "301", "abc"]],
                "居民": [
                    ["姓名", "手机号码", "楼栋代码", "单元", "室号"],
                    ["张三丰", "13812345678", "B1", "1", "101"],
                ],
            }
        ),
        by=people.community_staff,
        language="zh-hans",
    )
    issue = report()
    deliberation_services.accept_issue(issue=issue, by=people.owners_member)
    hallway = deliberation_services.accept_issue(
        issue=report(title="楼道灯不亮"), by=people.owners_member
    )
    commitment = deliberation_services.make_commitment(
        organization=firm,
        area=tree.K1,
        title="两周内修好小区全部路灯",
        due_on=timezone.localdate() + datetime.timedelta(days=14),
        by=people.firm_staff,
        issues=[hallway],
    )
    deliberation_services.report_progress(
        commitment=commitment, by=people.firm_staff, progress=40, text="已排查线路"
    )
    community_services.book_space(
        space=room, starts_at=at(1, 10), ends_at=at(1, 12), by=people.resident, purpose="象棋"
    )
    notice = community_services.publish_notice(
        area=tree.K1,
        title="2025年第三季度公共收益收支公示",
        body="以下为本季度公共收益收支明细。",
        kind="finance",
        by=people.owners_member,
        finance_lines=[
            community_services.FinanceItem(
                direction="income", item="停车费", amount=Decimal("1200")
            ),
            community_services.FinanceItem(
                direction="spending", item="维修", amount=Decimal("300")
            ),
        ],
    )
    open_poll, closed_poll, topic = _polls_and_topic(tree, people)
    journeys = {
        None: [
            "/",
            "/accounts/login/",
            issue.get_absolute_url(),
            reverse("deliberation:area_issues", args=[tree.C1.code]),
            reverse("deliberation:area_funnel", args=[tree.S1.code]),
            reverse("area_dashboard", args=[tree.S1.code]),
            reverse("communities:area_notices", args=[tree.K1.code]),
            notice.get_absolute_url(),
            reverse("communities:notice_print", args=[notice.pk]),
            tree.K1.get_absolute_url(),
            reverse("volunteers:activity_list"),
            commitment.get_absolute_url(),
            reverse("deliberation:area_commitments", args=[tree.C1.code]),
            reverse("deliberation:area_register", args=[tree.C1.code]),
            reverse("communities:area_spaces", args=[tree.K1.code]),
            room.get_absolute_url(),
            reverse("api_reference"),
            reverse("deliberation:area_polls", args=[tree.K1.code]),
            closed_poll.get_absolute_url(),
            reverse("deliberation:area_topics", args=[tree.K1.code]),
            topic.get_absolute_url(),
        ],
        people.resident.username: [
            reverse("deliberation:report_issue"),
            reverse("volunteers:my_volunteering"),
            reverse("volunteers:reward_list"),
            reverse("my_data"),
            activity.get_absolute_url(),
            room.get_absolute_url(),
            reverse("communities:my_bookings"),
            reverse("communities:inbox"),
            reverse("communities:notification_settings"),
            open_poll.get_absolute_url(),
            topic.get_absolute_url(),
            reverse("communities:invitation_claim"),
        ],
        people.community_staff.username: [
            reverse("deliberation:staff_queue"),
            issue.get_absolute_url(),
            reverse("communities:residency_queue"),
            reverse("communities:booking_queue"),
            reverse("communities:notice_create", args=[tree.K1.code]),
            notice.get_absolute_url(),
            reverse("communities:api_tokens"),
            reverse("communities:area_imports", args=[tree.C1.code]),
            job.get_absolute_url(),
            reverse("communities:import_job_invitations", args=[job.pk]),
        ],
        people.firm_staff.username: [
            reverse("deliberation:commitment_new"),
            commitment.get_absolute_url(),
            reverse("deliberation:staff_commitments"),
            topic.get_absolute_url(),
            reverse("deliberation:topic_create", args=[tree.C1.code]),
        ],
        people.owners_member.username: [
            open_poll.get_absolute_url(),
            reverse("deliberation:poll_create", args=[tree.K1.code]),
        ],
    }
    found = {}
    for username, paths in journeys.items():
        context = browser.new_context(viewport=VIEWPORTS[width], locale=language, bypass_csp=True)
        page = context.new_page()
        if username:
            _log_in(page, live_server, username)
        for path in paths:
            page.goto(live_server.url + path)
            violations = _violations(page)
            if violations:
                found[f"{username or 'visitor'} {path}"] = violations
        context.close()
    assert not found, "\n".join(
        f"{where}:\n  " + "\n  ".join(items) for where, items in found.items()
    )


def _polls_and_topic(tree, people):
    """An open poll, a closed one with its result, and a topic with a reply and a hidden one."""
    committee = people.owners_member.memberships.get().organization
    closes_at = timezone.now() + datetime.timedelta(days=7)
    open_poll, closed_poll = (
        deliberation_services.create_poll(
            organization=committee,
            area=tree.K1,
            title=title,
            options=["嘉定小院", "幸福里", "桂香苑"],
            closes_at=closes_at,
            by=people.owners_member,
        )
        for title in ("小区更名", "健身器材放在哪里")
    )
    option = closed_poll.options.first()
    deliberation_services.cast_ballot(poll=closed_poll, voter=people.resident, options=[option])
    deliberation_services.close_poll(poll=closed_poll, by=people.owners_member)
    today = timezone.localdate()
    topic = deliberation_services.open_topic(
        organization=people.community_staff.memberships.get().organization,
        area=tree.C1,
        title="十二月议题：电动车在哪里充电？",
        question="小区里该在哪里建集中充电棚？",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=30),
        by=people.community_staff,
    )
    first, rude = (
        deliberation_services.post_comment(
            topic=topic, author=people.resident, body=body, submission_key=uuid.uuid4()
        )
        for body in ("建议放在东门停车场旁边。", "都是骗子！")
    )
    deliberation_services.post_comment(
        topic=topic,
        author=people.community_staff,
        body="居委会会去现场看看。",
        parent=first,
        for_organization=True,
        submission_key=uuid.uuid4(),
    )
    deliberation_services.hide_comment(comment=rude, by=people.community_staff, reason="人身攻击")
    return open_poll, closed_poll, topic


def test_the_scan_finds_a_violation_when_one_is_planted(live_server, browser, tree):
    """Guards the test above against passing because axe did not run."""
    page = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    page.goto(live_server.url + "/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')"
    )
    assert any(violation.startswith("label") for violation in _violations(page))
