"""Give the demo district polls and online topics that residents have lived through.

    python manage.py seed_demo             # first: the district, its people and demo accounts
    python manage.py seed_demo_polls       # then: polls and topics around 紫荆公寓

What it writes, all through `deliberation.services` by the people who would act:

- a closed poll of 紫荆公寓's owners' committee on the compound's new name, five candidates,
  one vote per household, with most households voting; closed by the periodic task, its result
  stored and published on the notice board;
- last month's topic of the compound (where the new fitness equipment should go), with
  comments, replies and a summary, followed by an open poll between the two favourite places,
  with ballots already cast (and, like every open poll, nothing counted yet);
- this month's topic of 和谐社区 in the online deliberation hall (electric bikes charging), with
  residents' comments and replies, an answer of the residents' committee and a comment hidden
  by the moderator with a reason.

The services stamp everything "now"; like `seed_demo_issues`, each step runs with "now" set to
the moment it stands for (`SeedClock`). The demo `resident` has not voted in the open poll, so
a visitor logging in as them can. Running it again when the district has polls changes nothing.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from random import Random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from communities.management.commands.seed_demo import ACCOUNTS, DEMO_CODE
from communities.models import Area, Membership, Organization, Residency, User
from deliberation import services
from deliberation.management.commands.seed_demo_issues import SeedClock, quiet_task_log
from deliberation.models import Poll, PollOption, Topic, TopicComment

Kind = Organization.Kind
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
DEMO_USERNAMES = frozenset(username for username, _name, _number in ACCOUNTS)

NEW_NAMES = (
    # name, weight: 紫云小院 wins clearly, 荆楚人家 comes second.
    ("紫荆雅苑", 3),
    ("荆楚人家", 5),
    ("紫云小院", 9),
    ("和美家园", 2),
    ("同心苑", 2),
)
FITNESS_PLACES = (("中心花园西侧", 6), ("东门小广场", 5))

LAST_MONTH_COMMENTS = (
    "中心花园西侧有树荫，老人早上锻炼不晒。",
    "东门小广场地方大，小孩玩滑板也在那边，器材放那里太挤了。",
    "希望离楼栋远一点，早上五点就有人拍打器材，声音很大。",
    "中心花园晚上有路灯，安全些。",
    "能不能加几个适合老年人的，比如太极推手器。",
    "东门小广场靠近大门，外面的人也会进来用。",
)
LAST_MONTH_REPLIES = (
    "同意，放中心花园西侧最好。",
    "可以在器材旁边贴使用时间，早上七点以后。",
    "东门那边其实也有空地，不影响小孩。",
)
LAST_MONTH_SUMMARY = (
    "本月共收到居民意见{count}条。大家最关心的是噪音和老人使用方便。"
    "呼声最高的两个地点是中心花园西侧和东门小广场，业委会将组织全体住户投票决定，"
    "并在器材旁张贴使用时间（早七点至晚九点）。"
)

THIS_MONTH_COMMENTS = (
    "楼道里充电太危险了，去年隔壁小区就着过火，支持建集中充电棚。",
    "充电棚最好建在地下车库入口旁边，有顶棚还不占绿化。",
    "希望按次收费，价格公道，一块钱充满就行。",
    "我们楼老人多，充电桩离楼栋别太远，不然推车太累。",
    "能不能装刷卡充电，手机扫码老人不会用。",
    "充电棚要装监控和烟感，晚上有人看管。",
    "北门那块闲置的自行车棚可以改造，省钱。",
    "建议各小区都建一个，不要只建在一个地方。",
)
THIS_MONTH_REPLIES = (
    "北门的车棚确实空了好几年了，改造最合适。",
    "刷卡和扫码都要有，照顾老人。",
    "同意装监控，之前电瓶被偷过。",
    "离楼栋太近也不好，万一着火更危险。",
)
RUDE_REPLY = "物业和居委会就知道收钱，说了也白说，都是骗子！"
HIDDEN_REASON = "含有对他人的人身攻击，已隐藏。欢迎就事论事地提出意见。"
COMMITTEE_ANSWER = (
    "感谢大家的意见。居委会已联系供电所到北门车棚现场查看，供电容量足够；"
    "月底前会把选址方案和收费标准贴在公示栏，再请大家投票。"
)


class Command(BaseCommand):
    help = (
        "Give the demo district (run seed_demo first) polls and online topics around 紫荆公寓: "
        "a closed poll on the compound's new name, an open poll, last month's and this month's "
        "topics with comments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2024, help="Random seed (default 2024).")
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
                f"There is no district {code}. Run `python manage.py seed_demo` first"
                + ("." if code == DEMO_CODE else f" (with --district-code {code}).")
            )
        existing = Poll.objects.filter(area__path__startswith=district.path).count()
        if existing:
            self.stdout.write(
                f"{district.name} ({code}) already has {existing} polls; nothing was changed."
            )
            return
        self.rng = Random(options["seed"])
        self.now = timezone.now()
        self.clock = SeedClock()
        self.clock.at = self.now
        with (
            quiet_task_log(),
            translation.override(settings.LANGUAGE_CODE),
            transaction.atomic(),
            self.clock,
        ):
            self._load(district)
            renamed = self._rename_poll()
            last_month, fitness = self._last_month()
            this_month = self._this_month()
        self._summary(renamed, fitness, last_month, this_month)

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
        self.owners_committee = committee
        self.compound = committee.area
        self.community = Area.objects.get(path=self.compound.path[: 4 * Area.Level.COMMUNITY])
        self.residents_committee = Organization.objects.get(
            area=self.community, kind=Kind.RESIDENTS_COMMITTEE
        )
        self.owners = User.objects.get(username="owners")
        self.community_staff = User.objects.get(username="community")
        self.committee_head = self._member(committee) or self.owners
        self.households_of = self._households(self.compound)
        self.neighbours = self._people(self.community)

    def _member(self, organization: Organization) -> User | None:
        membership = (
            Membership.objects.active()
            .filter(organization=organization, position=Membership.Position.HEAD)
            .select_related("user")
            .first()
        )
        return membership.user if membership else None

    def _households(self, area: Area) -> dict[int, list[User]]:
        """Verified residents of each household under `area`, demo accounts left out."""
        households: dict[int, list[User]] = defaultdict(list)
        for residency in (
            Residency.objects.verified()
            .filter(household__building__path__startswith=area.path)
            .exclude(user__username__in=DEMO_USERNAMES)
            .select_related("user")
            .order_by("household_id", "pk")
        ):
            households[residency.household_id].append(residency.user)
        return households

    def _people(self, area: Area) -> list[User]:
        return [user for users in self._households(area).values() for user in users]

    # --- Helpers -------------------------------------------------------------------------------

    def _at(self, moment: datetime.datetime) -> None:
        self.clock.at = moment

    def _between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
        """A moment between the two, in waking hours (7:00 to 22:00) where the span allows."""
        moment = timezone.localtime(start + (end - start) * self.rng.random())
        if moment.hour < 7 or moment.hour >= 22:
            moment = moment.replace(hour=self.rng.randint(7, 21))
        return min(max(moment, start), end)

    def _day_at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def _weighted(self, choices) -> str:
        labels, weights = zip(*choices, strict=True)
        return self.rng.choices(labels, weights=weights)[0]

    def _vote(self, poll: Poll, voters, choices, start, end) -> int:
        options = {option.label: option for option in PollOption.objects.filter(poll=poll)}
        moments = sorted(self._between(start, end) for _ in voters)
        for voter, moment in zip(voters, moments, strict=True):
            self._at(moment)
            services.cast_ballot(poll=poll, voter=voter, options=[options[self._weighted(choices)]])
        return len(voters)

    def _comment(self, topic, author, body, at, parent=None, **kwargs) -> TopicComment:
        self._at(at)
        return services.post_comment(
            topic=topic,
            author=author,
            body=body,
            parent=parent,
            submission_key=uuid.uuid4(),
            **kwargs,
        )

    # --- The story -----------------------------------------------------------------------------

    def _rename_poll(self) -> Poll:
        """Five weeks ago the owners' committee asked every household to choose a new name."""
        opens_at = self._day_at(timezone.localdate(self.now - 40 * DAY), 9)
        closes_at = opens_at + 14 * DAY + 12 * HOUR
        self._at(opens_at - HOUR)
        poll = services.create_poll(
            organization=self.owners_committee,
            area=self.compound,
            title=f"{self.compound.name}更名：请从五个备选名中选出新名字",
            description=(
                "小区综合改造完成后，业委会向居民征集了新名字，经业主代表会议筛选出五个备选名。"
                "每户一票，得票最多的名字将报街道地名办备案，并更换小区大门的标牌。"
            ),
            options=[name for name, _weight in NEW_NAMES],
            voting_unit=Poll.VotingUnit.HOUSEHOLD,
            opens_at=opens_at,
            closes_at=closes_at,
            by=self.committee_head,
        )
        self._at(opens_at + MINUTE)
        services.announce_due_polls()
        households = list(self.households_of.values())
        voting = self.rng.sample(households, k=round(len(households) * 0.7))
        self._vote(
            poll, [residents[0] for residents in voting], NEW_NAMES, opens_at + MINUTE, closes_at
        )
        # What the periodic task does a minute after the time is up.
        self._at(closes_at + MINUTE)
        return services.close_poll(poll=poll)

    def _last_month(self) -> tuple[Topic, Poll]:
        """Last month the compound discussed the new fitness equipment; now it votes."""
        this_month = timezone.localdate(self.now).replace(day=1)
        first = (this_month - DAY).replace(day=1)
        last = this_month - DAY
        self._at(self._day_at(first, 9))
        topic = services.open_topic(
            organization=self.owners_committee,
            area=self.compound,
            title=f"{first.month}月议题：新的健身器材放在哪里？",
            question="街道为小区配了一套新的健身器材，大家觉得放在哪里最合适？",
            background="可选的地方有中心花园西侧、东门小广场和6栋北侧空地，都已请物业测量过。",
            opens_on=first,
            closes_on=last,
            by=self.owners,
        )
        people = self._people(self.compound)
        end = self._day_at(last, 20)
        start = self._day_at(first, 10)
        comments = []
        for body in LAST_MONTH_COMMENTS:
            comments.append(
                self._comment(topic, self.rng.choice(people), body, self._between(start, end))
            )
        comments.sort(key=lambda comment: comment.created_at)
        for body in LAST_MONTH_REPLIES:
            thread = self.rng.choice(comments)
            self._comment(
                topic,
                self.rng.choice(people),
                body,
                self._between(thread.created_at, end + HOUR),
                parent=thread,
            )
        self._at(self._day_at(last, 21))
        topic = services.close_topic(
            topic=topic,
            by=self.owners,
            summary=LAST_MONTH_SUMMARY.format(count=topic.comments.count()),
        )

        opens_at = min(max(topic.closed_at + 12 * HOUR, self.now - 3 * DAY), self.now - 2 * HOUR)
        self._at(opens_at)
        poll = services.create_poll(
            organization=self.owners_committee,
            area=self.compound,
            topic=topic,
            title="新的健身器材放在哪里？",
            description=topic.summary,
            options=[place for place, _weight in FITNESS_PLACES],
            closes_at=self._day_at(timezone.localdate(self.now + 7 * DAY), 20),
            by=self.owners,
        )
        voters = self.rng.sample(people, k=round(len(people) * 0.4))
        self._vote(poll, voters, FITNESS_PLACES, opens_at, self.now - HOUR)
        return topic, poll

    def _this_month(self) -> Topic:
        """This month the community asks where electric bikes should charge."""
        today = timezone.localdate(self.now)
        first = min(today.replace(day=1), today - 6 * DAY)
        last = (today.replace(day=1) + 32 * DAY).replace(day=1) - DAY
        self._at(self._day_at(first, 8, 30))
        topic = services.open_topic(
            organization=self.residents_committee,
            area=self.community,
            title=f"{last.month}月议题：电动车充电难，集中充电棚建在哪里？",
            question="为了不再有人在楼道里给电动车充电，社区准备建集中充电棚。建在哪里、怎么收费，请大家出主意。",
            background=(
                "社区共有电动车约四百辆。消防部门提醒：电动车进楼入户、飞线充电是火灾的主要原因之一。"
                "街道可补贴建设费用的一半，其余由各小区协商解决。"
            ),
            opens_on=first,
            closes_on=last,
            by=self.community_staff,
        )
        start = self._day_at(first, 9)
        end = self.now - 2 * HOUR
        comments = sorted(
            (
                self._comment(
                    topic, self.rng.choice(self.neighbours), body, self._between(start, end)
                )
                for body in THIS_MONTH_COMMENTS
            ),
            key=lambda comment: comment.created_at,
        )
        for body in THIS_MONTH_REPLIES:
            thread = self.rng.choice(comments)
            self._comment(
                topic,
                self.rng.choice(self.neighbours),
                body,
                self._between(thread.created_at, end),
                parent=thread,
            )
        first_thread = comments[0]
        rude = self._comment(
            topic,
            self.rng.choice(self.neighbours),
            RUDE_REPLY,
            self._between(first_thread.created_at, end),
            parent=first_thread,
        )
        self._at(min(rude.created_at + 3 * HOUR, self.now - HOUR))
        services.hide_comment(comment=rude, by=self.community_staff, reason=HIDDEN_REASON)
        answered = max(comments[-1].created_at, rude.created_at) + 2 * HOUR
        self._comment(
            topic,
            self.community_staff,
            COMMITTEE_ANSWER,
            min(answered, self.now - 10 * MINUTE),
            parent=comments[-1],
            for_organization=True,
        )
        return topic

    def _summary(self, renamed: Poll, fitness: Poll, last_month: Topic, this_month: Topic):
        winner = next(row.option.label for row in renamed.results() if row.leading)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded polls and topics around {self.compound.name}: the new name "
                f"“{winner}” ({renamed.ballots_cast} of {renamed.eligible_count} households voted), "
                f"an open poll with {fitness.receipts.count()} ballots, and "
                f"{last_month.comments.count() + this_month.comments.count()} comments in two "
                "topics."
            )
        )
