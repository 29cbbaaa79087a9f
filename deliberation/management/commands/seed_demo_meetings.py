"""Give the demo district a consultation catalogue and meetings of 紫荆公寓.

    python manage.py seed_demo             # first: the district, its people and demo accounts
    python manage.py seed_demo_issues      # residents' issues (two go on the agenda)
    python manage.py seed_demo_rooms       # the rooms
    python manage.py seed_demo_meetings    # then: the catalogue and the meetings

What it writes, all through `deliberation.services` by the people who would act:

- the catalogue of 百步亭街道 (old-compound renovation, decided by the community) and of 和谐社区
  (parking, use of common parts' income, disputes between neighbours: decided by the compound,
  each with the parties that must be present);
- a confirmed five-party meeting (五方联动: 党支部, 居委会, 业委会, 物业, 居民代表) of 紫荆公寓 on
  parking, organised by its self-management group in the compound's 党群服务站 (booked through
  the room service), with one representative invited for each party (the demo `community`,
  `owners`, `property` and `resident` accounts among them), and an agenda bringing two of the
  compound's residents' issues to the table, so their timelines say they will be discussed;
- a meeting of two weeks ago, held through the session services: attendance of every party, an
  open vote by the people present on where the new fitness equipment goes, minutes confirmed by
  each party and published on the compound's notice board, and the resolution that became the
  property firm's public commitment.

Running it again when the compound has meetings changes nothing.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from communities.management.commands.seed_demo import DEMO_CODE
from communities.models import Area, Membership, Organization, Residency, Space, User
from deliberation import services
from deliberation.counting import Choice
from deliberation.management.commands.seed_demo_issues import SeedClock, quiet_task_log
from deliberation.models import (
    Attendance,
    ConsultationMatter,
    Issue,
    Meeting,
    MeetingParty,
    Minutes,
    MinutesConfirmation,
    MotionReceipt,
    Party,
    Resolution,
)

Kind = Organization.Kind
DAY = datetime.timedelta(days=1)
FIVE_PARTIES = [
    Party.PARTY_ORGANIZATION,
    Party.RESIDENTS_COMMITTEE,
    Party.OWNERS_COMMITTEE,
    Party.PROPERTY_FIRM,
    Party.RESIDENTS,
]
STREET_MATTERS = (
    # title, kind, level, parties, rule, what it covers
    (
        "老旧小区改造方案",
        ConsultationMatter.Kind.RENOVATION,
        Area.Level.COMMUNITY,
        [Party.COMMUNITY, Party.PARTY_ORGANIZATION, Party.RESIDENTS_COMMITTEE, Party.RESIDENTS],
        "simple_majority",
        "改造内容、施工时间和居民出资比例，由社区组织各方协商。",
    ),
)
COMMUNITY_MATTERS = (
    (
        "停车位规划与收费",
        ConsultationMatter.Kind.PARKING,
        Area.Level.COMPOUND,
        FIVE_PARTIES,
        "simple_majority",
        "小区内车位划线、临时停车收费标准和外来车辆管理。",
    ),
    (
        "公共收益使用",
        ConsultationMatter.Kind.COMMON_PARTS,
        Area.Level.COMPOUND,
        [Party.OWNERS_COMMITTEE, Party.PROPERTY_FIRM, Party.RESIDENTS],
        "owners_ordinary",
        "电梯广告、场地租金等共有部分收益的公示和使用。",
    ),
    (
        "邻里纠纷调解",
        ConsultationMatter.Kind.DISPUTE,
        Area.Level.COMPOUND,
        [Party.RESIDENTS_COMMITTEE, Party.RESIDENTS],
        "simple_majority",
        "噪音、漏水、占用公共部位等邻里之间的矛盾。",
    ),
)
MEETING_TITLE = "紫荆公寓停车管理五方联席会"
PAST_MINUTES = (
    "一、健身器材选址：各方代表到会。物业介绍了中心花园西侧和东门小广场两处场地的面积、"
    "噪音和安全情况，居民代表转达了楼栋意见。\n"
    "二、表决：到会代表以记名方式表决“健身器材放在中心花园西侧”，获得通过。\n"
    "三、决议：物业服务企业在一个月内完成安装，业委会监督验收。"
)


class MeetingSeedClock(SeedClock):
    """The seed clock, also for the rows a meeting in session writes with their own time."""

    FIELDS = (
        *SeedClock.FIELDS,
        (Attendance, "arrived_at"),
        (MotionReceipt, "cast_at"),
        (Minutes, "updated_at"),
        (MinutesConfirmation, "confirmed_at"),
        (Resolution, "created_at"),
    )


PAST_TITLE = "紫荆公寓健身器材选址协商会"


class Command(BaseCommand):
    help = (
        "Give the demo district (run seed_demo, seed_demo_issues and seed_demo_rooms first) a "
        "consultation catalogue and meetings of 紫荆公寓: a confirmed five-party meeting in a "
        "booked room with an agenda of residents' issues, and one held two weeks ago."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--district-code",
            default=DEMO_CODE,
            help=f"Code of the district (default {DEMO_CODE}).",
        )

    def handle(self, *args, **options):
        code = options["district_code"]
        district = Area.objects.filter(code=code, level=Area.Level.DISTRICT).first()
        if district is None:
            raise CommandError(
                f"There is no district {code}. Run `python manage.py seed_demo` first."
            )
        existing = Meeting.objects.filter(area__path__startswith=district.path).count()
        if existing:
            self.stdout.write(
                f"{district.name} ({code}) already has {existing} meetings; nothing was changed."
            )
            return
        self.clock = MeetingSeedClock()
        self.clock.at = timezone.now()
        with (
            quiet_task_log(),
            translation.override(settings.LANGUAGE_CODE),
            transaction.atomic(),
            self.clock,
        ):
            self._load(district)
            matters = self._catalogue()
            past = self._past_meeting()
            upcoming = self._meeting(matters["停车位规划与收费"])
        self.stdout.write(
            f"Seeded {len(matters)} matters and 2 meetings: “{upcoming.title}” on "
            f"{timezone.localtime(upcoming.starts_at):%Y-%m-%d %H:%M} ({upcoming.parties.count()} "
            f"parties, {upcoming.invitations.count()} invitations, {upcoming.agenda.count()} "
            f"agenda items) and “{past.title}”."
        )

    # --- Who is there --------------------------------------------------------------------------

    def _load(self, district: Area) -> None:
        """紫荆公寓 is the compound of the demo `owners` account; its community is 和谐社区."""
        committee = (
            Organization.objects.filter(
                kind=Kind.OWNERS_COMMITTEE,
                area__path__startswith=district.path,
                memberships__user__username="owners",
            )
            .select_related("area")
            .first()
        )
        if committee is None:
            raise CommandError("The demo owners' committee is missing. Run seed_demo first.")
        self.compound = committee.area
        self.community = Area.objects.get(path=self.compound.path[: 4 * Area.Level.COMMUNITY])
        self.street = Area.objects.get(path=self.compound.path[: 4 * Area.Level.STREET])
        self.organizations = {
            "owners": committee,
            "branch": self._organization(Kind.PARTY_BRANCH, self.compound),
            "group": self._organization(Kind.SELF_MANAGEMENT_GROUP, self.compound),
            "committee": self._organization(Kind.RESIDENTS_COMMITTEE, self.community),
            "firm": Organization.objects.filter(
                kind=Kind.PROPERTY_FIRM, served_areas=self.compound
            ).first(),
        }
        missing = [name for name, organization in self.organizations.items() if not organization]
        if missing:
            raise CommandError(f"紫荆公寓 lacks {', '.join(missing)}. Run seed_demo first.")
        self.accounts = {
            name: User.objects.get(username=name)
            for name in ("street", "community", "owners", "property", "resident")
        }
        self.organiser = self._member(self.organizations["group"])
        self.room = (
            Space.objects.filter(area=self.compound, requires_approval=False, active=True)
            .order_by("pk")
            .first()
        )
        if self.room is None:
            raise CommandError("紫荆公寓 has no room. Run seed_demo_rooms first.")

    def _organization(self, kind: str, area: Area) -> Organization | None:
        return Organization.objects.filter(kind=kind, area=area).order_by("pk").first()

    def _member(self, organization: Organization) -> User:
        return (
            Membership.objects.active()
            .filter(organization=organization)
            .select_related("user")
            .order_by("pk")
            .first()
            .user
        )

    # --- The catalogue -------------------------------------------------------------------------

    def _catalogue(self) -> dict[str, ConsultationMatter]:
        matters = {}
        for area, by, entries in (
            (self.street, self.accounts["street"], STREET_MATTERS),
            (self.community, self.accounts["community"], COMMUNITY_MATTERS),
        ):
            for title, kind, level, parties, rule, description in entries:
                matters[title] = services.add_consultation_matter(
                    area=area,
                    title=title,
                    kind=kind,
                    level=level,
                    required_parties=parties,
                    default_rule=rule,
                    description=description,
                    by=by,
                )
        return matters

    # --- The meetings --------------------------------------------------------------------------

    def _free_afternoon(self, first_day: int) -> tuple[datetime.datetime, datetime.datetime]:
        """14:00–16:00 of the first day from `first_day` on when the room is free then."""
        for offset in range(first_day, first_day + 30):
            day = timezone.localdate() + offset * DAY
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14)))
            end = start + datetime.timedelta(hours=2)
            if not self.room.bookings.holding().overlapping(start, end).exists():
                return start, end
        raise CommandError(f"{self.room} is booked every afternoon of the next month.")

    def _plan(self, *, title: str, matter, description: str, first_day: int) -> Meeting:
        starts_at, ends_at = self._free_afternoon(first_day)
        try:
            return services.plan_meeting(
                organization=self.organizations["group"],
                area=self.compound,
                matter=matter,
                title=title,
                description=description,
                starts_at=starts_at,
                ends_at=ends_at,
                space=self.room,
                capacity=20,
                by=self.organiser,
                submission_key=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-meeting-{title}"),
            )
        except ValidationError as error:
            raise CommandError(f"Could not plan “{title}”: {error.messages}") from error

    def _seat_five_parties(self, meeting: Meeting) -> None:
        by = self.organiser
        representatives = {
            "branch": self._member(self.organizations["branch"]),
            "committee": self.accounts["community"],
            "owners": self.accounts["owners"],
            "firm": self.accounts["property"],
        }
        for name, person in representatives.items():
            party = services.add_party(
                meeting=meeting, organization=self.organizations[name], by=by
            )
            services.invite(meeting=meeting, user=person, party=party, by=by)
        residents = services.add_party(
            meeting=meeting, party=Party.RESIDENTS, label="紫荆公寓居民代表", quorum=2, by=by
        )
        neighbours = [self.accounts["resident"]] + [
            residency.user
            for residency in Residency.objects.verified()
            .filter(household__building__path__startswith=self.compound.path)
            .exclude(user=self.accounts["resident"])
            .select_related("user")
            .order_by("pk")[:2]
        ]
        for person in neighbours:
            services.invite(meeting=meeting, user=person, party=residents, by=by)
        services.invite(meeting=meeting, user=self.accounts["street"], by=by)  # an observer

    def _meeting(self, matter: ConsultationMatter) -> Meeting:
        meeting = self._plan(
            title=MEETING_TITLE,
            matter=matter,
            description="商议北门乱停车和临时停车收费，请各方代表准时参加。",
            first_day=5,
        )
        self._seat_five_parties(meeting)
        issues = list(
            Issue.objects.under(self.compound)
            .open()
            .filter(is_public=True)
            .order_by("-submitted_at")[:2]
        )
        by = self.organiser
        services.add_agenda_item(
            meeting=meeting,
            by=by,
            title="北门车辆乱停与消防通道",
            minutes=40,
            issues=issues[:1],
        )
        services.add_agenda_item(
            meeting=meeting,
            by=by,
            title="居民反映的其他问题",
            minutes=30,
            issues=issues[1:],
        )
        services.add_agenda_item(meeting=meeting, by=by, title="临时停车收费标准表决", minutes=30)
        return services.confirm_meeting(meeting=meeting, by=by)

    def _past_meeting(self) -> Meeting:
        """Planned three weeks ago for two weeks ago, confirmed, then held."""
        real_now = self.clock.at
        self.clock.at = real_now - 21 * DAY
        meeting = self._plan(
            title=PAST_TITLE,
            matter=None,
            description="讨论新健身器材放在中心花园西侧还是东门小广场。",
            first_day=7,
        )
        self._seat_five_parties(meeting)
        services.add_agenda_item(
            meeting=meeting, by=self.organiser, title="健身器材选址", minutes=60
        )
        services.confirm_meeting(meeting=meeting, by=self.organiser)
        self._hold(meeting)
        self.clock.at = real_now
        meeting.refresh_from_db()
        return meeting

    def _hold(self, meeting: Meeting) -> None:
        """The meeting as its organiser runs it: everyone invited comes, one open vote by the
        people present, minutes confirmed by every party, and the resolution published."""
        by = self.organiser
        self.clock.at = meeting.starts_at + datetime.timedelta(minutes=5)
        services.open_meeting(meeting=meeting, by=by)
        for invitation in meeting.invitations.select_related("user").order_by("pk"):
            services.record_attendance(meeting=meeting, person=invitation.user, by=by)
        item = meeting.agenda.get()
        motion = services.propose_motion(
            agenda_item=item, title="健身器材放在中心花园西侧", by=by, rule="simple_majority"
        )
        services.open_vote(motion=motion, by=by)
        voters = [
            invitation.user
            for invitation in meeting.invitations.filter(party__isnull=False)
            .select_related("user")
            .order_by("pk")
        ]
        self.clock.at += datetime.timedelta(minutes=40)
        for number, voter in enumerate(voters):
            choice = Choice.NO if number == len(voters) - 1 else Choice.YES
            services.cast_motion_ballot(motion=motion, voter=voter, choice=choice)
        motion = services.close_vote(motion=motion, by=by)
        self.clock.at = meeting.ends_at
        services.close_meeting(meeting=meeting, by=by)
        self.clock.at += datetime.timedelta(hours=2)
        minutes = services.write_minutes(meeting=meeting, body=PAST_MINUTES, by=by)
        services.record_resolution(
            meeting=meeting,
            text="在中心花园西侧安装健身器材",
            responsible=self.organizations["firm"],
            due_on=timezone.localdate(self.clock.real_now()) + 14 * DAY,
            motion=motion,
            by=by,
        )
        minutes = services.submit_minutes(minutes=minutes, by=by)
        for party in MeetingParty.objects.filter(meeting=meeting).order_by("pk"):
            present = (
                Attendance.objects.filter(meeting=meeting, party=party, left_at__isnull=True)
                .select_related("user")
                .order_by("pk")
            )
            confirmer = next(
                (
                    row.user
                    for row in present
                    if party.organization is None
                    or Membership.objects.active()
                    .filter(user=row.user, organization=party.organization)
                    .exists()
                ),
                None,
            )
            if confirmer is not None:
                services.confirm_minutes(minutes=minutes, party=party, by=confirmer)
        self.clock.at += datetime.timedelta(days=1)
        services.publish_minutes(minutes=minutes, by=by)
