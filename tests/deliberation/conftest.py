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
