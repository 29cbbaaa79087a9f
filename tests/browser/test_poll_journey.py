"""投票 and 网上议事厅 in a real browser: a resident votes on the compound's new name on their
phone; once the poll has closed the result is on the poll page and on the notice board. A
resident comments on the month's topic, a neighbour replies, the moderator hides the reply with
a reason, and its author reads the reason. The CSP never fires."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from communities import services as communities_services
from communities.models import Notice
from deliberation import services
from deliberation.models import PollReceipt, TopicComment
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

NAMES = ["嘉定小院", "幸福里", "桂香苑", "和美家园", "同心苑"]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "a-long-test-passphrase")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def neighbour(tree, households, people):
    user = UserFactory(username="neighbour", full_name="王建国")
    claim = communities_services.claim_household(
        user=user,
        community=tree.C1,
        building=tree.B2,
        unit=households["B2"].unit,
        room=households["B2"].room,
        relation="owner",
    )
    communities_services.verify_residency(residency=claim, by=people.community_staff)
    return user


def test_a_resident_votes_and_reads_the_result_on_the_poll_and_the_board(
    live_server, browser, tree, people, shoot, csp_violations, monkeypatch
):
    poll = services.create_poll(
        organization=people.owners_member.memberships.get().organization,
        area=tree.K1,
        title="幸福家园更名：请从五个备选名中选出新名字",
        description="每户一票，得票最多的名字将报街道备案。",
        options=NAMES,
        voting_unit="household",
        closes_at=timezone.now() + datetime.timedelta(days=7),
        by=people.owners_member,
    )
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = csp_violations(phone.new_page())
    _log_in(page, live_server, people.resident.username)

    page.goto(live_server.url + tree.K1.get_absolute_url())
    page.locator(
        f"main a[href='{reverse('deliberation:area_polls', args=[tree.K1.code])}']"
    ).click()
    page.locator(f"main a[href='{poll.get_absolute_url()}']").click()
    expect(page.locator("h1")).to_have_text(poll.title)
    page.get_by_label("幸福里").check()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "poll-ballot-phone-zh")
    page.locator(".ballot-form button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator(".ballot .badge")).to_contain_text("您已于")
    assert PollReceipt.objects.filter(poll=poll, voter=people.resident).exists()
    assert page.locator(".results").count() == 0

    # A week later the periodic task closes the poll; the result is counted and published.
    later = poll.closes_at + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert services.close_due_polls() == [poll.pk]
    page.reload()
    row = page.locator(".results table tbody tr", has_text="幸福里")
    expect(row.locator("td").first).to_have_text("1")
    expect(page.locator(".results .bar-row.leading .bar-label")).to_contain_text("幸福里")
    shoot(page, "poll-result-phone-zh")

    page.locator(
        f"main a[href='{reverse('communities:area_notices', args=[tree.K1.code])}']"
    ).click()
    notice = Notice.objects.get(source_key=f"poll-{poll.pk}-result")
    page.locator(f"main a[href='{notice.get_absolute_url()}']").click()
    expect(page.locator(".prose")).to_contain_text("幸福里")
    page.locator(f"main a[href='{poll.get_absolute_url()}']").click()
    expect(page.locator("h1")).to_have_text(poll.title)
    assert not csp_violations.messages


def test_a_moderator_hides_a_reply_and_its_author_reads_why(
    live_server, browser, tree, people, neighbour, shoot, csp_violations
):
    today = timezone.localdate()
    topic = services.open_topic(
        organization=people.community_staff.memberships.get().organization,
        area=tree.C1,
        title="十二月议题：电动车在哪里充电？",
        question="小区里该在哪里建集中充电棚？",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=30),
        by=people.community_staff,
    )
    resident = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = csp_violations(resident.new_page())
    _log_in(page, live_server, people.resident.username)
    page.goto(live_server.url + reverse("deliberation:area_topics", args=[tree.K1.code]))
    page.locator(f"main a[href='{topic.get_absolute_url()}']").click()
    page.fill("#id_body", "建议放在东门停车场旁边，离电箱近。")
    page.locator("form[action$='/comment/'] button[type=submit]").first.click()
    expect(page.locator(".messages")).to_be_visible()
    first = TopicComment.objects.get(topic=topic)

    # The neighbour answers rudely, as a reply to the first comment.
    other = csp_violations(browser.new_context(viewport=PHONE, locale="zh-CN").new_page())
    _log_in(other, live_server, neighbour.username)
    other.goto(live_server.url + topic.get_absolute_url())
    thread = other.locator(f"#comment-{first.pk}")
    thread.locator("details.reply summary").click()
    thread.locator("textarea").fill("居委会就知道收钱，都是骗子！")
    thread.locator("details.reply button[type=submit]").click()
    expect(other.locator(".messages")).to_be_visible()
    reply = TopicComment.objects.get(parent=first)

    # The moderator, at the community office, hides it with a reason.
    desk = csp_violations(browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page())
    _log_in(desk, live_server, people.community_staff.username)
    desk.goto(live_server.url + topic.get_absolute_url())
    hidden = desk.locator(f"#comment-{reply.pk}")
    hidden.locator("details.moderation summary").click()
    hidden.locator("input[name=reason]").fill("人身攻击，请就事论事")
    hidden.locator("details.moderation button[type=submit]").click()
    expect(desk.locator(".messages")).to_be_visible()
    reply.refresh_from_db()
    assert reply.hidden_reason == "人身攻击，请就事论事"

    # The author is told, and reads the reason in place of the reply.
    other.goto(live_server.url + reverse("communities:inbox"))
    expect(other.locator("main")).to_contain_text(topic.title)
    other.goto(live_server.url + topic.get_absolute_url())
    expect(other.locator(f"#comment-{reply.pk} .hidden-note")).to_contain_text(
        "人身攻击，请就事论事"
    )
    expect(other.locator(f"#comment-{reply.pk} .comment-body")).to_contain_text("都是骗子")
    shoot(other, "topic-hidden-reply-phone-zh")

    # Everyone else reads the reason only; nobody reads a full name.
    page.reload()
    expect(page.locator(f"#comment-{reply.pk} .hidden-note")).to_be_visible()
    expect(page.locator(f"#comment-{reply.pk} .comment-body")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("王建国")
    expect(page.locator("main")).to_contain_text("王**")
    assert not csp_violations.messages
