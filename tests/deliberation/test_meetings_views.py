"""The meeting pages: the public list and detail (parties by organisation, never invitees'
names), the organiser's forms, answers, "my meetings" and the calendar files."""

import datetime
import uuid

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from deliberation import services
from deliberation.models import ConsultationMatter, Invitation, Meeting, Party
from tests.deliberation.test_meetings import seat_all


@pytest.fixture(autouse=True)
def in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def confirmed(plan, five_parties, people):
    def make(**overrides):
        meeting = plan(**overrides)
        seat_all(meeting, five_parties, people)
        return services.confirm_meeting(meeting=meeting, by=five_parties["group_member"])

    return make


def test_the_public_sees_confirmed_meetings_with_parties_but_no_invitees_names(
    client, confirmed, plan, tree, people
):
    meeting = confirmed()
    draft = plan(title="还在筹备的会", starts_at=meeting.starts_at + datetime.timedelta(days=1),
                 ends_at=meeting.ends_at + datetime.timedelta(days=1))  # fmt: skip
    listing = client.get(reverse("deliberation:meeting_list", args=[tree.C1.code]))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert meeting.title in page and draft.title not in page
    assert client.get(draft.get_absolute_url()).status_code == 404

    detail = client.get(meeting.get_absolute_url()).content.decode()
    assert "幸福家园党支部" in detail and "幸福家园业委会" in detail
    for invitee in (people.resident, people.owners_member, people.firm_staff):
        assert invitee.full_name not in detail
        assert invitee.phone not in detail
    assert reverse("deliberation:meeting_ics", args=[meeting.pk]) in detail


def test_organisers_see_the_invitees_by_name(client, confirmed, five_parties, people):
    meeting = confirmed()
    client.force_login(five_parties["group_member"])
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert people.resident.full_name in page
    parties = client.get(reverse("deliberation:meeting_parties", args=[meeting.pk]))
    assert parties.status_code == 200
    assert people.resident.full_name in parties.content.decode()
    client.force_login(people.resident)
    assert client.get(reverse("deliberation:meeting_parties", args=[meeting.pk])).status_code == 403


def test_planning_through_the_form_and_bad_input_stores_nothing(
    client, tree, five_parties, parking_matter, room, at
):
    client.force_login(five_parties["group_member"])
    url = reverse("deliberation:meeting_create", args=[tree.K1.code])
    assert client.get(url).status_code == 200
    data = {
        "organization": five_parties["group"].pk,
        "kind": "joint",
        "matter": parking_matter.pk,
        "title": "停车议事会",
        "starts_at": at(2, 14).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": at(2, 13).strftime("%Y-%m-%dT%H:%M"),
        "space": room.pk,
        "capacity": "10",
        "reminder_offsets": ["1440", "60"],
        "submission_key": str(uuid.uuid4()),
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "A meeting must end after it starts." in refused.content.decode()
    assert not Meeting.objects.exists()
    data["ends_at"] = at(2, 16).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, data)
    assert response.status_code == 302
    assert client.post(url, data).status_code == 302
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("deliberation:meeting_parties", args=[meeting.pk])
    assert meeting.booking.space == room


@pytest.mark.parametrize(
    "data",
    [
        {"title": "x", "starts_at": "not a date"},
        {"title": "x" * 500},
        {"capacity": "-1"},
        {"organization": "999999"},
        {"matter": "abc"},
    ],
)
def test_hostile_planning_input_gets_a_400(client, tree, five_parties, data):
    client.force_login(five_parties["group_member"])
    response = client.post(reverse("deliberation:meeting_create", args=[tree.K1.code]), data)
    assert response.status_code == 400
    assert not Meeting.objects.exists()


