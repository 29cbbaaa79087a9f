"""Public commitments in the demo compound, kept (or not) over the last two months.

    python manage.py seed_demo                # first: the district, its people and demo accounts
    python manage.py seed_demo_issues         # then: the residents' issues
    python manage.py seed_demo_commitments    # then: these commitments

The residents' committee, the owners' committee and the property firm of the compound where the
demo account `resident` lives each commit in public: the firm fulfils one (its two issues are
resolved), fulfils another only in part and has just committed to the resident's own open
issues; the owners' committee has one on track that the community's public supervisor asked
about and the committee answered; the residents' committee has one fulfilled and one overdue,
whose reminder the periodic task sends. Residents report the issues these answer; everything
goes through `deliberation.services`, each step with "now" set to the moment it stands for
(`SeedClock`, as seed_demo_issues does), so the timelines, their hash chains and the funnel are
what the portal itself writes.

Running it again when the district already has commitments changes nothing.
"""

from __future__ import annotations

import datetime
import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation

from communities.management.commands.seed_demo import DEMO_CODE
from communities.models import Area, AreaRole, Membership, Notice, Organization, Residency, User
from deliberation import services
from deliberation.management.commands.seed_demo_issues import SeedClock, quiet_task_log
from deliberation.models import Category, Commitment, CommitmentUpdate, Issue, IssueEvent

Kind = Organization.Kind
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


class CommitmentClock(SeedClock):
    """SeedClock, also for the fields of commitments and notices that default to "now"."""

    FIELDS = (
        *SeedClock.FIELDS,
        (Commitment, "made_at"),
        (CommitmentUpdate, "at"),
        (Notice, "created_at"),
    )


@dataclass
class Compound:
    """The demo compound and who speaks for whom there."""

    compound: Area
    community: Area
    buildings: list[Area]
    residents: list[User]
    committee: Organization
    committee_staff: User
    owners_committee: Organization
    owners: User
    firm: Organization
    firm_staff: User
    supervisor: User | None


