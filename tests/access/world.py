"""The fixture world of the access matrix: one district, one person per role, and one object of
every kind in every area a role's relations point at, built once per test module.

Every object's title carries a marker (`ACX-<kind>-<area>`) that a denial must never show, and
the residents whose personal data could leak have names and phone numbers the bodies are
searched for.

Roles and where they sit (the tree is the one of tests/conftest.py):

    D  district          district_staff (government office)
    ├── S1 street        street_staff (government office); property_firm registered here
    │   ├── C1 community community_staff (residents' committee), party_branch, public_supervisor,
    │   │   │            the grid of grid_worker
    │   │   ├── K1       owners_committee; property_firm's only contract; grid_worker's grid
    │   │   │   ├── B1   owner (verified owner of 101), resident (verified tenant of 102),
    │   │   │   │        building_head
    │   │   │   └── B2
    │   │   └── K2 ── B3
    │   └── C2 ── K3 ── B4
    └── S2 ── C3 ── K4 ── B5
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from communities import services as community_services
from communities.documents import clean_document, tiny_pdf
from communities.models import Area, AreaRole, Grid, Organization, Residency, User
from deliberation import services as deliberation_services
from deliberation.models import Category, Lane
from volunteers import services as volunteer_services
from volunteers.models import PointsAccount, Reward

# Relations of an object to the person asking, as the matrix names them.
SAME, CHILD, PARENT, SIBLING, UNRELATED, ANONYMOUS = (
    "same",
    "child",
    "parent",
    "sibling",
    "unrelated",
    "anonymous",
)
# Objects that belong to a person rather than to a place (a message, a token, a skill).
OWN, OTHERS = "own", "others"
# A page with no object: the relation is just "the person".
NONE = "none"

ROLES = (
    "anonymous",
    "stranger",
    "resident",
    "owner",
    "building_head",
    "grid_worker",
    "public_supervisor",
    "owners_committee",
    "property_firm",
    "party_branch",
    "community_staff",
    "street_staff",
    "district_staff",
    "superuser",
)

_WITH_A_SEAT = {
    "district_staff": {SAME: "D", CHILD: "S1"},
    "street_staff": {SAME: "S1", CHILD: "C1", PARENT: "D", SIBLING: "S2", UNRELATED: "C3"},
    "community_staff": {SAME: "C1", CHILD: "K1", PARENT: "S1", SIBLING: "C2", UNRELATED: "C3"},
    "party_branch": {SAME: "C1", CHILD: "K1", PARENT: "S1", SIBLING: "C2", UNRELATED: "C3"},
    "public_supervisor": {SAME: "C1", CHILD: "K1", PARENT: "S1", SIBLING: "C2", UNRELATED: "C3"},
    "owners_committee": {SAME: "K1", CHILD: "B1", PARENT: "C1", SIBLING: "K2", UNRELATED: "K4"},
    "property_firm": {SAME: "K1", CHILD: "B1", PARENT: "C1", SIBLING: "K2", UNRELATED: "K4"},
    "grid_worker": {SAME: "K1", CHILD: "B1", PARENT: "C1", SIBLING: "K2", UNRELATED: "K4"},
    "owner": {SAME: "B1", PARENT: "K1", SIBLING: "B2", UNRELATED: "B5"},
    "resident": {SAME: "B1", PARENT: "K1", SIBLING: "B2", UNRELATED: "B5"},
    "building_head": {SAME: "B1", PARENT: "K1", SIBLING: "B2", UNRELATED: "B5"},
}
# Where each role's relations point: relation → the area the object lies in.
RELATIONS: dict[str, dict[str, str]] = {
    **_WITH_A_SEAT,
    # Without a seat every place is unrelated; C1 has objects of every kind at or under it.
    "stranger": {UNRELATED: "C1"},
    "superuser": {UNRELATED: "C1"},
    "anonymous": {ANONYMOUS: "C1"},
}
AREA_CODES = sorted({code for places in RELATIONS.values() for code in places.values()})

LEVELS = Area.Level
ANY_LEVEL = frozenset(LEVELS.values)


def relation_of(role: str, area: Area, areas: dict[str, Area]) -> str:
    """How an object in `area` stands to the role, in the words of RELATIONS: any place above
    the seat is its parent, a place beside the seat or under one beside it is unrelated
    unless it shares the seat's parent (sibling)."""
    places = RELATIONS[role]
    if ANONYMOUS in places:
        return ANONYMOUS
    if SAME not in places:
        return UNRELATED
    seat = areas[places[SAME]].path
    here = area.path
    if here == seat:
        return SAME
    if here.startswith(seat):
        return CHILD
    if seat.startswith(here):
        return PARENT
    if len(here) == len(seat) and here[: -Area.steplen] == seat[: -Area.steplen]:
        return SIBLING
    return UNRELATED


