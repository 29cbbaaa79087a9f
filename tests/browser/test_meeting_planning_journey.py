"""议事协商 in a real browser, from the plan to the commitment (issue #4's acceptance): a member
of a compound's self-management group plans a five-party meeting on a phone, in the community's
room, seats the parties, invites a representative of each, puts a residents' issue on the agenda
and confirms; the resident invited finds it in "my meetings", says they will come, and after the
periodic task has run reads the reminder in their inbox. On the day the organiser takes
attendance, the owners decide a special matter of art. 278 by household and floor area (one
online, two on paper) and the parties a second motion one voice each; the minutes are written,
confirmed by every party and published, and the resolution appears as the property firm's
public commitment and on the compound's notice board. The CSP never fires."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from deliberation import services
from deliberation.models import IssueEvent, Meeting, MeetingReminder, Motion, MotionReceipt
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations
from tests.deliberation.conftest import five_parties, parking_matter  # noqa: F401 (fixtures)
from tests.deliberation.meeting_fixtures import owned_home

pytestmark = pytest.mark.browser


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "a-long-test-passphrase")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _click(page, selector):
    page.locator(selector).first.click()
    page.wait_for_load_state()


def test_a_five_party_meeting_is_planned_held_minuted_and_committed_in_a_browser(
    live_server, browser, tree, people, five_parties, parking_matter, room, report, at,  # noqa: F811
    shoot, csp_violations,
):  # fmt: skip
    issue = services.accept_issue(issue=report(title="北门车辆乱停"), by=people.owners_member)
    organiser = five_parties["group_member"]
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = csp_violations(phone.new_page())
    _log_in(page, live_server, organiser.username)

    page.goto(live_server.url + tree.K1.get_absolute_url())
    page.locator(f"a[href='{reverse('deliberation:meeting_list', args=[tree.K1.code])}']").click()
    page.locator(f"a[href='{reverse('deliberation:meeting_create', args=[tree.K1.code])}']").click()
    page.select_option("#id_matter", str(parking_matter.pk))
    page.fill("#id_title", "幸福家园停车五方联席会")
    page.fill("#id_starts_at", at(2, 14).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", at(2, 16).strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_space", str(room.pk))
    page.fill("#id_capacity", "12")
    page.locator("main form.form button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    meeting = Meeting.objects.get()
    assert meeting.booking.space == room
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    add_party = f"form[action='{reverse('deliberation:meeting_party_add', args=[meeting.pk])}']"
    for key in ("branch", "committee", "owners", "firm"):
        page.select_option(f"{add_party} #id_organization", str(five_parties[key].pk))
        page.locator(f"{add_party} button[type=submit]").click()
        expect(page.locator(".messages")).to_be_visible()
    page.select_option(f"{add_party} #id_party", "residents")
    page.locator(f"{add_party} button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    assert meeting.parties.count() == 5

    invite = f"form[action='{reverse('deliberation:meeting_invite', args=[meeting.pk])}']"
    parties = {party.party: party for party in meeting.parties.all()}
    for party, person in (
        ("party_organization", five_parties["branch_member"]),
        ("residents_committee", people.community_staff),
        ("owners_committee", people.owners_member),
        ("property_firm", people.firm_staff),
        ("residents", people.resident),
    ):
        page.select_option(f"{invite} #id_party", str(parties[party].pk))
        page.select_option(f"{invite} #id_user", str(person.pk))
        page.locator(f"{invite} button[type=submit]").click()
        expect(page.locator(".messages")).to_be_visible()
    assert meeting.invitations.count() == 5
    assert _violations(page) == []
    shoot(page, "meeting-parties-phone-zh")

    page.goto(live_server.url + reverse("deliberation:agenda_item_add", args=[meeting.pk]))
    page.fill("#id_title", "北门停车")
    page.fill("#id_minutes", "30")
    page.check(f"input[name=issues][value='{issue.pk}']")
    page.locator("main form.form button[type=submit]").click()
    expect(page.locator(".agenda")).to_contain_text("北门车辆乱停")

    page.locator(f"form[action='{reverse('deliberation:meeting_confirm', args=[meeting.pk])}'] "
                 "button[type=submit]").click()  # fmt: skip
    expect(page.locator(".messages")).to_be_visible()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED
    assert issue.events.filter(kind=IssueEvent.Kind.DISCUSSED).count() == 1
    assert MeetingReminder.objects.filter(meeting=meeting).count() == 10
    assert _violations(page) == []

    resident = csp_violations(browser.new_context(viewport=PHONE, locale="zh-CN").new_page())
    _log_in(resident, live_server, people.resident.username)
    resident.locator(f"a[href='{reverse('deliberation:my_meetings')}']").first.click()
    resident.locator(f"main a[href='{meeting.get_absolute_url()}']").click()
    expect(resident.locator("h1")).to_have_text("幸福家园停车五方联席会")
    resident.locator("button[name=answer][value=yes]").click()
    expect(resident.locator("#answer button[aria-pressed=true]")).to_have_attribute("value", "yes")
    assert meeting.invitations.get(user=people.resident).answer == "yes"
    assert _violations(resident) == []
    shoot(resident, "meeting-detail-phone-zh")
    resident.goto(live_server.url + reverse("deliberation:my_meetings"))
    assert _violations(resident) == []

    # The day before: the periodic task (as `make run` runs it) sends the first reminder.
    MeetingReminder.objects.filter(
        meeting=meeting, due_at=meeting.starts_at - datetime.timedelta(hours=24)
    ).update(due_at=meeting.starts_at - datetime.timedelta(days=2))
    call_command("run_periodic_tasks", once=True)
    resident.goto(live_server.url + reverse("communities:inbox"))
    expect(resident.locator("main")).to_contain_text("幸福家园停车五方联席会")
    assert MeetingReminder.objects.filter(user=people.resident, sent_at__isnull=False).count() == 1
    assert csp_violations.messages == []

    # --- The day of the meeting ---------------------------------------------------------------
    # A live server's clock cannot be moved, so the meeting (and its room) come to today instead.
    two_days = datetime.timedelta(days=2)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at - two_days, ends_at=meeting.ends_at - two_days
    )
    type(meeting.booking).objects.filter(pk=meeting.booking_id).update(
        starts_at=meeting.booking.starts_at - two_days, ends_at=meeting.booking.ends_at - two_days
    )
    homes = [
        owned_home(tree.B1, "100.00", "owner-a", by=people.community_staff),
        owned_home(tree.B2, "60.00", "owner-b", by=people.community_staff),
        owned_home(tree.B2, "51.50", "owner-c", by=people.community_staff),
    ]
    item = meeting.agenda.get()
    session_url = live_server.url + reverse("deliberation:meeting_session", args=[meeting.pk])
    minutes_url = live_server.url + reverse("deliberation:minutes_detail", args=[meeting.pk])
    reps = {
        "party_organization": five_parties["branch_member"],
        "residents_committee": people.community_staff,
        "owners_committee": people.owners_member,
        "property_firm": people.firm_staff,
        "residents": people.resident,
    }

    desk = csp_violations(browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page())
    _log_in(desk, live_server, organiser.username)
    desk.goto(live_server.url + meeting.get_absolute_url())
    _click(desk, f"a[href='{reverse('deliberation:meeting_session', args=[meeting.pk])}']")
    _click(desk, "#open-meeting")
    for person in reps.values():
        _click(desk, f"button.arrive[data-person='{person.username}']")
    expect(desk.locator(".quorum-summary .status-verified")).to_be_visible()

    # Motion 1: a special matter of art. 278, one vote per household with its floor area.
    desk.locator("details.new-motion summary").click()
    desk.fill(f"#id_item{item.pk}_title", "使用公共收益加装电梯")
    desk.select_option(f"#id_item{item.pk}_rule", "owners_special")
    desk.select_option(f"#id_item{item.pk}_voting_unit", "household")
    _click(desk, "details.new-motion button[type=submit]")
    elevator = Motion.objects.get(title="使用公共收益加装电梯")
    _click(desk, f"#motion-{elevator.pk} button.open-vote")

    owner = csp_violations(browser.new_context(viewport=PHONE, locale="zh-CN").new_page())
    _log_in(owner, live_server, "owner-a")
    owner.goto(session_url)
    _click(owner, f"#motion-{elevator.pk} button.vote-yes")
    expect(owner.locator(".messages")).to_be_visible()
    for home, _ in homes[1:]:
        desk.goto(session_url)
        desk.locator(f"#motion-{elevator.pk} details.paper-ballot summary").click()
        desk.select_option(f"#paper-household-{elevator.pk}", str(home.pk))
        desk.select_option(f"#paper-choice-{elevator.pk}", "yes")
        _click(desk, f"#motion-{elevator.pk} details.paper-ballot button[type=submit]")
    expect(desk.locator(f"#motion-{elevator.pk} .turnout")).to_contain_text("3")
    assert MotionReceipt.objects.filter(motion=elevator, on_paper=True).count() == 2
    _click(desk, f"#motion-{elevator.pk} button.close-vote")
    expect(desk.locator(".tally")).to_contain_text("211.50")
    elevator.refresh_from_db()
    assert elevator.passed is True

    # Motion 2: simple majority, one voice per party, each cast on the representative's phone.
    desk.goto(session_url)
    desk.locator("details.new-motion summary").click()
    desk.fill(f"#id_item{item.pk}_title", "一个月内在北门划定临时停车位")
    desk.select_option(f"#id_item{item.pk}_rule", "simple_majority")
    desk.select_option(f"#id_item{item.pk}_voting_unit", "party")
    _click(desk, "details.new-motion button[type=submit]")
    parking = Motion.objects.get(title="一个月内在北门划定临时停车位")
    _click(desk, f"#motion-{parking.pk} button.open-vote")
    phones = {"residents": resident}
    for party, person in reps.items():
        if party not in phones:
            phones[party] = csp_violations(
                browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
            )
            _log_in(phones[party], live_server, person.username)
        phones[party].goto(session_url)
        choice = "no" if party == "property_firm" else "yes"
        _click(phones[party], f"#motion-{parking.pk} button.vote-{choice}")
    desk.goto(session_url)
    _click(desk, f"#motion-{parking.pk} button.close-vote")
    parking.refresh_from_db()
    assert parking.passed is True
    desk.goto(session_url)
    _click(desk, "#close-meeting")

    # Minutes with the resolution, confirmed by every party, published.
    desk.goto(minutes_url)
    desk.fill("#id_body", "一、业主表决通过加装电梯。\n二、物业一个月内在北门划定临时停车位。")
    _click(desk, "form.minutes-form button[type=submit]")
    desk.locator("details.new-resolution summary").click()
    desk.fill("#id_text", "一个月内在北门划定临时停车位")
    desk.select_option("#id_responsible", str(five_parties["firm"].pk))
    desk.fill("#id_due_on", (meeting.starts_at.date() + datetime.timedelta(days=30)).isoformat())
    desk.check(f"input[name=issues][value='{issue.pk}']")
    desk.select_option("#id_motion", str(parking.pk))
    _click(desk, "details.new-resolution button[type=submit]")
    _click(desk, "button.submit-minutes")
    for page in phones.values():
        page.goto(minutes_url)
        _click(page, "button.confirm-minutes")
        expect(page.locator(".messages")).to_be_visible()
    desk.goto(minutes_url)
    _click(desk, "button.publish-minutes")
    expect(desk.locator(".resolutions")).to_contain_text("一个月内在北门划定临时停车位")

    visitor = csp_violations(browser.new_context(viewport=PHONE, locale="zh-CN").new_page())
    visitor.goto(live_server.url + reverse("deliberation:area_commitments", args=[tree.K1.code]))
    expect(visitor.locator("main")).to_contain_text("一个月内在北门划定临时停车位")
    visitor.goto(live_server.url + reverse("communities:area_notices", args=[tree.K1.code]))
    expect(visitor.locator("main")).to_contain_text("幸福家园停车五方联席会")
    issue.refresh_from_db()
    assert issue.assigned_to == five_parties["firm"]
    assert csp_violations.messages == []
