import datetime

import pytest
from django.utils import timezone

from volunteers.models import Activity, Reward


@pytest.fixture
def organiser_org(people):
    """The community's residents' committee organises; its staff member is the organiser."""
    return people.community_staff.memberships.get().organization


@pytest.fixture
def activity(tree, organiser_org):
    start = timezone.now() + datetime.timedelta(days=2)
    return Activity.objects.create(
        title="为独居老人送餐",
        organization=organiser_org,
        area=tree.C1,
        place="安居社区睦邻驿站",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=2,
        points_per_hour=10,
    )


@pytest.fixture
def reward(tree, organiser_org):
    return Reward.objects.create(
        name="大米一袋", organization=organiser_org, area=tree.C1, cost=15, stock=1
    )
