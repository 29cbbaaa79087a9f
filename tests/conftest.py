import datetime
import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone

from communities import services
from communities.models import Area, Grid, Household, Organization, Residency, User
from deliberation import services as deliberation_services
from deliberation.models import Category, Lane
from tests.factories import HouseholdFactory, UserFactory
from volunteers.models import Activity, Reward


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is slow by design; tests create many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_in_process(request):
    """Tasks run in the test's own process unless the test asks for a real worker."""
    from governance.celery import app

    if "celery_worker" in request.fixturenames:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def public_lists_rendered_live(settings):
    """Tests run in a transaction that never commits, so nothing bumps the public lists' cache
    generation, and with Redis the cache outlives each test: lists are rendered live unless a
    test turns the cache on (tests/deliberation/test_listing_cache.py)."""
    settings.PUBLIC_LIST_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORTS_ROOT = tmp_path / "imports"


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("root", "root@example.org", "a-long-test-passphrase")


@dataclass
class Tree:
    """A small district with siblings at every level, for "same node, child, parent, sibling,
    unrelated" questions:

        D  district
        ├── S1 street
        │   ├── C1 community ── K1 compound (B1, B2)   K2 compound (B3)
        │   └── C2 community ── K3 compound (B4)
        └── S2 street
            └── C3 community ── K4 compound (B5)
    """

    D: Area
    S1: Area
    S2: Area
    C1: Area
    C2: Area
    C3: Area
    K1: Area
    K2: Area
    K3: Area
    K4: Area
    B1: Area
    B2: Area
    B3: Area
    B4: Area
    B5: Area

    def areas(self) -> list[Area]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


@pytest.fixture
def tree(admin_user) -> Tree:
    def add(parent, code, name, level):
        return services.create_area(parent=parent, code=code, name=name, level=level, by=admin_user)

    L = Area.Level
    D = add(None, "D", "江岸区", L.DISTRICT)
    S1 = add(D, "S1", "百步亭街道", L.STREET)
    S2 = add(D, "S2", "后湖街道", L.STREET)
    C1 = add(S1, "C1", "安居社区", L.COMMUNITY)
    C2 = add(S1, "C2", "幸福社区", L.COMMUNITY)
    C3 = add(S2, "C3", "金桥社区", L.COMMUNITY)
    K1 = add(C1, "K1", "幸福家园", L.COMPOUND)
    K2 = add(C1, "K2", "金桥花园", L.COMPOUND)
    K3 = add(C2, "K3", "百合苑", L.COMPOUND)
    K4 = add(C3, "K4", "紫薇苑", L.COMPOUND)
    B1 = add(K1, "B1", "1栋", L.BUILDING)
    B2 = add(K1, "B2", "2栋", L.BUILDING)
    B3 = add(K2, "B3", "1栋", L.BUILDING)
    B4 = add(K3, "B4", "1栋", L.BUILDING)
    B5 = add(K4, "B5", "1栋", L.BUILDING)
    return Tree(D, S1, S2, C1, C2, C3, K1, K2, K3, K4, B1, B2, B3, B4, B5)


@pytest.fixture
def households(tree) -> dict[str, Household]:
    """One household in every building, keyed by the building's code."""
    return {
        building.code: HouseholdFactory(building=building, room="101")
        for building in (tree.B1, tree.B2, tree.B3, tree.B4, tree.B5)
    }


@dataclass
class People:
    street_staff: User
    community_staff: User
    owners_member: User
    firm_staff: User
    grid_worker: User
    resident: User
    stranger: User


ORGANIZATION_SUFFIX = {
    Organization.Kind.GOVERNMENT_OFFICE: "办事处",
    Organization.Kind.RESIDENTS_COMMITTEE: "居委会",
    Organization.Kind.OWNERS_COMMITTEE: "业委会",
    Organization.Kind.PROPERTY_FIRM: "物业服务有限公司",
}


def _post(organization_kind, area, *, admin_user, user, position="staff", served=()):
    organization = Organization.objects.create(
        name=f"{area.name}{ORGANIZATION_SUFFIX[organization_kind]}",
        kind=organization_kind,
        area=area,
    )
    organization.served_areas.set(served)
    services.add_membership(
        organization=organization,
        user=user,
        position=position,
        starts_on=datetime.date(2024, 1, 1),
        by=admin_user,
    )
    return organization


