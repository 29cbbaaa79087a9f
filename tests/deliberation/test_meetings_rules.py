"""Who may see and organise meetings and keep catalogues: `view_meeting` agrees with
`Meeting.objects.visible_to()` for every role; each rule asked about the node, its child, its
parent, a sibling and elsewhere."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from communities.models import Organization
from deliberation import services
from deliberation.models import Meeting
from tests.deliberation.test_topics_rules import ROLES


@pytest.fixture
def meeting_at(tree, admin_user, people):
    """A meeting for the named area by a social organisation seated there, confirmed or a draft,
    with the resident invited as an observer to the drafts of K4."""

    def make(name: str, *, confirmed: bool) -> Meeting:
        area = getattr(tree, name)
        organization, _created = Organization.objects.get_or_create(
            name=f"{area.name}{area.code}议事会",
            kind=Organization.Kind.SOCIAL_ORGANIZATION,
            area=area,
        )
        start = timezone.now() + datetime.timedelta(days=3, hours=len(Meeting.objects.all()))
        meeting = services.plan_meeting(
            organization=organization,
            area=area,
            title=f"{name} 的会",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            location_note="活动室",
            by=admin_user,
        )
        if confirmed:
            services.confirm_meeting(meeting=meeting, by=admin_user)
        return meeting

    return make


def test_view_meeting_and_visible_to_agree_for_every_role(people, meeting_at, admin_user):
    meetings = [meeting_at(name, confirmed=c) for name in ("K1", "C1", "K4") for c in (True, False)]
    invited = meetings[-1]
    from deliberation.models import Invitation

    Invitation.objects.create(meeting=invited, user=people.resident, invited_by=admin_user)
    fresh = Meeting.objects.in_bulk([meeting.pk for meeting in meetings])
    saw_allowed = saw_denied = False
    for user in [getattr(people, role) for role in ROLES] + [AnonymousUser()]:
        visible = set(Meeting.objects.visible_to(user).values_list("pk", flat=True))
        for meeting in fresh.values():
            allowed = user.has_perm("deliberation.view_meeting", meeting)
            assert allowed == (meeting.pk in visible), (getattr(user, "username", "anon"), meeting)
            saw_allowed |= allowed
            saw_denied |= not allowed
    assert saw_allowed and saw_denied
    assert people.resident.has_perm("deliberation.view_meeting", invited)


# Community staff manage C1 and everything under it.
ORGANISE = {"K1": True, "C1": True, "S1": False, "C2": False, "K4": False}


@pytest.mark.parametrize(("node", "allowed"), ORGANISE.items())
def test_community_staff_organise_meetings_in_their_subtree_only(people, meeting_at, node, allowed):
    meeting = meeting_at(node, confirmed=False)
    assert people.community_staff.has_perm("deliberation.organise_meeting", meeting) is allowed


@pytest.mark.parametrize(
    ("role", "node", "allowed"),
    [
        ("community_staff", "C1", True),
        ("community_staff", "K1", False),  # a compound keeps no catalogue of its own
        ("community_staff", "S1", False),
        ("community_staff", "C2", False),
        ("street_staff", "S1", True),
        ("street_staff", "C2", True),
        ("street_staff", "D", False),
        ("owners_member", "C1", False),
        ("resident", "C1", False),
    ],
)
def test_catalogues_are_kept_by_staff_of_streets_and_communities(people, tree, role, node, allowed):
    assert getattr(people, role).has_perm("deliberation.keep_catalogue", getattr(tree, node)) is (
        allowed
    )


def test_members_of_the_organiser_organise_and_others_do_not(people, meeting_at, admin_user):
    meeting = meeting_at("K1", confirmed=False)
    from communities import services as community_services

    community_services.add_membership(
        organization=meeting.organization,
        user=people.stranger,
        position="member",
        starts_on=datetime.date(2024, 1, 1),
        by=admin_user,
    )
    assert people.stranger.has_perm("deliberation.organise_meeting", meeting)
    assert not people.owners_member.has_perm("deliberation.organise_meeting", meeting)
    assert not people.resident.has_perm("deliberation.organise_meeting", meeting)
