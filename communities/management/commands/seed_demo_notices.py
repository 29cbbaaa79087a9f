"""Put believable notices on the demo district's boards, through the services.

    python manage.py seed_demo             # first: the district, its people and demo accounts
    python manage.py seed_demo_notices     # then: the boards of the resident's street,
                                           # community and compound, one notice of each kind

Each notice is published by the demo account whose organisation would publish it (the street
office, the residents' committee, the owners' committee, the property firm), so permissions,
attachments, finance lines and deliveries are what the portal itself writes; residents below
each board find them in their inbox. A convention and a self-management handbook carry a small
PDF written here; a finance disclosure lists a quarter's income and spending.

Each notice has a source key, so running the command again changes nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from communities import services
from communities.documents import clean_document, tiny_pdf
from communities.management.commands.seed_demo import DEMO_CODE
from communities.models import Area, Membership, Notice, Organization, Residency, User
from communities.services import FinanceItem

DAY = datetime.timedelta(days=1)
Kind = Notice.Kind

CONVENTION = (
    "第一条 业主、住户应当爱护小区公共设施，不得占用消防通道和公共楼道。\n"
    "第二条 电动车应在集中充电棚停放充电，严禁入户、楼道充电。\n"
    "第三条 装修施工时间为工作日8:00-12:00、14:00-18:00，节假日不得进行产生噪音的施工。\n"
    "第四条 文明养犬，出门牵绳，及时清理犬只粪便。\n"
    "第五条 垃圾分类投放，大件垃圾和装修垃圾投放到指定地点。\n"
    "本公约经业主大会表决通过，自公布之日起施行。"
)
HANDBOOK = (
    "自主管理手册汇编了小区自管小组的议事规则、楼栋长职责、志愿服务安排和矛盾调解流程，"
    "供全体居民查阅。议事协商每月第一个周六上午在睦邻驿站举行，欢迎居民旁听并提出议题。"
)
FINANCE = (
    ("income", "地面停车位租金", Decimal("48600.00")),
    ("income", "电梯广告位收入", Decimal("12000.00")),
    ("income", "快递柜场地使用费", Decimal("3600.00")),
    ("spending", "2栋电梯钢丝绳更换", Decimal("18500.00")),
    ("spending", "东门道闸识别设备更换", Decimal("6800.00")),
    ("spending", "中心花园健身器材维修", Decimal("2350.50")),
    ("spending", "公共收益代理记账服务费", Decimal("1200.00")),
)


def _member(username: str, kind: str) -> tuple[User, Organization]:
    membership = (
        Membership.objects.active()
        .filter(user__username=username, organization__kind=kind)
        .select_related("user", "organization")
        .first()
    )
    if membership is None:
        raise CommandError(f"The demo account {username} holds no post in a {kind}.")
    return membership.user, membership.organization


def _pdf(name: str, lines: list[str]):
    return clean_document(SimpleUploadedFile(name, tiny_pdf(lines)))


class Command(BaseCommand):
    help = "Publish demo notices of every kind on the boards above the demo resident's home."

    def handle(self, *args, **options):
        district = Area.objects.filter(code=DEMO_CODE, level=Area.Level.DISTRICT).first()
        if district is None:
            raise CommandError("There is no demo district. Run `python manage.py seed_demo` first.")
        home = (
            Residency.objects.verified()
            .filter(user__username="resident")
            .select_related("household__building")
            .first()
        )
        if home is None:
            raise CommandError("The demo account resident has no verified home.")
        chain = {area.level: area for area in Area.objects.above(home.household.building)}
        street, community = chain[Area.Level.STREET], chain[Area.Level.COMMUNITY]
        compound = chain[Area.Level.COMPOUND]
        street_staff, office = _member("street", Organization.Kind.GOVERNMENT_OFFICE)
        staff, committee = _member("community", Organization.Kind.RESIDENTS_COMMITTEE)
        owner, owners_committee = _member("owners", Organization.Kind.OWNERS_COMMITTEE)
        firm_staff, firm = _member("property", Organization.Kind.PROPERTY_FIRM)
        now = timezone.now()
        quarter = f"{now.year}年第{(now.month - 1) // 3 + 1}季度"

        notices = [
            {
                "key": "street-flood",
                "area": street,
                "by": street_staff,
                "organization": office,
                "kind": Kind.ANNOUNCEMENT,
                "title": "关于做好汛期安全防范工作的通知",
                "body": (
                    "近期降雨频繁，请各社区、小区做好地下车库、低洼地带的排水检查，"
                    "居民发现积水、险情请及时拨打社区值班电话或在平台上报。"
                ),
                "publish_at": now - 6 * DAY,
            },
            {
                "key": "community-minutes",
                "area": community,
                "by": staff,
                "organization": committee,
                "kind": Kind.MINUTES,
                "title": f"{community.name}五方联席会议纪要",
                "body": (
                    "参会：社区党委、居委会、业委会、物业服务企业、居民代表。\n"
                    "议题一：电动车集中充电棚选址。决议：在2栋、5栋之间空地建设，物业负责施工。\n"
                    "议题二：东门道闸识别不灵。决议：本月内更换设备，费用从公共收益列支并公示。"
                ),
                "publish_at": now - 4 * DAY,
            },
            {
                "key": "compound-convention",
                "area": compound,
                "by": owner,
                "organization": owners_committee,
                "kind": Kind.RULES,
                "title": f"{compound.name}小区公约",
                "body": CONVENTION,
                "pinned": True,
                "attachments": [
                    _pdf(
                        "小区公约.pdf",
                        ["Residents' Convention", f"{compound.code}", "Adopted by the owners."],
                    )
                ],
                "publish_at": now - 30 * DAY,
            },
            {
                "key": "compound-handbook",
                "area": compound,
                "by": owner,
                "organization": owners_committee,
                "kind": Kind.RULES,
                "title": "自主管理手册（2025版）",
                "body": HANDBOOK,
                "attachments": [_pdf("自主管理手册.pdf", ["Self-management handbook", "2025"])],
                "publish_at": now - 25 * DAY,
            },
            {
                "key": "compound-finance",
                "area": compound,
                "by": owner,
                "organization": owners_committee,
                "kind": Kind.FINANCE,
                "title": f"{compound.name}{quarter}公共收益收支公示",
                "body": "以下为本季度公共收益收支明细，票据可在业委会办公室查阅，如有疑问请联系业委会。",
                "finance_lines": [
                    FinanceItem(direction=direction, item=item, amount=amount)
                    for direction, item, amount in FINANCE
                ],
                "publish_at": now - 2 * DAY,
            },
            {
                "key": "compound-party",
                "area": compound,
                "by": staff,
                "organization": committee,
                "kind": Kind.PARTY_DISPLAY,
                "title": "党员亮身份：在职党员和党员中心户公示",
                "body": "以下党员已到社区报到并同意公示，居民有困难可就近联系。",
                "publish_at": now - 10 * DAY,
            },
            {
                "key": "compound-commitment",
                "area": compound,
                "by": firm_staff,
                "organization": firm,
                "kind": Kind.COMMITMENT,
                "title": f"{firm.name}服务承诺",
                "body": "报修30分钟内响应，一般维修24小时内完成；每月公示保洁、绿化检查结果。",
                "publish_at": now - 20 * DAY,
            },
            {
                "key": "compound-poll",
                "area": compound,
                "by": owner,
                "organization": owners_committee,
                "kind": Kind.POLL_RESULT,
                "title": "电动车充电棚选址投票结果",
                "body": "共收到有效票312张，同意在2栋、5栋之间空地建设的267票，占85.6%，方案通过。",
                "publish_at": now - 3 * DAY,
            },
            {
                "key": "compound-lift",
                "area": compound,
                "by": firm_staff,
                "organization": firm,
                "kind": Kind.ANNOUNCEMENT,
                "title": "电梯年度检验停运通知",
                "body": "特种设备检验机构将对各栋电梯进行年度检验，届时每部电梯停运约2小时，请合理安排出行。",
                "publish_at": now + 3 * DAY,
                "unpublish_at": now + 10 * DAY,
            },
        ]
        created = 0
        for notice in notices:
            key = f"demo-{DEMO_CODE}-{notice.pop('key')}"
            if Notice.objects.filter(source_key=key).exists():
                continue
            services.publish_notice(source_key=key, **notice)
            created += 1
        if not created:
            self.stdout.write("The demo boards already have their notices; nothing was changed.")
            return
        # Deliver now what is due, as the sweep would: the demo inbox is full whether or not a
        # worker runs beside it (a task that comes later finds the deliveries finished).
        reached = services.deliver_due_notices()
        self.stdout.write(
            self.style.SUCCESS(
                f"Published {created} notices on the boards of {street.name}, {community.name} "
                f"and {compound.name} ({compound.code}); {reached} inbox messages delivered."
            )
        )
