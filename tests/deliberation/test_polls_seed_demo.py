"""The demo polls and topics: lived through the services, idempotent, nothing counted early."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from communities.models import Area, Notice
from deliberation.models import Poll, PollReceipt, Topic, TopicComment


@pytest.mark.django_db
def test_without_the_demo_district_it_says_to_run_seed_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_polls", stdout=io.StringIO())
    assert not Poll.objects.exists()


@pytest.mark.django_db
def test_the_demo_has_a_closed_and_an_open_poll_and_two_topics_once(client):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo_polls", stdout=out)
    assert "Seeded" in out.getvalue()

    compound = Area.objects.get(name="紫荆公寓")
    renamed = Poll.objects.get(title__startswith="紫荆公寓更名")
    assert renamed.area == compound and renamed.per_household
    assert renamed.closed_at is not None and renamed.ballots_cast > 0
    assert sum(row.votes for row in renamed.results()) == renamed.ballots_cast
    notice = Notice.objects.get(source_key=f"poll-{renamed.pk}-result")
    assert notice.publish_at == renamed.closed_at
    assert client.get(renamed.get_absolute_url()).status_code == 200

    fitness = Poll.objects.get(title="新的健身器材放在哪里？")
    assert fitness.is_open and fitness.topic.closed_at is not None
    assert PollReceipt.objects.filter(poll=fitness).exists()
    assert fitness.results() == [] and fitness.ballots_cast is None
    assert not PollReceipt.objects.filter(poll=fitness, voter__username="resident").exists()

    this_month = Topic.objects.get(area__name="和谐社区")
    assert this_month.is_open and this_month.closes_on.month == timezone.localdate().month
    comments = TopicComment.objects.filter(topic=this_month)
    assert comments.filter(parent=None).count() >= 5 and comments.exclude(parent=None).exists()
    assert comments.filter(hidden_at__isnull=False).count() == 1
    assert comments.filter(organization__isnull=False).count() == 1
    assert all(comment.created_at <= timezone.now() for comment in comments)
    page = client.get(this_month.get_absolute_url()).content.decode()
    assert "含有对他人的人身攻击" in page

    counts = (Poll.objects.count(), PollReceipt.objects.count(), TopicComment.objects.count())
    again = io.StringIO()
    call_command("seed_demo_polls", stdout=again)
    assert "nothing was changed" in again.getvalue()
    assert (Poll.objects.count(), PollReceipt.objects.count(), TopicComment.objects.count()) == (
        counts
    )
