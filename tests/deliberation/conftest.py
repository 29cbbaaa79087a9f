import uuid

import pytest

from communities.models import Organization
from deliberation import services
from deliberation.models import Category, Lane


@pytest.fixture
def categories(db) -> dict[str, Category]:
    return {
        "lamp": Category.objects.create(
            name="路灯照明", code="lamp", default_lane=Lane.QUICK, responsible_kind=Organization.Kind.PROPERTY_FIRM
        ),
        "fire": Category.objects.create(
            name="消防通道", code="fire-lane", default_lane=Lane.URGENT, responsible_kind=Organization.Kind.RESIDENTS_COMMITTEE
        ),
        "private": Category.objects.create(
            name="家庭矛盾", code="dispute", default_lane=Lane.JOINT, is_public=False, is_mediation=True
        ),
    }


@pytest.fixture
def firm(tree, people) -> Organization:
    return people.firm_staff.memberships.get().organization


@pytest.fixture
def report(tree, people, categories):
    """Submit an issue as the resident of B1, the way the form does."""

    def submit(category="lamp", area=None, title="小区路灯不亮", **kwargs):
        return services.submit_issue(
            title=title,
            description=kwargs.pop("description", "3号楼门口的路灯坏了一周，晚上很黑。"),
            category=categories[category],
            area=area or tree.B1,
            reporter=kwargs.pop("reporter", people.resident),
            submission_key=kwargs.pop("submission_key", uuid.uuid4()),
            **kwargs,
        )

    return submit
