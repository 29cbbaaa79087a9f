"""Meetings as iCalendar (RFC 5545): one meeting's .ics, and a person's feed of their meetings.

Times are written in Asia/Shanghai with its VTIMEZONE, so calendar apps abroad or offline show
the local hour. Every version of a meeting keeps its UID and raises SEQUENCE, so a calendar that
imported it replaces the old entry instead of adding a second; a cancelled meeting stays in the
feed with STATUS:CANCELLED, which is how calendars learn to strike it out.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.utils import timezone

from communities.services.inbox import absolute_url
from deliberation.models import Meeting
from deliberation.services.meetings import place

PRODID = "-//neighbourhood-governance portal//meetings//ZH"


def _event(meeting: Meeting, zone: zoneinfo.ZoneInfo) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", str(meeting.uid))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", meeting.title)
    where = place(meeting)
    if where:
        event.add("location", where)
    if meeting.description:
        event.add("description", meeting.description)
    event.add("url", absolute_url(meeting.get_absolute_url()))
    if meeting.status == Meeting.Status.CANCELLED:
        event.add("status", "CANCELLED")
    elif meeting.status == Meeting.Status.DRAFT:
        event.add("status", "TENTATIVE")
    else:
        event.add("status", "CONFIRMED")
    return event


def calendar_of(meetings: Iterable[Meeting], *, name: str = "") -> bytes:
    """The meetings as one VCALENDAR with the portal's time zone."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    calendar.add_component(icalendar.Timezone.from_tzid(zone.key))
    for meeting in meetings:
        calendar.add_component(_event(meeting, zone))
    return calendar.to_ical()
