"""Build a believable demo district, or a full-size district for benchmarks.

    python manage.py seed_demo                 # 江岸区 (420102) with people, posts and demo accounts
    python manage.py seed_demo --seed 7        # the same shape, other names
    python manage.py seed_demo --scale         # 2,000 compounds and 500,000 households (429999)

The demo writes through the models, not the services: the services check the permission of a
person acting, and a seed has nobody acting. Areas are written in bulk with their treebeard
materialised paths computed here (steplen 4, base 36), so the tree stays valid for
`Area.find_problems()` without one query per node.

Running it again for a district code that already exists changes nothing: it says so, prints the
demo accounts and exits. All randomness comes from `random.Random(--seed)`.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random
from time import perf_counter

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

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

DEMO_PASSWORD = "demo12345"
DEMO_CODE = "420102"
SCALE_CODE = "429999"
BATCH = 5000

STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Codes below the district: -SSS (street) -CCC (community) -PP (compound) -BB (building).
CODE_SUFFIX_LENGTH = len("-001-001-01-01")
CODE_MAX_LENGTH = 32

Kind = Organization.Kind
Position = Membership.Position

# --- Vocabulary --------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
GIVEN_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅文斌海燕波宁浩凯丹萍鑫鹏雪琳晨欣"
    "怡涵宇轩博思雨嘉俊熙秀英德福春秋月云峰松兵亮坤佳蓉婷慧颖晓光荣胜利卫东新民振华永安金凤"
)
STREETS = (
    "百步亭", "后湖", "二七", "大智", "一元", "车站", "四唯", "永清", "西马", "球场",
    "劳动", "新村", "丹水池", "台北", "花桥", "谌家矶", "塔子湖",
)  # fmt: skip
COMMUNITIES = (
    "安居", "幸福", "和谐", "育才", "丹桂", "江滩", "惠民", "永安", "春华", "紫阳",
    "青年", "建设", "光明", "东方", "锦绣", "团结", "长青", "百花", "怡康", "朝阳",
    "同心", "新华", "黄浦", "解放", "胜利", "三阳", "滨江", "福星", "盛世", "德润",
)  # fmt: skip
COMPOUND_PREFIXES = (
    "幸福", "金桥", "阳光", "绿地", "翠苑", "锦江", "江景", "银河", "御景", "滨江", "香樟", "紫荆",
    "梧桐", "桂园", "金色", "世纪", "东湖", "长江", "汉口", "凤凰", "万家", "新华", "丽岛", "名都",
)  # fmt: skip
COMPOUND_SUFFIXES = ("家园", "花园", "华庭", "雅居", "新城", "公寓", "苑", "小区", "佳园", "名邸")
ROADS = (
    "解放大道", "后湖大道", "二七路", "沿江大道", "建设大道", "发展大道", "黄浦大街", "台北路",
    "金桥大道", "百步亭路", "中山大道", "胜利街",
)  # fmt: skip
FIRMS = ("安居", "金桥", "江城", "百步亭", "长江", "福星", "楚天", "汉江", "晴川", "黄鹤", "知音")
DEPARTMENTS = ("城管局", "住建局", "民政局")
WORKPLACES = (
    "武汉市第二中学党支部",
    "江岸区人民医院党委",
    "武汉铁路局机务段党总支",
    "武汉市自来水公司第三党支部",
    "长江航道局机关党委",
    "华中师范大学离退休党支部",
    "江岸区税务局机关党支部",
    "武汉港务集团第一党支部",
    "国网武汉供电公司营销党支部",
    "江岸区教育局机关党支部",
)
CHINESE_NUMERALS = "零一二三四五六七八九十"

# The demo accounts: username, fixed name, the +86139 number they get if it is free.
ACCOUNTS = (
    ("admin", "演示管理员", None),
    ("street", "周建国", 1),
    ("community", "林晓燕", 2),
    ("owners", "陈志强", 3),
    ("property", "赵立新", 4),
    ("gridworker", "吴海波", 5),
    ("resident", "李秀英", 6),
    ("newcomer", "王新宇", 7),
)

# Terms of office: fixed dates in the past, so posts are active and runs are repeatable.
COMMUNITY_TERM = datetime.date(2021, 7, 1)
STREET_TERM = datetime.date(2021, 12, 1)
DISTRICT_TERM = datetime.date(2021, 10, 1)
COMPOUND_TERM = datetime.date(2023, 3, 1)
FIRM_TERM = datetime.date(2022, 1, 1)
ACCOUNT_TERM = datetime.date(2024, 1, 1)


# --- Helpers -----------------------------------------------------------------------------------


def path_step(position: int) -> str:
    """The 4-character base-36 step of the n-th child (1-based), as treebeard writes it."""
    if not 1 <= position < len(ALPHABET) ** STEPLEN:
        raise CommandError(f"Position {position} does not fit in a tree step.")
    digits = []
    while position:
        position, digit = divmod(position, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits)).rjust(STEPLEN, "0")


def numeral(n: int) -> str:
    return CHINESE_NUMERALS[n] if 0 <= n <= 10 else str(n)


def cycled(rng: Random, pool: tuple[str, ...], count: int, *, shuffle: bool = True):
    """`count` (name, round) pairs: each name once before any repeats (round 1, 2...)."""
    names = list(pool)
    if shuffle:
        rng.shuffle(names)
    return [(names[i % len(names)], i // len(names)) for i in range(count)]


def chinese_name(rng: Random) -> str:
    given = "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(1 if rng.random() < 0.3 else 2))
    return rng.choice(SURNAMES) + given


def floor_area(rng: Random) -> Decimal:
    return Decimal(rng.randint(6000, 14000)).scaleb(-2)  # 60.00 to 140.00 m², two places


def rooms(units: int, floors: int, per_floor: int = 2) -> list[tuple[str, str]]:
    """(unit, room) of a building: unit 1 rooms 101, 102 ... 602, then unit 2."""
    return [
        (str(unit), f"{floor}{door:02d}")
        for unit in range(1, units + 1)
        for floor in range(1, floors + 1)
        for door in range(1, per_floor + 1)
    ]


def rooms_for_count(count: int) -> list[tuple[str, str]]:
    """`count` homes of six floors and two doors a floor per unit, as many units as needed."""
    return [(str(i // 12 + 1), f"{i % 12 // 2 + 1}{i % 2 + 1:02d}") for i in range(count)]


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def table(rows: list[tuple[str, ...]]) -> Iterator[str]:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        yield "  ".join(
            cell + " " * (width - display_width(cell))
            for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        if index == 0:
            yield "  ".join("-" * width for width in widths)


def label(area: Area) -> str:
    return f"{area.name} ({area.code})"


@dataclass
class Tree:
    district: Area
    by_level: dict[int, list[Area]] = field(default_factory=lambda: defaultdict(list))
    children: dict[str, list[Area]] = field(default_factory=lambda: defaultdict(list))

    def add(self, area: Area, parent: Area | None) -> Area:
        self.by_level[area.level].append(area)
        if parent is not None:
            self.children[parent.path].append(area)
            parent.numchild += 1
        return area

    @property
    def all(self) -> list[Area]:
        return [area for level in sorted(self.by_level) for area in self.by_level[level]]


class People:
    """New accounts without a usable password, named and numbered deterministically."""

    def __init__(self, rng: Random, code: str, *, first_phone: int | None):
        self.rng = rng
        self.code = code
        self.next_phone = first_phone
        self.counters: dict[str, int] = defaultdict(int)
        self.created: list[User] = []

    def new(self, kind: str) -> User:
        self.counters[kind] += 1
        phone = None
        if self.next_phone is not None:
            phone = f"+86138{self.next_phone:08d}"
            self.next_phone += 1
        user = User(
            username=f"{self.code}-{kind}{self.counters[kind]:05d}",
            full_name=chinese_name(self.rng),
            phone=phone,
            password=make_password(None),
        )
        self.created.append(user)
        return user

    def save(self) -> None:
        User.objects.bulk_create(self.created, batch_size=BATCH)


def first_free_phone() -> int:
    """Demo numbers are +86138 and eight digits; continue after the highest one in use."""
    highest = User.objects.filter(phone__regex=r"^\+86138[0-9]{8}$").aggregate(Max("phone"))
    last = highest["phone__max"]
    return int(last[-8:]) + 1 if last else 1


# --- The command -------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Build a demo district with people, organisations and demo accounts (password "
        f"{DEMO_PASSWORD}), or with --scale a full-size district for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2024, help="Random seed (default 2024).")
        parser.add_argument(
            "--scale",
            action="store_true",
            help="Build a full-size district in bulk: 2,000 compounds and 500,000 households.",
        )
        parser.add_argument(
            "--district-code",
            help=f"Code of the district (default {DEMO_CODE}, or {SCALE_CODE} with --scale).",
        )
        parser.add_argument(
            "--district-name",
            help="Name of the district (default 江岸区, or 临江新区 with --scale).",
        )
        parser.add_argument(
            "--streets", type=int, help="Streets in the district (demo 3, scale 10)."
        )
        parser.add_argument(
            "--communities-per-street", type=int, help="Communities per street (demo 2, scale 20)."
        )
        parser.add_argument(
            "--compounds-per-community",
            type=int,
            help="Compounds per community (demo 2 to 3, scale 10).",
        )
        parser.add_argument(
            "--buildings-per-compound",
            type=int,
            help="Buildings per compound (demo 3 to 6, scale 10).",
        )
        parser.add_argument(
            "--households-per-building",
            type=int,
            help="Households per building (demo 1 to 2 units of 3 to 6 floors, scale 25).",
        )
        parser.add_argument(
            "--residents-every",
            type=int,
            default=50,
            help="With --scale: one verified resident per this many households (0 for none).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Afterwards run treebeard's find_problems() on the new district and report.",
        )

    # The entry point -------------------------------------------------------------------------

    def handle(self, *args, **options):
        if not connection.features.can_return_rows_from_bulk_insert:
            raise CommandError("seed_demo needs a database that returns ids from bulk inserts.")
        scale = options["scale"]
        code = options["district_code"] or (SCALE_CODE if scale else DEMO_CODE)
        self._check_code(code)
        for option in (
            "streets",
            "communities_per_street",
            "compounds_per_community",
            "buildings_per_compound",
            "households_per_building",
        ):
            if options[option] is not None and options[option] < 1:
                raise CommandError(f"--{option.replace('_', '-')} must be at least 1.")
        limits = {"streets": 999, "communities_per_street": 999}
        limits |= {"compounds_per_community": 99, "buildings_per_compound": 99}
        for option, limit in limits.items():
            if (options[option] or 0) > limit:
                raise CommandError(f"--{option.replace('_', '-')} can be at most {limit}.")

        existing = Area.objects.filter(code=code).first()
        if existing is not None:
            self.stdout.write(
                f"The {'scale' if scale else 'demo'} district {label(existing)} is already "
                "there; nothing was changed."
            )
            if not scale:
                self._print_accounts(existing)
            return

        started = perf_counter()
        district = self._scale(code, options) if scale else self._demo(code, options)
        if options["check"]:
            self._check_tree(district)
        self.stdout.write(self.style.SUCCESS(f"Done in {perf_counter() - started:.1f} s."))
        if not scale:
            self._print_accounts(district)

    def _check_code(self, code: str) -> None:
        if not code or not all(c.isascii() and (c.isalnum() or c == "-") for c in code):
            raise CommandError("--district-code takes letters, digits and hyphens only.")
        if not code[0].isalnum():
            raise CommandError("--district-code must start with a letter or digit.")
        if len(code) + CODE_SUFFIX_LENGTH > CODE_MAX_LENGTH:
            longest = CODE_MAX_LENGTH - CODE_SUFFIX_LENGTH
            raise CommandError(f"--district-code can have at most {longest} characters.")

    def _check_tree(self, district: Area) -> None:
        started = perf_counter()
        problems = Area.objects.find_problems(parent=district)
        elapsed = perf_counter() - started
        if any(problems):
            raise CommandError(f"The tree has problems: {problems}")
        self.stdout.write(f"find_problems(): no problems in the new district ({elapsed:.1f} s).")

    def _timed(self, what: str, started: float) -> float:
        now = perf_counter()
        self.stdout.write(f"  {what:<44} {now - started:7.2f} s")
        return now

    # The tree, shared by both modes ----------------------------------------------------------

    def _build_tree(
        self,
        rng: Random,
        *,
        code: str,
        name: str,
        streets: int,
        communities: Callable[[], int],
        compounds: Callable[[], int],
        buildings: Callable[[], int],
    ) -> Tree:
        """Plan every area in memory with its materialised path, then write them in bulk."""
        last_root = (
            Area.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
        )
        root_position = int(last_root, 36) + 1 if last_root else 1
        district = Area(
            name=name, code=code, level=1, depth=1, path=path_step(root_position), numchild=0
        )
        tree = Tree(district)
        tree.add(district, None)

        street_names = cycled(rng, STREETS, streets, shuffle=False)
        street_counts = [communities() for _ in range(streets)]
        community_names = iter(cycled(rng, COMMUNITIES, sum(street_counts)))
        compound_pool = tuple(p + s for p in COMPOUND_PREFIXES for s in COMPOUND_SUFFIXES)
        compound_names: list[tuple[str, int]] = []

        for s, ((street_name, street_round), n_communities) in enumerate(
            zip(street_names, street_counts, strict=True), start=1
        ):
            street = tree.add(
                Area(
                    name=f"{street_name}{numeral(street_round + 1) if street_round else ''}街道",
                    code=f"{code}-{s:03d}",
                    level=2,
                    depth=2,
                    path=district.path + path_step(s),
                    numchild=0,
                ),
                district,
            )
            for c in range(1, n_communities + 1):
                community_name, community_round = next(community_names)
                community = tree.add(
                    Area(
                        name=f"{community_name}{numeral(community_round + 1) if community_round else ''}社区",
                        code=f"{street.code}-{c:03d}",
                        level=3,
                        depth=3,
                        path=street.path + path_step(c),
                        numchild=0,
                    ),
                    street,
                )
                for p in range(1, compounds() + 1):
                    if not compound_names:
                        compound_names = cycled(rng, compound_pool, len(compound_pool))
                        compound_names.reverse()
                    compound_name, _ = compound_names.pop()
                    rounds = (len(tree.by_level[4])) // len(compound_pool)
                    compound = tree.add(
                        Area(
                            name=compound_name + (f"{numeral(rounds + 1)}期" if rounds else ""),
                            code=f"{community.code}-{p:02d}",
                            level=4,
                            depth=4,
                            path=community.path + path_step(p),
                            numchild=0,
                            address=f"{rng.choice(ROADS)}{rng.randint(1, 999)}号",
                        ),
                        community,
                    )
                    for b in range(1, buildings() + 1):
                        tree.add(
                            Area(
                                name=f"{b}栋",
                                code=f"{compound.code}-{b:02d}",
                                level=5,
                                depth=5,
                                path=compound.path + path_step(b),
                                numchild=0,
                            ),
                            compound,
                        )
        Area.objects.bulk_create(tree.all, batch_size=BATCH)
        return tree

    def _create_households(
        self,
        rng: Random,
        buildings: list[Area],
        layout: Callable[[Area], list[tuple[str, str]]],
        *,
        keep_every: int = 1,
    ) -> tuple[int, list[Household]]:
        """Write the homes of each building in batches; keep every n-th one (0: none)."""
        count, kept, batch = 0, [], []
        for building in buildings:
            for unit, room in layout(building):
                household = Household(
                    building_id=building.pk, unit=unit, room=room, floor_area=floor_area(rng)
                )
                household.building_area = building  # for the seed's own bookkeeping
                batch.append(household)
                count += 1
                if keep_every and count % keep_every == 0:
                    kept.append(household)
                if len(batch) >= BATCH:
                    Household.objects.bulk_create(batch, batch_size=BATCH)
                    batch = []
        if batch:
            Household.objects.bulk_create(batch, batch_size=BATCH)
        return count, kept

    def _create_organizations(
        self, rng: Random, tree: Tree, *, firms: int
    ) -> dict[tuple[str, str], list[Organization]]:
        """The organisations of every tier, written tier by tier so each parent has an id."""
        orgs: dict[tuple[str, str], list[Organization]] = defaultdict(list)

        def org(area: Area, kind: str, name: str, parent: Organization | None = None):
            phone = f"027-{rng.randint(82000000, 85999999)}"
            made = Organization(area=area, kind=kind, name=name, parent=parent, phone=phone)
            orgs[area.path, kind].append(made)
            return made

        district = tree.district
        tier = [org(district, Kind.PARTY_COMMITTEE, f"中共{district.name}委员会")]
        tier += [org(district, Kind.DEPARTMENT, f"{district.name}{d}") for d in DEPARTMENTS]
        Organization.objects.bulk_create(tier)
        district_committee = tier[0]

        tier = []
        for street in tree.by_level[2]:
            tier.append(org(street, Kind.GOVERNMENT_OFFICE, f"{street.name}办事处"))
            tier.append(
                org(
                    street, Kind.PARTY_COMMITTEE, f"中共{street.name}工作委员会", district_committee
                )
            )
        firm_names = cycled(rng, FIRMS, firms)
        for index, (firm, round_) in enumerate(firm_names):
            seat = tree.by_level[2][index % len(tree.by_level[2])]
            suffix = f"第{numeral(round_ + 1)}分公司" if round_ else ""
            tier.append(org(seat, Kind.PROPERTY_FIRM, f"武汉{firm}物业服务有限公司{suffix}"))
        Organization.objects.bulk_create(tier, batch_size=BATCH)

        tier = []
        for community in tree.by_level[3]:
            street_path = community.path[: 2 * STEPLEN]
            office = orgs[street_path, Kind.GOVERNMENT_OFFICE][0]
            working_committee = orgs[street_path, Kind.PARTY_COMMITTEE][0]
            tier.append(org(community, Kind.RESIDENTS_COMMITTEE, f"{community.name}居委会", office))
            tier.append(
                org(
                    community,
                    Kind.PARTY_COMMITTEE,
                    f"中共{community.name}委员会",
                    working_committee,
                )
            )
        Organization.objects.bulk_create(tier, batch_size=BATCH)

        tier, contracts = [], []
        all_firms = [
            f for street in tree.by_level[2] for f in orgs[street.path, Kind.PROPERTY_FIRM]
        ]
        for index, compound in enumerate(tree.by_level[4]):
            community_path = compound.path[: 3 * STEPLEN]
            committee = orgs[community_path, Kind.RESIDENTS_COMMITTEE][0]
            party = orgs[community_path, Kind.PARTY_COMMITTEE][0]
            tier.append(
                org(compound, Kind.OWNERS_COMMITTEE, f"{compound.name}业主委员会", committee)
            )
            tier.append(org(compound, Kind.PARTY_BRANCH, f"{compound.name}小区党支部", party))
            tier.append(
                org(compound, Kind.SELF_MANAGEMENT_GROUP, f"{compound.name}自管小组", committee)
            )
            # Each compound is served by one firm under contract; the first by the first firm.
            contracts.append((all_firms[0] if index == 0 else rng.choice(all_firms), compound))
        Organization.objects.bulk_create(tier, batch_size=BATCH)
        through = Organization.served_areas.through
        through.objects.bulk_create(
            [through(organization_id=firm.pk, area_id=area.pk) for firm, area in contracts],
            batch_size=BATCH,
        )
        return orgs

    def _create_grids(self, tree: Tree, *, micro: bool) -> list[Grid]:
        """A general grid per community covering its compounds; a micro grid per compound."""
        grids, links = [], []
        through = Grid.covered_areas.through
        for community in tree.by_level[3]:
            grid = Grid(
                name=f"{community.name}第一网格",
                code=f"{community.code}-G1",
                kind=Grid.Kind.GENERAL,
                area=community,
            )
            grids.append(grid)
            links += [(grid, compound) for compound in tree.children[community.path]]
            if micro:
                for compound in tree.children[community.path]:
                    small = Grid(
                        name=f"{compound.name}微网格",
                        code=f"{compound.code}-W1",
                        kind=Grid.Kind.MICRO,
                        area=compound,
                    )
                    grids.append(small)
                    links.append((small, compound))
        Grid.objects.bulk_create(grids, batch_size=BATCH)
        through.objects.bulk_create(
            [through(grid_id=grid.pk, area_id=area.pk) for grid, area in links], batch_size=BATCH
        )
        return grids

    # Demo ------------------------------------------------------------------------------------

    def _demo(self, code: str, options) -> Area:
        rng = Random(options["seed"])
        started = perf_counter()
        fixed_households = options["households_per_building"]

        def layout(_building: Area) -> list[tuple[str, str]]:
            if fixed_households:
                return rooms_for_count(fixed_households)
            return rooms(units=rng.randint(1, 2), floors=rng.randint(3, 6))

        def count_or(option: str, low: int, high: int) -> Callable[[], int]:
            fixed = options[option]
            return (lambda: fixed) if fixed else (lambda: rng.randint(low, high))

        with transaction.atomic():
            tree = self._build_tree(
                rng,
                code=code,
                name=options["district_name"] or "江岸区",
                streets=options["streets"] or 3,
                communities=count_or("communities_per_street", 2, 2),
                compounds=count_or("compounds_per_community", 2, 3),
                buildings=count_or("buildings_per_compound", 3, 6),
            )
            _count, households = self._create_households(rng, tree.by_level[5], layout)
            orgs = self._create_organizations(rng, tree, firms=4)
            grids = self._create_grids(tree, micro=True)
            stats = self._populate(rng, code, tree, households, orgs, grids)
            self._create_accounts(tree, households, orgs, grids)

        levels = {level: len(tree.by_level[level]) for level in range(1, 6)}
        self.stdout.write(
            self.style.SUCCESS(
                f"Built the demo district {label(tree.district)}: {levels[2]} streets, "
                f"{levels[3]} communities, {levels[4]} compounds, {levels[5]} buildings, "
                f"{len(households):,} households."
            )
        )
        self.stdout.write(
            f"People: {stats['residents']:,} verified residents, {stats['pending']} pending "
            f"claims, {stats['party']} party members ({stats['public']} shown publicly), "
            f"{stats['posts']} posts in {sum(len(v) for v in orgs.values())} organisations, "
            f"{stats['roles']} area roles, {len(grids)} grids ({perf_counter() - started:.1f} s)."
        )
        return tree.district

    def _populate(
        self,
        rng: Random,
        code: str,
        tree: Tree,
        households: list[Household],
        orgs: dict[tuple[str, str], list[Organization]],
        grids: list[Grid],
    ) -> dict[str, int]:
        """Residents, claims, party members, posts with cross-posts, and area roles."""
        people = People(rng, code, first_phone=first_free_phone())
        posts: list[Membership] = []
        roles: list[AreaRole] = []
        residencies: list[Residency] = []
        registrations: dict[str, PartyRegistration] = {}
        now = timezone.now()

        def one(area: Area, kind: str) -> Organization:
            return orgs[area.path, kind][0]

        def post(user, org, position, title, starts_on):
            posts.append(
                Membership(
                    user=user, organization=org, position=position, title=title, starts_on=starts_on
                )
            )

        # District, streets, communities and firms: staff who work there.
        district = tree.district
        secretary = people.new("s")
        post(
            secretary, one(district, Kind.PARTY_COMMITTEE), Position.HEAD, "区委书记", DISTRICT_TERM
        )
        post(
            people.new("s"),
            one(district, Kind.PARTY_COMMITTEE),
            Position.DEPUTY,
            "区委副书记",
            DISTRICT_TERM,
        )
        for department in orgs[district.path, Kind.DEPARTMENT]:
            post(people.new("s"), department, Position.HEAD, "局长", DISTRICT_TERM)
            post(people.new("s"), department, Position.STAFF, "科员", DISTRICT_TERM)

        for street in tree.by_level[2]:
            office = one(street, Kind.GOVERNMENT_OFFICE)
            working_committee = one(street, Kind.PARTY_COMMITTEE)
            post(people.new("s"), working_committee, Position.HEAD, "党工委书记", STREET_TERM)
            director = people.new("s")
            post(director, office, Position.HEAD, "办事处主任", STREET_TERM)
            # 交叉任职: the director of the office is deputy secretary of the working committee.
            post(director, working_committee, Position.DEPUTY, "党工委副书记", STREET_TERM)
            post(people.new("s"), office, Position.DEPUTY, "办事处副主任", STREET_TERM)
            for _ in range(2):
                post(people.new("s"), office, Position.STAFF, "街道干部", STREET_TERM)
            for firm in orgs[street.path, Kind.PROPERTY_FIRM]:
                post(people.new("s"), firm, Position.HEAD, "项目经理", FIRM_TERM)
                for _ in range(2):
                    post(people.new("s"), firm, Position.STAFF, "物业管家", FIRM_TERM)

        leaders: dict[str, tuple[User, User]] = {}
        general_grids = {grid.area.path: grid for grid in grids if grid.kind == Grid.Kind.GENERAL}
        micro_grids = {grid.area.path: grid for grid in grids if grid.kind == Grid.Kind.MICRO}
        for index, community in enumerate(tree.by_level[3]):
            committee = one(community, Kind.RESIDENTS_COMMITTEE)
            party = one(community, Kind.PARTY_COMMITTEE)
            chief, deputy = people.new("s"), people.new("s")
            # 一肩挑: the party secretary also chairs the residents' committee.
            post(chief, party, Position.HEAD, "党委书记", COMMUNITY_TERM)
            post(chief, committee, Position.HEAD, "居委会主任", COMMUNITY_TERM)
            post(deputy, party, Position.DEPUTY, "党委副书记", COMMUNITY_TERM)
            post(deputy, committee, Position.DEPUTY, "居委会副主任", COMMUNITY_TERM)
            first_worker = people.new("s")
            post(first_worker, committee, Position.STAFF, "社区工作者", COMMUNITY_TERM)
            post(first_worker, party, Position.MEMBER, "党委委员", COMMUNITY_TERM)
            post(people.new("s"), committee, Position.STAFF, "社区工作者", COMMUNITY_TERM)
            if index:  # the first community's grid is worked by the demo account
                general_grids[community.path].worker = people.new("s")
            leaders[community.path] = (chief, deputy)

        # Residents: verified owners and family members, and a few pending tenants.
        by_building: dict[int, list[User]] = defaultdict(list)
        by_compound: dict[str, list[User]] = defaultdict(list)
        home_of: dict[str, Household] = {}
        pending = 0
        for household in households:
            building = household.building_area
            community_path = building.path[: 3 * STEPLEN]
            chief = leaders[community_path][0]
            occupants = []
            if rng.random() < 0.45:
                occupants.append(Residency.Relation.OWNER)
                if rng.random() < 0.25:
                    occupants.append(Residency.Relation.FAMILY)
            for relation in occupants:
                user = people.new("r")
                residencies.append(
                    Residency(
                        user=user,
                        household=household,
                        relation=relation,
                        status=Residency.Status.VERIFIED,
                        claimed_at=now,
                        decided_by=chief,
                        decided_at=now,
                    )
                )
                by_building[building.pk].append(user)
                by_compound[building.path[: 4 * STEPLEN]].append(user)
                home_of[user.username] = household
            if rng.random() < 0.03:
                pending += 1
                residencies.append(
                    Residency(
                        user=people.new("r"),
                        household=household,
                        relation=Residency.Relation.TENANT,
                        claimed_at=now,
                    )
                )

        tree_area = {area.path: area for area in tree.all}

        def register(user: User, *, public: bool | None = None) -> None:
            if user.username in registrations:
                return
            community_path = home_of[user.username].building_area.path[: 3 * STEPLEN]
            registrations[user.username] = PartyRegistration(
                user=user,
                community=tree_area[community_path],
                home_organization=rng.choice(WORKPLACES),
                show_publicly=rng.random() < 0.7 if public is None else public,
                lead_household=rng.random() < 0.2,
                status=PartyRegistration.Status.CONFIRMED,
                registered_at=now,
                confirmed_by=leaders[community_path][0],
            )

        for user in [u for users in by_compound.values() for u in users]:
            if rng.random() < 0.12:
                register(user)

        # Compounds: owners' committee, party branch and self-management group from residents.
        for compound in tree.by_level[4]:
            community_path = compound.path[: 3 * STEPLEN]
            deputy_secretary = leaders[community_path][1]
            roles.append(
                AreaRole(user=deputy_secretary, area=compound, kind=AreaRole.Kind.PARTY_INSTRUCTOR)
            )
            pool = list(by_compound[compound.path])
            if not pool:
                continue
            owners = rng.sample(pool, min(3, len(pool)))
            committee = one(compound, Kind.OWNERS_COMMITTEE)
            for user, (position, title) in zip(
                owners,
                [
                    (Position.HEAD, "业委会主任"),
                    (Position.DEPUTY, "业委会副主任"),
                    (Position.MEMBER, "业委会委员"),
                ],
                strict=False,
            ):
                post(user, committee, position, title, COMPOUND_TERM)

            branch = one(compound, Kind.PARTY_BRANCH)
            members = [u for u in pool if u.username in registrations and u not in owners]
            secretary = members[0] if members else rng.choice(pool)
            register(secretary)
            post(secretary, branch, Position.HEAD, "支部书记", COMPOUND_TERM)
            # 交叉任职: the last owners' committee member also sits on the branch committee.
            if owners[-1] is not secretary:
                register(owners[-1])
                post(owners[-1], branch, Position.MEMBER, "支部委员", COMPOUND_TERM)

            heads = []
            for building in tree.children[compound.path]:
                living_here = by_building[building.pk]
                if not living_here:
                    continue
                head = rng.choice(living_here)
                heads.append(head)
                roles.append(AreaRole(user=head, area=building, kind=AreaRole.Kind.BUILDING_HEAD))
                party_here = [u for u in living_here if u.username in registrations]
                if party_here and rng.random() < 0.5:
                    roles.append(
                        AreaRole(
                            user=party_here[0], area=building, kind=AreaRole.Kind.BUILDING_LIAISON
                        )
                    )
            group = one(compound, Kind.SELF_MANAGEMENT_GROUP)
            leader = heads[0] if heads else rng.choice(pool)
            post(leader, group, Position.HEAD, "自管小组组长", COMPOUND_TERM)
            for user in rng.sample(pool, min(2, len(pool))):
                if user is not leader:
                    post(user, group, Position.MEMBER, "自管小组成员", COMPOUND_TERM)
            if compound.path in micro_grids:
                micro_grids[compound.path].worker = leader  # a volunteer looks after it

        # Communities: a mediator and a public supervisor who live there.
        for community in tree.by_level[3]:
            pool = [
                u for compound in tree.children[community.path] for u in by_compound[compound.path]
            ]
            if len(pool) >= 2:
                mediator, supervisor = rng.sample(pool, 2)
                roles.append(AreaRole(user=mediator, area=community, kind=AreaRole.Kind.MEDIATOR))
                roles.append(
                    AreaRole(user=supervisor, area=community, kind=AreaRole.Kind.PUBLIC_SUPERVISOR)
                )

        people.save()
        Residency.objects.bulk_create(residencies, batch_size=BATCH)
        PartyRegistration.objects.bulk_create(registrations.values(), batch_size=BATCH)
        Membership.objects.bulk_create(posts, batch_size=BATCH)
        AreaRole.objects.bulk_create(roles, batch_size=BATCH)
        for grid in grids:
            if grid.worker is not None:
                grid.worker_id = grid.worker.pk
        Grid.objects.bulk_update([g for g in grids if g.worker], ["worker"], batch_size=BATCH)
        return {
            "residents": sum(r.status == Residency.Status.VERIFIED for r in residencies),
            "pending": pending,
            "party": len(registrations),
            "public": sum(r.show_publicly for r in registrations.values()),
            "posts": len(posts),
            "roles": len(roles),
        }

    def _create_accounts(self, tree, households, orgs, grids) -> None:
        """The demo accounts; an account that already exists is reused and given the posts."""
        users = {}
        for username, full_name, number in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                phone = f"+86139{number:08d}" if number else None
                if phone and User.objects.filter(phone=phone).exists():
                    phone = None
                user = User(username=username, full_name=full_name, phone=phone)
                if username == "admin":
                    user.is_superuser = user.is_staff = True
                user.set_password(DEMO_PASSWORD)
                user.save()
            users[username] = user

        street = tree.by_level[2][0]
        community = tree.children[street.path][0]
        compound = tree.children[community.path][0]
        building = tree.children[compound.path][0]
        in_compound = [h for h in households if h.building_area.path.startswith(compound.path)]
        in_building = [h for h in in_compound if h.building_id == building.pk]

        def post(username, org, position, title):
            Membership.objects.get_or_create(
                user=users[username],
                organization=org,
                position=position,
                starts_on=ACCOUNT_TERM,
                defaults={"title": title},
            )

        post("street", orgs[street.path, Kind.GOVERNMENT_OFFICE][0], Position.STAFF, "街道干部")
        post(
            "community",
            orgs[community.path, Kind.RESIDENTS_COMMITTEE][0],
            Position.STAFF,
            "社区工作者",
        )
        post("owners", orgs[compound.path, Kind.OWNERS_COMMITTEE][0], Position.MEMBER, "业委会委员")
        firm = Organization.objects.filter(kind=Kind.PROPERTY_FIRM, served_areas=compound).first()
        post("property", firm, Position.STAFF, "物业管家")

        grid = next(g for g in grids if g.kind == Grid.Kind.GENERAL and g.area is community)
        grid.worker = users["gridworker"]
        grid.save(update_fields=["worker"])

        now = timezone.now()
        chief = Membership.objects.filter(
            organization=orgs[community.path, Kind.RESIDENTS_COMMITTEE][0], position=Position.HEAD
        ).first()
        verified = {
            "status": Residency.Status.VERIFIED,
            "decided_by": chief.user if chief else None,
            "decided_at": now,
        }
        Residency.objects.get_or_create(
            user=users["resident"], household=in_building[0], defaults=verified
        )
        Residency.objects.get_or_create(
            user=users["owners"],
            household=in_compound[min(1, len(in_compound) - 1)],
            defaults=verified,
        )
        Residency.objects.get_or_create(
            user=users["newcomer"],
            household=in_compound[-1],
            defaults={"status": Residency.Status.PENDING, "relation": Residency.Relation.TENANT},
        )
        PartyRegistration.objects.get_or_create(
            user=users["resident"],
            defaults={
                "community": community,
                "home_organization": "江岸区教育局机关党支部",
                "show_publicly": True,
                "status": PartyRegistration.Status.CONFIRMED,
                "confirmed_by": chief.user if chief else None,
            },
        )

    def _print_accounts(self, district: Area) -> None:
        """What each demo account is in this district, read back from the database."""
        inside = district.path
        rows = [("username", "role", "area")]
        for username, _name, _number in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            role, area = "(not set up)", ""
            if user is None:
                pass
            elif user.is_superuser:
                role, area = "superuser, administrator", "everywhere"
            elif username == "gridworker":
                grid = Grid.objects.filter(worker=user, area__path__startswith=inside).first()
                if grid:
                    role, area = f"grid worker of {grid.name}", label(grid.area)
            elif username in ("resident", "newcomer"):
                claim = (
                    Residency.objects.filter(
                        user=user, household__building__path__startswith=inside
                    )
                    .select_related("household__building")
                    .first()
                )
                if claim:
                    home = claim.household
                    compound = Area.objects.get(path=home.building.path[: 4 * STEPLEN])
                    role = {
                        Residency.Status.VERIFIED: "verified resident",
                        Residency.Status.PENDING: "pending claim, waiting for verification",
                    }.get(claim.status, f"{claim.status} claim")
                    if (
                        hasattr(user, "party_registration")
                        and user.party_registration.show_publicly
                    ):
                        role += ", party member (shown publicly)"
                    area = f"{compound.name} {home.building.name} {home.unit}单元{home.room} ({home.building.code})"
            else:
                membership = (
                    Membership.objects.filter(
                        user=user, organization__area__path__startswith=inside
                    )
                    .select_related("organization__area")
                    .first()
                )
                if membership:
                    org = membership.organization
                    role = f"{membership.position}, {org.name}"
                    seat = org.area
                    if org.kind == Kind.PROPERTY_FIRM:
                        served = org.served_areas.order_by("path").first()
                        seat = served or seat
                        role += " (serves it)"
                    area = label(seat)
            rows.append((username, role, area))
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for line in table(rows):
            self.stdout.write("  " + line)

    # Scale -----------------------------------------------------------------------------------

    def _scale(self, code: str, options) -> Area:
        rng = Random(options["seed"])
        streets = options["streets"] or 10
        communities = options["communities_per_street"] or 20
        compounds = options["compounds_per_community"] or 10
        buildings = options["buildings_per_compound"] or 10
        per_building = options["households_per_building"] or 25
        every = max(options["residents_every"], 0)
        layout = rooms_for_count(per_building)
        self.stdout.write(
            f"Building a scale district {code}: {streets} streets x {communities} communities x "
            f"{compounds} compounds x {buildings} buildings x {per_building} households "
            f"= {streets * communities * compounds:,} compounds, "
            f"{streets * communities * compounds * buildings * per_building:,} households."
        )
        with transaction.atomic():
            step = perf_counter()
            tree = self._build_tree(
                rng,
                code=code,
                name=options["district_name"] or "临江新区",
                streets=streets,
                communities=lambda: communities,
                compounds=lambda: compounds,
                buildings=lambda: buildings,
            )
            step = self._timed(f"areas ({len(tree.all):,})", step)
            count, kept = self._create_households(
                rng, tree.by_level[5], lambda _building: layout, keep_every=every
            )
            step = self._timed(f"households ({count:,})", step)
            orgs = self._create_organizations(rng, tree, firms=2 * streets)
            grids = self._create_grids(tree, micro=False)
            step = self._timed(
                f"organisations ({sum(len(v) for v in orgs.values()):,}) and grids ({len(grids):,})",
                step,
            )
            if every:
                people = People(rng, code, first_phone=None)
                now = timezone.now()
                residencies = [
                    Residency(
                        user=people.new("r"),
                        household=household,
                        relation=Residency.Relation.OWNER,
                        status=Residency.Status.VERIFIED,
                        claimed_at=now,
                        decided_at=now,
                    )
                    for household in kept
                ]
                people.save()
                Residency.objects.bulk_create(residencies, batch_size=BATCH)
                step = self._timed(f"residents ({len(residencies):,})", step)
        return tree.district
