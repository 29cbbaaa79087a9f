"""The demo rooms: opened and booked through the services, queues with work waiting, and a
second run that changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from communities.models import Booking, Space, User

pytestmark = pytest.mark.django_db


def test_without_the_demo_district_it_says_to_run_seed_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_rooms", stdout=io.StringIO())
    assert not Space.objects.exists()


def test_the_demo_district_gets_rooms_with_bookings_waiting_for_its_demo_accounts():
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo_rooms", stdout=out)
    assert "Opened" in out.getvalue()

    assert Space.objects.filter(name__endswith="睦邻驿站").count() >= 6
    statuses = set(Booking.objects.values_list("status", flat=True))
    assert statuses == {"pending", "approved", "rejected"}
    for username in ("community", "owners"):
        waiting = Booking.objects.decidable_by(User.objects.get(username=username)).filter(
            status="pending"
        )
        assert waiting.exists(), username

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username="community"))
    assert client.get("/staff/bookings/").status_code == 200
    room = Booking.objects.filter(status="approved").first().space
    assert client.get(room.get_absolute_url()).status_code == 200


def test_running_it_twice_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo_rooms", stdout=io.StringIO())
    rooms, bookings = Space.objects.count(), Booking.objects.count()

    out = io.StringIO()
    call_command("seed_demo_rooms", stdout=out)

    assert "nothing was changed" in out.getvalue()
    assert (Space.objects.count(), Booking.objects.count()) == (rooms, bookings)
