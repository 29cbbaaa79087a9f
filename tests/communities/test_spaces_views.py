"""The pages of shared rooms: public rooms and calendars that never name a resident, a booking
form that answers bad input with 400 and the message, and nothing outside one's reach."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.models import Booking


@pytest.fixture
def client(client):
    # Messages are asserted in English; the portal's default language is Chinese.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _text(response) -> str:
    """The page as a person reads it: tags gone, runs of white space as one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _form(at, days=1, start=10, end=12, **fields):
    day = at(days, 0).date()
    return {
        "day": day.isoformat(),
        "starts_at": f"{start:02d}:00",
        "ends_at": f"{end:02d}:00",
        "purpose": "象棋比赛",
        "attendees": "6",
        "submission_key": "7f4a2c1e-6f0b-4d8e-9a51-0c3e2b1d4f60",
        **fields,
    }


def _book(room, at, by, start=10, end=12, **kwargs):
    return services.book_space(
        space=room,
        starts_at=at(1, start),
        ends_at=at(1, end),
        by=by,
        purpose=kwargs.pop("purpose", "象棋比赛"),
        **kwargs,
    )


def test_the_area_page_links_to_its_rooms_and_the_rooms_of_the_places_above(
    client, tree, room, people, admin_user
):
    compound_room = services.create_space(
        area=tree.K1,
        name="幸福家园架空层活动室",
        capacity=12,
        opens_at=datetime.time(9, 0),
        closes_at=datetime.time(18, 0),
        managed_by=people.owners_member.memberships.get().organization,
        by=admin_user,
    )
    url = reverse("communities:area_spaces", args=[tree.K1.code])
    assert url in client.get(tree.K1.get_absolute_url()).content.decode()

    page = client.get(url).content.decode()
    assert room.name in page and compound_room.name in page
    elsewhere = client.get(reverse("communities:area_spaces", args=[tree.K4.code]))
    assert room.name not in elsewhere.content.decode()


def test_the_room_list_costs_the_same_queries_for_three_rooms_or_thirty(
    client, tree, people, organiser_org
):
    def add(count, start):
        for number in range(start, start + count):
            services.create_space(
                area=tree.K1 if number % 2 else tree.C1,
                name=f"活动室{number}",
                capacity=10,
                opens_at=datetime.time(8, 0),
                closes_at=datetime.time(20, 0),
                managed_by=organiser_org,
                by=people.community_staff,
            )

    url = reverse("communities:area_spaces", args=[tree.B1.code])
    add(3, 0)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(27, 3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("活动室") >= 30
    assert len(many) == len(few)


def test_the_calendar_names_organisations_never_residents(client, room, people, organiser_org, at):
    people.resident.full_name = "李秀英"
    people.resident.save(update_fields=["full_name"])
    _book(room, at, people.resident, purpose="我家老人八十大寿")
    _book(room, at, people.community_staff, start=14, end=16, organization=organiser_org,
          purpose="健康讲座")  # fmt: skip

    page = _text(client.get(room.get_absolute_url()))

    assert "10:00 – 12:00 booked" in page
    assert f"{organiser_org.name}: 健康讲座" in page
    assert "李秀英" not in page and "八十大寿" not in page
    assert "Free: 08:00–10:00, 12:00–14:00, 16:00–21:00" in page


def test_a_resident_books_from_the_room_page_and_finds_it_in_my_bookings(client, room, people, at):
    client.force_login(people.resident)
    response = client.post(room.get_absolute_url(), _form(at), follow=True)

    assert response.redirect_chain[-1][0] == reverse("communities:my_bookings")
    booking = Booking.objects.get()
    assert (booking.starts_at, booking.ends_at, booking.attendees) == (at(1, 10), at(1, 12), 6)
    assert any("will approve it soon" in message for message in _messages(response))
    assert room.name in response.content.decode()


def test_posting_the_form_twice_makes_one_booking(client, room, people, at):
    client.force_login(people.resident)
    client.post(room.get_absolute_url(), _form(at))
    second = client.post(room.get_absolute_url(), _form(at))
    assert second.status_code == 302
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"starts_at": "12:00", "ends_at": "10:00"}, "A booking must end after it starts."),
        ({"attendees": "31"}, "holds at most 30 people"),
        ({"starts_at": "06:00", "ends_at": "07:00"}, "is open from 08:00 to 21:00"),
        ({"day": "2001-01-01"}, "already passed"),
        ({"day": "not a day"}, "Enter a valid date."),
        ({"purpose": ""}, "This field is required."),
    ],
)
def test_a_bad_booking_form_answers_400_with_the_message_and_stores_nothing(
    client, room, people, at, fields, words
):
    client.force_login(people.resident)
    response = client.post(room.get_absolute_url(), _form(at, **fields))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Booking.objects.exists()


