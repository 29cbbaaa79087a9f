"""The online deliberation hall through its services: who may open, comment and moderate; one
level of replies; hidden comments with a reason the author is told; a summary at close; a
topic turned into a residents' issue."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from communities import services as communities_services
from communities.models import Notification
from deliberation import services
from deliberation.models import Issue, Topic, TopicComment
from tests.factories import HouseholdFactory, UserFactory


@pytest.fixture(autouse=True)
def in_english(client, settings):
    """Messages are asserted as written in the code (English); the portal's default is Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def committee(people):
    """The residents' committee of C1; the community staff member works for it."""
    return people.community_staff.memberships.get().organization


@pytest.fixture
def open_topic(tree, people, committee):
    def make(**overrides):
        today = timezone.localdate()
        fields = {
            "organization": committee,
            "area": tree.C1,
            "title": "十二月议题：电动车在哪里充电？",
            "question": "楼道里充电很危险，小区里该在哪里建集中充电棚？",
            "opens_on": today,
            "closes_on": today + datetime.timedelta(days=30),
            "by": people.community_staff,
        }
        fields.update(overrides)
        return services.open_topic(**fields)

    return make


@pytest.fixture
def comment(people):
    def post(topic, body="建议放在东门停车场旁边。", author=None, **kwargs):
        return services.post_comment(
            topic=topic,
            author=author or people.resident,
            body=body,
            submission_key=kwargs.pop("submission_key", uuid.uuid4()),
            **kwargs,
        )

    return post


# --- Opening ---------------------------------------------------------------------------------


def test_staff_open_a_topic_for_the_month(open_topic, tree):
    topic = open_topic(background="去年小区发生过两起电动车起火。")
    assert topic.is_open and topic.area == tree.C1
    assert topic.phase == Topic.Phase.OPEN


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": " "}, "title"),
        ({"question": ""}, "question"),
        ({"closes_on": timezone.localdate() - datetime.timedelta(days=1)}, "closes_on"),
        (
            {
                "opens_on": timezone.localdate() + datetime.timedelta(days=5),
                "closes_on": timezone.localdate() + datetime.timedelta(days=4),
            },
            "closes_on",
        ),
    ],
)
def test_bad_topics_are_refused_whole(open_topic, overrides, field):
    with pytest.raises(ValidationError) as refused:
        open_topic(**overrides)
    assert field in refused.value.message_dict
    assert not Topic.objects.exists()


def test_only_members_open_topics_and_only_where_they_act(open_topic, people, tree):
    with pytest.raises(PermissionDenied):
        open_topic(by=people.resident)
    with pytest.raises(ValidationError) as elsewhere:
        open_topic(area=tree.C3)
    assert "area" in elsewhere.value.message_dict
    assert not Topic.objects.exists()


def test_a_double_submit_opens_one_topic(open_topic):
    key = uuid.uuid4()
    assert open_topic(submission_key=key).pk == open_topic(submission_key=key).pk
    assert Topic.objects.count() == 1


# --- Comments and replies --------------------------------------------------------------------


def test_residents_comment_and_reply_one_level_deep(open_topic, comment, people, tree):
    topic = open_topic()
    neighbour = UserFactory()
    household = HouseholdFactory(building=tree.B2)
    claim = communities_services.claim_household(
        user=neighbour,
        community=tree.C1,
        building=tree.B2,
        unit=household.unit,
        room=household.room,
        relation="tenant",
    )
    communities_services.verify_residency(residency=claim, by=people.community_staff)

    first = comment(topic)
    reply = comment(topic, "东门人多，放北门更好。", author=neighbour, parent=first)
    answer = comment(topic, "北门没有电源。", parent=reply)
    assert reply.parent == first
    assert answer.parent == first, "a reply to a reply joins the thread"
    assert list(first.replies.all()) == [reply, answer]


