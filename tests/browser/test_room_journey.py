"""共享空间 in a real browser: a resident finds the community's room from their compound's page
on a phone, asks for a slot someone already holds and is told when the room is free, books a
free one; the residents' committee approves it; the resident reads the answer in their inbox.
The CSP never fires."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from communities import services
from communities.models import Booking
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "a-long-test-passphrase")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _fill(page, day, start, end, purpose, attendees):
    page.fill("#id_day", day.isoformat())
    page.fill("#id_starts_at", start)
    page.fill("#id_ends_at", end)
    page.fill("#id_purpose", purpose)
    page.fill("#id_attendees", attendees)
    page.locator("main form.form button[type=submit]").click()


def test_a_resident_books_a_room_and_the_committee_approves_it_in_a_browser(
    live_server, browser, tree, people, room, organiser_org, at, shoot, csp_violations
):
    services.book_space(
        space=room,
        starts_at=at(1, 10),
        ends_at=at(1, 12),
        by=people.community_staff,
        purpose="健康讲座",
        organization=organiser_org,
    )
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = csp_violations(phone.new_page())
    _log_in(page, live_server, people.resident.username)

    page.goto(live_server.url + tree.K1.get_absolute_url())
    page.locator(f"a[href='{reverse('communities:area_spaces', args=[tree.K1.code])}']").click()
    page.locator(f"main a[href='{room.get_absolute_url()}']").click()
    expect(page.locator("h1")).to_have_text(room.name)
    expect(page.locator(".week")).to_contain_text("安居社区居委会: 健康讲座")

    tomorrow = at(1, 0).date()
    _fill(page, tomorrow, "11:00", "13:00", "象棋比赛", "6")
    expect(page.locator(".field.has-error")).to_contain_text("12:00–21:00")
    assert not Booking.objects.filter(booked_by=people.resident).exists()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "room-phone-zh")

    _fill(page, tomorrow, "14:00", "16:00", "象棋比赛", "6")
    expect(page.locator(".messages")).to_be_visible()
    booking = Booking.objects.get(booked_by=people.resident)
    assert booking.status == Booking.Status.PENDING
    expect(page.locator(".booking-list")).to_contain_text("象棋比赛")

    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    committee = csp_violations(desk.new_page())
    _log_in(committee, live_server, people.community_staff.username)
    committee.goto(live_server.url + reverse("communities:booking_queue"))
    committee.locator(f"form[action$='/staff/bookings/{booking.pk}/approve/'] button").click()
    expect(committee.locator(".messages")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.APPROVED

    page.goto(live_server.url + reverse("communities:inbox"))
    expect(page.locator("main")).to_contain_text(room.name)
    assert csp_violations.messages == []