def marker(kind: str, code: str) -> str:
    """The text that identifies one object: a denial must not contain it."""
    # The tilde ends it, so that no marker is the beginning of another (owner, owners_committee).
    return f"ACX-{kind}-{code}~"


@dataclass
class World:
    areas: dict[str, Area]
    people: dict[str, User]
    organizations: dict[str, Organization]
    # kind → area code → object
    objects: dict[str, dict[str, object]] = field(default_factory=dict)
    # kind → role → that role's own object (messages, tokens, skills)
    owned: dict[str, dict[str, object]] = field(default_factory=dict)
    # Texts no denial may ever contain: residents' names and phone numbers.
    personal: list[str] = field(default_factory=list)
    # The name and number of each role that lives in B1, for the neighbours test.
    personal_of: dict[str, list[str]] = field(default_factory=dict)
    markers: dict[tuple[type, int], str] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    households: dict[str, object] = field(default_factory=dict)
    volunteer_token: object = None
    media: str = ""

    def user(self, role: str):
        return AnonymousUser() if role == "anonymous" else self.people[role]

    def add(self, kind: str, code: str, obj) -> None:
        self.objects.setdefault(kind, {})[code] = obj
        if kind not in (
            "area",
            "community",
            "compound",
            "building",
        ):  # places are public: their names are on every page
            self.markers[(type(obj), obj.pk)] = marker(kind, code)

    def own(self, kind: str, role: str, obj) -> None:
        self.owned.setdefault(kind, {})[role] = obj
        self.markers[(type(obj), obj.pk)] = marker(kind, role)

    def marker_of(self, obj) -> str | None:
        return self.markers.get((type(obj), obj.pk))

    def find(self, kind: str, code: str, *, descend: bool):
        """The object of this kind in the area; with `descend`, the first one under it when the
        kind cannot live at the area's level (a claim is always for a building)."""
        here = self.objects.get(kind, {})
        if code in here or not descend:
            return here.get(code)
        root = self.areas[code].path
        under = sorted(
            (self.areas[other].path, obj)
            for other, obj in here.items()
            if self.areas[other].path.startswith(root)
        )
        return under[0][1] if under else None


def _area(parent, code, name, level, by):
    return community_services.create_area(parent=parent, code=code, name=name, level=level, by=by)


def _tree(admin) -> dict[str, Area]:
    L = LEVELS
    a = {}
    a["D"] = _area(None, "D", "江岸区", L.DISTRICT, admin)
    a["S1"] = _area(a["D"], "S1", "百步亭街道", L.STREET, admin)
    a["S2"] = _area(a["D"], "S2", "后湖街道", L.STREET, admin)
    a["C1"] = _area(a["S1"], "C1", "安居社区", L.COMMUNITY, admin)
    a["C2"] = _area(a["S1"], "C2", "幸福社区", L.COMMUNITY, admin)
    a["C3"] = _area(a["S2"], "C3", "金桥社区", L.COMMUNITY, admin)
    a["K1"] = _area(a["C1"], "K1", "幸福家园", L.COMPOUND, admin)
    a["K2"] = _area(a["C1"], "K2", "金桥花园", L.COMPOUND, admin)
    a["K3"] = _area(a["C2"], "K3", "百合苑", L.COMPOUND, admin)
    a["K4"] = _area(a["C3"], "K4", "紫薇苑", L.COMPOUND, admin)
    a["B1"] = _area(a["K1"], "B1", "1栋", L.BUILDING, admin)
    a["B2"] = _area(a["K1"], "B2", "2栋", L.BUILDING, admin)
    a["B3"] = _area(a["K2"], "B3", "1栋", L.BUILDING, admin)
    a["B4"] = _area(a["K3"], "B4", "1栋", L.BUILDING, admin)
    a["B5"] = _area(a["K4"], "B5", "1栋", L.BUILDING, admin)
    return a


