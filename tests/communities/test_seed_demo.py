"""The seed_demo command: a believable demo district, repeatable, and a bulk scale mode."""

import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from communities.management.commands.seed_demo import path_step
from communities.models import (
    Area,
    AreaRole,
    Grid,
    Household,
    Membership,
    Organization,
    PartyRegistration,
    Residency,
    User,
)

pytestmark = pytest.mark.django_db

ACCOUNTS = [
    "admin",
    "street",
    "community",
    "owners",
    "property",
    "gridworker",
    "resident",
    "newcomer",
]
SMALL_SCALE = [
    "--scale",
    "--streets", "1",
    "--communities-per-street", "2",
    "--compounds-per-community", "3",
    "--buildings-per-compound", "2",
    "--households-per-building", "4",
    "--district-code", "999999",
]  # fmt: skip


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def no_tree_problems() -> bool:
    return all(problems == [] for problems in Area.objects.find_problems())


def first(code_prefix: str, level: int) -> Area:
    return Area.objects.filter(code__startswith=code_prefix, level=level).order_by("path").first()


def test_path_steps_are_treebeards():
    assert path_step(1) == "0001"
    assert path_step(10) == "000A"
    assert path_step(36) == "0010"
    assert path_step(36**4 - 1) == "ZZZZ"


def test_demo_builds_the_district_level_by_level():
    output = seed()

    district = Area.objects.get(code="420102")
    assert (district.name, district.level, district.depth) == ("江岸区", 1, 1)
    levels = {level: Area.objects.under(district).of_level(level) for level in range(1, 6)}
    assert levels[2].count() == 3
    assert all(street.name.endswith("街道") for street in levels[2])
    assert levels[3].count() == 6
    assert all(community.name.endswith("社区") for community in levels[3])
    compounds = levels[4].count()
    assert 12 <= compounds <= 18
    assert 3 * compounds <= levels[5].count() <= 6 * compounds
    assert all(re.fullmatch(r"\d+栋", building.name) for building in levels[5])
    assert Area.objects.get(code="420102-001-001-01-01").level == Area.Level.BUILDING
    for area in Area.objects.under(district):
        assert area.level == area.depth
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", area.code) and len(area.code) <= 32
    assert no_tree_problems()

    households = Household.objects.filter(building__path__startswith=district.path)
    assert households.count() >= levels[5].count() * 6
    for household in households[:200]:
        assert Decimal("60") <= household.floor_area <= Decimal("140")
        assert household.floor_area == household.floor_area.quantize(Decimal("0.01"))
        assert household.unit in {"1", "2"}
        assert re.fullmatch(r"[1-6]0[12]", household.room)

    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert {
        Organization.Kind.PARTY_COMMITTEE,
        Organization.Kind.DEPARTMENT,
        Organization.Kind.GOVERNMENT_OFFICE,
        Organization.Kind.RESIDENTS_COMMITTEE,
        Organization.Kind.OWNERS_COMMITTEE,
        Organization.Kind.PARTY_BRANCH,
        Organization.Kind.SELF_MANAGEMENT_GROUP,
        Organization.Kind.PROPERTY_FIRM,
    } <= kinds
    for branch in Organization.objects.filter(kind=Organization.Kind.PARTY_BRANCH):
        assert branch.parent.kind == Organization.Kind.PARTY_COMMITTEE
        assert branch.parent.area.path == branch.area.path[:12]
    assert Grid.objects.filter(kind=Grid.Kind.GENERAL).count() == 6
    for firm in Organization.objects.filter(kind=Organization.Kind.PROPERTY_FIRM):
        assert firm.area.level == Area.Level.STREET
    assert not levels[4].filter(serving_organizations=None).exists()

    # People: residents with Chinese names and +86 numbers, claims, party members, cross-posts.
    residents = User.objects.filter(username__startswith="420102-r")
    assert residents.count() > 100
    assert all(
        re.fullmatch(r"\+861[3-9]\d{9}", phone)
        for phone in residents.values_list("phone", flat=True)
    )
    assert all(2 <= len(name) <= 3 for name in residents.values_list("full_name", flat=True))
    assert Residency.objects.verified().count() > 100
    assert Residency.objects.pending().exists()
    assert PartyRegistration.objects.filter(status="confirmed", show_publicly=True).exists()
    secretary = Membership.objects.get(
        organization=first("420102", Area.Level.COMMUNITY).organizations.get(
            kind=Organization.Kind.PARTY_COMMITTEE
        ),
        position=Membership.Position.HEAD,
    ).user
    assert secretary.memberships.filter(
        organization__kind=Organization.Kind.RESIDENTS_COMMITTEE, position=Membership.Position.HEAD
    ).exists()
    assert (
        User.objects.filter(memberships__organization__kind=Organization.Kind.OWNERS_COMMITTEE)
        .filter(memberships__organization__kind=Organization.Kind.PARTY_BRANCH)
        .exists()
    )
    role_kinds = set(AreaRole.objects.values_list("kind", flat=True))
    assert {"building_head", "mediator", "public_supervisor", "party_instructor"} <= role_kinds

    for username in ACCOUNTS:
        assert username in output
    assert "demo12345" in output