def test_confirming_with_missing_parties_asks_and_confirm_anyway_confirms(
    client, plan, five_parties
):
    meeting = plan()
    client.force_login(five_parties["group_member"])
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Required by the catalogue but not at the table" in page
    assert "Confirm anyway" in page
    url = reverse("deliberation:meeting_confirm", args=[meeting.pk])
    client.post(url)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT
    client.post(url, {"confirm_anyway": "on"})
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED
    assert Party.RESIDENTS in meeting.confirmed_without
    assert (
        "Confirmed without these required parties"
        in client.get(meeting.get_absolute_url()).content.decode()
    )


def test_an_invitee_answers_and_a_full_meeting_says_so(client, confirmed, people):
    meeting = confirmed(capacity=1)
    url = reverse("deliberation:meeting_answer", args=[meeting.pk])
    client.force_login(people.resident)
    assert client.post(url, {"answer": "yes"}).status_code == 302
    client.force_login(people.owners_member)
    response = client.post(url, {"answer": "yes"}, follow=True)
    assert "The meeting is full" in response.content.decode()
    assert Invitation.objects.get(user=people.owners_member).answer == "pending"
    assert client.post(url, {"answer": "perhaps"}).status_code == 302
    client.force_login(people.stranger)
    assert client.post(url, {"answer": "yes"}).status_code == 404


def test_my_meetings_and_the_calendar_feed(client, confirmed, people):
    meeting = confirmed()
    client.force_login(people.resident)
    page = client.get(reverse("deliberation:my_meetings"))
    assert meeting.title in page.content.decode()
    feed = people.resident.meeting_feed
    url = reverse("deliberation:meeting_feed", kwargs={"key": feed.key})
    assert url.endswith(".ics")
    client.logout()
    response = client.get(url)
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert [str(event["UID"]) for event in calendar.walk("VEVENT")] == [str(meeting.uid)]
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Shanghai"
    client.force_login(people.resident)
    client.post(reverse("deliberation:my_meetings_feed_replace"))
    assert client.get(url).status_code == 404


def test_the_meeting_ics_follows_visibility(client, plan, confirmed):
    meeting = confirmed()
    response = client.get(reverse("deliberation:meeting_ics", args=[meeting.pk]))
    assert response.status_code == 200
    assert b"BEGIN:VTIMEZONE" in response.content and b"TZID=Asia/Shanghai" in response.content
    draft = plan(title="草稿", starts_at=meeting.starts_at + datetime.timedelta(days=1),
                 ends_at=meeting.ends_at + datetime.timedelta(days=1))  # fmt: skip
    assert client.get(reverse("deliberation:meeting_ics", args=[draft.pk])).status_code == 404


def test_the_agenda_form_attaches_an_issue(client, plan, five_parties, report):
    issue = report()
    meeting = plan()
    client.force_login(five_parties["group_member"])
    url = reverse("deliberation:agenda_item_add", args=[meeting.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "路灯", "minutes": "20", "issues": [issue.pk]})
    assert response.status_code == 302
    assert list(meeting.agenda.get().issues.all()) == [issue]
    assert "路灯" in client.get(meeting.get_absolute_url()).content.decode()
    assert client.post(url, {"title": "", "minutes": "0"}).status_code == 400


def test_staff_keep_the_catalogue_through_its_pages(client, tree, people):
    url = reverse("deliberation:catalogue_add", args=[tree.C1.code])
    client.force_login(people.owners_member)
    assert client.get(url).status_code == 403
    client.force_login(people.community_staff)
    response = client.post(
        url,
        {
            "title": "电梯加装",
            "kind": "renovation",
            "level": "4",
            "required_parties": ["owners_committee", "residents"],
            "default_rule": "owners_special",
            "description": "",
        },
    )
    assert response.status_code == 302
    matter = ConsultationMatter.objects.get()
    assert matter.required_parties == ["owners_committee", "residents"]
    listing = client.get(reverse("deliberation:area_catalogue", args=[tree.K1.code]))
    assert "电梯加装" in listing.content.decode()