def test_the_author_of_a_comment_is_told_of_a_reply(open_topic, comment, people):
    topic = open_topic()
    first = comment(topic)
    reply = comment(topic, "居委会会去现场看看。", author=people.community_staff, parent=first)
    told = Notification.objects.get(user=people.resident)
    assert told.kind == Notification.Kind.TOPIC
    assert told.key == f"topic-comment-{reply.pk}-reply"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("好", "Write a few words."),
        ("  ", "Write a few words."),
        ("长" * 1001, "Keep it under 1000 characters; this is 1001."),
    ],
)
def test_comments_are_plain_text_within_limits(open_topic, comment, body, message):
    topic = open_topic()
    with pytest.raises(ValidationError) as refused:
        comment(topic, body)
    assert refused.value.message_dict["body"] == [message]
    assert not TopicComment.objects.exists()


def test_a_double_submit_makes_one_comment(open_topic, comment):
    topic = open_topic()
    key = uuid.uuid4()
    assert comment(topic, submission_key=key).pk == comment(topic, submission_key=key).pk
    assert TopicComment.objects.count() == 1


@pytest.mark.parametrize("who", ["stranger", "grid_worker", "firm_staff"])
def test_only_residents_of_the_area_and_its_organisers_take_part(open_topic, comment, people, who):
    topic = open_topic()
    with pytest.raises(PermissionDenied) as refused:
        comment(topic, author=getattr(people, who))
    assert str(refused.value) == "Only verified residents of 安居社区 can take part in this topic."
    assert not TopicComment.objects.exists()


def test_a_resident_of_another_community_may_not_comment(open_topic, comment, people, tree):
    topic = open_topic(area=tree.K1)
    other = open_topic(area=tree.K2, title="金桥花园的议题")
    comment(topic)
    with pytest.raises(PermissionDenied):
        comment(other)
    assert TopicComment.objects.count() == 1


def test_comments_wait_for_the_opening_and_stop_at_the_end(open_topic, comment, monkeypatch):
    today = timezone.localdate()
    topic = open_topic(
        opens_on=today + datetime.timedelta(days=1), closes_on=today + datetime.timedelta(days=2)
    )
    with pytest.raises(ValidationError) as early:
        comment(topic)
    assert early.value.code == "not_open"
    later = timezone.now() + datetime.timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(ValidationError) as late:
        comment(topic)
    assert late.value.code == "closed"
    assert not TopicComment.objects.exists()


def test_staff_answer_for_their_organisation_and_others_cannot(
    open_topic, comment, people, committee
):
    topic = open_topic()
    answer = comment(
        topic, "居委会已联系供电所。", author=people.community_staff, for_organization=True
    )
    assert answer.organization == committee
    with pytest.raises(PermissionDenied):
        comment(topic, "我代表居委会说几句。", for_organization=True)
    assert TopicComment.objects.count() == 1


# --- Moderation ------------------------------------------------------------------------------


def test_a_moderator_hides_a_comment_with_a_reason_and_the_author_is_told(
    open_topic, comment, people
):
    topic = open_topic()
    rude = comment(topic, "物业就是一帮骗子！")
    hidden = services.hide_comment(comment=rude, by=people.community_staff, reason="人身攻击")
    assert hidden.is_hidden and hidden.hidden_reason == "人身攻击"
    told = Notification.objects.get(user=people.resident, key=f"topic-comment-{rude.pk}-hidden")
    assert told.kind == Notification.Kind.TOPIC and "人身攻击" in told.body
    again = services.hide_comment(comment=rude, by=people.community_staff, reason="另一个理由")
    assert again.hidden_reason == "人身攻击"
    assert Notification.objects.filter(user=people.resident).count() == 1


def test_hiding_needs_a_reason_and_a_moderator(open_topic, comment, people):
    topic = open_topic()
    rude = comment(topic, "物业就是一帮骗子！")
    with pytest.raises(ValidationError) as no_reason:
        services.hide_comment(comment=rude, by=people.community_staff, reason="  ")
    assert "reason" in no_reason.value.message_dict
    for role in ("resident", "owners_member", "grid_worker", "stranger"):
        with pytest.raises(PermissionDenied):
            services.hide_comment(comment=rude, by=getattr(people, role), reason="不喜欢")
    rude.refresh_from_db()
    assert not rude.is_hidden