_phones = iter(range(1000, 9999))


def _person(username: str, full_name: str) -> User:
    user = User.objects.create_user(
        username=username,
        email=f"{username}@example.org",
        full_name=full_name,
        phone=f"+8613{next(_phones):05d}{next(_phones):04d}",
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def _post(kind, area, user, *, admin, served=(), name=None):
    organization = Organization.objects.create(
        name=name or f"{area.name}{Organization.Kind(kind).label}", kind=kind, area=area
    )
    organization.served_areas.set(served)
    community_services.add_membership(
        organization=organization,
        user=user,
        position="staff",
        starts_on=datetime.date(2024, 1, 1),
        by=admin,
    )
    return organization


def _live_in(user, building, room, relation, *, by):
    household = community_services.create_household(
        building=building, unit="1", room=room, floor_area=Decimal("88.50"), by=by
    )
    claim = community_services.claim_household(
        user=user,
        community=Area.objects.get(path=building.path[: 3 * Area.steplen]),
        building=building,
        unit="1",
        room=room,
        relation=relation,
    )
    community_services.verify_residency(residency=claim, by=by)
    return household


def build_world() -> World:
    admin = User.objects.create_superuser("acx-root", "root@example.org", None, full_name="管理员")
    areas = _tree(admin)
    people = {role: _person(f"acx-{role}", f"{role}姓名") for role in ROLES[1:-1]}
    people["superuser"] = admin
    K = Organization.Kind
    L = LEVELS
    a = areas
    own = {
        "district_staff": _post(K.GOVERNMENT_OFFICE, a["D"], people["district_staff"], admin=admin),
        "street_staff": _post(K.GOVERNMENT_OFFICE, a["S1"], people["street_staff"], admin=admin),
        "community_staff": _post(
            K.RESIDENTS_COMMITTEE, a["C1"], people["community_staff"], admin=admin
        ),
        "party_branch": _post(K.PARTY_BRANCH, a["C1"], people["party_branch"], admin=admin),
        "owners_committee": _post(
            K.OWNERS_COMMITTEE, a["K1"], people["owners_committee"], admin=admin
        ),
        "property_firm": _post(
            K.PROPERTY_FIRM, a["S1"], people["property_firm"], admin=admin, served=[a["K1"]]
        ),
    }
    grid = Grid.objects.create(
        name="安居一网格", code="G1", area=a["C1"], worker=people["grid_worker"]
    )
    grid.covered_areas.set([a["K1"]])
    for role, kind, code in (
        ("building_head", AreaRole.Kind.BUILDING_HEAD, "B1"),
        ("public_supervisor", AreaRole.Kind.PUBLIC_SUPERVISOR, "C1"),
    ):
        community_services.assign_area_role(user=people[role], area=a[code], kind=kind, by=admin)
    homes = {"B1": _live_in(people["owner"], a["B1"], "101", Residency.Relation.OWNER, by=admin)}
    _live_in(people["resident"], a["B1"], "102", Residency.Relation.TENANT, by=admin)
    _live_in(people["building_head"], a["B1"], "103", Residency.Relation.OWNER, by=admin)

    # The organisation that runs what happens in each area: nobody of the roles belongs to it,
    # so a role reaches an object through its place in the tree, never through membership.
    running = {
        code: Organization.objects.create(
            name=f"{marker('organization', code)}议事会", kind=K.SOCIAL_ORGANIZATION, area=a[code]
        )
        for code in AREA_CODES
    }
    world = World(areas=areas, people=people, organizations={**own, **running}, households=homes)
    for code, organization in running.items():
        world.add("organization", code, organization)
    for role in ("owner", "resident"):
        world.personal_of[role] = [people[role].full_name, people[role].phone[3:]]
    # A building head's name is on the building's page, for neighbours to find; the number is not.
    world.personal_of["building_head"] = [people["building_head"].phone[3:]]
    for code in AREA_CODES:
        world.add("area", code, a[code])
        # Pages that exist only for one level of the tree (a compound's poster, a community's
        # register, a building's households) ask for the area as these kinds.
        level = {L.COMMUNITY: "community", L.COMPOUND: "compound", L.BUILDING: "building"}
        if a[code].level in level:
            world.add(level[a[code].level], code, a[code])
    _issues(world, admin)
    _notices(world, admin)
    _people_claims(world, admin)
    _rooms(world, admin)
    _resident_bookings(world)
    _deliberation(world, admin)
    _volunteering(world, admin)
    _imports(world, admin)
    _meetings(world, admin)
    _owned(world, admin)
    return world


def _issues(world: World, admin) -> None:
    public = Category.objects.create(
        name="路灯照明", code="lamp", default_lane=Lane.QUICK, responsible_kind="property_firm"
    )
    private = Category.objects.create(
        name="家庭矛盾",
        code="dispute",
        default_lane=Lane.JOINT,
        is_public=False,
        is_mediation=True,
    )
    world.categories = {"lamp": public, "dispute": private}
    reporter = _person("acx-reporter", "举报人王秀英")
    world.people["reporter"] = reporter
    world.personal += [reporter.full_name, reporter.phone[3:]]
    for code in AREA_CODES:
        for kind, category in (("issue", public), ("private_issue", private)):
            issue = deliberation_services.submit_issue(
                title=marker(kind, code),
                description=f"{marker(kind, code)} 3号楼门口的路灯坏了一周。",
                category=category,
                area=world.areas[code],
                reporter=reporter,
                submission_key=uuid.uuid4(),
            )
            world.add(kind, code, issue)
    accepted = deliberation_services.submit_issue(
        title=marker("accepted_issue", "K1"),
        description="已受理的问题",
        category=public,
        area=world.areas["K1"],
        reporter=reporter,
        submission_key=uuid.uuid4(),
    )
    deliberation_services.accept_issue(issue=accepted, by=admin)
    world.add("accepted_issue", "K1", accepted)
    # The owner's own dispute with a neighbour: theirs to read, and their building's staff's,
    # never the tenant's next door.
    world.add(
        "own_private_issue",
        "B1",
        deliberation_services.submit_issue(
            title=marker("own_private_issue", "B1"),
            description="楼上漏水，和邻居协商不成。",
            category=private,
            area=world.areas["B1"],
            reporter=world.people["owner"],
            submission_key=uuid.uuid4(),
        ),
    )


def _notices(world: World, admin) -> None:
    later = timezone.now() + datetime.timedelta(days=7)
    for code in AREA_CODES:
        area = world.areas[code]
        live = community_services.publish_notice(
            area=area,
            title=marker("notice", code),
            body=f"{marker('notice', code)} 停水通知",
            by=admin,
            attachments=[
                clean_document(
                    SimpleUploadedFile(
                        f"{marker('attachment', code)}.pdf",
                        tiny_pdf([marker("attachment", code)]),
                        content_type="application/pdf",
                    )
                )
            ],
        )
        world.add("notice", code, live)
        world.add("attachment", code, live.attachments.get())
        world.add(
            "draft_notice",
            code,
            community_services.publish_notice(
                area=area, title=marker("draft_notice", code), by=admin, publish_at=later
            ),
        )


def _people_claims(world: World, admin) -> None:
    for code in AREA_CODES:
        area = world.areas[code]
        if area.level == LEVELS.BUILDING:
            claimant = _person(f"acx-claimant-{code}", f"申请人{code}")
            world.personal += [claimant.full_name, claimant.phone[3:]]
            community_services.create_household(
                building=area, unit="2", room="201", floor_area=Decimal("70.00"), by=admin
            )
            world.add(
                "residency",
                code,
                community_services.claim_household(
                    user=claimant,
                    community=Area.objects.get(path=area.path[: 3 * Area.steplen]),
                    building=area,
                    unit="2",
                    room="201",
                    relation=Residency.Relation.OWNER,
                ),
            )
        if area.level == LEVELS.COMMUNITY:
            member = _person(f"acx-party-{code}", f"党员{code}")
            world.personal += [member.full_name, member.phone[3:]]
            world.add(
                "party_registration",
                code,
                community_services.register_party_member(
                    user=member,
                    community=area,
                    home_organization=marker("party_registration", code),
                    show_publicly=False,
                ),
            )


def _rooms(world: World, admin) -> None:
    booker = _person("acx-booker", "预约人赵")
    world.personal += [booker.full_name, booker.phone[3:]]
    # A volunteers' association of the district: it books rooms everywhere and decides none,
    # so every booking waits for those who look after the room.
    association = _post(
        Organization.Kind.SOCIAL_ORGANIZATION,
        world.areas["D"],
        booker,
        admin=admin,
        name="志愿者协会",
    )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for code in AREA_CODES:
        space = community_services.create_space(
            area=world.areas[code],
            name=marker("space", code),
            capacity=30,
            opens_at=datetime.time(8, 0),
            closes_at=datetime.time(21, 0),
            requires_approval=True,
            managed_by=world.organizations[code],
            by=admin,
        )
        world.add("space", code, space)
        starts = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(10)))
        world.add(
            "booking",
            code,
            community_services.book_space(
                space=space,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=1),
                by=booker,
                purpose=marker("booking", code),
                attendees=5,
                organization=association,
                submission_key=uuid.uuid4(),
            ),
        )


