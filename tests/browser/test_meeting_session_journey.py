"""A five-party meeting (五方联席会议) in a real browser: counting staff open it and take
attendance; owners decide a special matter of art. 278 by household and floor area, one online
on a phone and two on paper; the parties decide a second motion one voice each; the results
are shown once the votes close; the minutes are written, confirmed by every party and
published, and the resolution appears as the property firm's public commitment. The CSP never
fires."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from deliberation import services
from deliberation.models import Motion, MotionReceipt, Party
from tests.browser.conftest import DESKTOP, PHONE
from tests.deliberation import conftest as deliberation_fixtures
from tests.deliberation import meeting_fixtures
from tests.deliberation.meeting_fixtures import owned_home

pytestmark = pytest.mark.browser

# The meeting as planning leaves it, from the deliberation tests' fixtures.
accepted = deliberation_fixtures.accepted
committee = deliberation_fixtures.committee
owners_committee = deliberation_fixtures.owners_committee
table = meeting_fixtures.table


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "a-long-test-passphrase")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _click(page, selector):
    page.locator(selector).first.click()
    page.wait_for_load_state()


def test_a_five_party_meeting_decides_publishes_minutes_and_commits_in_a_browser(
    live_server,
    browser,
    tree,
    people,
    table,
    accepted,
    shoot,
    csp_violations,
):
    lamp = accepted()
    table.item.issues.add(lamp)
    owners = [
        owned_home(tree.B1, "100.00", "owner-a", by=people.community_staff),
        owned_home(tree.B2, "60.00", "owner-b", by=people.community_staff),
        owned_home(tree.B2, "51.50", "owner-c", by=people.community_staff),
    ]
    session_url = live_server.url + reverse("deliberation:meeting_session", args=[table.meeting.pk])
    minutes_url = live_server.url + reverse("deliberation:minutes_detail", args=[table.meeting.pk])

    desk = csp_violations(browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page())
    _log_in(desk, live_server, table.clerk.username)
    desk.goto(session_url)
    _click(desk, "#open-meeting")
    for rep in table.reps.values():
        _click(desk, f"button.arrive[data-person='{rep.username}']")
    expect(desk.locator(".quorum-summary .status-verified")).to_be_visible()

    # Motion 1: a special matter of art. 278, one vote per household with its floor area.
    desk.locator("details.new-motion summary").click()
    desk.fill(f"#id_item{table.item.pk}_title", "使用公共收益加装电梯")
    desk.select_option(f"#id_item{table.item.pk}_rule", "owners_special")
    desk.select_option(f"#id_item{table.item.pk}_voting_unit", "household")
    _click(desk, "details.new-motion button[type=submit]")
    elevator = Motion.objects.get(title="使用公共收益加装电梯")
    _click(desk, f"#motion-{elevator.pk} button.open-vote")

    phone = csp_violations(browser.new_context(viewport=PHONE, locale="zh-CN").new_page())
    _log_in(phone, live_server, "owner-a")
    phone.goto(session_url)
    _click(phone, f"#motion-{elevator.pk} button.vote-yes")
    expect(phone.locator(".messages")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(phone, "meeting-ballot-phone-zh")

    for home, _ in owners[1:]:
        desk.goto(session_url)
        desk.locator(f"#motion-{elevator.pk} details.paper-ballot summary").click()
        desk.select_option(f"#paper-household-{elevator.pk}", str(home.pk))
        desk.select_option(f"#paper-choice-{elevator.pk}", "yes")
        _click(desk, f"#motion-{elevator.pk} details.paper-ballot button[type=submit]")
    expect(desk.locator(f"#motion-{elevator.pk} .turnout")).to_contain_text("3")
    assert "tally" not in desk.content()
    assert MotionReceipt.objects.filter(motion=elevator, on_paper=True).count() == 2

    _click(desk, f"#motion-{elevator.pk} button.close-vote")
    expect(desk.locator(".tally")).to_contain_text("211.50")
    expect(desk.locator(".reason")).to_be_visible()
    elevator.refresh_from_db()
    assert elevator.passed is True

    # Motion 2: simple majority, one voice per party.
    desk.goto(session_url)
    desk.locator("details.new-motion summary").click()
    desk.fill(f"#id_item{table.item.pk}_title", "两周内更换全部路灯")
    desk.select_option(f"#id_item{table.item.pk}_rule", "simple_majority")
    desk.select_option(f"#id_item{table.item.pk}_voting_unit", "party")
    _click(desk, "details.new-motion button[type=submit]")
    lamps = Motion.objects.get(title="两周内更换全部路灯")
    _click(desk, f"#motion-{lamps.pk} button.open-vote")

    reps = {}
    for party, rep in table.reps.items():
        page = csp_violations(browser.new_context(viewport=PHONE, locale="zh-CN").new_page())
        _log_in(page, live_server, rep.username)
        page.goto(session_url)
        choice = "no" if party == Party.PROPERTY_FIRM else "yes"
        _click(page, f"#motion-{lamps.pk} button.vote-{choice}")
        reps[party] = page

    desk.goto(session_url)
    _click(desk, f"#motion-{lamps.pk} button.close-vote")
    expect(desk.locator(".open-ballots")).to_contain_text(table.reps[Party.PROPERTY_FIRM].full_name)
    desk.goto(session_url)
    _click(desk, "#close-meeting")

    # Minutes, a resolution, confirmation by every party, publication.
    desk.goto(minutes_url)
    desk.fill("#id_body", "一、业主表决通过加装电梯。\n二、物业两周内更换全部路灯。")
    _click(desk, "form.minutes-form button[type=submit]")
    desk.locator("details.new-resolution summary").click()
    desk.fill("#id_text", "两周内更换全部路灯")
    desk.select_option("#id_responsible", str(table.parties[Party.PROPERTY_FIRM].organization_id))
    due = timezone.localdate() + datetime.timedelta(days=14)
    desk.fill("#id_due_on", due.isoformat())
    desk.check(f"input[name=issues][value='{lamp.pk}']")
    desk.select_option("#id_motion", str(lamps.pk))
    _click(desk, "details.new-resolution button[type=submit]")
    _click(desk, "button.submit-minutes")

    for page in reps.values():
        page.goto(minutes_url)
        _click(page, "button.confirm-minutes")
        expect(page.locator(".messages")).to_be_visible()

    desk.goto(minutes_url)
    _click(desk, "button.publish-minutes")
    expect(desk.locator(".resolutions")).to_contain_text("两周内更换全部路灯")
    shoot(desk, "meeting-minutes-desktop-zh")

    visitor = csp_violations(browser.new_context(viewport=PHONE, locale="zh-CN").new_page())
    visitor.goto(live_server.url + reverse("deliberation:area_commitments", args=[tree.K1.code]))
    expect(visitor.locator("main")).to_contain_text("两周内更换全部路灯")
    visitor.goto(live_server.url + reverse("communities:area_notices", args=[tree.K1.code]))
    expect(visitor.locator("main")).to_contain_text(table.meeting.title)
    lamp.refresh_from_db()
    assert lamp.assigned_to == table.parties[Party.PROPERTY_FIRM].organization
    assert services.quorum_of(table.meeting).parties
    assert csp_violations.messages == []
