"""Open the demo district's shared rooms (共享空间 / 睦邻驿站) and book them for the coming days.

    python manage.py seed_demo             # first: the district, its people and demo accounts
    python manage.py seed_demo_rooms       # then: a room or two per community, bookings this week

Every room is opened and every booking made through `communities.services`, by the person who
would do it: the community's staff open the rooms, a resident books the compound's room for a
calligraphy group, the owners' committee books the community's room for its meeting, the
residents' committee books it for a health lecture, the staff approve one booking and turn one
down. So the approvers' queues of the `community` and `owners` demo accounts have bookings
waiting, and the rooms' calendars show a believable week.

Running it again when the district already has rooms changes nothing.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from communities import services
from communities.management.commands.seed_demo import DEMO_CODE
from communities.models import Area, Booking, Membership, Organization, Residency, Space, User

Kind = Organization.Kind
EVERY_DAY = "1234567"
WEEKDAYS = "12345"


class Command(BaseCommand):
    help = "Open shared rooms in the demo district and book them for the coming days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--district-code", default=DEMO_CODE, help=f"The district (default {DEMO_CODE})."
        )

    def handle(self, *args, **options):
        code = options["district_code"]
        district = Area.objects.filter(code=code, level=Area.Level.DISTRICT).first()
        if district is None:
            raise CommandError(
                f"There is no district {code}. Run `python manage.py seed_demo` first."
            )
        existing = Space.objects.filter(area__path__startswith=district.path).count()
        if existing:
            self.stdout.write(
                f"{district.name} ({code}) already has {existing} shared rooms; nothing was "
                "changed."
            )
            return
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"seed_demo_rooms/{code}")
        self.today = timezone.localdate()
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            rooms = self._open_rooms(district)
            bookings = self._book(rooms)
        self.stdout.write(
            self.style.SUCCESS(
                f"Opened {len(rooms)} shared rooms in {district.name} ({code}) and made "
                f"{bookings} bookings for the coming days."
            )
        )

    # --- Rooms ---------------------------------------------------------------------------------

    def _open_rooms(self, district: Area) -> dict[str, Space]:
        """Each community's 睦邻驿站; the demo community's party-service meeting room; and the
        demo compound's party-service station and the shared space under its building 1."""
        rooms = {}
        for community in Area.objects.under(district).of_level(Area.Level.COMMUNITY):
            committee = self._organization(community, Kind.RESIDENTS_COMMITTEE)
            staff = self._member(committee)
            if committee is None or staff is None:
                continue
            rooms[community.code] = services.create_space(
                area=community,
                name=f"{community.name}睦邻驿站",
                description="阅览、棋牌、文体活动和居民议事的地方，欢迎邻里预约使用。",
                location=f"{community.name}党群服务中心一楼",
                capacity=40,
                opens_at=datetime.time(8, 30),
                closes_at=datetime.time(21, 0),
                open_days=EVERY_DAY,
                requires_approval=True,
                managed_by=committee,
                by=staff,
            )
        self.community_staff = self._account("community")
        self.community = self._seat_of(self.community_staff, Kind.RESIDENTS_COMMITTEE)
        self.owners = self._account("owners")
        self.compound = self._seat_of(self.owners, Kind.OWNERS_COMMITTEE)
        party = self._organization(self.community, Kind.PARTY_COMMITTEE)
        rooms["meeting-room"] = services.create_space(
            area=self.community,
            name=f"{self.community.name}党群服务中心会议室",
            description="可容纳24人，配有投影和话筒，适合讲座、联席会议和党员活动。",
            location=f"{self.community.name}党群服务中心二楼",
            capacity=24,
            opens_at=datetime.time(9, 0),
            closes_at=datetime.time(17, 30),
            open_days=WEEKDAYS,
            managed_by=party,
            by=self.community_staff,
        )
        branch = self._organization(self.compound, Kind.PARTY_BRANCH)
        rooms["station"] = services.create_space(
            area=self.compound,
            name=f"{self.compound.name}党群服务站",
            description="小区党支部、业委会、物业三方议事和楼栋长碰头会的地方。",
            location="小区东门物业楼一楼",
            capacity=20,
            opens_at=datetime.time(8, 0),
            closes_at=datetime.time(20, 0),
            managed_by=branch,
            by=self.community_staff,
        )
        rooms["shared-space"] = services.create_space(
            area=self.compound,
            name=f"{self.compound.name}架空层共享空间",
            description="1栋架空层改造的活动室：书法、太极、亲子阅读。请爱护设施，用后归位。",
            location="1栋架空层",
            capacity=15,
            opens_at=datetime.time(8, 0),
            closes_at=datetime.time(20, 30),
            requires_approval=True,
            managed_by=self._organization(self.compound, Kind.OWNERS_COMMITTEE),
            by=self.community_staff,
        )
        return rooms

    # --- Bookings ------------------------------------------------------------------------------

    def _book(self, rooms: dict[str, Space]) -> int:
        resident = self._account("resident")
        station = rooms["station"]
        lounge = rooms[self.community.code]
        neighbour = self._neighbour(exclude=[resident])
        committee = self._organization(self.community, Kind.RESIDENTS_COMMITTEE)
        owners_committee = self._organization(self.compound, Kind.OWNERS_COMMITTEE)
        group = self._organization(self.compound, Kind.SELF_MANAGEMENT_GROUP)
        party = rooms["meeting-room"].managed_by
        plans = [
            # (key, room, day, from, until, by, organisation, purpose, attendees)
            ("calligraphy", rooms["shared-space"], 1, "15:00", "17:00", resident, None,
             "书法兴趣小组练习", 8),
            ("owners-meeting", lounge, 2, "19:00", "20:30", self.owners, owners_committee,
             f"{self.compound.name}业委会例会", 9),
            ("health-lecture", lounge, 3, "09:30", "11:00", self.community_staff, committee,
             "老年人健康讲座：秋冬季常见病预防", 35),
            ("party-day", rooms["meeting-room"], 4, "14:00", "16:00", self._member(party),
             party, "主题党日：学习新修订的居民公约", 20),
            ("building-heads", station, 1, "19:00", "20:00", self._member(group), group,
             "楼栋长碰头会：加装电梯意见收集", 12),
            ("chess", lounge, 5, "14:00", "17:00", resident, None, "邻里象棋友谊赛", 16),
            ("birthday", lounge, 2, "14:00", "16:00", neighbour, None, "家里老人八十岁生日茶话会",
             20),
        ]  # fmt: skip
        made = {}
        for key, room, days, start, end, by, organization, purpose, attendees in plans:
            if by is None:
                continue
            day = self._open_day(room, days)
            made[key] = services.book_space(
                space=room,
                starts_at=self._at(day, start),
                ends_at=self._at(day, end),
                by=by,
                purpose=purpose,
                attendees=attendees,
                organization=organization,
                submission_key=uuid.uuid5(self.namespace, key),
            )
        if made["chess"].status == Booking.Status.PENDING:
            services.approve_booking(booking=made["chess"], by=self.community_staff)
        if "birthday" in made and made["birthday"].status == Booking.Status.PENDING:
            services.reject_booking(
                booking=made["birthday"],
                by=self.community_staff,
                reason="当天下午驿站已安排消杀，建议改约周末上午。",
            )
        return len(made)

    # --- Helpers -------------------------------------------------------------------------------

    def _open_day(self, room: Space, days: int) -> datetime.date:
        """The first day the room opens, `days` from today or later."""
        day = self.today + datetime.timedelta(days=days)
        while not room.opens_on(day):
            day += datetime.timedelta(days=1)
        return day

    @staticmethod
    def _at(day: datetime.date, hhmm: str) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm))
        )

    @staticmethod
    def _organization(area: Area, kind: str) -> Organization | None:
        return Organization.objects.filter(area=area, kind=kind).order_by("pk").first()

    @staticmethod
    def _member(organization: Organization | None) -> User | None:
        membership = (
            Membership.objects.active()
            .filter(organization=organization)
            .select_related("user")
            .order_by("position", "pk")
            .first()
        )
        return membership.user if membership else None

    @staticmethod
    def _account(username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"The demo account {username} is missing. Run seed_demo first.")
        return user

    @staticmethod
    def _seat_of(user: User, kind: str) -> Area:
        membership = (
            Membership.objects.active()
            .filter(user=user, organization__kind=kind)
            .select_related("organization__area")
            .first()
        )
        if membership is None:
            raise CommandError(f"The demo account {user.username} holds no post. Run seed_demo.")
        return membership.organization.area

    def _neighbour(self, *, exclude: list[User]) -> User | None:
        """A verified resident of the demo community other than the demo accounts."""
        residency = (
            Residency.objects.verified()
            .filter(household__building__path__startswith=self.community.path)
            .exclude(user__in=exclude)
            .exclude(user__username__in=["owners", "resident", "newcomer"])
            .select_related("user")
            .order_by("pk")
            .first()
        )
        return residency.user if residency else None