def test_an_overlapping_booking_answers_400_saying_when_the_room_is_free(
    client, room, people, organiser_org, at
):
    _book(room, at, people.community_staff, organization=organiser_org)
    client.force_login(people.resident)
    response = client.post(room.get_absolute_url(), _form(at, starts_at="11:00", ends_at="13:00"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "already booked from 10:00 to 12:00" in page and "12:00–21:00" in page
    assert Booking.objects.count() == 1


def test_an_organisation_member_books_for_the_organisation(client, room, people, at):
    owners = people.owners_member.memberships.get().organization
    client.force_login(people.owners_member)
    page = client.get(room.get_absolute_url()).content.decode()
    assert owners.name in page and "Myself" not in page

    client.post(room.get_absolute_url(), _form(at, organization=str(owners.pk)))
    assert Booking.objects.get().organization == owners


def test_those_who_may_not_book_see_no_form_and_are_refused(client, room, people, at):
    client.force_login(people.stranger)
    page = client.get(room.get_absolute_url())
    assert page.status_code == 200
    assert 'name="purpose"' not in page.content.decode()
    assert client.post(room.get_absolute_url(), _form(at)).status_code == 403
    client.logout()
    assert client.post(room.get_absolute_url(), _form(at)).status_code == 403
    assert not Booking.objects.exists()


def test_a_room_out_of_use_is_found_only_by_those_who_look_after_it(client, room, people):
    room.active = False
    room.save(update_fields=["active"])
    assert client.get(room.get_absolute_url()).status_code == 404
    client.force_login(people.resident)
    assert client.get(room.get_absolute_url()).status_code == 404
    client.force_login(people.community_staff)
    assert client.get(room.get_absolute_url()).status_code == 200


def test_a_week_asked_for_with_nonsense_shows_this_week(client, room):
    for value in ("2024-02-30", "yesterday", "1999-01-01"):
        response = client.get(room.get_absolute_url(), {"from": value})
        assert response.status_code == 200
        assert response.context["calendar"][0].day == timezone.localdate()


def test_my_bookings_lists_mine_and_cancels_them(client, room, people, organiser_org, at):
    mine = _book(room, at, people.resident)
    theirs = _book(room, at, people.community_staff, start=14, end=16, organization=organiser_org)
    client.force_login(people.resident)
    page = client.get(reverse("communities:my_bookings"))
    assert list(page.context["page"]) == [mine]

    response = client.post(reverse("communities:booking_cancel", args=[mine.pk]), follow=True)
    assert any("cancelled" in message for message in _messages(response))
    mine.refresh_from_db()
    assert mine.status == Booking.Status.CANCELLED
    assert client.post(reverse("communities:booking_cancel", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Booking.Status.APPROVED


def test_the_committee_approves_from_its_queue_and_others_get_404(client, room, people, at):
    booking = _book(room, at, people.resident)
    approve = reverse("communities:booking_decide", args=[booking.pk, "approve"])
    for outsider in (people.owners_member, people.firm_staff, people.resident):
        client.force_login(outsider)
        assert client.post(approve).status_code == 404
    client.force_login(people.community_staff)
    queue = client.get(reverse("communities:booking_queue"))
    assert list(queue.context["page"]) == [booking]
    assert people.resident.full_name not in queue.content.decode()

    client.post(approve)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.APPROVED
    assert people.resident.notifications.get().kind == "general"


def test_a_rejection_without_a_reason_is_refused_with_a_message(client, room, people, at):
    booking = _book(room, at, people.resident)
    client.force_login(people.community_staff)
    response = client.post(
        reverse("communities:booking_decide", args=[booking.pk, "reject"]), follow=True
    )
    assert any("Say why" in message for message in _messages(response))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING
    unknown = reverse("communities:booking_decide", args=[booking.pk, "maybe"])
    assert client.post(unknown).status_code == 404


def test_the_booking_queue_and_my_bookings_cost_the_same_queries_for_few_or_many(
    client, room, people, at
):
    def book(hours):
        for hour in hours:
            _book(room, at, people.resident, start=hour, end=hour + 1)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = {
        people.community_staff: reverse("communities:booking_queue"),
        people.resident: reverse("communities:my_bookings"),
    }
    book(range(8, 10))
    few = {}
    for user, url in urls.items():
        client.force_login(user)
        few[user] = count(url)
    book(range(10, 20))
    for user, url in urls.items():
        client.force_login(user)
        assert count(url) == few[user], url