def _resident_bookings(world: World) -> None:
    """The owner of B1-101 books the rooms above their home for themselves: the calendar says
    "booked", never their name or purpose."""
    owner = world.people["owner"]
    day = timezone.localdate() + datetime.timedelta(days=1)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(16)))
    for code in ("B1", "K1", "C1"):
        world.add(
            "resident_booking",
            code,
            community_services.book_space(
                space=world.objects["space"][code],
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=1),
                by=owner,
                purpose=marker("resident_booking", code),
                attendees=3,
                submission_key=uuid.uuid4(),
            ),
        )


def _deliberation(world: World, admin) -> None:
    now = timezone.now()
    today = timezone.localdate()
    for code in AREA_CODES:
        area, organization = world.areas[code], world.organizations[code]
        world.add(
            "poll",
            code,
            deliberation_services.create_poll(
                organization=organization,
                area=area,
                title=marker("poll", code),
                options=["同意", "不同意"],
                closes_at=now + datetime.timedelta(days=7),
                by=admin,
                submission_key=uuid.uuid4(),
            ),
        )
        world.add(
            "upcoming_poll",
            code,
            deliberation_services.create_poll(
                organization=organization,
                area=area,
                title=marker("upcoming_poll", code),
                options=["同意", "不同意"],
                opens_at=now + datetime.timedelta(days=3),
                closes_at=now + datetime.timedelta(days=7),
                by=admin,
                submission_key=uuid.uuid4(),
            ),
        )
        topic = deliberation_services.open_topic(
            organization=organization,
            area=area,
            title=marker("topic", code),
            question="小区停车怎么管？",
            opens_on=today,
            closes_on=today + datetime.timedelta(days=10),
            by=admin,
            submission_key=uuid.uuid4(),
        )
        world.add("topic", code, topic)
        closed = deliberation_services.open_topic(
            organization=organization,
            area=area,
            title=marker("closed_topic", code),
            question="垃圾分类怎么做？",
            opens_on=today,
            closes_on=today + datetime.timedelta(days=10),
            by=admin,
            submission_key=uuid.uuid4(),
        )
        deliberation_services.close_topic(topic=closed, by=admin, summary="大家同意定时定点投放。")
        world.add("closed_topic", code, closed)
        world.add(
            "comment",
            code,
            deliberation_services.post_comment(
                topic=topic,
                author=admin,
                body=f"{marker('comment', code)} 建议划线",
                submission_key=uuid.uuid4(),
            ),
        )
        commitment = deliberation_services.make_commitment(
            organization=organization,
            area=area,
            title=marker("commitment", code),
            due_on=today + datetime.timedelta(days=20),
            by=admin,
            submission_key=uuid.uuid4(),
        )
        world.add("commitment", code, commitment)
        world.add(
            "remark",
            code,
            deliberation_services.remark_on_commitment(
                commitment=commitment,
                by=admin,
                text=f"{marker('remark', code)} 进度太慢",
                submission_key=uuid.uuid4(),
            ),
        )