def test_a_hidden_comment_takes_no_replies(open_topic, comment, people):
    topic = open_topic()
    rude = comment(topic, "物业就是一帮骗子！")
    services.hide_comment(comment=rude, by=people.community_staff, reason="人身攻击")
    with pytest.raises(ValidationError) as refused:
        comment(topic, "同意楼上", parent=rude)
    assert "parent" in refused.value.message_dict


# --- Closing ---------------------------------------------------------------------------------


def test_the_summary_closes_the_topic_and_tells_those_who_took_part_once(
    open_topic, comment, people
):
    topic = open_topic()
    comment(topic)
    comment(topic, "再补充一点：要有监控。")
    topic = services.close_topic(topic=topic, by=people.community_staff, summary="建在东门停车场。")
    assert topic.phase == Topic.Phase.CLOSED
    assert Notification.objects.filter(key=f"topic-{topic.pk}-summary").count() == 1
    with pytest.raises(ValidationError):
        comment(topic, "还能说吗？")
    closed_at = topic.closed_at
    topic = services.close_topic(topic=topic, by=people.community_staff, summary="改建在北门。")
    assert topic.summary == "改建在北门。" and topic.closed_at == closed_at
    assert Notification.objects.filter(key=f"topic-{topic.pk}-summary").count() == 1


def test_a_summary_needs_text_and_the_organiser(open_topic, people):
    topic = open_topic()
    with pytest.raises(ValidationError):
        services.close_topic(topic=topic, by=people.community_staff, summary=" ")
    with pytest.raises(PermissionDenied):
        services.close_topic(topic=topic, by=people.resident, summary="我来总结")
    topic.refresh_from_db()
    assert topic.closed_at is None


def test_a_closed_topic_becomes_one_residents_issue_recorded_by_staff(
    open_topic, people, categories
):
    topic = open_topic()
    with pytest.raises(ValidationError):
        services.turn_topic_into_issue(
            topic=topic, by=people.community_staff, category=categories["fire"]
        )
    topic = services.close_topic(
        topic=topic, by=people.community_staff, summary="居民一致同意在东门建集中充电棚。"
    )
    issue = services.turn_topic_into_issue(
        topic=topic, by=people.community_staff, category=categories["fire"]
    )
    assert (issue.reporter, issue.recorded_by) == (None, people.community_staff)
    assert issue.channel == Issue.Channel.ONLINE and issue.area == topic.area
    assert issue.description == "居民一致同意在东门建集中充电棚。"
    again = services.turn_topic_into_issue(
        topic=topic, by=people.community_staff, category=categories["lamp"]
    )
    assert again.pk == issue.pk and Issue.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.turn_topic_into_issue(topic=topic, by=people.resident, category=categories["fire"])


def test_a_residents_comments_are_in_their_data_and_an_erasure_detaches_them(
    client, open_topic, comment, people
):
    from django.urls import reverse

    from deliberation.selectors import personal_data
    from governance import privacy

    topic = open_topic()
    mine = comment(topic)
    assert personal_data(people.resident)["topic_comments"] == [
        {
            "topic": topic.title,
            "comment": mine.body,
            "written_at": mine.created_at,
            "hidden_by_the_moderator": "",
        }
    ]
    client.force_login(people.resident)
    client.post(reverse("my_data"), {"password": "a-long-test-passphrase", "understood": "on"})
    assert privacy.erase_due_requests(now=timezone.now() + datetime.timedelta(days=8)) == 1
    mine.refresh_from_db()
    assert mine.author is None and mine.body == "建议放在东门停车场旁边。"
    assert "a former resident" in client.get(topic.get_absolute_url()).content.decode()
