"""Public commitments, built through the services as the people of `tests/conftest.py` would."""

import datetime

import pytest
from django.utils import timezone

from communities import services as community_services
from communities.models import AreaRole, Organization
from deliberation import services
from tests.factories import UserFactory


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def committee(people) -> Organization:
    """安居社区居委会, seated on C1, where community_staff works."""
    return people.community_staff.memberships.get().organization


@pytest.fixture
def owners_committee(people) -> Organization:
    return people.owners_member.memberships.get().organization


@pytest.fixture
def accepted(report, people):
    """A resident's report in K1, accepted by the owners' committee and not yet given to anyone."""

    def make(**kwargs):
        return services.accept_issue(issue=report(**kwargs), by=people.owners_member)

    return make


@pytest.fixture
def commit(tree, people, firm):
    """The property firm (serving K1) commits, by default to fix something in K1 in two weeks."""

    def make(**kwargs):
        fields = {
            "organization": firm,
            "area": tree.K1,
            "title": "两周内修好小区全部路灯",
            "due_on": in_days(14),
            "by": people.firm_staff,
        }
        fields.update(kwargs)
        return services.make_commitment(**fields)

    return make


@pytest.fixture
def supervisor(tree, admin_user):
    """A public supervisor (群众监督员) of the community C1, a resident without any post."""
    user = UserFactory(username="supervisor")
    community_services.assign_area_role(
        user=user, area=tree.C1, kind=AreaRole.Kind.PUBLIC_SUPERVISOR, by=admin_user
    )
    return user


from tests.deliberation.meeting_fixtures import table  # noqa: E402, F401

# --- Consultation meetings ---------------------------------------------------------------------


@pytest.fixture
def five_parties(tree, people, admin_user, firm):
    """The organisations of the compound K1 that sit at a five-party table (五方联动): its party
    branch and self-management group (each with a member of its own), the residents' committee
    of C1, the owners' committee of K1 and the property firm serving K1."""
    Kind = Organization.Kind

    def seat(kind, name, username):
        organization = Organization.objects.create(name=name, kind=kind, area=tree.K1)
        member = UserFactory(username=username)
        community_services.add_membership(
            organization=organization,
            user=member,
            position="member",
            starts_on=datetime.date(2024, 1, 1),
            by=admin_user,
        )
        return organization, member

    branch, branch_member = seat(Kind.PARTY_BRANCH, "幸福家园党支部", "branch")
    group, group_member = seat(Kind.SELF_MANAGEMENT_GROUP, "幸福家园自管小组", "group")
    return {
        "branch": branch,
        "branch_member": branch_member,
        "group": group,
        "group_member": group_member,
        "committee": people.community_staff.memberships.get().organization,
        "owners": people.owners_member.memberships.get().organization,
        "firm": firm,
    }


@pytest.fixture
def parking_matter(tree, people):
    """安居社区's catalogue: parking is decided by the compound, with all five parties."""
    from deliberation.models import Party

    return services.add_consultation_matter(
        area=tree.C1,
        title="停车位规划与收费",
        kind="parking",
        level=4,
        required_parties=[
            Party.PARTY_ORGANIZATION,
            Party.RESIDENTS_COMMITTEE,
            Party.OWNERS_COMMITTEE,
            Party.PROPERTY_FIRM,
            Party.RESIDENTS,
        ],
        by=people.community_staff,
    )


@pytest.fixture
def plan(tree, five_parties, parking_matter, room, at):
    """The self-management group of K1 plans a parking meeting in the community's room, the
    day after tomorrow 14:00–16:00 (keywords override)."""

    def make(**overrides):
        fields = {
            "organization": five_parties["group"],
            "area": tree.K1,
            "matter": parking_matter,
            "title": "幸福家园停车问题五方联席会",
            "starts_at": at(2, 14),
            "ends_at": at(2, 16),
            "space": room,
            "capacity": 12,
            "by": five_parties["group_member"],
        }
        fields.update(overrides)
        return services.plan_meeting(**fields)

    return make