def _volunteering(world: World, admin) -> None:
    volunteer = _person("acx-volunteer", "志愿者钱")
    world.personal += [volunteer.full_name, volunteer.phone[3:]]
    start = timezone.now() + datetime.timedelta(days=2)
    for code in AREA_CODES:
        area, organization = world.areas[code], world.organizations[code]
        activity = volunteer_services.create_activity(
            organization=organization,
            area=area,
            by=admin,
            title=marker("activity", code),
            place="睦邻驿站",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            capacity=5,
            points_per_hour=10,
        )
        world.add("activity", code, activity)
        world.add("sign_up", code, volunteer_services.sign_up(activity=activity, user=volunteer))
        reward = Reward.objects.create(
            name=marker("reward", code), organization=organization, area=area, cost=1, stock=5
        )
        world.add("reward", code, reward)
        volunteer_services.adjust_points(user=volunteer, points=1, reason="测试", by=admin)
        world.add(
            "redemption", code, volunteer_services.redeem_reward(reward=reward, user=volunteer)
        )
    world.volunteer_token = PointsAccount.objects.get(user=volunteer).check_in_token
    # Everyone has points to spend, so a refused redemption is refused for who they are.
    for role, user in world.people.items():
        if role != "reporter":
            volunteer_services.adjust_points(user=user, points=100, reason="测试", by=admin)
    helper = _person("acx-helper", "志愿者孙")
    world.personal += [helper.full_name, helper.phone[3:]]
    for code in AREA_CODES:
        entry = volunteer_services.sign_up(activity=world.objects["activity"][code], user=helper)
        world.add("checked_in", code, volunteer_services.check_in(sign_up=entry, by=admin))

    world.add(
        "nomination",
        "C1",
        volunteer_services.nominate(
            nominee=world.people["resident"],
            by=world.people["owner"],
            area=world.areas["C1"],
            reason=marker("nomination", "C1"),
        ),
    )


