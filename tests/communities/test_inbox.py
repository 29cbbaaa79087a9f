"""The inbox: mark one or all read, filter by kind, choose what goes by e-mail, and a daily
digest sent once a day."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse

from communities import services
from communities.models import DigestSend, Notification, NotificationPreference

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def inbox_of(people):
    """Three messages for the resident: two about issues, one notice."""
    resident = people.resident
    NotificationPreference.objects.create(user=resident, email_kinds=[])  # no mail in setup
    return [
        services.notify(user=resident, key="a", title="路灯已受理", kind="issue", url="/a/"),
        services.notify(user=resident, key="b", title="路灯已解决", kind="issue"),
        services.notify(user=resident, key="c", title="停水通知", kind="notice"),
    ]


def test_reading_the_inbox_marks_nothing_and_one_message_is_marked_read_on_request(
    client, people, inbox_of
):
    client.force_login(people.resident)
    page = client.get(reverse("communities:inbox"))
    assert page.status_code == 200
    assert page.context["unread_notifications"] == 3
    first = inbox_of[0]
    response = client.post(reverse("communities:notification_read", args=[first.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(user=people.resident).unread().count() == 2


def test_opening_a_message_marks_it_read_and_follows_its_link(client, people, inbox_of):
    client.force_login(people.resident)
    response = client.post(
        reverse("communities:notification_read", args=[inbox_of[0].pk]), {"open": "1"}
    )
    assert response.url == "/a/"


def test_with_htmx_marking_read_answers_the_message_alone(client, people, inbox_of):
    client.force_login(people.resident)
    response = client.post(
        reverse("communities:notification_read", args=[inbox_of[1].pk]), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{inbox_of[1].pk}"' in page
    assert "<html" not in page and "Mark as read" not in page


def test_nobody_marks_someone_elses_message(client, people, inbox_of):
    client.force_login(people.stranger)
    response = client.post(reverse("communities:notification_read", args=[inbox_of[0].pk]))
    assert response.status_code == 404
    assert Notification.objects.filter(user=people.resident).unread().count() == 3


def test_mark_all_read_of_one_kind_leaves_the_others(client, people, inbox_of):
    client.force_login(people.resident)
    response = client.post(reverse("communities:notifications_read_all"), {"kind": "issue"})
    assert response.status_code == 302
    unread = Notification.objects.filter(user=people.resident).unread()
    assert list(unread.values_list("kind", flat=True)) == ["notice"]
    client.post(reverse("communities:notifications_read_all"))
    assert not unread.exists()


def test_the_inbox_filters_by_kind(client, people, inbox_of):
    client.force_login(people.resident)
    page = client.get(reverse("communities:inbox"), {"kind": "notice"}).content.decode()
    assert "停水通知" in page and "路灯已受理" not in page
    assert client.get(reverse("communities:inbox"), {"kind": "nonsense"}).status_code == 200


def test_a_person_chooses_what_goes_by_email(client, people):
    client.force_login(people.resident)
    url = reverse("communities:notification_settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {"email_kinds": ["notice", "meeting"], "daily_digest": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=people.resident)
    assert (preference.email_kinds, preference.daily_digest) == (["meeting", "notice"], True)
    response = client.post(url, {"email_kinds": ["spam"]})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_a_kind_left_out_of_email_is_not_mailed(people, django_capture_on_commit_callbacks):
    services.set_notification_preferences(
        user=people.resident, email_kinds=["notice"], daily_digest=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user=people.resident, key="x", title="路灯", kind="issue")
        services.notify(user=people.resident, key="y", title="停水", kind="notice")
    assert [message.subject for message in mail.outbox] == ["停水"]


def test_a_mail_sent_again_carries_the_same_message_id(people, django_capture_on_commit_callbacks):
    """A worker killed after the SMTP answer and before the commit sends a message again; the
    copy must be recognisable as the same message."""
    services.set_notification_preferences(
        user=people.resident, email_kinds=["notice"], daily_digest=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        message = services.notify(user=people.resident, key="z", title="停电", kind="notice")
    Notification.objects.filter(pk=message.pk).update(emailed_at=None)  # the stamp was lost
    services.send_due_emails(notification_id=message.pk)
    first, again = (sent.extra_headers["Message-ID"] for sent in mail.outbox)
    assert first == again == f"<notification-{message.pk}@{first.rpartition('@')[2][:-1]}>"


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, 0, tzinfo=SHANGHAI)


def test_the_daily_digest_goes_out_once_a_day_with_the_unread_messages(people, settings):
    settings.NOTIFICATION_DIGEST_HOUR = 8
    services.set_notification_preferences(user=people.resident, email_kinds=[], daily_digest=True)
    for key, title, hour in (("m1", "路灯已受理", 6), ("m2", "停水通知", 7)):
        message = services.notify(user=people.resident, key=key, title=title)
        Notification.objects.filter(pk=message.pk).update(created_at=at(2, hour))
    assert services.send_daily_digests(now=at(2, 7)) == 0  # before the hour
    assert services.send_daily_digests(now=at(2, 9)) == 1
    assert services.send_daily_digests(now=at(2, 9) + datetime.timedelta(minutes=15)) == 0
    assert len(mail.outbox) == 1
    assert "路灯已受理" in mail.outbox[0].body and "停水通知" in mail.outbox[0].body
    assert DigestSend.objects.get(user=people.resident).messages == 2
    # The next day lists only what came since, and nothing when nothing came.
    late = services.notify(user=people.resident, key="m3", title="业主大会")
    Notification.objects.filter(pk=late.pk).update(created_at=at(2, 20))
    assert services.send_daily_digests(now=at(3, 8)) == 1
    assert "业主大会" in mail.outbox[1].body and "停水通知" not in mail.outbox[1].body
    assert services.send_daily_digests(now=at(4, 8)) == 0


def test_no_digest_for_those_who_did_not_ask(people):
    services.notify(user=people.resident, key="m1", title="路灯")
    assert services.send_daily_digests() == 0