@pytest.fixture
def people(tree, households, admin_user) -> People:
    """One person per role, each seated on a different node of the tree."""
    Kind = Organization.Kind
    street_staff = UserFactory(username="street")
    community_staff = UserFactory(username="community")
    owners_member = UserFactory(username="owners")
    firm_staff = UserFactory(username="firm")
    grid_worker = UserFactory(username="grid")
    resident = UserFactory(username="resident")
    stranger = UserFactory(username="stranger")

    _post(Kind.GOVERNMENT_OFFICE, tree.S1, admin_user=admin_user, user=street_staff)
    _post(Kind.RESIDENTS_COMMITTEE, tree.C1, admin_user=admin_user, user=community_staff)
    _post(
        Kind.OWNERS_COMMITTEE, tree.K1, admin_user=admin_user, user=owners_member, position="member"
    )
    # The firm is registered at the street but serves only K1: it must reach K1 and nothing else.
    _post(Kind.PROPERTY_FIRM, tree.S1, admin_user=admin_user, user=firm_staff, served=[tree.K1])

    grid = Grid.objects.create(name="安居一网格", code="G1", area=tree.C1, worker=grid_worker)
    grid.covered_areas.set([tree.K1])

    claim = services.claim_household(
        user=resident,
        community=tree.C1,
        building=tree.B1,
        unit=households["B1"].unit,
        room=households["B1"].room,
        relation=Residency.Relation.OWNER,
    )
    services.verify_residency(residency=claim, by=community_staff)
    return People(
        street_staff, community_staff, owners_member, firm_staff, grid_worker, resident, stranger
    )


# --- Residents' issues ---------------------------------------------------------------------


@pytest.fixture
def categories(db) -> dict[str, Category]:
    return {
        "lamp": Category.objects.create(
            name="路灯照明",
            code="lamp",
            default_lane=Lane.QUICK,
            responsible_kind=Organization.Kind.PROPERTY_FIRM,
        ),
        "fire": Category.objects.create(
            name="消防通道",
            code="fire-lane",
            default_lane=Lane.URGENT,
            responsible_kind=Organization.Kind.RESIDENTS_COMMITTEE,
        ),
        "private": Category.objects.create(
            name="家庭矛盾",
            code="dispute",
            default_lane=Lane.JOINT,
            is_public=False,
            is_mediation=True,
        ),
    }


@pytest.fixture
def firm(tree, people) -> Organization:
    return people.firm_staff.memberships.get().organization


@pytest.fixture
def report(tree, people, categories):
    """Submit an issue as the resident of B1, the way the form does."""

    def submit(category="lamp", area=None, title="小区路灯不亮", **kwargs):
        return deliberation_services.submit_issue(
            title=title,
            description=kwargs.pop("description", "3号楼门口的路灯坏了一周，晚上很黑。"),
            category=categories[category],
            area=area or tree.B1,
            reporter=kwargs.pop("reporter", people.resident),
            submission_key=kwargs.pop("submission_key", uuid.uuid4()),
            **kwargs,
        )

    return submit


# --- Volunteers --------------------------------------------------------------------------------


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


# --- Shared rooms ------------------------------------------------------------------------------


@pytest.fixture
def room(tree, people, organiser_org):
    """安居社区睦邻驿站: the community's room, open every day 08:00–21:00 for 30 people, looked
    after by its residents' committee, which approves each booking."""
    return services.create_space(
        area=tree.C1,
        name="安居社区睦邻驿站",
        capacity=30,
        opens_at=datetime.time(8, 0),
        closes_at=datetime.time(21, 0),
        requires_approval=True,
        managed_by=organiser_org,
        by=people.community_staff,
    )


@pytest.fixture
def at():
    """A local time `days` from today, e.g. at(1, 10) is tomorrow at 10:00 in Asia/Shanghai."""

    def moment(days: int, hour: int, minute: int = 0) -> datetime.datetime:
        day = timezone.localdate() + datetime.timedelta(days=days)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    return moment


# --- The API -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def api_throttles_off(settings):
    """The API's rate limits count in the cache, across tests; tests of throttling set rates."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None},
    }


@pytest.fixture
def token_for(db):
    """A token's secret for a user, made the way the profile page makes it."""

    def make(user, name="12345 热线"):
        _token, secret = services.create_api_token(owner=user, name=name)
        return secret

    return make