def _imports(world: World, admin) -> None:
    for code in AREA_CODES:
        # One new household in the first building under the area, so the check passes clean.
        root = world.areas[code].path
        building = min(
            (area for area in world.areas.values() if area.path.startswith(root)),
            key=lambda area: (-area.level, area.path),
        )
        upload = SimpleUploadedFile(
            f"{marker('import_job', code)}.csv",
            f"楼栋代码,单元,室号,建筑面积(㎡)\n{building.code},9,{900 + len(root)},66.00\n".encode(),
            content_type="text/csv",
        )
        job = community_services.start_import(
            area=world.areas[code], upload=upload, by=admin, language="zh-hans"
        )
        world.add("import_job", code, community_services.check_import(job=job))


def _meetings(world: World, admin) -> None:
    """A catalogue entry in every community; in every area a confirmed meeting of the area's
    organisation with a residents' party, an agenda item and a motion on it, a draft meeting,
    a cancelled one, and a meeting held today with its minutes published. The resident of B1-102 is invited as
    the residents' representative wherever they may be (B1 and above), to the draft too."""
    resident = world.people["resident"]
    soon = timezone.now() + datetime.timedelta(days=3)
    for code in AREA_CODES:
        area, organization = world.areas[code], world.organizations[code]
        if area.level == LEVELS.COMMUNITY:
            world.add(
                "matter",
                code,
                deliberation_services.add_consultation_matter(
                    area=area,
                    title=marker("matter", code),
                    kind="parking",
                    level=LEVELS.COMPOUND,
                    required_parties=["residents"],
                    by=admin,
                ),
            )
        plans = {}
        for kind, starts_at in (
            ("meeting", soon),
            ("draft_meeting", soon + datetime.timedelta(days=1)),
            ("cancelled_meeting", soon + datetime.timedelta(days=2)),
            # Planned a second ahead (a meeting is planned for the future), opened on its day.
            ("held_meeting", timezone.now() + datetime.timedelta(seconds=1)),
        ):
            meeting = deliberation_services.plan_meeting(
                organization=organization,
                area=area,
                title=marker(kind, code),
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=2),
                location_note="睦邻驿站",
                by=admin,
                submission_key=uuid.uuid4(),
            )
            plans[kind] = meeting
            world.add(kind, code, meeting)
        for kind in ("meeting", "draft_meeting"):
            meeting = plans[kind]
            party = deliberation_services.add_party(
                meeting=meeting, party="residents", label="居民代表", by=admin
            )
            world.add(f"{kind}_party", code, party)
            if world.areas["B1"].path.startswith(area.path):
                world.add(
                    f"{kind}_invitation",
                    code,
                    deliberation_services.invite(
                        meeting=meeting, user=resident, party=party, by=admin
                    ),
                )
            item = deliberation_services.add_agenda_item(
                meeting=meeting, by=admin, title=marker(f"{kind}_item", code), minutes=30
            )
            world.add(f"{kind}_item", code, item)
        meeting = deliberation_services.confirm_meeting(
            meeting=plans["meeting"], by=admin, confirm_anyway=True
        )
        world.add(
            "motion",
            code,
            deliberation_services.propose_motion(
                agenda_item=world.objects["meeting_item"][code],
                title=marker("motion", code),
                by=admin,
            ),
        )
        deliberation_services.cancel_meeting(
            meeting=deliberation_services.confirm_meeting(
                meeting=plans["cancelled_meeting"], by=admin
            ),
            by=admin,
            reason="场地改作他用",
        )
        held = deliberation_services.confirm_meeting(meeting=plans["held_meeting"], by=admin)
        deliberation_services.open_meeting(meeting=held, by=admin)
        world.add(
            "attendance",
            code,
            deliberation_services.record_attendance(
                meeting=held, person=admin, by=admin, observer=True
            ),
        )
        deliberation_services.close_meeting(meeting=held, by=admin)
        minutes = deliberation_services.write_minutes(
            meeting=held, body=f"{marker('minutes', code)} 到会各方同意。", by=admin
        )
        minutes = deliberation_services.submit_minutes(minutes=minutes, by=admin)
        world.add("minutes", code, deliberation_services.publish_minutes(minutes=minutes, by=admin))


def _owned(world: World, admin) -> None:
    """One message, one token and one skill for every role that can have one."""
    for role, user in world.people.items():
        if role == "reporter" or not user.is_authenticated:
            continue
        world.own(
            "notification",
            role,
            community_services.notify(
                user=user,
                key=f"acx-{role}",
                title=marker("notification", role),
                body="",
                url="",
                kind="general",
            ),
        )
        if user.has_perm("communities.create_api_token"):
            token, _secret = community_services.create_api_token(
                owner=user, name=marker("api_token", role)
            )
            world.own("api_token", role, token)
        world.own(
            "skill",
            role,
            volunteer_services.add_skill(
                user=user, name=marker("skill", role)[:60], description="", visibility="staff"
            ),
        )
