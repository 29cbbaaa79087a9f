"""Shared rooms and their bookings: who books, what needs approval, and every bad input refused
with a message and nothing stored."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from communities import services
from communities.models import Booking, Notification, Organization
from communities.models.spaces import calendar_of, free_periods
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def in_english():
    # Messages are asserted in English; the portal's default language is Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def open_room(tree, people, organiser_org):
    """A room that needs no approval, open on weekdays only, 09:00–17:00, for 10 people."""
    return services.create_space(
        area=tree.C1,
        name="安居社区党群服务站",
        capacity=10,
        opens_at=datetime.time(9, 0),
        closes_at=datetime.time(17, 0),
        open_days="12345",
        managed_by=organiser_org,
        by=people.community_staff,
    )


@pytest.fixture
def owners_org(people) -> Organization:
    return people.owners_member.memberships.get().organization


def _book(room, at, by, *, days=1, start=10, end=12, **kwargs):
    return services.book_space(
        space=room,
        starts_at=at(days, start),
        ends_at=at(days, end),
        by=by,
        purpose=kwargs.pop("purpose", "象棋比赛"),
        **kwargs,
    )


def _next(weekday: int) -> int:
    """Days from today to the next given ISO weekday (1 Monday … 7 Sunday), at least one."""
    today = timezone.localdate()
    return (weekday - today.isoweekday() - 1) % 7 + 1


# --- Who books, and what needs approval ------------------------------------------------------


def test_a_resident_books_a_room_of_their_community_and_the_committee_is_asked(room, people, at):
    booking = _book(room, at, people.resident, attendees=8)

    assert booking.status == Booking.Status.PENDING
    assert booking.booked_by == people.resident
    assert booking.organization is None
    asked = Notification.objects.filter(user=people.community_staff)
    assert [n.url for n in asked] == ["/staff/bookings/"]
    assert not Notification.objects.filter(user=people.resident).exists()


def test_a_room_that_needs_no_approval_is_booked_at_once(open_room, people, at):
    booking = _book(open_room, at, people.resident, days=_next(2))
    assert booking.status == Booking.Status.APPROVED
    assert booking.decided_by is None
    assert not Notification.objects.exists()


def test_those_who_look_after_the_room_are_approved_at_once(room, people, organiser_org, at):
    office = people.street_staff.memberships.get().organization
    staff = _book(room, at, people.community_staff, organization=organiser_org)
    street = _book(room, at, people.street_staff, start=14, end=15, organization=office)
    assert (staff.status, staff.decided_by) == (Booking.Status.APPROVED, people.community_staff)
    assert (street.status, street.decided_by) == (Booking.Status.APPROVED, people.street_staff)
    assert not Notification.objects.exists()


def test_an_organisation_under_the_room_books_for_itself(room, people, owners_org, at):
    booking = _book(room, at, people.owners_member, organization=owners_org, purpose="业委会例会")
    assert booking.organization == owners_org
    assert booking.status == Booking.Status.PENDING


def test_a_member_who_does_not_live_there_is_asked_to_choose_the_organisation(room, people, at):
    with pytest.raises(ValidationError) as error:
        _book(room, at, people.owners_member)
    assert "organization" in error.value.message_dict
    assert not Booking.objects.exists()


def test_strangers_and_residents_elsewhere_may_not_book(
    room, tree, households, people, at, admin_user
):
    elsewhere = UserFactory()
    claim = services.claim_household(
        user=elsewhere,
        community=tree.C3,
        building=tree.B5,
        unit=households["B5"].unit,
        room=households["B5"].room,
        relation="owner",
    )
    services.verify_residency(residency=claim, by=admin_user)
    for outsider in (people.stranger, people.grid_worker, elsewhere):
        with pytest.raises(PermissionDenied):
            _book(room, at, outsider)
    assert not Booking.objects.exists()


def test_nobody_books_for_an_organisation_they_are_not_in(room, people, owners_org, at):
    with pytest.raises(PermissionDenied):
        _book(room, at, people.resident, organization=owners_org)
    assert not Booking.objects.exists()


def test_a_firm_books_only_where_it_has_a_contract(tree, people, firm, organiser_org, at):
    other_compound = services.create_space(
        area=tree.K2,
        name="金桥花园活动室",
        capacity=20,
        opens_at=datetime.time(8, 0),
        closes_at=datetime.time(20, 0),
        managed_by=organiser_org,
        by=people.community_staff,
    )
    with pytest.raises(ValidationError) as error:
        _book(other_compound, at, people.firm_staff, organization=firm)
    assert "organization" in error.value.message_dict
    assert not Booking.objects.exists()


# --- Bad input: a clear message, nothing stored ------------------------------------------------


@pytest.mark.parametrize(
    ("field", "days", "start", "end", "words"),
    [
        ("ends_at", 1, 12, 10, "must end after it starts"),
        ("ends_at", 1, 10, 10, "must end after it starts"),
        ("starts_at", -1, 10, 12, "already passed"),
        ("starts_at", 1, 7, 9, "is open from 08:00 to 21:00"),
        ("ends_at", 1, 20, 22, "is open from 08:00 to 21:00"),
        ("starts_at", 61, 10, 12, "up to 60 days ahead"),
    ],
)
def test_a_period_the_room_cannot_take_is_refused(room, people, at, field, days, start, end, words):
    with pytest.raises(ValidationError) as error:
        _book(room, at, people.resident, days=days, start=start, end=end)
    assert words in " ".join(error.value.message_dict[field])
    assert not Booking.objects.exists()


def test_a_booking_over_midnight_is_refused(room, people, at):
    with pytest.raises(ValidationError) as error:
        services.book_space(
            space=room, starts_at=at(1, 20), ends_at=at(2, 9), by=people.resident, purpose="守夜"
        )
    assert "same day" in error.value.message_dict["ends_at"][0]
    assert not Booking.objects.exists()


def test_a_day_the_room_is_closed_is_refused(open_room, people, at):
    with pytest.raises(ValidationError) as error:
        _book(open_room, at, people.resident, days=_next(7))
    assert "closed on Sunday" in error.value.message_dict["starts_at"][0]
    assert "Monday to Friday" in error.value.message_dict["starts_at"][0]
    assert not Booking.objects.exists()


@pytest.mark.parametrize(("attendees", "words"), [(31, "at most 30 people"), (0, "At least one")])
def test_more_people_than_the_room_holds_or_none_is_refused(room, people, at, attendees, words):
    with pytest.raises(ValidationError) as error:
        _book(room, at, people.resident, attendees=attendees)
    assert words in error.value.message_dict["attendees"][0]
    assert not Booking.objects.exists()


def test_a_booking_without_a_purpose_is_refused(room, people, at):
    with pytest.raises(ValidationError) as error:
        _book(room, at, people.resident, purpose="  ")
    assert "purpose" in error.value.message_dict
    assert not Booking.objects.exists()


def test_a_room_out_of_use_takes_no_booking(room, people, at):
    room.active = False
    room.save(update_fields=["active"])
    with pytest.raises(ValidationError) as error:
        _book(room, at, people.resident)
    assert "not taking bookings" in error.value.message_dict["space"][0]
    assert not Booking.objects.exists()


def test_an_overlapping_booking_is_refused_with_the_free_times_of_the_day(
    room, people, organiser_org, at
):
    first = _book(room, at, people.community_staff, organization=organiser_org, start=10, end=12)
    with pytest.raises(ValidationError) as error:
        _book(room, at, people.resident, start=11, end=13)
    message = error.value.message_dict["starts_at"][0]
    assert "already booked from 10:00 to 12:00" in message
    assert "free that day 08:00–10:00, 12:00–21:00" in message
    assert list(Booking.objects.all()) == [first]


def test_back_to_back_bookings_do_not_overlap(room, people, organiser_org, at):
    _book(room, at, people.community_staff, organization=organiser_org, start=10, end=12)
    after = _book(room, at, people.resident, start=12, end=14)
    before = _book(room, at, people.resident, start=8, end=10)
    assert Booking.objects.holding().count() == 3
    assert after.pk and before.pk


def test_a_cancelled_or_rejected_booking_frees_its_slot(room, people, organiser_org, at):
    first = _book(room, at, people.resident)
    services.cancel_booking(booking=first, by=people.resident)
    second = _book(room, at, people.resident)
    services.reject_booking(booking=second, by=people.community_staff, reason="当天消杀")
    third = _book(room, at, people.community_staff, organization=organiser_org)
    assert third.status == Booking.Status.APPROVED
    assert Booking.objects.holding().get() == third


def test_the_same_submission_key_gives_back_the_first_booking(room, people, at):
    key = uuid.uuid4()
    first = _book(room, at, people.resident, submission_key=key)
    second = _book(room, at, people.resident, submission_key=key)
    assert first.pk == second.pk
    assert Booking.objects.count() == 1


def test_someone_else_s_submission_key_is_refused(room, people, owners_org, at):
    key = uuid.uuid4()
    _book(room, at, people.resident, submission_key=key)
    with pytest.raises(ValidationError):
        _book(room, at, people.owners_member, organization=owners_org, submission_key=key, days=2)
    assert Booking.objects.count() == 1


# --- Approving, rejecting ----------------------------------------------------------------------


def test_the_committee_approves_and_the_booker_is_told(room, people, at):
    booking = _book(room, at, people.resident)
    services.approve_booking(booking=booking, by=people.community_staff)
    booking.refresh_from_db()
    assert (booking.status, booking.decided_by) == (Booking.Status.APPROVED, people.community_staff)
    told = Notification.objects.get(user=people.resident)
    assert "approved" in told.title and told.kind == "general"


def test_a_rejection_needs_a_reason_and_the_booker_reads_it(room, people, at):
    booking = _book(room, at, people.resident)
    with pytest.raises(ValidationError) as error:
        services.reject_booking(booking=booking, by=people.community_staff, reason=" ")
    assert "reason" in error.value.message_dict
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING

    services.reject_booking(booking=booking, by=people.community_staff, reason="当天消杀")
    told = Notification.objects.get(user=people.resident)
    assert "当天消杀" in told.body


def test_only_those_who_look_after_the_room_decide(room, people, at):
    booking = _book(room, at, people.resident)
    for outsider in (people.resident, people.owners_member, people.firm_staff, people.stranger):
        with pytest.raises(PermissionDenied):
            services.approve_booking(booking=booking, by=outsider)
        with pytest.raises(PermissionDenied):
            services.reject_booking(booking=booking, by=outsider, reason="不行")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING


def test_a_booking_is_decided_once(room, people, at):
    booking = _book(room, at, people.resident)
    services.approve_booking(booking=booking, by=people.community_staff)
    with pytest.raises(ValidationError):
        services.approve_booking(booking=booking, by=people.street_staff)
    with pytest.raises(ValidationError):
        services.reject_booking(booking=booking, by=people.street_staff, reason="重复")
    booking.refresh_from_db()
    assert booking.decided_by == people.community_staff


def test_a_booking_whose_time_passed_can_no_longer_be_approved(room, people, at, monkeypatch):
    booking = _book(room, at, people.resident)
    later = at(2, 9)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(ValidationError):
        services.approve_booking(booking=booking, by=people.community_staff)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING


# --- Moving and cancelling ---------------------------------------------------------------------


def test_a_moved_booking_keeps_its_record_and_needs_approval_again(room, people, at):
    booking = _book(room, at, people.resident)
    services.approve_booking(booking=booking, by=people.community_staff)
    moved = services.reschedule_booking(
        booking=booking, starts_at=at(3, 14), ends_at=at(3, 16), by=people.resident
    )
    assert moved.pk == booking.pk
    assert (moved.starts_at, moved.ends_at) == (at(3, 14), at(3, 16))
    assert moved.status == Booking.Status.PENDING
    assert Booking.objects.count() == 1


def test_a_booking_may_move_within_its_own_slot(room, people, organiser_org, at):
    booking = _book(room, at, people.community_staff, organization=organiser_org)
    moved = services.reschedule_booking(
        booking=booking, starts_at=at(1, 11), ends_at=at(1, 13), by=people.community_staff
    )
    assert moved.status == Booking.Status.APPROVED
    assert (moved.starts_at, moved.ends_at) == (at(1, 11), at(1, 13))


def test_a_move_onto_another_booking_is_refused_and_changes_nothing(
    room, people, organiser_org, at
):
    _book(room, at, people.community_staff, organization=organiser_org, start=14, end=16)
    booking = _book(room, at, people.resident)
    with pytest.raises(ValidationError) as error:
        services.reschedule_booking(
            booking=booking, starts_at=at(1, 15), ends_at=at(1, 17), by=people.resident
        )
    assert "already booked from 14:00 to 16:00" in error.value.message_dict["starts_at"][0]
    booking.refresh_from_db()
    assert (booking.starts_at, booking.ends_at) == (at(1, 10), at(1, 12))


def test_a_move_that_ends_before_it_starts_changes_nothing(room, people, at):
    booking = _book(room, at, people.resident)
    with pytest.raises(ValidationError) as error:
        services.reschedule_booking(
            booking=booking, starts_at=at(2, 12), ends_at=at(2, 11), by=people.resident
        )
    assert "ends_at" in error.value.message_dict
    booking.refresh_from_db()
    assert booking.starts_at == at(1, 10)


def test_the_organisation_s_other_members_move_and_cancel_its_booking(
    room, people, organiser_org, at, admin_user
):
    colleague = UserFactory()
    services.add_membership(
        organization=organiser_org, user=colleague, position="staff", by=admin_user
    )
    booking = _book(room, at, people.community_staff, organization=organiser_org)
    services.reschedule_booking(
        booking=booking, starts_at=at(2, 10), ends_at=at(2, 12), by=colleague
    )
    services.cancel_booking(booking=booking, by=colleague, reason="会议改期")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_cancelled_booking_is_not_moved_or_cancelled_again(room, people, at):
    booking = _book(room, at, people.resident)
    services.cancel_booking(booking=booking, by=people.resident)
    with pytest.raises(ValidationError):
        services.reschedule_booking(
            booking=booking, starts_at=at(2, 10), ends_at=at(2, 12), by=people.resident
        )
    with pytest.raises(ValidationError):
        services.cancel_booking(booking=booking, by=people.resident)
    booking.refresh_from_db()
    assert booking.starts_at == at(1, 10)


def test_staff_cancel_a_resident_s_booking_with_a_reason_and_the_resident_is_told(room, people, at):
    booking = _book(room, at, people.resident)
    with pytest.raises(ValidationError) as error:
        services.cancel_booking(booking=booking, by=people.community_staff)
    assert "reason" in error.value.message_dict
    services.cancel_booking(booking=booking, by=people.community_staff, reason="停电检修")
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == (
        Booking.Status.CANCELLED,
        people.community_staff,
    )
    assert "停电检修" in Notification.objects.get(user=people.resident).body


def test_nobody_else_moves_or_cancels_a_booking(room, people, at):
    booking = _book(room, at, people.resident)
    for outsider in (people.owners_member, people.firm_staff, people.stranger):
        with pytest.raises(PermissionDenied):
            services.cancel_booking(booking=booking, by=outsider, reason="x")
        with pytest.raises(PermissionDenied):
            services.reschedule_booking(
                booking=booking, starts_at=at(2, 10), ends_at=at(2, 12), by=outsider
            )
    booking.refresh_from_db()
    assert (booking.status, booking.starts_at) == (Booking.Status.PENDING, at(1, 10))


def test_a_booking_that_is_over_cannot_be_cancelled(room, people, at, monkeypatch):
    booking = _book(room, at, people.resident)
    later = at(1, 13)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(ValidationError):
        services.cancel_booking(booking=booking, by=people.resident)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING


# --- Opening rooms, and the calendar -------------------------------------------------------------


def test_a_room_with_impossible_hours_or_no_days_is_refused(tree, people, organiser_org):
    with pytest.raises(ValidationError) as error:
        services.create_space(
            area=tree.C1,
            name="活动室",
            capacity=0,
            opens_at=datetime.time(18, 0),
            closes_at=datetime.time(9, 0),
            open_days="",
            managed_by=organiser_org,
            by=people.community_staff,
        )
    assert set(error.value.message_dict) == {"capacity", "closes_at", "open_days"}
    assert not organiser_org.spaces.exists()


def test_only_staff_of_the_area_or_the_managing_organisation_open_a_room(
    tree, people, organiser_org
):
    with pytest.raises(PermissionDenied):
        services.create_space(
            area=tree.C1,
            name="活动室",
            capacity=5,
            opens_at=datetime.time(9, 0),
            closes_at=datetime.time(17, 0),
            managed_by=organiser_org,
            by=people.owners_member,
        )
    assert not organiser_org.spaces.exists()


def test_the_calendar_shows_busy_periods_and_what_is_free(room, people, owners_org, at):
    _book(room, at, people.resident, start=9, end=11, purpose="我的生日茶会")
    _book(room, at, people.owners_member, organization=owners_org, start=14, end=16,
          purpose="业委会例会")  # fmt: skip
    day = at(1, 0).date()

    tomorrow = calendar_of(room, day)[0]

    assert [booking.public_label for booking in tomorrow.busy] == [
        "booked",
        "幸福家园业委会: 业委会例会",
    ]
    assert [(timezone.localtime(s).hour, timezone.localtime(e).hour) for s, e in tomorrow.free] == [
        (8, 9),
        (11, 14),
        (16, 21),
    ]


def test_today_s_free_time_starts_at_the_next_quarter_hour(room, at):
    now = at(0, 10, 7)
    free = free_periods(room, now.date(), [], now=now)
    assert timezone.localtime(free[0][0]).time() == datetime.time(10, 15)
