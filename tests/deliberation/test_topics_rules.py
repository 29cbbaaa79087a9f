"""Who may see, join and moderate topics: `view_topic` agrees with `Topic.objects.visible_to()`
for every role; each rule asked about the node, its child, its parent, a sibling, elsewhere."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from communities.models import Organization
from deliberation import services
from deliberation.models import Topic

ROLES = [
    "street_staff",
    "community_staff",
    "owners_member",
    "firm_staff",
    "grid_worker",
    "resident",
    "stranger",
]


@pytest.fixture
def topic_at(tree, admin_user):
    """A topic for the named area by a social organisation seated there (open now, or later)."""

    def make(name: str, *, later: bool = False) -> Topic:
        area = getattr(tree, name)
        organization, _created = Organization.objects.get_or_create(
            name=f"{area.name}{area.code}议事会",
            kind=Organization.Kind.SOCIAL_ORGANIZATION,
            area=area,
        )
        opens_on = timezone.localdate() + datetime.timedelta(days=2 if later else 0)
        return services.open_topic(
            organization=organization,
            area=area,
            title=f"{name} 的议题",
            question="大家怎么看？",
            opens_on=opens_on,
            closes_on=opens_on + datetime.timedelta(days=30),
            by=admin_user,
        )

    return make


def test_view_topic_and_visible_to_agree_for_every_role(people, topic_at):
    topics = [topic_at(name, later=later) for name in ("K1", "C1", "K4") for later in (False, True)]
    fresh = Topic.objects.in_bulk([topic.pk for topic in topics])
    saw_allowed = saw_denied = False
    for user in [getattr(people, role) for role in ROLES] + [AnonymousUser()]:
        visible = set(Topic.objects.visible_to(user).values_list("pk", flat=True))
        for topic in fresh.values():
            allowed = user.has_perm("deliberation.view_topic", topic)
            assert allowed == (topic.pk in visible), (getattr(user, "username", "anonymous"), topic)
            saw_allowed |= allowed
            saw_denied |= not allowed
    assert saw_allowed and saw_denied


# The resident lives in B1 (under K1, C1, S1). node: may they comment on a topic for it?
COMMENT = {"B1": True, "K1": True, "C1": True, "K2": False, "K4": False}


@pytest.mark.parametrize(("node", "allowed"), COMMENT.items())
def test_a_resident_comments_on_topics_of_their_home_and_above_only(
    people, topic_at, node, allowed
):
    assert people.resident.has_perm("deliberation.comment_on_topic", topic_at(node)) is allowed


def test_nobody_comments_before_a_topic_opens(people, topic_at):
    assert not people.resident.has_perm("deliberation.comment_on_topic", topic_at("K1", later=True))


# Community staff manage C1 and everything under it. node: may they moderate a topic there?
MODERATE = {"C1": True, "K1": True, "S1": False, "C2": False, "C3": False}


@pytest.mark.parametrize(("node", "allowed"), MODERATE.items())
def test_community_staff_moderate_topics_in_their_subtree(people, topic_at, node, allowed):
    assert people.community_staff.has_perm("deliberation.manage_topic", topic_at(node)) is allowed


# role: (may they moderate the K1 topic, may they read the resident's hidden comment on it)
MODERATE_K1 = {
    "street_staff": (True, True),
    "community_staff": (True, True),
    "owners_member": (False, False),
    "firm_staff": (False, False),
    "grid_worker": (False, False),
    "resident": (False, True),
    "stranger": (False, False),
}


@pytest.mark.parametrize(("role", "expected"), MODERATE_K1.items())
def test_who_moderates_a_compound_topic_and_reads_hidden_comments(people, topic_at, role, expected):
    topic = topic_at("K1")
    comment = services.post_comment(
        topic=topic, author=people.resident, body="物业就是一帮骗子！", submission_key=uuid.uuid4()
    )
    comment = services.hide_comment(comment=comment, by=people.community_staff, reason="人身攻击")
    user = getattr(people, role)
    assert (
        user.has_perm("deliberation.manage_topic", topic),
        user.has_perm("deliberation.read_hidden_comment", comment),
    ) == expected
