"""Fill the demo district with residents' issues that have lived believable lives.

    python manage.py seed_demo             # first: the district, its people and demo accounts
    python manage.py seed_demo_issues      # then: about 250 issues over the last six months

Every step goes through `deliberation.services`, taken by the person who would take it: a
resident reports, the owners' committee or the residents' committee accepts and assigns, the
property firm (or the committee) starts and resolves, the reporter rates. So permissions,
timelines and counters are exactly what the portal itself writes.

The services stamp each step "now", and the timeline is append-only (a database trigger refuses
to change an entry's time afterwards). So the command first plans every issue's life on a clock
of its own (office hours for staff, deadlines and the periodic escalation of overdue issues
included), then runs the steps of all issues in the order of that clock with "now" set to the
planned moment of each step (`SeedClock`): every record is written once, with the time it stands
for, and the funnel counters land in the months the issues were reported in. `recount_funnel
--fix` runs at the end as a check.

Running it again when the district already has issues changes nothing. All randomness comes
from `random.Random(--seed)`.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import logging
import math
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from random import Random
from time import perf_counter

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communities.management.commands.seed_demo import ACCOUNTS, DEMO_CODE
from communities.models import Area, AreaRole, Household, Membership, Organization, Residency, User
from deliberation import services
from deliberation.models import Category, FunnelCount, Issue, IssueEvent, Lane, Summons, Support

Kind = Organization.Kind
Level = Area.Level
S = Issue.Status
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)
DEMO_USERNAMES = frozenset(username for username, _name, _number in ACCOUNTS)

# --- Vocabulary --------------------------------------------------------------------------------

# code, name, lane, usually handled by, public, mediation, how often it comes up
CATEGORIES = (
    ("lamp", "路灯照明", Lane.QUICK, Kind.PROPERTY_FIRM, True, False, 12),
    ("sanitation", "环境卫生", Lane.QUICK, Kind.PROPERTY_FIRM, True, False, 16),
    ("greenery", "绿化养护", Lane.QUICK, Kind.PROPERTY_FIRM, True, False, 8),
    ("parking", "停车管理", Lane.JOINT, Kind.OWNERS_COMMITTEE, True, False, 12),
    ("fire-lane", "消防通道", Lane.URGENT, Kind.RESIDENTS_COMMITTEE, True, False, 6),
    ("lift", "电梯故障", Lane.URGENT, Kind.PROPERTY_FIRM, True, False, 8),
    ("leak", "房屋漏水", Lane.QUICK, Kind.PROPERTY_FIRM, True, False, 9),
    ("noise", "噪音扰民", Lane.QUICK, Kind.RESIDENTS_COMMITTEE, True, False, 9),
    ("lift-retrofit", "加装电梯", Lane.JOINT, Kind.OWNERS_COMMITTEE, True, False, 3),
    ("property-service", "物业服务", Lane.QUICK, Kind.OWNERS_COMMITTEE, True, False, 8),
    ("dispute", "邻里纠纷", Lane.JOINT, Kind.RESIDENTS_COMMITTEE, False, True, 4),
    ("facilities", "公共设施", Lane.QUICK, Kind.PROPERTY_FIRM, True, False, 10),
)

# Per category: (where: "B" a building / "C" the compound, title, description, what was done).
# Slots: {building} 3栋, {unit} 2单元, {floor} 5, {gate} 东门, {days} 一周.
TEMPLATES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "lamp": (
        ("B", "{building}门口路灯不亮",
         "{building}单元门口的路灯已经坏了{days}，晚上回家一片漆黑，老人小孩进出很不安全，希望物业尽快更换。",
         "已更换LED灯具并检查线路，照明恢复正常。"),
        ("B", "{building}{unit}楼道声控灯失灵",
         "{building}{unit}{floor}楼往上的声控灯怎么拍都不亮，晚上上下楼只能用手机照明，担心老人摔倒。",
         "电工已更换损坏的声控开关，逐层测试灯光正常。"),
        ("C", "小区{gate}到{building}之间的路灯全黑",
         "从小区{gate}进来到{building}这一段路灯全部不亮，已经{days}了，晚上散步的居民很多，请物业检修线路。",
         "排查发现地下电缆老化短路，已更换电缆和三盏灯具，今晚起恢复照明。"),
        ("C", "地下车库照明灯坏了一大片",
         "地下车库靠近{building}电梯口的照明灯坏了七八盏，停车找车都看不清，存在安全隐患。",
         "已更换车库照明灯12盏，并加装了两处应急照明。"),
    ),
    "sanitation": (
        ("B", "{building}楼下垃圾桶满溢无人清理",
         "{building}楼下的垃圾桶连续{days}没有清运，垃圾堆到地上，天热味道很大，还招苍蝇老鼠。",
         "已安排保洁清运并消毒，今后每天早晚各清运一次。"),
        ("B", "{building}{unit}楼道堆满杂物",
         "{building}{unit}{floor}楼楼道里有人长期堆放纸箱和旧家具，既影响通行又有火灾隐患，希望物业督促清理。",
         "已上门告知住户，杂物已清理完毕，楼栋长每周巡查。"),
        ("C", "小区{gate}垃圾分类亭异味严重",
         "{gate}垃圾分类投放点的厨余垃圾桶没有及时清洗，异味很重，路过都要捂鼻子，请增加清洗频次。",
         "已更换破损垃圾桶，清洗改为每天一次，并在投放点加装除臭设备。"),
        ("C", "小区{gate}绿化带狗粪无人清理",
         "{gate}附近绿化带和人行道上经常有狗粪没人清理，希望物业加强保洁，也提醒养犬居民文明遛狗。",
         "保洁已增加巡回清扫，社区在宣传栏张贴了文明养犬倡议。"),
        ("B", "{building}旁化粪池污水外溢",
         "{building}旁边的化粪池井盖往外冒污水，已经流到路面上了，味道很大，请尽快派人疏通。",
         "已请专业队伍疏通管道并抽排化粪池，路面已冲洗消毒。"),
    ),
    "greenery": (
        ("B", "{building}前的树枝遮挡窗户",
         "{building}南面的香樟树长得太高，树枝已经伸到{floor}楼窗户边，挡光还招虫子，希望安排修剪。",
         "绿化班组已完成修剪并清运枝叶。"),
        ("C", "小区中心花园草坪被踩秃",
         "中心花园的草坪被踩出好几条土路，下雨一地泥，希望补种草皮并设置提示牌。",
         "已补种草皮，铺设了两条汀步小路并设置提示牌。"),
        ("C", "小区{gate}绿化带杂草丛生",
         "{gate}附近的绿化带很久没人打理，杂草长到半人高，夏天蚊子特别多，请及时修剪除草。",
         "已除草修剪并喷洒灭蚊药，纳入每月养护计划。"),
        ("B", "{building}旁枯树有倒伏危险",
         "{building}西侧有一棵树已经枯死，树干有裂缝，刮大风时摇得厉害，担心砸到行人和车辆。",
         "枯树已伐除，树坑已回填并补种新苗。"),
    ),
    "parking": (
        ("C", "小区{gate}车辆乱停堵塞通道",
         "晚上{gate}内侧道路两边停满了车，只剩一条窄缝，早上出门经常被堵，希望规划停车位并加强管理。",
         "业委会与物业商定：新划临时车位30个，{gate}内侧设禁停线，夜间安排专人引导。"),
        ("C", "外来车辆占用业主车位",
         "最近经常有外来车辆进小区停在业主车位上，门岗登记不严，希望业委会和物业商量停车管理办法。",
         "经业主代表协商，外来车辆一律登记并限时停放，门岗已按新办法执行。"),
        ("B", "{building}楼下电动车充电难",
         "{building}楼下没有充电桩，不少住户从楼上拉线给电动车充电，非常危险，建议增设集中充电点。",
         "已在{building}旁增设集中充电棚，提供充电口20个。"),
        ("C", "小区停车收费标准不透明",
         "停车费今年又涨了，但没有公示收费依据和收支情况，希望业委会组织业主讨论并公开账目。",
         "已在公告栏和业主群公示停车收费依据和上年度收支明细，并召开业主代表座谈会。"),
    ),
    "fire-lane": (
        ("C", "小区{gate}消防通道被私家车占用",
         "{gate}的消防通道上长期停着几辆私家车，划了禁停线也没用，万一发生火灾消防车根本进不来。",
         "社区联合物业逐一联系车主挪车，已设置隔离桩防止再次占用。"),
        ("B", "{building}楼道停放电动车充电",
         "{building}{unit}一楼楼道里停了好几辆电动车，晚上还拉线充电，堵住了安全出口，太危险了。",
         "已清理楼道电动车并张贴禁停告示，楼栋长每周巡查。"),
        ("B", "{building}{unit}消防栓没有水",
         "{building}{unit}{floor}楼的消防栓箱里水带破损，打开阀门也没有水，请尽快检修。",
         "已更换消防水带和阀门，恢复供水，试水正常。"),
        ("C", "小区{gate}消防通道堆放建筑垃圾",
         "有住户装修后把建筑垃圾堆在{gate}消防通道上，已经堆了{days}，消防车无法通行。",
         "建筑垃圾已清运，社区已约谈装修住户。"),
    ),
    "lift": (
        ("B", "{building}{unit}电梯停在{floor}楼不动",
         "{building}{unit}的电梯从早上起就停在{floor}楼，按键没有反应，楼上有老人行动不便，请尽快维修。",
         "维保单位已到场更换门机板，电梯恢复运行。"),
        ("B", "{building}{unit}电梯运行异响",
         "{building}{unit}电梯运行时有很大的摩擦声，还会突然抖一下，乘坐时很害怕，请安排维保单位检查。",
         "已调整导轨并更换曳引钢丝绳，异响消除。"),
        ("B", "{building}{unit}电梯困人",
         "{building}{unit}电梯在{floor}楼附近突然停住，里面困了人，按了紧急呼叫没人应答。",
         "维保人员到场救出被困居民，已更换故障的控制板，紧急呼叫已恢复。"),
        ("B", "{building}{unit}电梯年检过期",
         "{building}{unit}电梯里张贴的年检合格证已经过期{days}，请物业核实电梯是否安全。",
         "电梯已完成年检，新的合格证已张贴。"),
    ),
    "leak": (
        ("B", "{building}{unit}顶楼漏水",
         "{building}{unit}顶楼每逢下雨天花板就渗水，墙皮大片脱落，怀疑屋面防水层老化，请物业查看维修。",
         "已重做屋面防水，雨后复查无渗漏。"),
        ("B", "{building}{unit}{floor}楼公共水管漏水",
         "{building}{unit}{floor}楼楼道里的公共水管接口一直滴水，地面常年湿滑，楼下住户墙面也开始发霉。",
         "已更换漏水的管道接头，并清理了地面。"),
        ("B", "{building}外墙渗水",
         "{building}北面外墙有裂缝，下雨后雨水渗进室内，墙角发黑，希望尽快修补外墙。",
         "已修补外墙裂缝并做防水处理，使用维修资金已公示。"),
        ("B", "{building}地下室积水",
         "{building}地下室积水有十几厘米深，放在里面的东西都泡了，估计是排水泵坏了。",
         "已更换排水泵并抽干积水。"),
    ),
    "noise": (
        ("B", "{building}楼上深夜噪音扰民",
         "{building}{unit}{floor}楼楼上住户经常半夜十二点以后还在拖动家具、走路很重，严重影响休息，沟通过几次没有改善。",
         "网格员上门沟通，楼上住户已承诺晚上十点后注意轻放，并铺设了地垫。"),
        ("C", "小区广场舞音响声音太大",
         "每天晚上中心广场跳广场舞音响开得很大，一直到九点半以后，家里有学生要复习，希望协调降低音量、缩短时间。",
         "已与广场舞队协商：音量降低，晚上八点半前结束。"),
        ("B", "{building}装修噪音超时施工",
         "{building}有住户装修，中午和晚上七点以后还在电钻施工，不符合装修管理规定，请物业和社区管一管。",
         "已要求装修住户按规定时间施工，并在单元门口张贴施工时间公示。"),
        ("C", "小区{gate}外夜市噪音扰民",
         "{gate}外面的夜市每天营业到凌晨，喇叭叫卖声很吵，靠近{gate}的几栋楼住户都睡不好。",
         "已联合城管对夜市经营时间和外放喇叭进行整治，晚上十点后停止营业。"),
    ),
    "lift-retrofit": (
        ("B", "{building}{unit}申请加装电梯",
         "{building}{unit}有很多老人住在高层，上下楼很困难，大部分住户同意加装电梯，希望业委会和社区协助办理手续。",
         "已组织单元住户协商会，签订加装电梯协议，方案已报审批。"),
        ("B", "{building}加装电梯低层住户有异议",
         "{building}准备加装电梯，但一二楼住户担心采光和噪音，意见不统一，希望社区组织协商。",
         "经多次协商确定低层住户补偿方案，各方已签字同意。"),
        ("C", "加装电梯补贴政策咨询",
         "想了解老旧小区加装电梯的政府补贴标准和申请流程，希望社区组织一次政策宣讲。",
         "社区已举办加装电梯政策宣讲会并发放办事指南。"),
    ),
    "property-service": (
        ("C", "物业公共收益未公示",
         "小区广告位和停车位的公共收益一直没有公示，希望业委会督促物业按规定公开收支。",
         "物业已在公告栏和线上公示上年度公共收益收支情况。"),
        ("C", "小区{gate}门岗夜间经常无人",
         "晚上{gate}门岗经常没人值班，外来人员随便进出，希望物业加强值守。",
         "物业已调整门岗排班，夜间双人值守，业委会每周抽查。"),
        ("B", "{building}报修后长期无人处理",
         "{building}{unit}上个月通过物业前台报修了单元门门禁，一直没有人来修，打电话也说在排队。",
         "已安排维修人员上门修复，并对报修流程进行整改，报修三日内必须回复。"),
        ("C", "小区保洁频次明显下降",
         "最近楼道和道路的保洁明显不如以前，垃圾和落叶好几天都没人扫，希望业委会和物业沟通服务标准。",
         "业委会已与物业约定保洁标准，每月检查打分并公示。"),
    ),
    "dispute": (
        ("B", "{building}楼上漏水引发邻里矛盾",
         "{building}{unit}楼上卫生间漏水把我家天花板泡坏了，找楼上协商维修和赔偿，对方一直推脱，希望社区帮忙调解。",
         "经调解双方达成协议：楼上住户负责维修并承担费用。"),
        ("B", "{building}{unit}楼道占用纠纷",
         "对门邻居把鞋柜和杂物放在公共楼道，沟通时发生争吵，希望社区出面调解。",
         "经调解，邻居同意清理楼道杂物，双方和解。"),
        ("B", "{building}养狗扰邻纠纷",
         "{building}邻居家的狗经常半夜叫，说了几次反而吵起来了，希望调解员帮忙协调。",
         "调解员上门沟通，养犬户承诺夜间管好宠物，双方握手言和。"),
    ),
    "facilities": (
        ("C", "小区健身器材损坏",
         "中心广场的健身器材有两件已经松动，扶手断了，老人小孩用着很危险，请尽快维修或暂停使用。",
         "已维修加固健身器材，不能修复的两件已更换。"),
        ("B", "{building}{unit}单元门门禁坏了",
         "{building}{unit}的单元门门禁坏了{days}，门一直关不上，陌生人随便进出，不安全。",
         "已更换门禁控制器和闭门器，单元门恢复正常。"),
        ("C", "小区{gate}道闸经常抬不起来",
         "{gate}车辆道闸识别不灵，早高峰经常排长队，请检修或更换设备。",
         "已更换道闸识别摄像机，通行恢复顺畅。"),
        ("B", "{building}信报箱破损",
         "{building}楼下的信报箱好几个门都坏了，快递和信件容易丢，希望更换。",
         "已更换新的信报箱。"),
        ("C", "小区{gate}人行道地砖松动",
         "{gate}进来的人行道有一段地砖松动翘起，下雨踩上去溅一身水，老人容易绊倒。",
         "已重新铺设松动地砖约20平方米。"),
    ),
}  # fmt: skip

GATES = ("东门", "南门", "西门", "北门")
DURATIONS = ("两天", "三天", "四五天", "一周", "十来天", "半个月")
REJECTIONS = (
    "经核实属于住户室内自用部分，请联系物业有偿维修或自行处理。",
    "该路段属于市政道路，不在小区受理范围，已告知可拨打12345热线反映。",
    "经现场查看未发现所述问题，如仍存在请补充照片后重新提交。",
    "此事项已列入本季度业主大会议题统一讨论，不再单独受理。",
    "描述信息不足，无法确定具体位置，请补充楼栋和单元后重新提交。",
)
HAPPY = ("处理很及时，谢谢！", "师傅很负责，问题解决了。", "满意，希望保持。", "速度快，点赞。", "")
SO_SO = ("基本解决了，就是慢了点。", "还行，希望以后回复快一些。", "")
UNHAPPY = (
    "只是临时处理了一下，问题又出现了。",
    "没有彻底解决，还是老样子。",
    "拖了很久才来，而且没有修好。",
)
FIXED_AFTER_ALL = ("这次修好了，谢谢。", "返工后解决了，满意。", "总算解决了。")
ESCALATIONS = {
    "fire-lane": "车主拒不挪车，社区多次劝导无效，需要街道协调执法部门处理。",
    "lift": "电梯需更换主要部件，物业与维保单位互相推诿，请街道协调住建部门督办。",
}
ESCALATE_OTHERWISE = "涉及多个部门，社区无法单独解决，请街道协调。"

# What becomes of an issue, and how often (of every 1,000). The rest are rated and closed.
# Collected 100 → committed about 82, resolved about 78, as in the pilot's funnel.
SUBMITTED, ACCEPTED, REJECTED, MERGED = "submitted", "accepted", "rejected", "merged"
ASSIGNED, IN_PROGRESS, REOPENED = "assigned", "in_progress", "reopened"
WAITING, CLOSED, REWORKED = "waiting", "closed", "reworked"
FATES = {
    REJECTED: 60,
    MERGED: 32,
    SUBMITTED: 48,
    ACCEPTED: 40,
    ASSIGNED: 16,
    IN_PROGRESS: 20,
    REOPENED: 8,
    WAITING: 48,  # resolved in the last week, waiting for the reporter's rating
    REWORKED: 32,  # rated 1 or 2 stars, reopened, resolved again, rated well
}


class SeedClock:
    """While it is entered, "now" is `at`: for the services (`timezone.now()`, and so
    `timezone.localdate()`), and for the model fields that default to the time of writing
    (timeline entries, supports, summonses). Both are put back on leaving."""

    FIELDS = ((IssueEvent, "at"), (Support, "at"), (Summons, "summoned_at"))

    def __init__(self):
        self.at: datetime.datetime | None = None

    def now(self) -> datetime.datetime:
        if self.at is None:
            raise RuntimeError("SeedClock.at is not set.")
        return self.at

    def __enter__(self) -> SeedClock:
        self.real_now = timezone.now
        timezone.now = self.now
        for model, name in self.FIELDS:
            model._meta.get_field(name).get_default = self.now
        return self

    def __exit__(self, *exc_info) -> None:
        timezone.now = self.real_now
        for model, name in self.FIELDS:
            del model._meta.get_field(name).get_default  # the class's method again


@contextlib.contextmanager
def quiet_task_log():
    """Without a broker the notification tasks run in-process, one log line each; a seed of
    a few thousand steps keeps only the warnings."""
    logger = logging.getLogger("celery.app.trace")
    previous = logger.level
    logger.setLevel(max(previous, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(previous)


# --- Plans -------------------------------------------------------------------------------------


@dataclass
class Place:
    """A compound with the people who live and work there."""

    compound: Area
    community: Area
    street: Area
    buildings: list[Area] = field(default_factory=list)
    residents: dict[int, list[tuple[User, Household]]] = field(default_factory=dict)
    owners_committee: Organization | None = None
    owners: list[User] = field(default_factory=list)
    firm: Organization | None = None
    firm_staff: list[User] = field(default_factory=list)
    committee: Organization | None = None
    committee_staff: list[User] = field(default_factory=list)
    office_staff: list[User] = field(default_factory=list)
    mediators: list[User] = field(default_factory=list)

    def everyone(self) -> list[tuple[User, Household]]:
        return [pair for b in self.buildings for pair in self.residents.get(b.pk, [])]


@dataclass
class Step:
    at: datetime.datetime
    action: str
    args: dict


@dataclass
class Plan:
    place: Place
    category: Category
    area: Area
    reporter: User
    title: str
    description: str
    resolution: str
    fate: str
    channel: str = Issue.Channel.ONLINE
    # Who acts, when set beforehand (the demo accounts); otherwise chosen when planned.
    triager: User | None = None
    worker: User | None = None
    rating: int | None = None
    age_days: float | None = None
    gap_hours: tuple[float, float] | None = None
    overdue: bool | None = None  # open ones: None lets chance decide
    escalate: bool = False
    summon: bool = False
    # The clock of the plan, kept while planning.
    steps: list[Step] = field(default_factory=list)
    deadline: datetime.datetime | None = None
    level: int = 0
    waiting: bool = False
    issue: Issue | None = None

    @property
    def lane(self) -> str:
        return self.category.default_lane

    @property
    def end(self) -> datetime.datetime | None:
        """When it was closed for good (rejected, merged, closed), if it was."""
        last = self.steps[-1]
        if last.action in ("reject", "merge") or (
            last.action == "rate" and last.args["rating"] >= 3
        ):
            return last.at
        return None


class Command(BaseCommand):
    help = (
        "Give the demo district (run seed_demo first) about 250 residents' issues over the last "
        "six months, each driven through the services by the people who would act on it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2024, help="Random seed (default 2024).")
        parser.add_argument(
            "--district-code",
            default=DEMO_CODE,
            help=f"Code of the district (default {DEMO_CODE}).",
        )
        parser.add_argument(
            "--count", type=int, default=250, help="About how many issues (default 250, min 40)."
        )

    def handle(self, *args, **options):
        code, count = options["district_code"], options["count"]
        if count < 40:
            raise CommandError("--count must be at least 40.")
        district = Area.objects.filter(code=code, level=Level.DISTRICT).first()
        if district is None:
            raise CommandError(
                f"There is no district {code}. Run `python manage.py seed_demo` first"
                + ("." if code == DEMO_CODE else f" (with --district-code {code}).")
            )
        existing = Issue.objects.under(district).count()
        if existing:
            self.stdout.write(
                f"{district.name} ({code}) already has {existing} issues; nothing was changed."
            )
            return

        started = perf_counter()
        self.rng = Random(options["seed"])
        self.now = timezone.now()
        self.namespace = uuid.uuid5(
            uuid.NAMESPACE_URL, f"seed_demo_issues/{code}/{options['seed']}"
        )
        recount = io.StringIO()
        with (
            quiet_task_log(),
            translation.override(settings.LANGUAGE_CODE),
            transaction.atomic(),
        ):
            self.categories = self._categories()
            self._load(district)
            plans = self._plan(count)
            self._run(plans)
            call_command("recount_funnel", fix=True, stdout=recount)
        # The notifications went out as the transaction committed.
        self._summary(district, recount.getvalue(), perf_counter() - started)

    # --- What is there ----------------------------------------------------------------------

    def _categories(self) -> dict[str, Category]:
        found = {}
        for position, (code, name, lane, kind, public, mediation, _weight) in enumerate(
            CATEGORIES, start=1
        ):
            category = (
                Category.objects.filter(code=code).first()
                or Category.objects.filter(name=name).first()
            )
            if category is None:
                category = Category.objects.create(
                    code=code,
                    name=name,
                    default_lane=lane,
                    responsible_kind=kind,
                    is_public=public,
                    is_mediation=mediation,
                    position=position * 10,
                )
            if category.active:
                found[code] = category
        return found

    def _load(self, district: Area) -> None:
        """The compounds with verified residents, and who works for each."""
        inside = district.path
        areas = {a.pk: a for a in Area.objects.filter(path__startswith=inside).order_by("path")}
        by_path = {a.path: a for a in areas.values()}
        steplen = district.steplen
        self.people: dict[int, User] = {}  # one object per person: reach is memoised on it

        def person(user: User) -> User:
            return self.people.setdefault(user.pk, user)

        places: dict[str, Place] = {}
        for area in areas.values():
            if area.level == Level.COMPOUND:
                places[area.path] = Place(
                    compound=area,
                    community=by_path[area.path[: steplen * Level.COMMUNITY]],
                    street=by_path[area.path[: steplen * Level.STREET]],
                )
        for area in areas.values():
            if area.level == Level.BUILDING:
                places[area.path[: steplen * Level.COMPOUND]].buildings.append(area)

        self.demo = {
            u.username: person(u) for u in User.objects.filter(username__in=DEMO_USERNAMES)
        }
        self.home: tuple[Place, Area, Household] | None = None
        claims = (
            Residency.objects.verified()
            .filter(household__building__path__startswith=inside)
            .select_related("user", "household")
            .order_by("household__building__path", "household__unit", "household__room", "pk")
        )
        seen = set()
        for claim in claims:
            user, household = person(claim.user), claim.household
            building = areas[household.building_id]
            place = places[building.path[: steplen * Level.COMPOUND]]
            if user.username == "resident" and self.home is None:
                self.home = (place, building, household)
            if user.username in DEMO_USERNAMES or user.pk in seen:
                continue
            seen.add(user.pk)
            place.residents.setdefault(building.pk, []).append((user, household))

        memberships = (
            Membership.objects.active()
            .filter(organization__area__path__startswith=inside)
            .select_related("user", "organization__area")
            .order_by("organization__area__path", "organization_id", "pk")
        )
        staff: dict[int, list[User]] = defaultdict(list)
        orgs: dict[tuple[str, str], Organization] = {}
        for membership in memberships:
            org = membership.organization
            orgs.setdefault((org.area.path, org.kind), org)
            if person(membership.user) not in staff[org.pk]:
                staff[org.pk].append(person(membership.user))
        firms = dict(
            Organization.served_areas.through.objects.filter(
                area__path__startswith=inside, organization__kind=Kind.PROPERTY_FIRM
            )
            .order_by("area_id", "organization_id")
            .values_list("area_id", "organization_id")
        )
        firm_objects = Organization.objects.in_bulk(set(firms.values()))
        mediators = defaultdict(list)
        for role in (
            AreaRole.objects.active()
            .filter(kind=AreaRole.Kind.MEDIATOR, area__path__startswith=inside)
            .select_related("user", "area")
            .order_by("area__path", "pk")
        ):
            mediators[role.area.path].append(person(role.user))

        for place in places.values():
            place.owners_committee = orgs.get((place.compound.path, Kind.OWNERS_COMMITTEE))
            place.owners = staff[place.owners_committee.pk] if place.owners_committee else []
            place.firm = firm_objects.get(firms.get(place.compound.pk))
            place.firm_staff = staff[place.firm.pk] if place.firm else []
            place.committee = orgs.get((place.community.path, Kind.RESIDENTS_COMMITTEE))
            place.committee_staff = staff[place.committee.pk] if place.committee else []
            office = orgs.get((place.street.path, Kind.GOVERNMENT_OFFICE))
            place.office_staff = staff[office.pk] if office else []
            place.mediators = mediators[place.community.path]

        self.places = [
            p
            for p in places.values()
            if sum(len(v) for v in p.residents.values()) >= 3 and p.committee_staff
        ]
        if not self.places:
            raise CommandError(
                "The district has no compound with verified residents and a residents' "
                "committee; run `python manage.py seed_demo` to build one."
            )
        self.departments = {
            org: staff[org.pk]
            for (path, kind), org in orgs.items()
            if kind == Kind.DEPARTMENT and path == inside and staff[org.pk]
        }

    # --- Planning ---------------------------------------------------------------------------

    def _plan(self, count: int) -> list[Plan]:
        rng = self.rng
        plans = self._demo_plans()
        wanted = Counter(
            {fate: round(count * per_mille / 1000) for fate, per_mille in FATES.items()}
        )
        wanted[CLOSED] = count - sum(wanted.values())
        wanted -= Counter(plan.fate for plan in plans)
        duplicates = wanted.pop(MERGED, 0)
        fates = sorted(wanted.elements())
        rng.shuffle(fates)
        codes = list(self.categories)
        weights = [w for code, *_rest, w in CATEGORIES if code in self.categories]
        place_weights = [len(p.everyone()) for p in self.places]
        for fate in fates:
            category = self.categories[rng.choices(codes, weights)[0]]
            place = rng.choices(self.places, place_weights)[0]
            plans.append(self._new_plan(place, category, fate))

        # A few urgent ones go up to the street by hand.
        urgent = [
            p
            for p in plans
            if p.lane == Lane.URGENT and p.fate in (CLOSED, IN_PROGRESS) and not p.summon
        ]
        for plan in rng.sample(urgent, min(3, len(urgent))):
            plan.escalate = True

        for plan in plans:
            self._schedule(plan)
        plans += self._duplicates(plans, duplicates)
        for plan in plans:
            self._add_supporters(plan)
        return plans

    def _new_plan(
        self,
        place: Place,
        category: Category,
        fate: str,
        *,
        template: str | None = None,
        reporter: tuple[User, Household, Area] | None = None,
        **extra,
    ) -> Plan:
        rng = self.rng
        choices = TEMPLATES[category.code]
        if template is not None:
            choices = tuple(t for t in choices if template in t[1])
        scope, title, description, resolution = rng.choice(choices)
        if reporter is None:
            buildings = [b for b in place.buildings if place.residents.get(b.pk)]
            building = rng.choices(buildings, [len(place.residents[b.pk]) for b in buildings])[0]
            user, household = rng.choice(place.residents[building.pk])
        else:
            user, household, building = reporter
        slots = {
            "building": building.name,
            "unit": f"{household.unit}单元",
            "floor": household.room[:-2] or "1",
            "gate": rng.choice(GATES),
            "days": rng.choice(DURATIONS),
        }
        return Plan(
            place=place,
            category=category,
            area=building if scope == "B" else place.compound,
            reporter=user,
            title=title.format(**slots),
            description=description.format(**slots),
            resolution=resolution.format(**slots),
            fate=fate,
            channel=Issue.Channel.QR if rng.random() < 0.15 else Issue.Channel.ONLINE,
            **extra,
        )

    def _demo_plans(self) -> list[Plan]:
        """Work for the demo accounts: the resident's own issues, the owners' committee's and the
        community's queues, an assignment waiting for the property firm, one department called."""
        if self.home is None:
            return []
        place, building, household = self.home
        if place not in self.places:
            return []
        resident, demo = self.demo["resident"], self.demo

        def member(username: str, pool: list[User]) -> User | None:
            user = demo.get(username)
            return user if user in pool else None

        owners = member("owners", place.owners)
        firm_staff = member("property", place.firm_staff)
        mine = (resident, household, building)
        neighbours = [p for p in self.places if p.community == place.community and p is not place]
        other = neighbours[0] if neighbours else place
        cat = self.categories
        specs = [
            # The resident's own: one closed long ago, one waiting for a rating, one in progress.
            ("greenery", "树枝", CLOSED, place, {"reporter": mine, "rating": 5, "age_days": 95}),
            ("lamp", "门口路灯", WAITING, place, {"reporter": mine, "triager": owners,
                "worker": firm_staff, "gap_hours": (5, 30)}),
            ("sanitation", "垃圾桶", IN_PROGRESS, place, {"reporter": mine, "triager": owners,
                "worker": firm_staff, "overdue": False}),
            # Waiting for the property firm to start.
            ("leak", "公共水管", ASSIGNED, place, {"triager": owners, "overdue": False}),
            # The owners' committee's queue.
            ("facilities", "健身器材", SUBMITTED, place, {}),
            ("property-service", "门岗", SUBMITTED, place, {}),
            ("noise", "装修噪音", SUBMITTED, place, {}),
            # The community's queue: urgent and joint matters start there.
            ("parking", "乱停", SUBMITTED, place, {}),
            ("fire-lane", "电动车", SUBMITTED, other, {}),
            # 街道吹哨、部门报到.
            ("fire-lane", "私家车占用", CLOSED, other, {"summon": True, "escalate": True,
                "age_days": 40, "rating": 5}),
        ]  # fmt: skip
        return [
            self._new_plan(where, cat[code], fate, template=template, **extra)
            for code, template, fate, where, extra in specs
            if code in cat
        ]

    # The clock: office hours for staff, waking hours for residents.

    def _hours(self, low: float, high: float) -> datetime.timedelta:
        return datetime.timedelta(hours=self.rng.uniform(low, high))

    def _within(self, t: datetime.datetime, start: float, end: float) -> datetime.datetime:
        local = timezone.localtime(t)
        hour = local.hour + local.minute / 60
        if start <= hour <= end:
            return t
        day = local if hour < start else local + DAY
        opening = day.replace(hour=int(start), minute=int(start % 1 * 60), second=0, microsecond=0)
        return opening + datetime.timedelta(minutes=self.rng.uniform(0, 150))

    def _office(self, t):
        return self._within(t, 8.5, 18.5)

    def _awake(self, t):
        return self._within(t, 7, 22.5)

    def _staff_time(self, plan: Plan, t):
        """Urgent matters are handled at any hour; the rest in office hours."""
        return t if plan.lane == Lane.URGENT else self._office(t)

    def _step(self, plan: Plan, at, action: str, **args) -> None:
        if plan.steps:
            at = max(at, plan.steps[-1].at + MINUTE)
        self._beat(plan, at)
        plan.steps.append(Step(at, action, args))
        self._effect(plan, at, action, args)

    def _effect(self, plan: Plan, at, action: str, args: dict) -> None:
        """What a step does to the deadline and the tier, as the services do it."""
        duration = services.lane_duration(plan.lane)
        if action == "submit":
            tier = Level.COMPOUND if plan.lane == Lane.QUICK else Level.COMMUNITY
            plan.level = min(plan.area.level, tier)
            plan.deadline, plan.waiting = at + duration, True
        elif action == "escalate":
            plan.level -= 1
            plan.deadline = at + duration
        elif action in ("reject", "merge", "resolve"):
            plan.waiting = False
        elif action == "rate" and args["rating"] < 3:
            plan.deadline, plan.waiting = at + duration, True

    def _beat(self, plan: Plan, until) -> None:
        """The periodic task: an open issue past its deadline climbs one tier, every 5 minutes."""
        while plan.waiting and plan.level > Level.STREET and plan.deadline < until:
            at = max(
                plan.deadline + datetime.timedelta(minutes=self.rng.uniform(0.5, 5)),
                plan.steps[-1].at + MINUTE,
            )
            if at >= until:
                return
            args = {"by": None, "reason": _("The deadline passed without a result.")}
            plan.steps.append(Step(at, "escalate", args))
            self._effect(plan, at, "escalate", args)

    def _pick(self, pool: list[User], plan: Plan) -> User | None:
        candidates = [u for u in pool if u.pk != plan.reporter.pk]
        return self.rng.choice(candidates) if candidates else None

    def _triager(self, plan: Plan) -> User:
        """Quick matters: the owners' committee; urgent and joint ones: the residents' committee."""
        place = plan.place
        if plan.triager is None and plan.lane == Lane.QUICK:
            plan.triager = self._pick(place.owners, plan)
        if plan.triager is None:
            plan.triager = self._pick(place.committee_staff, plan)
        if plan.triager is None:
            raise CommandError(f"Nobody at {place.community.name} can accept issues.")
        return plan.triager

    def _responsible(self, plan: Plan) -> tuple[Organization, list[User]]:
        place = plan.place
        kind = plan.category.responsible_kind
        if kind == Kind.PROPERTY_FIRM and place.firm and place.firm_staff:
            return place.firm, place.firm_staff
        if kind == Kind.OWNERS_COMMITTEE and any(u.pk != plan.reporter.pk for u in place.owners):
            return place.owners_committee, place.owners
        return place.committee, place.committee_staff

    def _reported_on(self, days_ago: float) -> datetime.datetime:
        """A time residents report things, on the day so many days ago."""
        day = timezone.localtime(self.now - datetime.timedelta(days=days_ago))
        hour = self.rng.choice((7, 8, 8, 9, 10, 11, 12, 13, 14, 17, 18, 19, 20, 20, 21, 22))
        return day.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60))

    def _live(self, plan: Plan, t: datetime.datetime) -> None:
        """Plan the steps of one issue from the moment it is reported."""
        rng, fate = self.rng, plan.fate
        plan.steps, plan.waiting = [], False
        self._step(plan, t, "submit")
        if fate == SUBMITTED:
            return
        triager = self._triager(plan)
        if fate == REJECTED:
            reason = rng.choice(REJECTIONS)
            self._step(
                plan, self._office(t + self._hours(1, 24)), "reject", by=triager, reason=reason
            )
            return
        delay = {Lane.QUICK: (0.3, 10), Lane.URGENT: (0.1, 1.5), Lane.JOINT: (2, 40)}[plan.lane]
        t = self._staff_time(plan, t + self._hours(*delay))
        self._step(plan, t, "accept", by=triager)
        if fate == ACCEPTED:
            return
        organization, workers = self._responsible(plan)
        t = self._staff_time(plan, t + self._hours(0.05, 3))
        self._step(plan, t, "assign", by=triager, organization=organization)
        mediator = None
        if plan.category.is_mediation:
            mediator = self._pick(plan.place.mediators, plan)
            if mediator is not None:
                self._step(plan, t + self._hours(0.1, 2), "mediator", by=triager, mediator=mediator)
        if fate == ASSIGNED:
            return
        worker = plan.worker or self._pick(workers, plan) or triager
        delay = {Lane.QUICK: (0.5, 20), Lane.URGENT: (0.2, 2), Lane.JOINT: (12, 96)}[plan.lane]
        t = self._staff_time(plan, t + self._hours(*delay))
        self._step(plan, t, "start", by=worker)
        if plan.escalate and plan.level > Level.STREET:
            t = self._awake(t + self._hours(1, 6))
            reason = ESCALATIONS.get(plan.category.code, ESCALATE_OTHERWISE)
            self._step(plan, t, "escalate", by=triager, reason=reason)
            if plan.summon and plan.place.office_staff and self.departments:
                self._summon(plan, t)
                t = plan.steps[-1].at
        if fate == IN_PROGRESS:
            return
        if mediator is not None:
            t = self._office(t + self._hours(24, 120))
            self._step(plan, t, "outcome", by=mediator, note="双方当面沟通，达成一致。")
        t = self._resolve(plan, t, worker, plan.resolution)
        if fate == WAITING:
            return
        t = self._awake(t + self._hours(1, 60))
        if fate == CLOSED:
            rating = plan.rating or rng.choice((5, 5, 5, 5, 5, 4, 4, 4, 3))
            comment = rng.choice(HAPPY if rating >= 4 else SO_SO)
            self._step(plan, t, "rate", by=plan.reporter, rating=rating, comment=comment)
            return
        self._step(
            plan,
            t,
            "rate",
            by=plan.reporter,
            rating=rng.choice((1, 2, 2)),
            comment=rng.choice(UNHAPPY),
        )
        t = self._office(t + self._hours(1, 24))
        self._step(plan, t, "start", by=worker)
        if fate == REOPENED:
            return
        t = self._resolve(plan, t, worker, "已返工处理：" + plan.resolution)
        t = self._awake(t + self._hours(2, 48))
        comment = rng.choice(FIXED_AFTER_ALL)
        self._step(plan, t, "rate", by=plan.reporter, rating=rng.choice((4, 5)), comment=comment)

    def _resolve(self, plan: Plan, t, worker: User, note: str):
        """Mostly within the deadline; now and then late, after the periodic task escalated it."""
        room = plan.deadline - t
        if self.rng.random() < 0.92 and room > HOUR:
            for _attempt in range(20):
                done = self._staff_time(plan, t + room * self.rng.uniform(0.1, 0.9))
                if done <= plan.deadline:
                    break
            else:  # office hours would be too late: someone stays on to finish it
                done = t + room * self.rng.uniform(0.1, 0.9)
        else:
            late = services.lane_duration(plan.lane) * self.rng.uniform(0.05, 0.5)
            done = self._staff_time(plan, max(t, plan.deadline) + late)
        self._step(plan, done, "resolve", by=worker, note=note)
        return plan.steps[-1].at

    def _summon(self, plan: Plan, t) -> None:
        """街道吹哨、部门报到: the street calls the department that answers for it; it checks in."""
        wanted = "城管" if plan.category.code in ("fire-lane", "parking", "noise") else "住建"
        department = next((d for d in self.departments if wanted in d.name), None) or next(
            iter(self.departments)
        )
        street = self.demo.get("street")
        caller = street if street in plan.place.office_staff else plan.place.office_staff[0]
        reason = f"{plan.title}，社区多次协调未果，请{department.name}到场处理。"
        t = self._awake(t + self._hours(0.5, 4))
        self._step(plan, t, "summon", by=caller, department=department, reason=reason)
        t = self._office(t + self._hours(0.5, 6))
        officer = self.departments[department][-1]
        note = "已派执法队员到现场，依法处理占道车辆并设置警示标志。"
        self._step(plan, t, "check_in", by=officer, note=note)

    def _shift(self, plan: Plan, delta: datetime.timedelta) -> None:
        for step in plan.steps:
            step.at += delta
        plan.deadline += delta

    def _schedule(self, plan: Plan) -> None:
        """Plan the life so that it fits before now: closed ones spread over six months, open
        ones recent enough to be on time, or overdue when chance (or the demo) wants so."""
        rng, latest = self.rng, self.now - 15 * MINUTE
        if plan.fate in (CLOSED, REWORKED, REJECTED):
            self._live(plan, self._reported_on(plan.age_days or rng.uniform(2, 178)))
            last = plan.steps[-1].at
            if last > latest:  # whole days back, so the hours stay office hours
                self._shift(plan, -DAY * math.ceil((last - latest) / DAY))
            return
        if plan.fate == WAITING:  # resolved in the last week, so not yet closed automatically
            self._live(plan, self._reported_on(30))
            gap = self._hours(*(plan.gap_hours or (3, 6 * 24)))
            self._shift(plan, DAY * math.floor((self.now - gap - plan.steps[-1].at) / DAY))
            return
        hours = services.lane_duration(plan.lane) / HOUR
        overdue = rng.random() < 0.4 if plan.overdue is None else plan.overdue
        if plan.fate == SUBMITTED:
            overdue, ages = False, (0.5, min(0.7 * hours, 30))
        elif overdue:  # long enough for the periodic task to have taken it up to the street
            ages = (3 * hours + 12, 3 * hours + 20 * 24)
        else:
            ages = (1, 0.9 * hours)
        for _attempt in range(100):
            t = self.now - self._hours(*ages)
            if not 7 <= timezone.localtime(t).hour <= 22:
                continue
            self._live(plan, t)
            if plan.steps[-1].at <= latest and (plan.deadline < self.now) == overdue:
                break
        else:  # nothing fitted by chance: move the last try so it ends a little while ago
            self._shift(plan, latest - self._hours(0.5, 6) - plan.steps[-1].at)
        self._beat(plan, self.now)

    def _duplicates(self, plans: list[Plan], count: int) -> list[Plan]:
        """The same problem reported again by a neighbour, merged into the first report."""
        rng, made = self.rng, []
        targets = [
            p
            for p in plans
            if p.category.is_public
            and p.fate not in (REJECTED, SUBMITTED)
            and ((p.end or self.now) - p.steps[0].at) > 2 * DAY
        ]
        rng.shuffle(targets)
        for target in targets:
            if len(made) >= count:
                break
            neighbours = [u for u, _h in target.place.everyone() if u.pk != target.reporter.pk]
            if not neighbours:
                continue
            user = rng.choice(neighbours)
            plan = Plan(
                place=target.place,
                category=target.category,
                area=target.area,
                reporter=user,
                title=target.title,
                description=target.description,
                resolution="",
                fate=MERGED,
                channel=Issue.Channel.ONLINE,
            )
            submitted = self._awake(target.steps[0].at + self._hours(2, 30))
            merged = self._staff_time(plan, submitted + self._hours(0.5, 8))
            end = min(target.end or self.now, self.now) - 10 * MINUTE
            if merged >= end:
                continue
            self._step(plan, submitted, "submit")
            by = self._triager(plan) if target.triager is None else target.triager
            if by.pk == user.pk:
                continue
            self._step(plan, merged, "merge", by=by, into=target)
            made.append(plan)
        return made

    def _add_supporters(self, plan: Plan) -> None:
        """Me too: neighbours add their weight while it is open."""
        rng = self.rng
        if not plan.category.is_public or plan.fate in (REJECTED, MERGED) or rng.random() > 0.3:
            return
        start = plan.steps[0].at + 10 * MINUTE
        end = min(plan.end or self.now, self.now, plan.steps[0].at + 5 * DAY) - MINUTE
        if end <= start:
            return
        pool = [u for u, _h in plan.place.everyone() if u.pk != plan.reporter.pk]
        how_many = min(rng.choice((1, 1, 1, 2, 2, 3, 4, 6)), len(pool))
        for user in rng.sample(pool, how_many):
            at = start + (end - start) * rng.random()
            plan.steps.append(Step(at, "support", {"by": user}))
        plan.steps.sort(key=lambda step: step.at)

    # --- Running ----------------------------------------------------------------------------

    def _run(self, plans: list[Plan]) -> None:
        """Every step of every issue in the order of the planned clock, through the services."""
        queue = sorted(
            ((step.at, index, position, plan, step))
            for index, plan in enumerate(plans)
            for position, step in enumerate(plan.steps)
        )
        with SeedClock() as clock:
            for number, (at, _index, _position, plan, step) in enumerate(queue):
                clock.at = at
                try:
                    self._do(plan, step, number)
                except (PermissionDenied, ValidationError) as error:
                    raise CommandError(
                        f"Could not {step.action} “{plan.title}” ({plan.fate}) as "
                        f"{step.args.get('by')}: {error}"
                    ) from error

    def _do(self, plan: Plan, step: Step, number: int) -> None:
        args, issue = step.args, plan.issue
        match step.action:
            case "submit":
                plan.issue = services.submit_issue(
                    title=plan.title,
                    description=plan.description,
                    category=plan.category,
                    area=plan.area,
                    reporter=plan.reporter,
                    channel=plan.channel,
                    submission_key=uuid.uuid5(self.namespace, str(number)),
                )
            case "accept":
                plan.issue = services.accept_issue(issue=issue, by=args["by"])
            case "reject":
                plan.issue = services.reject_issue(
                    issue=issue, by=args["by"], reason=args["reason"]
                )
            case "merge":
                into = args["into"].issue
                plan.issue = services.merge_issue(issue=issue, into=into, by=args["by"])
            case "assign":
                plan.issue = services.assign_issue(
                    issue=issue, organization=args["organization"], by=args["by"]
                )
            case "mediator":
                plan.issue = services.assign_mediator(
                    issue=issue, mediator=args["mediator"], by=args["by"]
                )
            case "outcome":
                plan.issue = services.record_mediation_outcome(
                    issue=issue, outcome=Issue.Outcome.MEDIATED, by=args["by"], note=args["note"]
                )
            case "start":
                plan.issue = services.start_work(issue=issue, by=args["by"])
            case "resolve":
                plan.issue = services.resolve_issue(issue=issue, by=args["by"], note=args["note"])
            case "rate":
                plan.issue = services.rate_issue(
                    issue=issue, by=args["by"], rating=args["rating"], comment=args["comment"]
                )
            case "escalate":
                plan.issue = services.escalate_issue(
                    issue=issue, by=args["by"], reason=args["reason"]
                )
            case "summon":
                services.summon_department(
                    issue=issue, department=args["department"], by=args["by"], reason=args["reason"]
                )
            case "check_in":
                services.check_in(issue=issue, by=args["by"], note=args["note"])
            case "support":
                services.support_issue(issue=issue, by=args["by"])
            case _:
                raise CommandError(f"Unknown step {step.action}.")

    # --- Report -----------------------------------------------------------------------------

    def _summary(self, district: Area, recount: str, elapsed: float) -> None:
        issues = Issue.objects.under(district)
        statuses = dict(issues.values_list("status").annotate(n=Count("pk")).order_by())
        total = sum(statuses.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {total} issues in {district.name} ({district.code}) in {elapsed:.1f} s."
            )
        )
        self.stdout.write(
            "By status: "
            + ", ".join(f"{s} {statuses[s]}" for s in S.values if statuses.get(s))
            + "."
        )
        funnel = FunnelCount.objects.filter(area=district).aggregate(
            collected=Sum("collected"),
            committed=Sum("committed"),
            resolved=Sum("resolved"),
            rated=Sum("rated"),
            stars=Sum("rating_total"),
        )
        collected = funnel["collected"] or 0

        def share(n):
            return f"{n or 0} ({100 * (n or 0) / max(collected, 1):.0f}%)"

        self.stdout.write(
            f"Funnel: collected {collected}, committed {share(funnel['committed'])}, "
            f"resolved {share(funnel['resolved'])}, rated {funnel['rated'] or 0} "
            f"(average {(funnel['stars'] or 0) / max(funnel['rated'] or 0, 1):.1f} stars)."
        )
        first = issues.order_by("submitted_at").values_list("submitted_at", flat=True).first()
        self.stdout.write(
            f"Open {issues.open().count()}, overdue {issues.overdue().count()}, escalated "
            f"{issues.filter(escalations__gt=0).count()}, supported "
            f"{issues.filter(supporters_count__gt=0).count()} "
            f"({Support.objects.filter(issue__in=issues).count()} supporters), departments "
            f"summoned {Summons.objects.filter(issue__in=issues).count()}; reported since "
            f"{timezone.localtime(first):%Y-%m-%d}."
        )
        lines = recount.strip().splitlines()
        self.stdout.write(f"Funnel counters: {lines[-1] if lines else 'recounted.'}")
        resident = self.demo.get("resident")
        if resident is not None:
            mine = dict(
                issues.filter(reporter=resident)
                .values_list("status")
                .annotate(n=Count("pk"))
                .order_by()
            )
            self.stdout.write(
                "The demo account resident reported: "
                + ", ".join(f"{s} {n}" for s, n in sorted(mine.items()))
                + "."
            )
        if self.home is not None:
            place = self.home[0]
            waiting = issues.filter(status=S.SUBMITTED)
            self.stdout.write(
                f"Waiting to be accepted: {waiting.under(place.compound).count()} in "
                f"{place.compound.name} (owners), {waiting.under(place.community).count()} in "
                f"{place.community.name} (community)."
            )
