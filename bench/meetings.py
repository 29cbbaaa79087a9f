"""The bench district's meeting, planned, confirmed and opened through deliberation's services,
and a vote by household open on it, for the meeting page and ballot rows of `bench.run`.

Why a vote by household: the heaviest ballot a compound really holds is an owners' decision
(Civil Code art. 278, `owners_ordinary`), one ballot per household with a verified owner, cast
online from phones while the vote is open. A vote by person or party only counts the few
representatives present at the table: a load run would use them up in a second.

The compound is the district's first one with the five parties (党支部, 居委会, 业委会, 物业,
居民代表). A scale compound has 250 households; large estates have thousands, so the compound is
given `households` of them (new rooms of its buildings when needed), each with a verified owner
of its own (`bench-owner-…`, no password), who is that household's voter. Each run opens a new
motion (the previous one is closed and counted), so every voter may cast once per run.
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

BATCH = 1000
TITLE = "基准测试小区公共收益使用业主表决会"
MOTION_TITLE = "电梯广告收益用于更换单元门禁"
OWNER_PREFIX = "bench-owner-"
BENCH_UNIT = "基准"  # the unit of the rooms added to the compound's buildings
# The session page's ballot form, as the locust voters read it (bench/locustfile.py).
BALLOT_FORM = re.compile(
    r'<form method="post" action="(/motions/(\d+)/vote/)"[^>]*>(.*?)</form>', re.DOTALL
)
HOUSEHOLD_INPUT = re.compile(r'name="household" value="(\d+)"')


def ballot_form(html: str, motion: str) -> tuple[str, str] | None:
    """The action and household of the first ballot form of `motion` on the session page."""
    for form in BALLOT_FORM.finditer(html):
        household = HOUSEHOLD_INPUT.search(form[3])
        if form[2] == str(motion) and household:
            return form[1], household[1]
    return None


@dataclass
class BenchMeeting:
    meeting: object
    motion: object
    voters: list  # users, each the verified owner of one household of the electorate


def _member(organization, username: str, title: str):
    """An active member of the organisation: the bench's own account, added when missing."""
    from communities.models import Membership, User

    user, _ = User.objects.get_or_create(username=username, defaults={"full_name": title})
    Membership.objects.get_or_create(
        user=user,
        organization=organization,
        defaults={"position": Membership.Position.MEMBER, "title": title,
                  "starts_on": datetime.date(2024, 1, 1)},
    )  # fmt: skip
    return user


def five_party_compound(district):
    """The first compound of the district whose five parties exist: its party branch, owners'
    committee and self-management group, its community's residents' committee and a property
    firm serving it. Returns (compound, organisations by name)."""
    from communities.models import Area, Organization

    Kind = Organization.Kind
    compounds = Area.objects.filter(
        path__startswith=district.path, depth=Area.Level.COMPOUND
    ).order_by("path")
    for compound in compounds[:50]:
        found = {
            "branch": Organization.objects.filter(kind=Kind.PARTY_BRANCH, area=compound),
            "owners": Organization.objects.filter(kind=Kind.OWNERS_COMMITTEE, area=compound),
            "group": Organization.objects.filter(kind=Kind.SELF_MANAGEMENT_GROUP, area=compound),
            "committee": Organization.objects.filter(
                kind=Kind.RESIDENTS_COMMITTEE,
                area__path=compound.path[: 4 * Area.Level.COMMUNITY],
            ),
            "firm": Organization.objects.filter(kind=Kind.PROPERTY_FIRM, served_areas=compound),
        }
        found = {name: rows.order_by("pk").first() for name, rows in found.items()}
        if all(found.values()):
            return compound, found
    raise SystemExit(f"No compound of {district} has the five parties of a joint meeting.")


def ensure_owners(compound, households: int) -> list:
    """At least `households` households of the compound, each with a bench owner of its own
    (verified); returns those owners, in household order."""
    from communities.models import Area, Household, Residency, User

    def owners():
        return list(
            User.objects.filter(
                username__startswith=f"{OWNER_PREFIX}{compound.code}-",
                residencies__household__building__path__startswith=compound.path,
                residencies__relation=Residency.Relation.OWNER,
                residencies__status=Residency.Status.VERIFIED,
            ).order_by("residencies__household_id")
        )

    have = owners()
    missing = households - len(have)
    if missing <= 0:
        return have
    homes = Household.objects.filter(building__path__startswith=compound.path)
    free = list(
        homes.exclude(residencies__relation=Residency.Relation.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)[:missing]
    )
    buildings = list(
        Area.objects.filter(path__startswith=compound.path, depth=Area.Level.BUILDING).order_by(
            "path"
        )
    )
    if not buildings:
        raise SystemExit(f"{compound} has no building.")
    added = homes.filter(unit=BENCH_UNIT).count()
    new = [
        Household(
            building=buildings[(added + index) % len(buildings)],
            unit=BENCH_UNIT,
            room=str(added + index + 1),
            floor_area=Decimal("60") + (added + index) % 60,
        )
        for index in range(missing - len(free))
    ]
    for offset in range(0, len(new), BATCH):
        free += [home.pk for home in Household.objects.bulk_create(new[offset : offset + BATCH])]
    start = len(have)
    for offset in range(0, len(free), BATCH):
        chunk = free[offset : offset + BATCH]
        users = User.objects.bulk_create(
            [
                User(username=f"{OWNER_PREFIX}{compound.code}-{start + offset + index}",
                     password="!", full_name="基准测试业主")
                for index in range(len(chunk))
            ]
        )  # fmt: skip
        Residency.objects.bulk_create(
            [
                Residency(
                    user=user,
                    household_id=household,
                    relation=Residency.Relation.OWNER,
                    status=Residency.Status.VERIFIED,
                )
                for user, household in zip(users, chunk, strict=True)
            ]
        )
    return owners()


