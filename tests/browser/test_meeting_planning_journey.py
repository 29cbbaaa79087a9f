"""议事协商 in a real browser: a member of a compound's self-management group plans a five-party
meeting on a phone, in the community's room, seats the parties, invites a representative of
each, puts a residents' issue on the agenda and confirms; the resident invited finds it in "my
meetings", says they will come, and after the periodic task has run reads the reminder in their
inbox. The CSP never fires."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from deliberation.models import IssueEvent, Meeting, MeetingReminder
from tests.browser.conftest import PHONE
from tests.browser.test_accessibility import _violations
from tests.deliberation.conftest import five_parties, parking_matter  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "a-long-test-passphrase")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_a_five_party_meeting_is_planned_answered_and_reminded_in_a_browser(
    live_server, browser, tree, people, five_parties, parking_matter, room, report, at,  # noqa: F811
    shoot, csp_violations,
):  # fmt: skip
    issue = report(title="北门车辆乱停")
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