def test_each_demo_account_can_log_in():
    seed()
    for username in ACCOUNTS:
        assert Client().login(username=username, password="demo12345"), username
        assert authenticate(username=username, password="demo12345") is not None
        assert authenticate(username=username, password="wrong") is None
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_demo_accounts_hold_their_roles():
    seed()
    street = first("420102", Area.Level.STREET)
    community = first("420102", Area.Level.COMMUNITY)
    compound = first("420102", Area.Level.COMPOUND)
    building = first("420102", Area.Level.BUILDING)

    def post(username):
        return Membership.objects.select_related("organization").get(user__username=username)

    assert post("street").organization.area == street
    assert post("street").organization.kind == Organization.Kind.GOVERNMENT_OFFICE
    assert post("street").position == Membership.Position.STAFF
    assert post("community").organization.area == community
    assert post("community").organization.kind == Organization.Kind.RESIDENTS_COMMITTEE
    assert post("community").position == Membership.Position.STAFF
    assert post("owners").organization.area == compound
    assert post("owners").organization.kind == Organization.Kind.OWNERS_COMMITTEE
    assert post("owners").position == Membership.Position.MEMBER
    firm = post("property").organization
    assert firm.kind == Organization.Kind.PROPERTY_FIRM
    assert post("property").position == Membership.Position.STAFF
    assert compound in firm.served_areas.all()
    assert Grid.objects.get(worker__username="gridworker").area == community

    home = Residency.objects.get(user__username="resident")
    assert home.status == Residency.Status.VERIFIED
    assert home.household.building == building
    registration = PartyRegistration.objects.get(user__username="resident")
    assert registration.show_publicly and registration.status == "confirmed"
    assert registration.community == community
    assert registration in PartyRegistration.objects.displayed_in(compound)

    claim = Residency.objects.get(user__username="newcomer")
    assert claim.status == Residency.Status.PENDING
    assert compound.contains(claim.household.building)


def test_running_twice_changes_nothing():
    seed()
    counts = [model.objects.count() for model in (Area, Household, User, Membership, Residency)]
    output = seed()
    assert [
        model.objects.count() for model in (Area, Household, User, Membership, Residency)
    ] == counts
    assert "already there" in output
    for username in ACCOUNTS:
        assert username in output


def test_the_same_seed_gives_the_same_names():
    seed("--district-code", "910001", "--seed", "7")
    seed("--district-code", "910002", "--seed", "7")
    seed("--district-code", "910003", "--seed", "8")

    def names(code):
        people = User.objects.filter(username__startswith=f"{code}-").order_by("username")
        district = Area.objects.get(code=code)
        places = Area.objects.under(district).values_list("name", flat=True)
        return list(people.values_list("full_name", flat=True)), list(places)

    assert names("910001") == names("910002")
    assert names("910001")[0]
    assert names("910001") != names("910003")
    assert no_tree_problems()


def test_a_small_scale_district_has_the_right_counts():
    output = seed(*SMALL_SCALE, "--residents-every", "4", "--check")
    district = Area.objects.get(code="999999")
    under = Area.objects.under(district)
    assert under.of_level(2).count() == 1
    assert under.of_level(3).count() == 2
    assert under.of_level(4).count() == 1 * 2 * 3
    assert under.of_level(5).count() == 1 * 2 * 3 * 2
    households = Household.objects.filter(building__path__startswith=district.path)
    assert households.count() == 1 * 2 * 3 * 2 * 4
    assert Residency.objects.filter(household__in=households).verified().count() == 48 // 4
    assert no_tree_problems()
    street = Area.objects.get(code="999999-001")
    assert Area.objects.under(street).count() == 1 + 2 + 6 + 12
    assert Area.objects.under(street, include_self=False).count() == 2 + 6 + 12
    assert Area.objects.filter(code="999999-001-002-03").get().numchild == 2
    assert "households" in output and "find_problems" in output

    # Treebeard carries on where the bulk write left off.
    compound = Area.objects.get(code="999999-001-002-03")
    added = Area.objects.add_child(
        compound, {"name": "3栋", "code": "999999-001-002-03-03", "level": 5}
    )
    assert added.path == compound.path + "0003"
    assert no_tree_problems()


def test_scale_sits_beside_the_demo_and_is_idempotent():
    seed()
    seed(*SMALL_SCALE)
    before = Area.objects.count()
    assert "already there" in seed(*SMALL_SCALE)
    assert Area.objects.count() == before
    demo, scale = Area.objects.get(code="420102"), Area.objects.get(code="999999")
    assert (demo.path, scale.path) == ("0001", "0002")
    assert Area.objects.get_root_nodes().count() == 2
    assert no_tree_problems()


def test_a_bad_district_code_is_refused():
    with pytest.raises(CommandError):
        seed("--district-code", "江岸")
    with pytest.raises(CommandError):
        seed("--district-code", "x" * 30)
    assert not Area.objects.exists()
