"""The online deliberation hall's pages: masked names only, comments and replies by form, a
hidden comment's reason in its place, what staff do at close; bad input answered, budgets."""

import datetime
import uuid

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from communities import services as communities_services
from deliberation import services
from deliberation.models import Issue, TopicComment
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def in_english(client, settings):
    """Messages are asserted as written in the code (English); the portal's default is Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def topic(tree, people):
    today = timezone.localdate()
    return services.open_topic(
        organization=people.community_staff.memberships.get().organization,
        area=tree.C1,
        title="十二月议题：电动车在哪里充电？",
        question="小区里该在哪里建集中充电棚？",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=30),
        by=people.community_staff,
    )


@pytest.fixture
def neighbour(tree, households, people):
    """A second verified resident of C1, in building B2."""
    user = UserFactory(full_name="王建国")
    claim = communities_services.claim_household(
        user=user,
        community=tree.C1,
        building=tree.B2,
        unit=households["B2"].unit,
        room=households["B2"].room,
        relation="tenant",
    )
    communities_services.verify_residency(residency=claim, by=people.community_staff)
    return user


def _comment(topic, author, body="建议放在东门停车场旁边。", **kwargs):
    return services.post_comment(
        topic=topic, author=author, body=body, submission_key=uuid.uuid4(), **kwargs
    )


def _post(client, topic, body, **extra):
    return client.post(
        reverse("deliberation:topic_comment", args=[topic.pk]),
        {"body": body, "submission_key": str(uuid.uuid4()), **extra},
    )


def test_the_public_page_shows_masked_names_only(client, topic, people):
    people.resident.full_name = "李秀英"
    people.resident.save(update_fields=["full_name"])
    _comment(topic, people.resident)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "建议放在东门停车场旁边。" in page
    assert "李**" in page and "李秀英" not in page
    assert "Log in to take part" in page


def test_a_resident_comments_and_replies_by_form(client, topic, people):
    client.force_login(people.resident)
    response = _post(client, topic, "东门停车场有空地。")
    first = TopicComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{topic.get_absolute_url()}#comment-{first.pk}"
    response = _post(client, topic, "而且离电箱近。", parent=first.pk)
    assert response.status_code == 302
    assert TopicComment.objects.get(parent=first).body == "而且离电箱近。"


def test_a_double_submit_posts_one_comment(client, topic, people):
    client.force_login(people.resident)
    data = {"body": "东门停车场有空地。", "submission_key": str(uuid.uuid4())}
    url = reverse("deliberation:topic_comment", args=[topic.pk])
    assert client.post(url, data)["Location"] == client.post(url, data)["Location"]
    assert TopicComment.objects.count() == 1


def test_a_refused_reply_comes_back_in_its_place_with_the_error(client, topic, people):
    first = _comment(topic, people.resident)
    client.force_login(people.resident)
    response = _post(client, topic, "好", parent=first.pk)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Write a few words." in page
    assert '<details class="reply" open>' in page
    assert TopicComment.objects.count() == 1


@pytest.mark.parametrize(
    "extra", [{"parent": "abc"}, {"parent": "999999999"}, {"parent": "-3"}, {"body": ""}]
)
def test_hostile_comment_posts_get_an_answer_not_a_server_error(client, topic, people, extra):
    client.force_login(people.resident)
    response = client.post(
        reverse("deliberation:topic_comment", args=[topic.pk]),
        {"body": "东门停车场有空地。", "submission_key": str(uuid.uuid4()), **extra},
    )
    assert response.status_code in {400, 404}
    assert not TopicComment.objects.exists()


def test_someone_from_elsewhere_gets_a_403_with_the_reason(client, topic, people):
    client.force_login(people.stranger)
    response = _post(client, topic, "我也想说两句。")
    assert response.status_code == 403
    assert "Only verified residents of 安居社区 can take part in this topic." in (
        response.content.decode()
    )
    assert not TopicComment.objects.exists()


def test_a_hidden_reply_shows_its_reason_to_everyone_and_its_text_to_author_and_moderators(
    client, topic, people, neighbour, settings
):
    first = _comment(topic, people.resident)
    reply = _comment(topic, neighbour, "居委会收了好处吧？", parent=first)
    client.force_login(people.community_staff)
    response = client.post(
        reverse("deliberation:comment_hide", args=[topic.pk, reply.pk]), {"reason": "无端猜测"}
    )
    assert response.status_code == 302

    def page_for(user):
        client.logout()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if user is not None:
            client.force_login(user)
        return client.get(topic.get_absolute_url()).content.decode()

    for viewer in (None, people.resident, people.stranger):
        page = page_for(viewer)
        assert "Hidden by the moderator: 无端猜测" in page
        assert "居委会收了好处吧？" not in page
    for viewer in (neighbour, people.community_staff, people.street_staff):
        page = page_for(viewer)
        assert "Hidden by the moderator: 无端猜测" in page and "居委会收了好处吧？" in page


def test_hiding_without_a_reason_is_answered_400(client, topic, people):
    rude = _comment(topic, people.resident, "物业就是一帮骗子！")
    client.force_login(people.community_staff)
    response = client.post(
        reverse("deliberation:comment_hide", args=[topic.pk, rude.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    rude.refresh_from_db()
    assert not rude.is_hidden


def test_a_resident_cannot_hide_comments(client, topic, people):
    rude = _comment(topic, people.resident, "物业就是一帮骗子！")
    client.force_login(people.resident)
    response = client.post(
        reverse("deliberation:comment_hide", args=[topic.pk, rude.pk]), {"reason": "我撤回"}
    )
    assert response.status_code == 403
    rude.refresh_from_db()
    assert not rude.is_hidden


def test_staff_post_the_summary_and_turn_the_topic_into_an_issue(client, topic, people, categories):
    client.force_login(people.community_staff)
    response = client.post(
        reverse("deliberation:topic_close", args=[topic.pk]), {"summary": "建在东门停车场。"}
    )
    assert response.status_code == 302
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "建在东门停车场。" in page
    assert f"{reverse('deliberation:poll_create', args=[topic.area.code])}?topic={topic.pk}" in page
    response = client.post(
        reverse("deliberation:topic_issue", args=[topic.pk]), {"category": categories["fire"].code}
    )
    issue = Issue.objects.get()
    assert response["Location"] == issue.get_absolute_url()
    assert f"#{issue.pk} {issue.title}" in client.get(topic.get_absolute_url()).content.decode()


def test_the_poll_form_starts_from_the_topic(client, topic, people):
    services.close_topic(topic=topic, by=people.community_staff, summary="东门或北门，请大家投票。")
    client.force_login(people.community_staff)
    url = reverse("deliberation:poll_create", args=[topic.area.code]) + f"?topic={topic.pk}"
    page = client.get(url).content.decode()
    assert 'value="十二月议题：电动车在哪里充电？"' in page
    assert "东门或北门，请大家投票。" in page


def test_a_topic_not_yet_open_is_a_404_for_the_public(client, tree, people):
    later = timezone.localdate() + datetime.timedelta(days=3)
    upcoming = services.open_topic(
        organization=people.community_staff.memberships.get().organization,
        area=tree.C1,
        title="一月议题",
        question="春节期间怎样安全燃放烟花？",
        opens_on=later,
        closes_on=later + datetime.timedelta(days=30),
        by=people.community_staff,
    )
    assert client.get(upcoming.get_absolute_url()).status_code == 404
    client.force_login(people.community_staff)
    assert client.get(upcoming.get_absolute_url()).status_code == 200


def test_staff_open_a_topic_from_the_form(client, people, tree):
    client.force_login(people.community_staff)
    url = reverse("deliberation:topic_create", args=[tree.C1.code])
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "organization": people.community_staff.memberships.get().organization_id,
            "title": "十二月议题",
            "question": "小区里该在哪里建集中充电棚？",
            "opens_on": today.isoformat(),
            "closes_on": (today - datetime.timedelta(days=1)).isoformat(),
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400
    assert "A topic must end on or after the day it opens." in response.content.decode()
    client.force_login(people.resident)
    assert client.get(url).status_code == 403


def test_the_topic_page_costs_the_same_queries_for_few_and_many_comments(
    client, topic, people, neighbour
):
    def count():
        with CaptureQueriesContext(__import__("django.db").db.connection) as queries:
            assert client.get(topic.get_absolute_url()).status_code == 200
        return len(queries)

    client.force_login(people.community_staff)
    first = _comment(topic, people.resident)
    _comment(topic, people.community_staff, "居委会会去看看。", parent=first)
    few = count()
    for number in range(10):
        thread = _comment(topic, people.resident, f"第{number}条意见")
        _comment(topic, neighbour, f"回复第{number}条", parent=thread)
    assert count() == few


def test_the_topics_list_costs_the_same_queries_for_few_and_many_topics(
    client, topic, people, tree
):
    def count():
        with CaptureQueriesContext(__import__("django.db").db.connection) as queries:
            response = client.get(reverse("deliberation:area_topics", args=[tree.K1.code]))
            assert response.status_code == 200
        return len(queries)

    _comment(topic, people.resident)
    few = count()
    for number in range(10):
        services.open_topic(
            organization=topic.organization,
            area=tree.C1,
            title=f"议题{number}",
            question="大家怎么看？",
            opens_on=topic.opens_on,
            closes_on=topic.closes_on,
            by=people.community_staff,
        )
    page = client.get(reverse("deliberation:area_topics", args=[tree.K1.code])).content.decode()
    assert "1 comment" in page
    assert count() == few
