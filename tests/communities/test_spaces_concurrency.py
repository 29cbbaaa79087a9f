"""On PostgreSQL, many people booking one room at the same moment: never two bookings of one
slot. The room's row lock queues them so each gets a clear message; the exclusion constraint
refuses whatever slips past a check."""

import datetime
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import translation

from communities import services
from communities.models import Booking, User
from communities.services import spaces as space_services

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks and exclusion constraints only mean something on PostgreSQL "
        "(DATABASE_URL set)",
    ),
]

THREADS = 50


def _race(work, count: int = THREADS) -> list:
    """Run `work(i)` in `count` threads released at the same instant; each has its own
    connection and its own copy of the people it acts as."""
    start = threading.Barrier(count)

    def run(i):
        try:
            start.wait()
            with translation.override("en"):
                return work(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _attempt(room, booker_pk, starts_at, ends_at, key):
    try:
        return services.book_space(
            space=room,
            starts_at=starts_at,
            ends_at=ends_at,
            by=User.objects.get(pk=booker_pk),
            purpose="象棋比赛",
            submission_key=key,
        )
    except ValidationError as error:
        return error


def _overlapping_pairs(bookings):
    return [
        (a.pk, b.pk)
        for a in bookings
        for b in bookings
        if a.pk < b.pk and a.starts_at < b.ends_at and b.starts_at < a.ends_at
    ]


@pytest.mark.django_db(transaction=True)
def test_fifty_bookings_of_the_same_slot_give_one_booking(room, people, at):
    starts_at, ends_at = at(1, 10), at(1, 12)

    outcomes = _race(lambda i: _attempt(room, people.resident.pk, starts_at, ends_at, uuid.uuid4()))

    booked = [outcome for outcome in outcomes if isinstance(outcome, Booking)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert len(booked) == 1
    assert len(refused) == THREADS - 1
    assert all(
        "already booked from 10:00 to 12:00" in error.message_dict["starts_at"][0]
        for error in refused
    )
    assert list(Booking.objects.holding()) == booked


@pytest.mark.django_db(transaction=True)
def test_overlapping_slots_booked_at_once_never_overlap(room, people, at):
    # Thread i asks for an hour from 10:00 + 5i minutes: each overlaps its neighbours.
    def slot(i):
        starts_at = at(1, 10) + datetime.timedelta(minutes=5 * i)
        return starts_at, starts_at + datetime.timedelta(hours=1)

    outcomes = _race(lambda i: _attempt(room, people.resident.pk, *slot(i), uuid.uuid4()))

    booked = [outcome for outcome in outcomes if isinstance(outcome, Booking)]
    assert all(isinstance(outcome, Booking | ValidationError) for outcome in outcomes)
    holding = list(Booking.objects.holding())
    assert len(holding) == len(booked) >= 1
    assert _overlapping_pairs(holding) == []


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_racing_with_itself_makes_one_booking(room, people, at):
    key = uuid.uuid4()

    outcomes = _race(
        lambda i: _attempt(room, people.resident.pk, at(1, 10), at(1, 12), key), count=20
    )

    assert {outcome.pk for outcome in outcomes if isinstance(outcome, Booking)} == {
        Booking.objects.get().pk
    }
    assert all(isinstance(outcome, Booking) for outcome in outcomes)


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_an_overlap_written_past_the_service(room, people, at):
    Booking.objects.create(
        space=room, starts_at=at(1, 10), ends_at=at(1, 12), booked_by=people.resident, purpose="a"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            space=room,
            starts_at=at(1, 11),
            ends_at=at(1, 13),
            booked_by=people.resident,
            purpose="b",
        )
    # Cancelled and rejected bookings do not hold the slot, for the database either.
    Booking.objects.create(
        space=room,
        starts_at=at(1, 11),
        ends_at=at(1, 13),
        booked_by=people.resident,
        purpose="c",
        status=Booking.Status.CANCELLED,
    )
    assert Booking.objects.holding().count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_constraint_s_refusal_reads_as_the_check_s_message(room, people, at, monkeypatch):
    _attempt(room, people.resident.pk, at(1, 10), at(1, 12), uuid.uuid4())
    # As if another booking had been written between our check and our insert.
    monkeypatch.setattr(space_services, "_check_slot", lambda *args, **kwargs: None)

    with translation.override("en"):
        refused = _attempt(room, people.resident.pk, at(1, 11), at(1, 13), uuid.uuid4())

    assert isinstance(refused, ValidationError)
    assert "already booked from 10:00 to 12:00" in refused.message_dict["starts_at"][0]
    assert Booking.objects.count() == 1
