"""Minutes and resolutions through their services: written, sent for confirmation, confirmed by
each party present, published on the notice board, with each resolution a public commitment
that moves its residents' issues forward, all or nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from communities.models import Notice, NoticeDelivery, Notification, Organization
from deliberation import services
from deliberation.models import (
    Attendance,
    Commitment,
    Issue,
    Minutes,
    MinutesConfirmation,
    Party,
    Resolution,
)

pytestmark = pytest.mark.django_db
P = Party


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def held(table):
    """The five parties attended, the meeting is closed."""
    services.open_meeting(meeting=table.meeting, by=table.clerk)
    for rep in table.reps.values():
        services.record_attendance(meeting=table.meeting, person=rep, by=table.clerk)
    return table


def close(table):
    services.close_meeting(meeting=table.meeting, by=table.clerk)


def confirm_all(table, minutes, *, skip=()):
    for party, rep in table.reps.items():
        if party not in skip:
            services.confirm_minutes(minutes=minutes, party=table.parties[party], by=rep)


def test_minutes_are_written_during_the_meeting_and_sent_once_it_is_held(held):
    minutes = services.write_minutes(meeting=held.meeting, body="一、路灯", by=held.clerk)

    with pytest.raises(ValidationError, match="Close the meeting"):
        services.submit_minutes(minutes=minutes, by=held.clerk)
    close(held)
    minutes = services.write_minutes(meeting=held.meeting, body="一、路灯\n二、停车", by=held.clerk)
    minutes = services.submit_minutes(minutes=minutes, by=held.clerk)

    assert Minutes.objects.filter(meeting=held.meeting).count() == 1
    assert minutes.body == "一、路灯\n二、停车"
    assert minutes.submitted_at is not None


def test_minutes_are_not_written_before_the_meeting_opens(table):
    with pytest.raises(ValidationError, match="in session"):
        services.write_minutes(meeting=table.meeting, body="一、路灯", by=table.clerk)


def test_only_the_organisers_write_the_minutes(held, people):
    with pytest.raises(PermissionDenied):
        services.write_minutes(meeting=held.meeting, body="一、路灯", by=people.resident)
    assert not Minutes.objects.exists()


def test_each_party_present_confirms_once_by_one_of_its_representatives(held, people):
    services.record_leaving(
        attendance=Attendance.objects.get(user=people.firm_staff), by=held.clerk
    )
    close(held)
    minutes = services.write_minutes(meeting=held.meeting, body="纪要", by=held.clerk)
    services.submit_minutes(minutes=minutes, by=held.clerk)

    services.confirm_minutes(
        minutes=minutes, party=held.parties[P.PROPERTY_FIRM], by=people.firm_staff
    )
    with pytest.raises(ValidationError, match="already confirmed"):
        services.confirm_minutes(
            minutes=minutes, party=held.parties[P.PROPERTY_FIRM], by=people.firm_staff
        )
    with pytest.raises(PermissionDenied, match="who attended"):
        services.confirm_minutes(
            minutes=minutes, party=held.parties[P.OWNERS_COMMITTEE], by=people.resident
        )

    assert MinutesConfirmation.objects.filter(minutes=minutes).count() == 1


def test_a_party_nobody_attended_for_is_not_asked_to_confirm(held, people):
    Attendance.objects.filter(user=people.firm_staff).delete()
    close(held)
    minutes = services.write_minutes(meeting=held.meeting, body="纪要", by=held.clerk)
    services.submit_minutes(minutes=minutes, by=held.clerk)

    with pytest.raises(ValidationError):
        services.confirm_minutes(
            minutes=minutes, party=held.parties[P.PROPERTY_FIRM], by=people.firm_staff
        )
    confirm_all(held, minutes, skip={P.PROPERTY_FIRM})
    minutes = services.publish_minutes(minutes=minutes, by=held.clerk)

    assert minutes.published_at is not None


def test_editing_submitted_minutes_withdraws_the_confirmations(held, people):
    close(held)
    minutes = services.write_minutes(meeting=held.meeting, body="纪要", by=held.clerk)
    services.submit_minutes(minutes=minutes, by=held.clerk)
    services.confirm_minutes(minutes=minutes, party=held.parties[P.RESIDENTS], by=people.resident)

    minutes = services.write_minutes(meeting=held.meeting, body="纪要（修改）", by=held.clerk)

    assert minutes.submitted_at is None
    assert not MinutesConfirmation.objects.filter(minutes=minutes).exists()
    with pytest.raises(ValidationError, match="not been sent"):
        services.confirm_minutes(
            minutes=minutes, party=held.parties[P.RESIDENTS], by=people.resident
        )


def test_minutes_are_published_only_when_every_party_present_confirmed(held):
    close(held)
    minutes = services.write_minutes(meeting=held.meeting, body="纪要", by=held.clerk)
    services.submit_minutes(minutes=minutes, by=held.clerk)
    confirm_all(held, minutes, skip={P.OWNERS_COMMITTEE})

    with pytest.raises(ValidationError, match="Waiting for the confirmation of"):
        services.publish_minutes(minutes=minutes, by=held.clerk)
    assert not Notice.objects.filter(kind=Notice.Kind.MINUTES).exists()


def test_published_minutes_hang_on_the_areas_board_and_are_delivered(
    held, tree, people, django_capture_on_commit_callbacks
):
    close(held)
    minutes = services.write_minutes(meeting=held.meeting, body="一、路灯全部更换。", by=held.clerk)
    services.submit_minutes(minutes=minutes, by=held.clerk)
    confirm_all(held, minutes)

    with django_capture_on_commit_callbacks(execute=True):
        minutes = services.publish_minutes(minutes=minutes, by=held.clerk)
    again = services.publish_minutes(minutes=minutes, by=held.clerk)

    notice = minutes.notice
    assert (notice.kind, notice.area, notice.body) == (
        Notice.Kind.MINUTES,
        tree.K1,
        "一、路灯全部更换。",
    )
    assert again.notice == notice
    # Written in the portal's language whatever the organiser's.
    assert notice.title == f"会议纪要：{held.meeting.title}"
    assert NoticeDelivery.objects.filter(notice=notice).count() == 1
    # The resident of B1, in K1, reads it in their inbox.
    assert Notification.objects.filter(
        user=people.resident, kind=Notification.Kind.NOTICE, title__contains=held.meeting.title
    ).exists()
    with pytest.raises(ValidationError, match="published"):
        services.write_minutes(meeting=held.meeting, body="改", by=held.clerk)


# --- Resolutions -----------------------------------------------------------------------------


@pytest.fixture
def lamp_issue(accepted, held):
    issue = accepted()
    held.item.issues.add(issue)
    return issue


def resolve(table, **kwargs):
    fields = {
        "meeting": table.meeting,
        "text": "两周内更换小区全部路灯",
        "responsible": table.parties[P.PROPERTY_FIRM].organization,
        "due_on": in_days(14),
        "by": table.clerk,
    }
    fields.update(kwargs)
    return services.record_resolution(**fields)


def test_a_resolution_names_an_organisation_at_the_table_and_a_future_date(held, tree):
    outsider = Organization.objects.create(
        name="金桥社区居委会", kind=Organization.Kind.RESIDENTS_COMMITTEE, area=tree.C3
    )

    with pytest.raises(ValidationError) as refused:
        resolve(held, responsible=outsider, due_on=timezone.localdate())

    assert set(refused.value.error_dict) == {"responsible", "due_on"}
    assert not Resolution.objects.exists()


def test_a_resolution_links_only_issues_on_the_agenda(held, report):
    elsewhere = report(title="别处的问题")

    with pytest.raises(ValidationError) as refused:
        resolve(held, issues=[elsewhere])

    assert "issues" in refused.value.error_dict


def test_a_resolution_comes_only_from_a_motion_that_passed(held):
    motion = services.propose_motion(agenda_item=held.item, title="更换路灯", by=held.clerk)
    services.open_vote(motion=motion, by=held.clerk)
    services.cast_motion_ballot(motion=motion, voter=held.reps[P.RESIDENTS], choice="no")
    motion = services.close_vote(motion=motion, by=held.clerk)

    with pytest.raises(ValidationError) as refused:
        resolve(held, motion=motion)

    assert "motion" in refused.value.error_dict


def test_publishing_makes_each_resolution_a_commitment_that_moves_its_issues(
    held, lamp_issue, people
):
    motion = services.propose_motion(agenda_item=held.item, title="更换路灯", by=held.clerk)
    services.open_vote(motion=motion, by=held.clerk)
    for rep in held.reps.values():
        services.cast_motion_ballot(motion=motion, voter=rep, choice="yes")
    motion = services.close_vote(motion=motion, by=held.clerk)
    resolution = resolve(held, issues=[lamp_issue], motion=motion)
    close(held)
    minutes = services.write_minutes(meeting=held.meeting, body="纪要", by=held.clerk)
    services.submit_minutes(minutes=minutes, by=held.clerk)
    confirm_all(held, minutes)

    services.publish_minutes(minutes=minutes, by=held.clerk)

    resolution.refresh_from_db()
    commitment = resolution.commitment
    assert commitment.organization == held.parties[P.PROPERTY_FIRM].organization
    assert commitment.made_by == people.firm_staff
    assert list(commitment.issues.all()) == [lamp_issue]
    lamp_issue.refresh_from_db()
    assert lamp_issue.status == Issue.Status.ASSIGNED
    assert lamp_issue.assigned_to == commitment.organization


def test_a_refused_commitment_publishes_nothing(held, report):
    # The firm may not accept a report itself, so it cannot commit to one not yet accepted.
    unaccepted = report()
    held.item.issues.add(unaccepted)
    resolve(held, issues=[unaccepted])
    close(held)
    minutes = services.write_minutes(meeting=held.meeting, body="纪要", by=held.clerk)
    services.submit_minutes(minutes=minutes, by=held.clerk)
    confirm_all(held, minutes)

    with pytest.raises(ValidationError, match="not been accepted"):
        services.publish_minutes(minutes=minutes, by=held.clerk)

    minutes.refresh_from_db()
    assert minutes.published_at is None
    assert not Notice.objects.filter(kind=Notice.Kind.MINUTES).exists()
    assert not Commitment.objects.exists()