def test_the_area_page_links_to_meetings_and_catalogue(client, tree):
    page = client.get(tree.K1.get_absolute_url()).content.decode()
    assert reverse("deliberation:meeting_list", args=[tree.K1.code]) in page
    assert reverse("deliberation:area_catalogue", args=[tree.K1.code]) in page


def test_list_and_detail_cost_the_same_queries_at_any_size(
    client, confirmed, five_parties, report, at, tree
):
    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add(number):
        made = []
        for n in range(number):
            meeting = confirmed(
                title=f"会{number}-{n}",
                starts_at=at(3 + len(made) + number, 9),
                ends_at=at(3 + len(made) + number, 10),
            )
            for k in range(2):
                services.add_agenda_item(
                    meeting=meeting,
                    by=five_parties["group_member"],
                    title=f"议题{k}",
                    issues=[report(title=f"问题{number}{n}{k}")],
                )
            made.append(meeting)
        return made

    client.force_login(five_parties["group_member"])
    first = add(1)[0]
    list_url = reverse("deliberation:meeting_list", args=[tree.C1.code])
    few_list, few_detail = count(list_url), count(first.get_absolute_url())
    more = add(4)[-1]
    for k in range(3):
        services.add_agenda_item(
            meeting=more, by=five_parties["group_member"], title=f"加{k}",
            issues=[report(title=f"加问题{k}")],
        )  # fmt: skip
    assert count(list_url) == few_list
    assert count(more.get_absolute_url()) == few_detail


def test_an_organiser_invites_by_mobile_number_and_a_wrong_one_is_a_400(
    client, plan, five_parties, people
):
    meeting = plan()
    residents = services.add_party(
        meeting=meeting, party=Party.RESIDENTS, by=five_parties["group_member"]
    )
    client.force_login(five_parties["group_member"])
    url = reverse("deliberation:meeting_invite", args=[meeting.pk])
    wrong = client.post(url, {"party": residents.pk, "phone": "13700000000"})
    assert wrong.status_code == 400
    assert "Nobody who may be invited here has this mobile number." in wrong.content.decode()
    assert client.post(url, {"party": residents.pk, "phone": "not a phone"}).status_code == 400
    local = people.resident.phone.removeprefix("+86")
    assert client.post(url, {"party": residents.pk, "phone": local}).status_code == 302
    assert meeting.invitations.get().user == people.resident


def test_the_admin_reads_meetings_and_deletes_a_leaked_calendar_link(
    client, admin_user, confirmed, people
):
    meeting = confirmed()
    feed = services.replace_calendar_feed(user=people.resident)
    client.force_login(admin_user)
    assert (
        client.get(reverse("admin:deliberation_meeting_change", args=[meeting.pk])).status_code
        == 200
    )
    assert client.get(reverse("admin:deliberation_meetingreminder_changelist")).status_code == 200
    client.post(reverse("admin:deliberation_calendarfeed_delete", args=[feed.pk]), {"post": "yes"})
    assert not type(feed).objects.filter(pk=feed.pk).exists()
    url = reverse("deliberation:meeting_feed", kwargs={"key": feed.key})
    assert client.get(url).status_code == 404


def test_with_htmx_only_the_answer_card_comes_back(client, confirmed, people):
    meeting = confirmed(capacity=1)
    url = reverse("deliberation:meeting_answer", args=[meeting.pk])
    client.force_login(people.resident)
    card = client.post(url, {"answer": "yes"}, HTTP_HX_REQUEST="true")
    assert card.status_code == 200
    html = card.content.decode()
    assert html.lstrip().startswith('<section class="card"') and "<html" not in html
    assert 'value="yes" class="big" aria-pressed="true"' in html
    client.force_login(people.owners_member)
    full = client.post(url, {"answer": "yes"}, HTTP_HX_REQUEST="true")
    assert "The meeting is full" in full.content.decode()
    assert client.post(url, {"answer": "x"}, HTTP_HX_REQUEST="true").status_code == 400
