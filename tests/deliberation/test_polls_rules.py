"""Who may see, run and vote in polls: `view_poll` agrees with `Poll.objects.visible_to()` for
every role, and each rule is asked about the node, its child, its parent, a sibling and an
unrelated node."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from communities.models import Organization
from deliberation import services
from deliberation.models import Poll

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
def poll_at(tree, admin_user):
    """A poll for the named area by a social organisation seated there (opened now, or later)."""

    def make(name: str, *, later: bool = False) -> Poll:
        area = getattr(tree, name)
        organization, _created = Organization.objects.get_or_create(
            name=f"{area.name}{area.code}议事会",
            kind=Organization.Kind.SOCIAL_ORGANIZATION,
            area=area,
        )
        opens_at = timezone.now() + datetime.timedelta(days=1) if later else None
        return services.create_poll(
            organization=organization,
            area=area,
            title=f"{name} 的投票{'（未开始）' if later else ''}",
            options=["同意", "不同意"],
            opens_at=opens_at,
            closes_at=timezone.now() + datetime.timedelta(days=8),
            by=admin_user,
        )

    return make


def test_view_poll_and_visible_to_agree_for_every_role(people, poll_at):
    polls = [poll_at(name, later=later) for name in ("K1", "C1", "K4") for later in (False, True)]
    polls.append(
        services.create_poll(
            organization=people.owners_member.memberships.get().organization,
            area=polls[0].area,
            title="业委会的投票（未开始）",
            options=["同意", "不同意"],
            opens_at=timezone.now() + datetime.timedelta(days=1),
            closes_at=timezone.now() + datetime.timedelta(days=8),
            by=people.owners_member,
        )
    )
    fresh = Poll.objects.in_bulk([poll.pk for poll in polls])
    saw_allowed = saw_denied = False
    for user in [getattr(people, role) for role in ROLES] + [AnonymousUser()]:
        visible = set(Poll.objects.visible_to(user).values_list("pk", flat=True))
        for poll in fresh.values():
            allowed = user.has_perm("deliberation.view_poll", poll)
            assert allowed == (poll.pk in visible), (getattr(user, "username", "anonymous"), poll)
            saw_allowed |= allowed
            saw_denied |= not allowed
    assert saw_allowed and saw_denied


# The resident lives in B1 (under K1, C1, S1). node: may they vote in a poll for it?
VOTE = {"B1": True, "K1": True, "C1": True, "K2": False, "K4": False}


@pytest.mark.parametrize(("node", "allowed"), VOTE.items())
def test_a_resident_votes_in_polls_of_their_home_and_above_only(people, poll_at, node, allowed):
    assert people.resident.has_perm("deliberation.vote_in_poll", poll_at(node)) is allowed


@pytest.mark.parametrize("role", [role for role in ROLES if role != "resident"])
def test_nobody_but_residents_votes(people, poll_at, role):
    assert not getattr(people, role).has_perm("deliberation.vote_in_poll", poll_at("K1"))


def test_nobody_votes_before_a_poll_opens(people, poll_at):
    assert not people.resident.has_perm("deliberation.vote_in_poll", poll_at("K1", later=True))


# Community staff manage C1 and everything under it. node: may they run a poll there?
MANAGE = {"C1": True, "K1": True, "S1": False, "C2": False, "C3": False}


@pytest.mark.parametrize(("node", "allowed"), MANAGE.items())
def test_community_staff_manage_polls_in_their_subtree(people, poll_at, node, allowed):
    assert people.community_staff.has_perm("deliberation.manage_poll", poll_at(node)) is allowed


# role: may they manage the owners' committee's poll for K1?
MANAGE_K1 = {
    "street_staff": True,
    "community_staff": True,
    "owners_member": True,
    "firm_staff": False,
    "grid_worker": False,
    "resident": False,
    "stranger": False,
}


@pytest.mark.parametrize(("role", "allowed"), MANAGE_K1.items())
def test_who_manages_the_owners_committees_poll(people, tree, role, allowed):
    poll = services.create_poll(
        organization=people.owners_member.memberships.get().organization,
        area=tree.K1,
        title="小区更名",
        options=["嘉定小院", "幸福里"],
        closes_at=timezone.now() + datetime.timedelta(days=7),
        by=people.owners_member,
    )
    assert getattr(people, role).has_perm("deliberation.manage_poll", poll) is allowed
