import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities import services
from communities.models import Notice, Notification
from tests.factories import UserFactory


def test_staff_publish_on_their_area_and_residents_read_it_on_every_board_below(
    client, tree, people
):
    notice = services.publish_notice(
        area=tree.C1, title="停水通知", body="周六9点至12点停水。", by=people.community_staff
    )
    assert list(Notice.objects.on_board_of(tree.B1)) == [notice]
    assert list(Notice.objects.on_board_of(tree.C2)) == []
    response = client.get(f"/areas/{tree.K1.code}/notices/")
    assert response.status_code == 200
    assert "停水通知" in response.content.decode()


def test_nobody_publishes_outside_their_reach(tree, people):
    with pytest.raises(PermissionDenied):
        services.publish_notice(area=tree.C2, title="停水通知", by=people.owners_member)
    with pytest.raises(PermissionDenied):
        services.publish_notice(area=tree.K1, title="停水通知", by=people.resident)
    assert not Notice.objects.exists()


def test_a_notice_taken_down_before_it_is_published_is_refused(tree, people):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        services.publish_notice(
            area=tree.K1,
            title="公示",
            by=people.owners_member,
            publish_at=now + datetime.timedelta(days=2),
            unpublish_at=now + datetime.timedelta(days=1),
        )
    assert "unpublish_at" in error.value.message_dict
    assert not Notice.objects.exists()


def test_publishing_the_same_source_twice_gives_one_notice(tree):
    first = services.publish_notice(area=tree.K1, title="投票结果", by=None, source_key="poll-1")
    second = services.publish_notice(area=tree.K1, title="投票结果", by=None, source_key="poll-1")
    assert first.pk == second.pk
    assert Notice.objects.count() == 1


def test_a_scheduled_or_taken_down_notice_is_shown_only_to_those_who_may_publish(
    client, tree, people
):
    later = services.publish_notice(
        area=tree.K1,
        title="下周公示",
        by=people.owners_member,
        publish_at=timezone.now() + datetime.timedelta(days=7),
    )
    assert client.get(later.get_absolute_url()).status_code == 404
    client.force_login(people.owners_member)
    assert client.get(later.get_absolute_url()).status_code == 200
    services.unpublish_notice(notice=later, by=people.owners_member)
    client.logout()
    assert client.get(later.get_absolute_url()).status_code == 404


def test_notifying_many_writes_one_message_per_person_even_when_run_twice(db):
    users = UserFactory.create_batch(5)
    ids = [user.pk for user in users]
    services.notify_many(user_ids=ids, key="notice-1", title="停水通知", kind="notice")
    services.notify_many(user_ids=ids, key="notice-1", title="停水通知", kind="notice")
    assert Notification.objects.filter(key="notice-1", kind="notice").count() == 5
