"""The demo meetings: a catalogue, a confirmed five-party meeting in a booked room with issues on
its agenda, a held one, through the services, and a second run that changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from communities.models import Booking, User
from deliberation.models import ConsultationMatter, IssueEvent, Meeting, MeetingReminder

pytestmark = pytest.mark.django_db


def seed():
    for command in ("seed_demo", "seed_demo_issues", "seed_demo_rooms"):
        call_command(command, stdout=io.StringIO())


def test_without_the_demo_district_it_says_to_run_seed_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_meetings", stdout=io.StringIO())
    assert not Meeting.objects.exists()


def test_the_demo_compound_gets_a_five_party_meeting_and_a_held_one():
    seed()
    out = io.StringIO()
    call_command("seed_demo_meetings", stdout=out)
    assert "Seeded" in out.getvalue()
    assert ConsultationMatter.objects.count() == 4

    meeting = Meeting.objects.get(title="紫荆公寓停车管理五方联席会")
    assert meeting.status == Meeting.Status.CONFIRMED and meeting.confirmed_without == []
    assert set(meeting.parties.values_list("party", flat=True)) == {
        "party_organization",
        "residents_committee",
        "owners_committee",
        "property_firm",
        "residents",
    }
    assert meeting.booking.status == Booking.Status.APPROVED
    issues = [issue for item in meeting.agenda.all() for issue in item.issues.all()]
    assert len(issues) == 2
    for issue in issues:
        assert issue.events.filter(kind=IssueEvent.Kind.DISCUSSED).count() == 1
    resident = User.objects.get(username="resident")
    assert meeting.invitations.filter(user=resident).exists()
    assert MeetingReminder.objects.filter(meeting=meeting, user=resident).count() == 2

    held = Meeting.objects.get(status=Meeting.Status.HELD)
    assert held.ends_at < meeting.starts_at
    # Held through the session services: a vote counted at its close, minutes confirmed by
    # every party present and published, the resolution a public commitment of the firm.
    (motion,) = [m for item in held.agenda.all() for m in item.motions.all()]
    assert motion.passed is True and motion.outcome["yes"] > motion.outcome["no"]
    assert held.minutes.published_at is not None and held.minutes.notice is not None
    assert held.minutes.confirmations.count() == held.parties.count()
    resolution = held.resolutions.get()
    assert resolution.commitment.organization == resolution.responsible

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.get(meeting.get_absolute_url()).status_code == 200
    client.force_login(resident)
    assert meeting.title in client.get("/meetings/mine/").content.decode()


def test_running_it_twice_changes_nothing():
    seed()
    call_command("seed_demo_meetings", stdout=io.StringIO())
    counts = (Meeting.objects.count(), ConsultationMatter.objects.count(), Booking.objects.count())
    out = io.StringIO()
    call_command("seed_demo_meetings", stdout=out)
    assert "nothing was changed" in out.getvalue()
    assert (
        Meeting.objects.count(),
        ConsultationMatter.objects.count(),
        Booking.objects.count(),
    ) == counts
