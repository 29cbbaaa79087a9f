"""Who runs a meeting in session (`deliberation.run_meeting`: opening, attendance, votes, paper
ballots, minutes): members of the organising organisation where it acts, and staff who manage
the meeting's area. Each role is asked about a meeting on its node, a child, the parent, a
sibling and an unrelated node."""

import pytest
from django.contrib.auth.models import AnonymousUser

from communities.models import Organization
from tests.deliberation.meeting_fixtures import confirmed_meeting, member

pytestmark = pytest.mark.django_db

# The residents' committee of C1 organises a meeting for each place; street staff sit on S1,
# community staff on C1 (and belong to the organiser), the owners' committee on K1.
EXPECTED = {
    #                   K1     C1     S1     K3     K4
    "street_staff": (True, True, True, True, False),
    "community_staff": (True, True, False, False, False),
    "owners_member": (False, False, False, False, False),
    "firm_staff": (False, False, False, False, False),
    "grid_worker": (False, False, False, False, False),
    "resident": (False, False, False, False, False),
    "stranger": (False, False, False, False, False),
}
PLACES = ("K1", "C1", "S1", "K3", "K4")


@pytest.fixture
def meetings(tree, committee):
    return [
        confirmed_meeting(organization=committee, area=getattr(tree, name), title=name)
        for name in PLACES
    ]


@pytest.mark.parametrize("role", EXPECTED)
def test_who_runs_a_meeting_for_each_relation_of_the_tree(people, meetings, role):
    user = getattr(people, role)

    allowed = tuple(user.has_perm("deliberation.run_meeting", meeting) for meeting in meetings)

    assert allowed == EXPECTED[role]


def test_a_plain_member_of_the_organiser_runs_its_meetings_where_it_acts(
    meetings, committee, admin_user
):
    clerk = member(committee, "clerk", by=admin_user)

    allowed = tuple(clerk.has_perm("deliberation.run_meeting", meeting) for meeting in meetings)

    # The residents' committee of C1 acts in C1 and under it, not on the street or elsewhere.
    assert allowed == (True, True, False, False, False)


def test_members_of_an_organiser_that_does_not_serve_the_place_do_not_run_it(
    tree, people, admin_user
):
    branch = Organization.objects.create(
        name="金桥社区党支部", kind=Organization.Kind.PARTY_BRANCH, area=tree.C3
    )
    secretary = member(branch, "secretary", by=admin_user)
    meeting = confirmed_meeting(organization=branch, area=tree.K1)

    assert not secretary.has_perm("deliberation.run_meeting", meeting)


def test_anonymous_visitors_run_nothing_and_the_administrator_runs_everything(meetings, admin_user):
    assert not any(AnonymousUser().has_perm("deliberation.run_meeting", m) for m in meetings)
    assert all(admin_user.has_perm("deliberation.run_meeting", m) for m in meetings)
