"""Planning consultation meetings through their services: the catalogue, planning with a room,
parties and invitations, answers and seats, reminders, the agenda with residents' issues, and the
calendar files."""

import datetime
import uuid

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from communities.models import Booking, Notification
from deliberation import services
from deliberation.calendar import calendar_of
from deliberation.models import (
    MINUTES_DUE_AFTER,
    Invitation,
    IssueEvent,
    Meeting,
    MeetingReminder,
    Minutes,
    Party,
)
from deliberation.services.meetings import catalogue_for, meetings_of
from tests.factories import UserFactory

P = Party


@pytest.fixture(autouse=True)
def in_english(client, settings):
    """Messages are asserted as written in the code (English); the portal's default is Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def seat_all(meeting, parties, people):
    """The five parties at the table, one representative invited for each."""
    by = parties["group_member"]
    seated = {}
    for key, member in (
        ("branch", parties["branch_member"]),
        ("committee", people.community_staff),
        ("owners", people.owners_member),
        ("firm", people.firm_staff),
    ):
        seated[key] = services.add_party(meeting=meeting, organization=parties[key], by=by)
        services.invite(meeting=meeting, user=member, party=seated[key], by=by)
    seated["residents"] = services.add_party(meeting=meeting, party=P.RESIDENTS, by=by)
    services.invite(meeting=meeting, user=people.resident, party=seated["residents"], by=by)
    return seated


# --- The catalogue -------------------------------------------------------------------------------


def test_community_staff_keep_the_catalogue_and_it_applies_beneath(tree, people, parking_matter):
    street = services.add_consultation_matter(
        area=tree.S1,
        title="老旧小区改造",
        kind="renovation",
        level=3,
        required_parties=[P.COMMUNITY, P.RESIDENTS_COMMITTEE],
        by=people.street_staff,
    )
    second = services.add_consultation_matter(
        area=tree.C1,
        title="楼道堆物清理",
        kind="safety",
        level=4,
        required_parties=[P.PROPERTY_FIRM],
        by=people.community_staff,
    )
    assert list(catalogue_for(tree.K1)) == [street, parking_matter, second]
    assert list(catalogue_for(tree.K3)) == [street]
    assert (parking_matter.position, second.position) == (0, 1)

    services.move_consultation_matter(matter=second, by=people.community_staff, up=True)
    assert list(catalogue_for(tree.C1).filter(area=tree.C1)) == [second, parking_matter]


def test_only_staff_who_manage_a_street_or_community_keep_its_catalogue(tree, people):
    with pytest.raises(PermissionDenied):
        services.add_consultation_matter(
            area=tree.C1,
            title="停车",
            kind="parking",
            level=4,
            required_parties=[],
            by=people.owners_member,
        )
    with pytest.raises(PermissionDenied):
        services.add_consultation_matter(
            area=tree.C2, title="停车", kind="parking", level=4, required_parties=[],
            by=people.community_staff,
        )  # fmt: skip


def test_a_matter_is_decided_at_its_catalogue_level_or_below_and_named_once(
    tree, people, parking_matter
):
    with pytest.raises(ValidationError) as error:
        services.add_consultation_matter(
            area=tree.C1, title="街道规划", kind="other", level=2, required_parties=[],
            by=people.community_staff,
        )  # fmt: skip
    assert "level" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.add_consultation_matter(
            area=tree.C1, title=parking_matter.title, kind="parking", level=4,
            required_parties=[], by=people.community_staff,
        )  # fmt: skip
    assert "already has" in error.value.message_dict["title"][0]


# --- Planning ------------------------------------------------------------------------------------


def test_planning_books_the_room_once_for_a_double_submit(plan, room, five_parties):
    key = uuid.uuid4()
    first = plan(submission_key=key)
    second = plan(submission_key=key)
    assert first == second
    assert Meeting.objects.count() == 1
    booking = Booking.objects.get()
    assert first.booking == booking
    assert (booking.space, booking.organization) == (room, five_parties["group"])
    assert (booking.starts_at, booking.ends_at) == (first.starts_at, first.ends_at)
    assert first.status == Meeting.Status.DRAFT
    assert first.reminder_offsets == [24 * 60, 60]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"starts_at": -3}, "starts_at", "already passed"),
        ({"ends_at": 13}, "ends_at", "end after it starts"),
        ({"capacity": 0}, "capacity", "at least one seat"),
        ({"title": "  "}, "title", "title"),
    ],
)
def test_planning_refuses_what_cannot_happen(plan, at, change, field, words):
    overrides = {}
    if "starts_at" in change:
        overrides["starts_at"] = timezone.now() + datetime.timedelta(hours=change["starts_at"])
    if "ends_at" in change:
        overrides["ends_at"] = at(2, change["ends_at"])
    for name in ("capacity", "title"):
        if name in change:
            overrides[name] = change[name]
    with pytest.raises(ValidationError) as error:
        plan(**overrides)
    assert words in " ".join(error.value.message_dict[field])
    assert not Meeting.objects.exists()
    assert not Booking.objects.exists()


def test_an_overlapping_booking_gets_the_room_services_message(plan, at):
    plan()
    with pytest.raises(ValidationError) as error:
        plan(title="另一个会", starts_at=at(2, 15), ends_at=at(2, 17))
    message = error.value.message_dict["starts_at"][0]
    assert "already booked from 14:00 to 16:00" in message
    assert Meeting.objects.count() == 1


def test_a_matter_decided_elsewhere_names_the_right_level(plan, tree, five_parties, people):
    with pytest.raises(ValidationError) as error:
        plan(area=tree.C1, organization=five_parties["committee"], by=people.community_staff)
    assert "is decided at the compound level" in error.value.message_dict["matter"][0]


def test_only_organisers_reaching_the_area_plan(plan, people, tree, five_parties):
    with pytest.raises(PermissionDenied):
        plan(by=people.stranger)
    with pytest.raises(ValidationError) as error:
        plan(area=tree.K2, matter=None)
    assert "does not serve" in error.value.message_dict["area"][0]
    # Staff who manage the area plan for an organisation that reaches it.
    assert plan(by=people.community_staff).organization == five_parties["group"]


# --- Parties, confirming, answers ----------------------------------------------------------------


def test_a_room_not_approved_is_no_place_to_confirm_until_another_is_given(
    plan, five_parties, people, room
):
    from communities import services as community_services

    meeting = plan()
    seat_all(meeting, five_parties, people)
    community_services.reject_booking(
        booking=meeting.booking, by=people.community_staff, reason="当天有社区活动"
    )
    with pytest.raises(ValidationError) as error:
        services.confirm_meeting(meeting=meeting, by=five_parties["group_member"])
    assert "is not approved" in error.value.message_dict["space"][0]
    services.change_meeting(
        meeting=meeting,
        by=five_parties["group_member"],
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location_note="3栋架空层",
        capacity=12,
    )
    meeting = services.confirm_meeting(meeting=meeting, by=five_parties["group_member"])
    assert (meeting.status, meeting.booking, meeting.location_note) == (
        Meeting.Status.CONFIRMED,
        None,
        "3栋架空层",
    )


def test_confirming_without_a_required_party_needs_confirm_anyway_and_is_recorded(
    plan, five_parties, people
):
    meeting = plan()
    by = five_parties["group_member"]
    services.add_party(meeting=meeting, organization=five_parties["owners"], by=by)
    assert services.required_parties_missing(meeting) == [
        P.PARTY_ORGANIZATION,
        P.RESIDENTS_COMMITTEE,
        P.PROPERTY_FIRM,
        P.RESIDENTS,
    ]
    with pytest.raises(ValidationError) as error:
        services.confirm_meeting(meeting=meeting, by=by)
    assert error.value.code == "missing_parties"
    assert "residents' representatives" in error.value.messages[0]
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT

    services.confirm_meeting(meeting=meeting, by=by, confirm_anyway=True)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED
    assert meeting.confirmed_without == [
        P.PARTY_ORGANIZATION,
        P.RESIDENTS_COMMITTEE,
        P.PROPERTY_FIRM,
        P.RESIDENTS,
    ]


def test_five_parties_seated_confirm_without_asking(plan, five_parties, people):
    meeting = plan()
    seat_all(meeting, five_parties, people)
    assert services.required_parties_missing(meeting) == []
    services.confirm_meeting(meeting=meeting, by=five_parties["group_member"])
    meeting.refresh_from_db()
    assert (meeting.status, meeting.confirmed_without) == (Meeting.Status.CONFIRMED, [])
    invited = Notification.objects.filter(key=f"meeting-{meeting.pk}-confirmed")
    assert invited.count() == 5
    assert set(invited.values_list("kind", flat=True)) == {Notification.Kind.MEETING}


def test_an_organisation_out_of_reach_is_no_party_and_only_representatives_are_invited(
    plan, five_parties, people, tree, admin_user
):
    meeting = plan()
    by = five_parties["group_member"]
    other = five_parties["committee"]  # seated on C1: reaches K1
    assert services.add_party(meeting=meeting, organization=other, by=by).party == (
        P.RESIDENTS_COMMITTEE
    )
    from communities.models import Organization

    far = Organization.objects.create(name="紫薇苑业委会", kind="owners_committee", area=tree.K4)
    with pytest.raises(ValidationError):
        services.add_party(meeting=meeting, organization=far, by=by)
    firm = services.add_party(meeting=meeting, organization=five_parties["firm"], by=by)
    with pytest.raises(ValidationError) as error:
        services.invite(meeting=meeting, user=people.resident, party=firm, by=by)
    assert "cannot represent" in error.value.message_dict["user"][0]
    residents = services.add_party(meeting=meeting, party=P.RESIDENTS, by=by)
    with pytest.raises(ValidationError):
        services.invite(meeting=meeting, user=people.stranger, party=residents, by=by)
    first = services.invite(meeting=meeting, user=people.resident, party=residents, by=by)
    again = services.invite(meeting=meeting, user=people.resident, party=residents, by=by)
    assert first == again
    assert services.add_party(meeting=meeting, party=P.RESIDENTS, by=by) == residents


def test_yes_is_refused_when_the_seats_are_taken(plan, five_parties, people):
    meeting = plan(capacity=1)
    seat_all(meeting, five_parties, people)
    services.confirm_meeting(meeting=meeting, by=five_parties["group_member"])
    first, second = (
        Invitation.objects.get(meeting=meeting, user=people.resident),
        Invitation.objects.get(meeting=meeting, user=people.owners_member),
    )
    services.answer_invitation(invitation=first, by=people.resident, answer="yes")
    with pytest.raises(ValidationError) as error:
        services.answer_invitation(invitation=second, by=people.owners_member, answer="yes")
    assert "The meeting is full: all 1 seats are taken" in error.value.message_dict["answer"][0]
    assert services.answer_invitation(
        invitation=second, by=people.owners_member, answer="maybe"
    ).answer == ("maybe")
    with pytest.raises(PermissionDenied):
        services.answer_invitation(invitation=first, by=people.owners_member, answer="no")
    services.answer_invitation(invitation=first, by=people.resident, answer="no")
    services.answer_invitation(invitation=second, by=people.owners_member, answer="yes")
    assert meeting.invitations.filter(answer="yes").count() == 1


# --- Reminders -----------------------------------------------------------------------------------


def confirmed(plan, five_parties, people, **overrides):
    meeting = plan(**overrides)
    seat_all(meeting, five_parties, people)
    return services.confirm_meeting(meeting=meeting, by=five_parties["group_member"])


def test_confirming_plans_one_reminder_per_invitee_and_offset_sent_once(plan, five_parties, people):
    meeting = confirmed(plan, five_parties, people)
    assert meeting.reminders.count() == 5 * 2
    assert set(meeting.reminders.values_list("due_at", flat=True)) == {
        meeting.starts_at - datetime.timedelta(hours=24),
        meeting.starts_at - datetime.timedelta(hours=1),
    }
    a_day_before = meeting.starts_at - datetime.timedelta(hours=23)
    assert services.send_meeting_reminders(now=a_day_before) == 5
    assert services.send_meeting_reminders(now=a_day_before) == 0
    message = Notification.objects.get(user=people.resident, key__startswith="meeting-reminder-")
    assert message.kind == Notification.Kind.MEETING
    # Sent in the portal's language, whatever the language of the request.
    assert message.title.startswith("会议提醒：“幸福家园停车问题五方联席会”")
    assert "安居社区睦邻驿站" in message.body
    assert meeting.reminders.filter(sent_at__isnull=True).count() == 5


def test_a_cancelled_or_past_meeting_reminds_nobody(plan, five_parties, people, at):
    meeting = confirmed(plan, five_parties, people)
    services.cancel_meeting(meeting=meeting, by=five_parties["group_member"], reason="台风预警")
    meeting.refresh_from_db()
    assert meeting.booking.status == Booking.Status.CANCELLED
    assert not meeting.reminders.exists()
    assert services.send_meeting_reminders(now=meeting.starts_at) == 0
    told = Notification.objects.filter(key=f"meeting-{meeting.pk}-cancelled")
    assert told.count() == 5
    assert "台风预警" in told.first().body

    other = confirmed(
        plan, five_parties, people, title="另一个会", starts_at=at(3, 9), ends_at=at(3, 10)
    )
    assert services.send_meeting_reminders(now=other.starts_at + datetime.timedelta(minutes=1)) == 0
    assert not other.reminders.exists()


def test_an_invitee_who_said_no_is_not_reminded(plan, five_parties, people):
    meeting = confirmed(plan, five_parties, people)
    invitation = Invitation.objects.get(meeting=meeting, user=people.resident)
    services.answer_invitation(invitation=invitation, by=people.resident, answer="no")
    assert (
        services.send_meeting_reminders(now=meeting.starts_at - datetime.timedelta(hours=23)) == 4
    )
    assert not Notification.objects.filter(
        user=people.resident, key__startswith="meeting-reminder-"
    ).exists()


def test_rescheduling_moves_the_booking_raises_the_sequence_and_replaces_reminders(
    plan, five_parties, people, at
):
    meeting = confirmed(plan, five_parties, people)
    services.send_meeting_reminders(now=meeting.starts_at - datetime.timedelta(hours=23))
    moved = services.change_meeting(
        meeting=meeting,
        by=five_parties["group_member"],
        title=meeting.title,
        starts_at=at(4, 9),
        ends_at=at(4, 11),
        capacity=12,
    )
    assert moved.sequence == meeting.sequence + 1
    moved.booking.refresh_from_db()
    assert (moved.booking.starts_at, moved.booking.ends_at) == (at(4, 9), at(4, 11))
    unsent = moved.reminders.filter(sent_at__isnull=True)
    assert set(unsent.values_list("due_at", flat=True)) == {
        at(4, 9) - datetime.timedelta(hours=24),
        at(4, 9) - datetime.timedelta(hours=1),
    }
    assert unsent.count() == 10
    assert moved.reminders.filter(sent_at__isnull=False).count() == 5
    assert (
        Notification.objects.filter(key=f"meeting-{meeting.pk}-changed-{moved.sequence}").count()
        == 5
    )


def test_moving_onto_a_taken_slot_says_when_the_room_is_free_and_changes_nothing(
    plan, five_parties, people, room, at
):
    from communities import services as community_services

    meeting = confirmed(plan, five_parties, people)
    community_services.book_space(
        space=room,
        starts_at=at(4, 9),
        ends_at=at(4, 12),
        by=people.community_staff,
        purpose="健康讲座",
        organization=five_parties["committee"],
    )
    with pytest.raises(ValidationError) as error:
        services.change_meeting(
            meeting=meeting,
            by=five_parties["group_member"],
            title=meeting.title,
            starts_at=at(4, 10),
            ends_at=at(4, 11),
            capacity=12,
        )
    assert "already booked from 09:00 to 12:00" in error.value.message_dict["starts_at"][0]
    meeting.refresh_from_db()
    meeting.booking.refresh_from_db()
    assert (meeting.sequence, meeting.starts_at, meeting.booking.starts_at) == (
        0,
        at(2, 14),
        at(2, 14),
    )


def test_a_held_meeting_without_minutes_reminds_its_organiser_once(plan, five_parties, people):
    meeting = confirmed(plan, five_parties, people)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD)
    almost = meeting.ends_at + MINUTES_DUE_AFTER - datetime.timedelta(minutes=1)
    due = meeting.ends_at + MINUTES_DUE_AFTER
    MeetingReminder.objects.filter(meeting=meeting).update(sent_at=meeting.starts_at)
    assert services.send_meeting_reminders(now=almost) == 0
    assert services.send_meeting_reminders(now=due) == 1
    assert services.send_meeting_reminders(now=due + datetime.timedelta(days=1)) == 0
    message = Notification.objects.get(
        user=five_parties["group_member"], key__startswith="meeting-reminder-"
    )
    assert message.title == "“幸福家园停车问题五方联席会”的会议纪要待发布"


def test_published_minutes_stop_the_minutes_reminder(plan, five_parties, people):
    meeting = confirmed(plan, five_parties, people)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD)
    Minutes.objects.create(meeting=meeting, body="纪要", published_at=meeting.ends_at)
    MeetingReminder.objects.filter(meeting=meeting).update(sent_at=meeting.starts_at)
    assert services.send_meeting_reminders(now=meeting.ends_at + 2 * MINUTES_DUE_AFTER) == 0


def test_the_in_process_beat_sends_due_meeting_reminders(plan, five_parties, people):
    import io

    meeting = confirmed(plan, five_parties, people)
    a_day_before = meeting.starts_at - datetime.timedelta(hours=24)
    MeetingReminder.objects.filter(meeting=meeting, due_at=a_day_before).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    out = io.StringIO()
    call_command("run_periodic_tasks", once=True, stdout=out)
    assert "send-meeting-reminders: 5" in out.getvalue()
    assert MeetingReminder.objects.filter(sent_at__isnull=True).count() == 5


# --- The agenda ----------------------------------------------------------------------------------


def test_issues_on_the_agenda_get_one_discussed_entry_when_the_meeting_is_confirmed(
    plan, five_parties, people, report, tree
):
    issue = report()
    meeting = plan()
    seat_all(meeting, five_parties, people)
    by = five_parties["group_member"]
    item = services.add_agenda_item(meeting=meeting, by=by, title="路灯维修", issues=[issue])
    assert not issue.events.filter(kind=IssueEvent.Kind.DISCUSSED).exists()
    services.confirm_meeting(meeting=meeting, by=by)
    entry = issue.events.get(kind=IssueEvent.Kind.DISCUSSED)
    assert "在“幸福家园停车问题五方联席会”上讨论（议程：路灯维修）" in entry.note
    assert entry.actor_role == "幸福家园自管小组"
    services.change_agenda_item(
        item=item, by=by, title="路灯维修与照明", minutes=20, issues=[issue]
    )
    assert issue.events.filter(kind=IssueEvent.Kind.DISCUSSED).count() == 1
    later = report(title="消防通道堵塞", category="fire")
    services.add_agenda_item(meeting=meeting, by=by, title="消防通道", issues=[later])
    assert later.events.filter(kind=IssueEvent.Kind.DISCUSSED).count() == 1
    seqs = list(issue.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    call_command("verify_timeline")


def test_the_agenda_takes_only_issues_and_topics_of_the_area(plan, five_parties, report, tree):
    meeting = plan()
    elsewhere = report(area=tree.B4)
    with pytest.raises(ValidationError) as error:
        services.add_agenda_item(
            meeting=meeting, by=five_parties["group_member"], title="别处", issues=[elsewhere]
        )
    assert "issues" in error.value.message_dict
    assert not meeting.agenda.exists()


def test_agenda_items_keep_their_order_and_one_item_per_double_submit(plan, five_parties):
    meeting = plan()
    by = five_parties["group_member"]
    first = services.add_agenda_item(meeting=meeting, by=by, title="一", minutes=10)
    second = services.add_agenda_item(meeting=meeting, by=by, title="二", minutes=20)
    assert services.add_agenda_item(meeting=meeting, by=by, title="二") == second
    services.move_agenda_item(item=second, by=by, up=True)
    assert list(meeting.agenda.values_list("title", flat=True)) == ["二", "一"]
    services.remove_agenda_item(item=second, by=by)
    first.refresh_from_db()
    assert (list(meeting.agenda.all()), first.position) == ([first], 0)
    with pytest.raises(ValidationError):
        services.add_agenda_item(meeting=meeting, by=by, title="太长", minutes=601)


# --- Calendars -----------------------------------------------------------------------------------


def test_the_ics_parses_with_the_time_zone_and_says_when_it_is_cancelled(
    plan, five_parties, people
):
    meeting = confirmed(plan, five_parties, people)
    parsed = icalendar.Calendar.from_ical(calendar_of([meeting]))
    zone = parsed.walk("VTIMEZONE")[0]
    assert zone["TZID"] == "Asia/Shanghai"
    event = parsed.walk("VEVENT")[0]
    assert str(event["UID"]) == str(meeting.uid)
    assert event["SEQUENCE"] == meeting.sequence
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTSTART"].dt == meeting.starts_at
    assert event["DTEND"].dt == meeting.ends_at
    assert str(event["SUMMARY"]) == meeting.title
    assert "安居社区睦邻驿站" in str(event["LOCATION"])
    assert str(event["URL"]).endswith(meeting.get_absolute_url())
    assert str(event["STATUS"]) == "CONFIRMED"

    services.cancel_meeting(meeting=meeting, by=five_parties["group_member"], reason="改期")
    meeting.refresh_from_db()
    event = icalendar.Calendar.from_ical(calendar_of([meeting])).walk("VEVENT")[0]
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)


def test_a_persons_meetings_are_those_they_are_invited_to_or_organise(plan, five_parties, people):
    meeting = confirmed(plan, five_parties, people)
    assert list(meetings_of(people.resident)) == [meeting]
    assert list(meetings_of(five_parties["group_member"])) == [meeting]
    assert list(meetings_of(UserFactory(username="nobody"))) == []