class Command(BaseCommand):
    help = (
        "Give the demo compound (run seed_demo and seed_demo_issues first) public commitments "
        "of its residents' committee, owners' committee and property firm, some kept, one "
        "overdue, one questioned by a public supervisor and answered."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--district-code",
            default=DEMO_CODE,
            help=f"Code of the district (default {DEMO_CODE}).",
        )

    def handle(self, *args, district_code: str, **options):
        district = Area.objects.filter(code=district_code, level=Area.Level.DISTRICT).first()
        if district is None or not Issue.objects.under(district).exists():
            raise CommandError(
                "The demo district has no issues yet. Run `python manage.py seed_demo` and "
                "`python manage.py seed_demo_issues` first."
            )
        existing = Commitment.objects.under(district).count()
        if existing:
            self.stdout.write(
                f"{district.name} ({district_code}) already has {existing} commitments; "
                "nothing was changed."
            )
            return
        self.now = timezone.now()
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"seed_demo_commitments/{district_code}")
        self.keys = 0
        recount = io.StringIO()
        with (
            quiet_task_log(),
            translation.override(settings.LANGUAGE_CODE),
            transaction.atomic(),
        ):
            place = self._load(district)
            self.categories = {category.code: category for category in Category.objects.all()}
            with CommitmentClock() as clock:
                self.clock = clock
                made = self._stories(place)
            call_command("recount_funnel", fix=True, stdout=recount)
        self._summary(place, made, recount.getvalue())

    # --- Who is there -----------------------------------------------------------------------

    def _load(self, district: Area) -> Compound:
        home = (
            Residency.objects.verified()
            .filter(user__username="resident", household__building__path__startswith=district.path)
            .select_related("household__building")
            .first()
        )
        if home is None:
            raise CommandError("The demo account `resident` has no home; run `seed_demo` first.")
        building = home.household.building
        compound = Area.objects.get(path=building.path[: 4 * Area.Level.COMPOUND])
        community = Area.objects.get(path=building.path[: 4 * Area.Level.COMMUNITY])

        def organization(kind: str, **where) -> Organization:
            found = Organization.objects.filter(kind=kind, **where).order_by("pk").first()
            if found is None:
                raise CommandError(f"{compound.name} has no {kind}; run `seed_demo` first.")
            return found

        def speaker(org: Organization, username: str) -> User:
            members = Membership.objects.active().filter(organization=org)
            member = members.filter(user__username=username).first() or members.first()
            if member is None:
                raise CommandError(f"Nobody speaks for {org.name}.")
            return member.user

        committee = organization(Kind.RESIDENTS_COMMITTEE, area=community)
        owners_committee = organization(Kind.OWNERS_COMMITTEE, area=compound)
        firm = organization(Kind.PROPERTY_FIRM, served_areas=compound)
        role = (
            AreaRole.objects.active()
            .filter(
                kind=AreaRole.Kind.PUBLIC_SUPERVISOR,
                area__path__in=[community.path, compound.path],
            )
            .select_related("user")
            .order_by("pk")
            .first()
        )
        residents = list(
            User.objects.filter(
                residencies__status=Residency.Status.VERIFIED,
                residencies__household__building__path__startswith=compound.path,
            )
            .exclude(username__in=["resident", "owners", "newcomer"])
            .order_by("pk")
            .distinct()
        )
        if len(residents) < 3:
            raise CommandError(f"{compound.name} has too few verified residents.")
        return Compound(
            compound=compound,
            community=community,
            buildings=list(Area.objects.filter(path__startswith=compound.path, depth=5)),
            residents=residents,
            committee=committee,
            committee_staff=speaker(committee, "community"),
            owners_committee=owners_committee,
            owners=speaker(owners_committee, "owners"),
            firm=firm,
            firm_staff=speaker(firm, "property"),
            supervisor=role.user if role else None,
        )

    # --- What happened ----------------------------------------------------------------------

    def _at(self, when: datetime.datetime) -> None:
        self.clock.at = when

    def _ago(self, days: float, hour: int = 10) -> datetime.datetime:
        day = timezone.localtime(self.now - days * DAY)
        return day.replace(hour=hour, minute=(7 * int(days)) % 60, second=0, microsecond=0)

    def _key(self) -> uuid.UUID:
        self.keys += 1
        return uuid.uuid5(self.namespace, str(self.keys))

    def _report(self, place: Compound, at, *, who: int, category: str, title: str, text: str):
        self._at(at)
        building = place.buildings[who % len(place.buildings)]
        return services.submit_issue(
            title=title,
            description=text,
            category=self.categories[category],
            area=building if category != "fire-lane" else place.compound,
            reporter=place.residents[who % len(place.residents)],
            submission_key=self._key(),
        )

    def _accept(self, issue: Issue, by: User, at) -> Issue:
        self._at(at)
        return services.accept_issue(issue=issue, by=by)

    def _commit(self, org: Organization, by: User, at, *, area, title, due, text="", issues=()):
        self._at(at)
        return services.make_commitment(
            organization=org,
            area=area,
            title=title,
            due_on=timezone.localdate(due),
            by=by,
            description=text,
            issues=issues,
            submission_key=self._key(),
        )

    def _progress(self, commitment: Commitment, by: User, at, percent: int, text: str) -> None:
        self._at(at)
        services.report_progress(
            commitment=commitment, by=by, progress=percent, text=text, submission_key=self._key()
        )

    def _result(self, commitment: Commitment, by: User, at, result: str, note: str) -> None:
        self._at(at)
        services.record_commitment_result(commitment=commitment, by=by, result=result, note=note)

    def _stories(self, place: Compound) -> list[Commitment]:
        firm, firm_staff = place.firm, place.firm_staff
        owners_committee, owners = place.owners_committee, place.owners
        committee, staff = place.committee, place.committee_staff
        made = []

        # The firm: the compound's lamps, reported twice, fixed in twelve days (fulfilled).
        lamps = [
            self._report(
                place,
                self._ago(33, 20),
                who=0,
                category="lamp",
                title="小区东门到3栋之间的路灯全黑",
                text="从东门进来到3栋这一段路灯全部不亮，已经一周了，晚上散步的居民很多，请物业检修线路。",
            ),
            self._report(
                place,
                self._ago(33, 21),
                who=1,
                category="lamp",
                title="地下车库照明灯坏了一大片",
                text="地下车库靠近电梯口的照明灯坏了七八盏，停车找车都看不清，存在安全隐患。",
            ),
        ]
        lamps = [self._accept(issue, owners, self._ago(32, 9)) for issue in lamps]
        lighting = self._commit(
            firm, firm_staff, self._ago(32, 15), area=place.compound,
            title="两周内完成小区路灯和车库照明全面检修", due=self._ago(18),
            text="排查小区道路和地下车库的全部照明线路，更换老化电缆和损坏灯具；检修期间在东门增设临时照明。",
            issues=lamps,
        )  # fmt: skip
        self._progress(
            lighting, firm_staff, self._ago(27, 16), 50,
            "已排查全部线路：东门一带地下电缆老化短路，已更换电缆120米；车库灯具已到货。",
        )  # fmt: skip
        self._result(
            lighting, firm_staff, self._ago(21, 17), "fulfilled",
            "更换LED灯具18盏、电缆120米，小区道路和地下车库全部恢复照明，今后每月巡检一次。",
        )  # fmt: skip
        made.append(lighting)

        # The firm: the door entry phones, only half done (partly fulfilled; the issue stays open).
        door = self._report(
            place, self._ago(50, 19), who=2, category="facilities", title="2栋2单元单元门门禁坏了",
            text="2栋2单元的单元门门禁坏了一个多星期，门一直关不上，陌生人随便进出，不安全。",
        )  # fmt: skip
        door = self._accept(door, owners, self._ago(49, 9))
        doors = self._commit(
            firm, firm_staff, self._ago(49, 14), area=place.compound,
            title="一个月内更换小区全部单元门禁", due=self._ago(19),
            text="逐栋更换老化的单元门禁控制器和闭门器，更换前在单元门张贴通知。", issues=[door],
        )  # fmt: skip
        self._progress(doors, firm_staff, self._ago(35, 16), 40, "已更换1栋、3栋的单元门禁。")
        self._result(
            doors, firm_staff, self._ago(20, 17), "partly",
            "已更换5个单元的门禁；2栋的控制器因厂家缺货未能按期更换，已临时加装闭门器，到货后一周内完成。",
        )  # fmt: skip
        made.append(doors)

        # The owners' committee: parking fees in the open, on track; a supervisor asks.
        parking = self._report(
            place, self._ago(21, 20), who=3, category="parking", title="小区停车收费标准不透明",
            text="停车费今年又涨了，但没有公示收费依据和收支情况，希望业委会组织业主讨论并公开账目。",
        )  # fmt: skip
        parking = self._accept(parking, owners, self._ago(20, 10))
        fees = self._commit(
            owners_committee, owners, self._ago(19, 15), area=place.compound,
            title="本季度内公示停车收费依据和近三年收支明细", due=self._ago(-20),
            text="向物业调取停车收费依据和收支凭证，经业委会核对后在公告栏和线上公示，并召开业主代表座谈会。",
            issues=[parking],
        )  # fmt: skip
        self._progress(
            fees, owners, self._ago(9, 18), 40, "已向物业调取近三年的停车收支凭证，正在逐笔核对。"
        )
        if place.supervisor is not None:
            self._at(self._ago(6, 20))
            remark = services.remark_on_commitment(
                commitment=fees,
                by=place.supervisor,
                text="收支明细什么时候贴出来？业主们都很关心，希望先公布核对进度。",
                submission_key=self._key(),
            )
            self._at(self._ago(5, 11))
            services.answer_remark(
                remark=remark,
                by=owners,
                text="已核对完2023年和2024年的账目，预计下月初在公告栏公示，届时同步召开座谈会。",
            )
        made.append(fees)

        # The residents' committee: a talk on lift retrofits, held (fulfilled, no issue).
        talk = self._commit(
            committee, staff, self._ago(60, 10), area=place.community,
            title="组织一次老旧小区加装电梯政策宣讲会", due=self._ago(45),
            text="邀请区住建局讲解加装电梯的补贴标准和办理流程，现场解答居民问题。",
        )  # fmt: skip
        self._result(
            talk, staff, self._ago(47, 17), "fulfilled",
            "宣讲会在社区睦邻驿站举行，80余位居民参加，发放办事指南200份。",
        )  # fmt: skip
        made.append(talk)

        # The residents' committee: the fire lane, ten days promised, still not done (overdue).
        fire_lane = self._report(
            place, self._ago(26, 19), who=4, category="fire-lane", title="小区东门消防通道被私家车占用",
            text="东门的消防通道上长期停着几辆私家车，划了禁停线也没用，万一发生火灾消防车根本进不来。",
        )  # fmt: skip
        fire_lane = self._accept(fire_lane, staff, self._ago(26, 20))
        clearing = self._commit(
            committee, staff, self._ago(25, 11), area=place.compound,
            title="十天内清理东门消防通道并设置隔离桩", due=self._ago(15),
            text="逐一联系车主挪车，在消防通道两侧设置隔离桩，物业每天巡查。", issues=[fire_lane],
        )  # fmt: skip
        self._progress(
            clearing, staff, self._ago(18, 16), 60, "已联系12位车主挪车；隔离桩正在采购。"
        )
        made.append(clearing)

        # The firm, just now: the open issues it was given here, the resident's first.
        open_ones = sorted(
            Issue.objects.filter(
                area__path__startswith=place.compound.path,
                status__in=[Issue.Status.ASSIGNED, Issue.Status.IN_PROGRESS],
                assigned_to=firm,
            ).select_related("reporter"),
            key=lambda issue: (getattr(issue.reporter, "username", "") != "resident", issue.pk),
        )[:2]
        if open_ones:
            latest = IssueEvent.objects.filter(issue__in=open_ones).aggregate(at=Max("at"))["at"]
            at = max(min(latest + HOUR, self.now - 10 * MINUTE), latest + MINUTE)
            quick = self._commit(
                firm,
                firm_staff,
                at,
                area=place.compound,
                title="五天内处理好住户反映的楼下卫生和报修问题",
                due=at + 5 * DAY,
                text="安排保洁和维修班组逐项处理，处理完请住户评价。",
                issues=open_ones,
            )
            made.append(quick)
        return made

    # --- Report -----------------------------------------------------------------------------

    def _summary(self, place: Compound, made: list[Commitment], recount: str) -> None:
        by_status = {}
        for commitment in Commitment.objects.filter(pk__in=[c.pk for c in made]):
            label = "overdue" if commitment.is_overdue else commitment.status
            by_status[label] = by_status.get(label, 0) + 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(made)} public commitments in {place.compound.name}: "
                + ", ".join(f"{label} {count}" for label, count in sorted(by_status.items()))
                + "."
            )
        )
        lines = recount.strip().splitlines()
        self.stdout.write(f"Funnel counters: {lines[-1] if lines else 'recounted.'}")
