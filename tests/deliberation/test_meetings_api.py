"""The read-only meetings endpoint: what `Meeting.objects.visible_to()` gives, with the agenda,
parties by organisation, and the minutes only once published."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliberation import services
from deliberation.models import Meeting, Minutes
from tests.deliberation.test_meetings import seat_all


def confirmed(plan, five_parties, people, **overrides):
    meeting = plan(**overrides)
    seat_all(meeting, five_parties, people)
    return services.confirm_meeting(meeting=meeting, by=five_parties["group_member"])


def test_the_public_reads_confirmed_meetings_with_agenda_and_no_invitees(
    client, plan, five_parties, people, report
):
    meeting = confirmed(plan, five_parties, people)
    issue = report()
    services.add_agenda_item(
        meeting=meeting, by=five_parties["group_member"], title="路灯", issues=[issue]
    )
    draft = plan(title="草稿", starts_at=meeting.starts_at + datetime.timedelta(days=1),
                 ends_at=meeting.ends_at + datetime.timedelta(days=1))  # fmt: skip
    rows = client.get("/api/v1/meetings/").json()["results"]
    assert [row["id"] for row in rows] == [meeting.pk]
    (row,) = rows
    assert row["agenda"] == [
        {"position": 0, "title": "路灯", "description": "", "minutes": 15, "issues": [issue.pk],
         "topic": None}
    ]  # fmt: skip
    assert {party["organization"] for party in row["parties"]} >= {"幸福家园党支部"}
    assert "invitations" not in row and row["minutes"] is None
    assert row["room"] == "安居社区睦邻驿站"
    assert client.get(f"/api/v1/meetings/{draft.pk}/").status_code == 404
    client.force_login(five_parties["group_member"])
    assert client.get(f"/api/v1/meetings/{draft.pk}/").status_code == 200


def test_minutes_show_only_once_published(client, plan, five_parties, people):
    meeting = confirmed(plan, five_parties, people)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD)
    minutes = Minutes.objects.create(meeting=meeting, body="会议决定：增设车位。")
    assert client.get(f"/api/v1/meetings/{meeting.pk}/").json()["minutes"] is None
    Minutes.objects.filter(pk=minutes.pk).update(published_at=timezone.now())
    assert client.get(f"/api/v1/meetings/{meeting.pk}/").json()["minutes"]["body"] == (
        "会议决定：增设车位。"
    )


def test_a_bad_status_is_a_400_and_the_list_costs_the_same_at_any_size(
    client, plan, five_parties, people, at
):
    assert client.get("/api/v1/meetings/?status=nonsense").status_code == 400

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/meetings/?area=C1").status_code == 200
        return len(queries)

    first = confirmed(plan, five_parties, people)
    services.add_agenda_item(meeting=first, by=five_parties["group_member"], title="一")
    few = count()
    for day in range(3, 6):
        meeting = confirmed(plan, five_parties, people, title=f"会{day}",
                            starts_at=at(day, 9), ends_at=at(day, 10))  # fmt: skip
        services.add_agenda_item(meeting=meeting, by=five_parties["group_member"], title="一")
    assert count() == few
