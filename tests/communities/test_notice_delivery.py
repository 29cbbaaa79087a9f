"""Delivering a notice to every resident below its area: in bulk, once, through an outbox that
waits out a stopped broker."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities import services
from communities.models import Household, Notice, NoticeDelivery, Notification, Residency
from tests.factories import HouseholdFactory, UserFactory

HOUR = datetime.timedelta(hours=1)


def residents_of(building, count: int, *, email: bool = False):
    """Verified residents in bulk (hundreds through claim and verify would only be slow)."""
    users = UserFactory.create_batch(count, **({} if email else {"email": ""}))
    households = Household.objects.bulk_create(
        HouseholdFactory.build(building=building, room=f"R{user.pk}") for user in users
    )
    Residency.objects.bulk_create(
        Residency(user=user, household=household, status=Residency.Status.VERIFIED)
        for user, household in zip(users, households, strict=True)
    )
    return users


def messages_of(notice: Notice):
    return Notification.objects.filter(key=f"notice-{notice.pk}")


def test_publishing_tells_every_resident_below_the_area_once(
    tree, people, django_capture_on_commit_callbacks
):
    below = residents_of(tree.B2, 2)
    elsewhere = residents_of(tree.B3, 1)
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.publish_notice(
            area=tree.K1, title="停水通知", body="周六停水。", by=people.owners_member
        )
    told = set(messages_of(notice).values_list("user_id", flat=True))
    assert told == {people.resident.pk, *(user.pk for user in below)}
    assert not told & {user.pk for user in elsewhere}
    message = messages_of(notice).get(user=people.resident)
    assert (message.kind, message.url) == ("notice", notice.get_absolute_url())
    assert "幸福家园" in message.title and "停水通知" in message.title
    delivery = NoticeDelivery.objects.get(notice=notice)
    assert (delivery.outcome, delivery.recipients, delivery.attempts) == ("delivered", 3, 1)
    services.deliver_notice(notice_id=notice.pk)
    services.deliver_due_notices()
    assert messages_of(notice).count() == 3


def test_a_notice_of_a_street_reaches_everyone_below_it(
    tree, people, django_capture_on_commit_callbacks
):
    other_community = residents_of(tree.B4, 1)
    other_street = residents_of(tree.B5, 1)
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.publish_notice(area=tree.S1, title="防汛通知", by=people.street_staff)
    told = set(messages_of(notice).values_list("user_id", flat=True))
    assert told == {people.resident.pk, other_community[0].pk}
    assert other_street[0].pk not in told


def test_a_scheduled_notice_is_delivered_by_the_sweep_when_its_time_comes(
    tree, people, django_capture_on_commit_callbacks
):
    later = timezone.now() + 2 * HOUR
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.publish_notice(
            area=tree.K1, title="业主大会公告", by=people.owners_member, publish_at=later
        )
    assert services.deliver_due_notices() == 0
    assert not messages_of(notice).exists()
    assert services.deliver_due_notices(now=later + HOUR) == 1
    assert messages_of(notice).count() == 1


def test_a_notice_taken_down_before_delivery_sends_nothing(tree, people):
    later = timezone.now() + 2 * HOUR
    notice = services.publish_notice(
        area=tree.K1, title="公示", by=people.owners_member, publish_at=later
    )
    services.unpublish_notice(notice=notice, by=people.owners_member)
    assert services.deliver_due_notices(now=later + HOUR) == 0
    assert not messages_of(notice).exists()
    assert NoticeDelivery.objects.get(notice=notice).outcome == "withdrawn"


def test_a_notice_taken_down_while_its_task_waited_sends_nothing(tree, people):
    """Published with the broker down, taken down before the sweep ran."""
    notice = services.publish_notice(area=tree.K1, title="错误的通知", by=people.owners_member)
    services.unpublish_notice(notice=notice, by=people.owners_member)
    services.deliver_due_notices()
    assert not messages_of(notice).exists()


def test_changing_a_scheduled_notice_moves_its_delivery(tree, people):
    notice = services.publish_notice(
        area=tree.K1,
        title="公示",
        by=people.owners_member,
        publish_at=timezone.now() + 2 * HOUR,
    )
    sooner = timezone.now() + HOUR
    services.change_notice(
        notice=notice, by=people.owners_member, title="公示（更正）", kind="announcement",
        publish_at=sooner,
    )  # fmt: skip
    assert NoticeDelivery.objects.get(notice=notice).due_at == sooner


def test_residents_who_want_notices_by_mail_get_one_mail_each(
    tree, people, django_capture_on_commit_callbacks
):
    quiet = residents_of(tree.B2, 1, email=True)[0]
    services.set_notification_preferences(user=quiet, email_kinds=["issue"], daily_digest=False)
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.publish_notice(area=tree.K1, title="停水通知", by=people.owners_member)
    assert [message.to for message in mail.outbox] == [[people.resident.email]]
    assert "停水通知" in mail.outbox[0].subject
    assert notice.get_absolute_url() in mail.outbox[0].body
    services.send_due_emails()
    services.deliver_notice(notice_id=notice.pk)
    assert len(mail.outbox) == 1
    assert messages_of(notice).get(user=quiet).email_due_at is None


def test_mail_left_behind_by_a_stopped_worker_goes_out_with_the_sweep(tree, people):
    """Without running the on-commit mail task, as when the broker was down."""
    notice = services.publish_notice(area=tree.K1, title="停电通知", by=people.owners_member)
    services.deliver_due_notices()
    assert mail.outbox == []
    assert services.send_due_emails() == 1
    assert services.send_due_emails() == 0
    assert len(mail.outbox) == 1
    assert messages_of(notice).get().emailed_at is not None


def _delivery_queries(people, building, count: int) -> tuple[int, int]:
    """Statements of one delivery: the inserts of inbox rows, and all the others."""
    residents_of(building, count)
    notice = services.publish_notice(area=building, title="通知", by=people.community_staff)
    with CaptureQueriesContext(connection) as queries:
        services.deliver_notice(notice_id=notice.pk)
    assert messages_of(notice).count() == count
    inserts = [
        query
        for query in queries
        if query["sql"].startswith("INSERT") and '"communities_notification" (' in query["sql"]
    ]
    return len(inserts), len(queries) - len(inserts)


def test_delivering_to_three_or_three_hundred_residents_costs_the_same_queries(tree, people):
    """Batches aside: SQLite takes at most 999 parameters a statement, so its inserts of 300
    rows come in a few statements; PostgreSQL writes 2,000 rows a statement."""
    few_inserts, few_others = _delivery_queries(people, tree.B2, 3)
    many_inserts, many_others = _delivery_queries(people, tree.B3, 300)
    assert few_others == many_others
    fields = len(Notification._meta.concrete_fields) - 1  # the id is not inserted
    batch = services.inbox.BULK_BATCH
    per_statement = min(batch, connection.ops.bulk_batch_size(["x"] * fields, [None] * batch))
    assert (few_inserts, many_inserts) == (1, -(-300 // per_statement))


@pytest.mark.parametrize("count", [2001])
def test_a_large_delivery_writes_in_batches_and_covers_everyone(tree, people, count):
    residents_of(tree.B2, count)
    notice = services.publish_notice(area=tree.K1, title="通知", by=people.owners_member)
    assert services.deliver_notice(notice_id=notice.pk) == count + 1
    assert messages_of(notice).count() == count + 1
