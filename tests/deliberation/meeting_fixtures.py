"""A confirmed five-party meeting in the compound K1, and owners with floor areas, for the
tests of meetings in session.

Planning a meeting is the other half of the feature (deliberation/services/meetings.py); here
the planned meeting is written with the ORM as planning leaves it: confirmed, with its parties,
invitations and agenda. Everything after that goes through the session services.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from communities import services as community_services
from communities.models import Area, Household, Organization, Residency, User
from deliberation.models import AgendaItem, Invitation, Meeting, MeetingParty, Party
from tests.factories import HouseholdFactory, UserFactory


@dataclass
class Table:
    """The meeting and who sits at it. `clerk` organises and counts (a residents' committee
    member who represents no party); each party has one representative."""

    meeting: Meeting
    item: AgendaItem
    clerk: User
    parties: dict[str, MeetingParty]
    reps: dict[str, User]
    branch: Organization


def member(organization: Organization, username: str, *, by: User) -> User:
    user = UserFactory(username=username)
    community_services.add_membership(
        organization=organization,
        user=user,
        position="member",
        starts_on=datetime.date(2024, 1, 1),
        by=by,
    )
    return user


def confirmed_meeting(
    *,
    organization: Organization,
    area,
    starts_at: datetime.datetime | None = None,
    matter=None,
    title: str = "幸福家园五方联席会议",
) -> Meeting:
    starts_at = starts_at or timezone.now() - datetime.timedelta(minutes=5)
    return Meeting.objects.create(
        organization=organization,
        area=area,
        matter=matter,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=Meeting.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )


def seat(
    meeting: Meeting,
    party: str,
    representative: User,
    *,
    organization=None,
    label: str = "",
    quorum: int = 1,
) -> MeetingParty:
    row, _ = MeetingParty.objects.get_or_create(
        meeting=meeting,
        party=party,
        organization=organization,
        label=label,
        defaults={"quorum": quorum},
    )
    Invitation.objects.create(meeting=meeting, user=representative, party=row)
    return row


def owner_of(household: Household, user: User, *, by: User) -> Residency:
    """`user` becomes the verified owner of `household` (in the community C1)."""
    building = household.building
    community = Area.objects.above(building).get(level=Area.Level.COMMUNITY)
    claim = community_services.claim_household(
        user=user,
        community=community,
        building=building,
        unit=household.unit,
        room=household.room,
        relation=Residency.Relation.OWNER,
    )
    return community_services.verify_residency(residency=claim, by=by)


def owned_home(building, area: str, username: str, *, by: User) -> tuple[Household, User]:
    home = HouseholdFactory(building=building, floor_area=Decimal(area))
    owner = UserFactory(username=username)
    owner_of(home, owner, by=by)
    return home, owner


@pytest.fixture
def table(tree, people, firm, admin_user, committee, owners_committee) -> Table:
    """幸福家园 (K1) five-party meeting, organised by the residents' committee of C1, confirmed
    and starting now. Parties: the party branch, the residents' committee, the owners'
    committee, the property firm and the residents' representatives of building 1."""
    branch = Organization.objects.create(
        name="安居社区党支部", kind=Organization.Kind.PARTY_BRANCH, area=tree.C1
    )
    branch_secretary = member(branch, "branch", by=admin_user)
    clerk = member(committee, "clerk", by=admin_user)
    meeting = confirmed_meeting(organization=committee, area=tree.K1)
    reps = {
        Party.PARTY_ORGANIZATION: branch_secretary,
        Party.RESIDENTS_COMMITTEE: people.community_staff,
        Party.OWNERS_COMMITTEE: people.owners_member,
        Party.PROPERTY_FIRM: people.firm_staff,
        Party.RESIDENTS: people.resident,
    }
    organizations = {
        Party.PARTY_ORGANIZATION: branch,
        Party.RESIDENTS_COMMITTEE: committee,
        Party.OWNERS_COMMITTEE: owners_committee,
        Party.PROPERTY_FIRM: firm,
    }
    parties = {
        party: seat(
            meeting,
            party,
            reps[party],
            organization=organizations.get(party),
            label="" if party in organizations else "1栋居民代表",
        )
        for party in reps
    }
    item = AgendaItem.objects.create(meeting=meeting, position=1, title="小区路灯维修")
    return Table(meeting, item, clerk, parties, reps, branch)