def _meeting(compound, organisations: dict, owners: list):
    """The joint meeting of the compound, through the services: planned a few minutes ago for
    now, five parties with a representative each, an agenda, confirmed, then opened with every
    representative present. Found again (by its submission key) on later runs."""
    from django.utils import timezone

    from deliberation import services
    from deliberation.management.commands.seed_demo_meetings import MeetingSeedClock
    from deliberation.models import Meeting, Party

    key = uuid.uuid5(uuid.NAMESPACE_URL, f"bench-meeting-{compound.code}")
    meeting = Meeting.objects.filter(submission_key=key).first()
    if meeting is not None and meeting.status == Meeting.Status.IN_PROGRESS:
        return meeting
    if meeting is not None:
        raise SystemExit(f"The bench meeting of {compound} is “{meeting.status}”, not in session.")
    organiser = _member(organisations["group"], "bench-meeting-organiser", "自管小组组长")
    representatives = {
        name: _member(organisations[name], f"bench-meeting-{name}", title)
        for name, title in (
            ("branch", "党支部书记"),
            ("committee", "居委会主任"),
            ("owners", "业委会主任"),
            ("firm", "物业项目经理"),
        )
    }
    clock = MeetingSeedClock()
    real_now = timezone.now()
    clock.at = real_now - datetime.timedelta(minutes=10)
    with clock:
        # Planned (and confirmed) before it starts, opened once it has: a meeting on its day.
        meeting = services.plan_meeting(
            organization=organisations["group"],
            area=compound,
            title=TITLE,
            description="业主对电梯广告收益的使用进行表决，每户一票，按专有部分面积计算。",
            starts_at=real_now - datetime.timedelta(minutes=5),
            ends_at=real_now + datetime.timedelta(hours=3),
            location_note="小区党群服务站",
            capacity=40,
            by=organiser,
            submission_key=key,
        )
        for name, person in representatives.items():
            party = services.add_party(
                meeting=meeting, organization=organisations[name], by=organiser
            )
            services.invite(meeting=meeting, user=person, party=party, by=organiser)
        residents = services.add_party(
            meeting=meeting, party=Party.RESIDENTS, label="居民代表", quorum=2, by=organiser
        )
        for person in owners[:2]:
            services.invite(meeting=meeting, user=person, party=residents, by=organiser)
        for title, minutes in (
            ("电梯广告收益公示", 20),
            ("收益使用方案表决", 40),
            ("其他事项", 20),
        ):
            services.add_agenda_item(meeting=meeting, by=organiser, title=title, minutes=minutes)
        services.confirm_meeting(meeting=meeting, by=organiser)
        clock.at = real_now
        services.open_meeting(meeting=meeting, by=organiser)
        for invitation in meeting.invitations.select_related("user").order_by("pk"):
            services.record_attendance(meeting=meeting, person=invitation.user, by=organiser)
    meeting.refresh_from_db()
    return meeting


def prepare(district, *, households: int) -> BenchMeeting:
    """The meeting in session and a fresh vote by household open on it, for `households`
    bench owners (the previous run's vote is closed and counted first)."""
    from django.db import transaction

    from deliberation import services
    from deliberation.counting import Rule
    from deliberation.models import AgendaItem, Motion

    compound, organisations = five_party_compound(district)
    with transaction.atomic():
        owners = ensure_owners(compound, households)
        meeting = _meeting(compound, organisations, owners)
    organiser = _member(organisations["group"], "bench-meeting-organiser", "自管小组组长")
    for motion in Motion.objects.filter(agenda_item__meeting=meeting, status=Motion.Status.OPEN):
        services.close_vote(motion=motion, by=organiser)
    item = AgendaItem.objects.filter(meeting=meeting).order_by("position", "pk")[1]
    motion = services.propose_motion(
        agenda_item=item,
        title=MOTION_TITLE,
        by=organiser,
        rule=Rule.OWNERS_ORDINARY,
        voting_unit=Motion.VotingUnit.HOUSEHOLD,
    )
    motion = services.open_vote(motion=motion, by=organiser)
    return BenchMeeting(meeting=meeting, motion=motion, voters=owners)


def stored(motion) -> dict:
    """What the vote holds: receipts (one per household that voted), the ballots counted, and
    the distinct households among the receipts (fewer than receipts would be a double vote)."""
    from deliberation.models import MotionBallot, MotionReceipt

    receipts = MotionReceipt.objects.filter(motion=motion)
    return {
        "receipts": receipts.count(),
        "ballots": MotionBallot.objects.filter(motion=motion).count(),
        "households": receipts.values("household_id").distinct().count(),
        "voters": receipts.values("voter_id").distinct().count(),
    }
