"""Issues at scale for the benchmark, on top of `manage.py seed_demo --scale`.

    python -m bench.seed_issues                      # 200,000 issues in district 429999
    python -m bench.seed_issues --issues 50000 --district-code 429999

Writes in bulk (batches of 5,000), not through the services: the services check a person
acting, count the funnel one issue at a time and queue notifications. Afterwards run
`manage.py recount_funnel --fix` to build the funnel counters from the issues.

The issues are spread over the district's buildings (most reported online by one of the scale
seed's residents, from their own building), submitted over the last twelve months, and each
one walks the real state machine as far as its age allows: accepted within hours, assigned,
resolved after about a day and a half (some after the deadline), closed a week later, rated
mostly well. About 80 % of them reach "assigned" or further and about 75 % are resolved or
closed; young ones are still open. Each issue gets its "submitted" timeline entry; a sample
of one in ten gets its full timeline.

Only adds: when the district already holds `--issues` issues or more, it changes nothing.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import sys
from random import Random
from time import perf_counter

BATCH = 5000
STEPLEN = 4

# name, code, default lane, responsible kind, public, mediation, weight
CATEGORIES = (
    ("路灯照明", "bench-lighting", "quick", "property_firm", True, False, 14),
    ("环境卫生", "bench-sanitation", "quick", "property_firm", True, False, 18),
    ("电梯故障", "bench-lift", "urgent", "property_firm", True, False, 10),
    ("停车管理", "bench-parking", "quick", "property_firm", True, False, 12),
    ("绿化养护", "bench-greenery", "quick", "property_firm", True, False, 7),
    ("公共设施维修", "bench-facilities", "quick", "property_firm", True, False, 12),
    ("噪音扰民", "bench-noise", "quick", "residents_committee", True, False, 8),
    ("安全隐患", "bench-safety", "urgent", "residents_committee", True, False, 6),
    ("违章搭建", "bench-illegal-building", "joint", "government_office", True, False, 5),
    ("邻里纠纷", "bench-dispute", "quick", "residents_committee", False, True, 8),
)

TITLES = {
    "bench-lighting": ("楼道路灯不亮", "小区路灯坏了", "地下车库灯光太暗", "单元门口灯一直闪"),
    "bench-sanitation": ("垃圾桶满了没人清运", "楼道堆放杂物", "化粪池外溢有异味", "绿化带垃圾多"),
    "bench-lift": ("电梯困人", "电梯异响", "电梯按钮失灵", "电梯经常停运"),
    "bench-parking": ("消防通道被占用", "电动车违规充电", "车位被外来车辆占用", "道闸故障"),
    "bench-greenery": ("树枝挡住窗户", "草坪枯死", "树木倾斜有危险", "绿地被毁种菜"),
    "bench-facilities": ("健身器材损坏", "单元门禁坏了", "井盖松动", "屋顶漏水"),
    "bench-noise": ("夜间装修噪音", "广场舞音响太大", "楼上噪音扰民", "商铺外放音乐"),
    "bench-safety": ("外墙瓷砖脱落", "消防栓没水", "高空抛物", "燃气管道锈蚀"),
    "bench-illegal-building": ("楼顶违章搭建", "一楼私自扩建", "占用公共绿地建棚", "阳台外挑"),
    "bench-dispute": ("楼上漏水到楼下", "邻居占用楼道", "宠物扰民纠纷", "共用墙体开裂纠纷"),
}
DETAILS = (
    "已经持续一个多星期了，",
    "晚上出入很不方便，",
    "老人和小孩经过时很危险，",
    "之前向物业反映过，",
    "住户们意见很大，",
    "雨天情况更严重，",
    "周末尤其明显，",
)
ASKS = (
    "希望尽快处理。",
    "请相关部门来看看。",
    "麻烦安排人员维修。",
    "希望给个处理时间。",
    "请物业尽快解决。",
)

# Status weights do not apply directly: each issue draws how far it would go, then stops where
# its age does not yet allow the next step (see _walk).
OUTCOMES = (
    ("submitted", 3),
    ("accepted", 5),
    ("rejected", 7),
    ("merged", 3),
    ("assigned", 2),
    ("in_progress", 3),
    ("resolved", 2),
    ("closed", 75),
)
CHANNELS = (("online", 55), ("qr", 20), ("visit", 12), ("meeting", 5), ("phone", 8))
RATINGS = ((3, 15), (4, 37), (5, 48))


def _weighted(rng: Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--district-code", default="429999")
    parser.add_argument("--issues", type=int, default=200_000, help="Target number of issues.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--timeline-every",
        type=int,
        default=10,
        help="One issue in this many gets its whole timeline (default 10).",
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
    import django

    django.setup()
    return Seeder(args).run()


class Seeder:
    def __init__(self, args):
        self.args = args

    def run(self) -> int:
        from django.db import transaction

        from communities.models import Area
        from deliberation.models import Issue

        started = perf_counter()
        district = Area.objects.filter(code=self.args.district_code).first()
        if district is None:
            print(f"No district {self.args.district_code}: run manage.py seed_demo --scale first.")
            return 1
        existing = Issue.objects.filter(area__path__startswith=district.path).count()
        wanted = self.args.issues - existing
        if wanted <= 0:
            print(f"{existing:,} issues already in {district.code}; nothing to add.")
            return 0
        print(f"{existing:,} issues in {district.code}; adding {wanted:,}.")
        self._load(district)
        print(f"  loaded areas, organisations, residents   {perf_counter() - started:7.1f} s")
        rng = Random(self.args.seed * 1_000_003 + existing)
        made = 0
        while made < wanted:
            size = min(BATCH, wanted - made)
            with transaction.atomic():
                self._batch(rng, size)
            made += size
            if made % 50_000 == 0 or made == wanted:
                print(
                    f"  {made:>9,} issues written                  {perf_counter() - started:7.1f} s"
                )
        step = perf_counter()
        counters = self._counters(district)
        print(f"  {counters:>9,} funnel counters rebuilt          {perf_counter() - step:7.1f} s")
        print(f"Added {wanted:,} issues in {perf_counter() - started:.1f} s.")
        return 0

    def _counters(self, district) -> int:
        """The district's funnel counters in one statement, counted the way `recount_funnel`
        counts them (every ancestor of the issue's area, month in local time). Writing them one
        `update_or_create` at a time takes minutes at this size; `recount_funnel --fix`
        afterwards checks them and would rewrite any that differ."""
        from django.conf import settings
        from django.db import connection, transaction

        from deliberation.models import FunnelCount

        sql = """
            INSERT INTO deliberation_funnelcount (area_id, month, collected, accepted, committed,
                resolved, resolved_on_time, rated, rating_total)
            SELECT anc.id, (date_trunc('month', i.submitted_at AT TIME ZONE %s))::date,
                count(*), count(i.accepted_at), count(i.assigned_at),
                count(*) FILTER (WHERE i.status IN ('resolved', 'closed')
                                   AND i.resolved_at IS NOT NULL),
                count(*) FILTER (WHERE i.status IN ('resolved', 'closed')
                                   AND i.resolved_at IS NOT NULL AND i.resolved_at <= i.deadline),
                count(i.rating), coalesce(sum(i.rating), 0)
            FROM deliberation_issue i
            JOIN communities_area a ON a.id = i.area_id
            CROSS JOIN LATERAL generate_series(1, length(a.path) / %s) AS g(n)
            JOIN communities_area anc ON anc.path = substr(a.path, 1, %s * g.n)
            WHERE a.path LIKE %s
            GROUP BY 1, 2
        """
        with transaction.atomic():
            FunnelCount.objects.filter(area__path__startswith=district.path).delete()
            with connection.cursor() as cursor:
                cursor.execute(sql, [settings.TIME_ZONE, STEPLEN, STEPLEN, district.path + "%"])
                return cursor.rowcount

    # Lookups, loaded once -------------------------------------------------------------------

    def _load(self, district) -> None:
        from communities.models import Area, Organization, Residency
        from deliberation.models import Category, Issue

        self.now = _now()
        self.area_ids: dict[str, int] = {}
        self.area_names: dict[int, str] = {}
        self.buildings: list[tuple[int, str]] = []
        for pk, path, depth, name in Area.objects.filter(
            path__startswith=district.path
        ).values_list("pk", "path", "depth", "name"):
            self.area_ids[path] = pk
            self.area_names[pk] = name
            if depth == Area.Level.BUILDING:
                self.buildings.append((pk, path))
        self.building_path = dict(self.buildings)
        if not self.buildings:
            raise SystemExit(f"District {district.code} has no buildings.")

        self.categories = []
        for name, code, lane, kind, public, mediation, weight in CATEGORIES:
            category, _created = Category.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "default_lane": lane,
                    "responsible_kind": kind,
                    "is_public": public,
                    "is_mediation": mediation,
                },
            )
            self.categories.append((category, weight))

        kinds = Organization.Kind
        self.orgs: dict[tuple[str, str], int] = {}
        self.org_names: dict[int, str] = {}
        for pk, kind, path, name in Organization.objects.filter(
            area__path__startswith=district.path
        ).values_list("pk", "kind", "area__path", "name"):
            self.orgs.setdefault((path, kind), pk)
            self.org_names[pk] = name
        through = Organization.served_areas.through
        self.firm_of: dict[int, int] = dict(
            through.objects.filter(
                organization__kind=kinds.PROPERTY_FIRM, area__path__startswith=district.path
            ).values_list("area_id", "organization_id")
        )
        self.residents = list(
            Residency.objects.filter(
                household__building__path__startswith=district.path,
                status=Residency.Status.VERIFIED,
            ).values_list("user_id", "household_id", "household__building_id")
        )
        # A merged issue points to an older one of its compound: the last written there.
        self.last_in_compound: dict[str, int] = dict(
            Issue.objects.filter(area__path__startswith=district.path)
            .order_by("area__path", "pk")
            .values_list("area__path", "pk")
        )
        self.last_in_compound = {
            path[: STEPLEN * Area.Level.COMPOUND]: pk for path, pk in self.last_in_compound.items()
        }

    # One batch -------------------------------------------------------------------------------

    def _batch(self, rng: Random, size: int) -> None:
        from deliberation.models import Issue, IssueEvent
        from deliberation.search import search_terms
        from deliberation.services import lane_duration

        issues, plans = [], []
        for _ in range(size):
            category = _weighted(rng, self.categories)
            channel = _weighted(rng, CHANNELS)
            reporter = household = None
            if channel in ("online", "qr") and self.residents:
                reporter, household, building_id = rng.choice(self.residents)
            else:
                building_id, _path = rng.choice(self.buildings)
            path = self.building_path[building_id]
            compound_path = path[: 4 * STEPLEN]
            community_path = path[: 3 * STEPLEN]
            street_path = path[: 2 * STEPLEN]
            lane = category.default_lane
            handling = compound_path if lane == "quick" else community_path
            submitted = self.now - datetime.timedelta(seconds=rng.uniform(600, 365 * 86400))
            deadline = submitted + lane_duration(lane)

            title = rng.choice(TITLES[category.code])
            building_name = self.area_names[building_id]
            description = (
                f"{self.area_names[self.area_ids[compound_path]]}{building_name}"
                f"{rng.randint(1, 2)}单元{title}，{rng.choice(DETAILS)}{rng.choice(ASKS)}"
            )
            issue = Issue(
                title=title,
                description=description,
                category=category,
                area_id=building_id,
                handling_area_id=self.area_ids[handling],
                reporter_id=reporter,
                household_id=household,
                channel=channel,
                lane=lane,
                is_public=category.is_public and not category.is_mediation,
                deadline=deadline,
                submitted_at=submitted,
                search_text=search_terms(title, description),
            )
            target = _weighted(rng, OUTCOMES)
            self._walk(rng, issue, target, compound_path)
            if issue.status in ("assigned", "in_progress", "resolved", "closed"):
                issue.assigned_to_id = self._responsible(
                    category.responsible_kind, compound_path, community_path, street_path
                )
            issues.append(issue)
            plans.append(compound_path)

        Issue.objects.bulk_create(issues, batch_size=BATCH)

        events = []
        for issue, compound_path in zip(issues, plans, strict=True):
            if issue.status != "merged":
                self.last_in_compound[compound_path] = issue.pk
            full = rng.randrange(self.args.timeline_every) == 0
            events.extend(self._events(issue, full=full))
        IssueEvent.objects.bulk_create(events, batch_size=BATCH)

    def _walk(self, rng: Random, issue, target: str, compound_path: str) -> None:
        """Take the issue along the state machine towards `target`, as far as its age allows."""
        now = self.now
        hours = datetime.timedelta(hours=1)
        at = issue.submitted_at
        issue.status = "submitted"
        if target == "submitted":
            return
        if target in ("rejected", "merged"):
            decided = at + rng.uniform(0.3, 20) * hours
            if decided > now:
                return
            if target == "merged":
                older = self.last_in_compound.get(compound_path)
                if older is None:
                    target = "rejected"
                else:
                    issue.merged_into_id = older
            issue.status = target
            issue.closed_at = decided
            return
        accepted = at + rng.uniform(0.2, 12) * hours
        if accepted > now:
            return
        issue.status, issue.accepted_at = "accepted", accepted
        if target == "accepted":
            return
        assigned = accepted + rng.uniform(0.2, 24) * hours
        if assigned > now:
            return
        issue.status, issue.assigned_at = "assigned", assigned
        if target == "assigned":
            return
        # Time from submission to resolution: median ~36 h, a long tail past the deadline.
        resolved = at + rng.lognormvariate(math.log(36), 0.8) * hours
        resolved = max(resolved, assigned + 0.5 * hours)
        started = assigned + (resolved - assigned) * rng.uniform(0.05, 0.5)
        if started > now:
            return
        issue.status = "in_progress"
        if target == "in_progress" or resolved > now:
            return
        issue.status, issue.resolved_at = "resolved", resolved
        if target == "resolved":
            return
        # Rated by the resident (3 stars or more closes it; fewer would reopen it), or closed
        # by the sweep a week after it was resolved.
        rating, closed = None, resolved + datetime.timedelta(days=7)
        if rng.random() < 0.7:
            rating, closed = _weighted(rng, RATINGS), resolved + rng.uniform(2, 6 * 24) * hours
        if closed > now:
            return
        issue.status, issue.closed_at, issue.rating = "closed", closed, rating

    def _responsible(self, kind: str, compound: str, community: str, street: str) -> int | None:
        if kind == "property_firm":
            firm = self.firm_of.get(self.area_ids[compound])
            if firm:
                return firm
        if kind == "government_office":
            return self.orgs.get((street, "government_office"))
        return self.orgs.get((community, "residents_committee"))

    def _events(self, issue, *, full: bool):
        from deliberation.models import IssueEvent

        channel_labels = {
            "qr": "扫码上报",
            "visit": "入户走访",
            "meeting": "会议",
            "phone": "电话",
        }
        first = IssueEvent(
            issue_id=issue.pk,
            kind="submitted",
            at=issue.submitted_at,
            actor_id=issue.reporter_id,
            actor_role="resident",
            to_status="submitted",
            note=channel_labels.get(issue.channel, ""),
            area_id=issue.handling_area_id,
            notified_at=issue.submitted_at,
        )
        if not full:
            return _chained([first])
        events = [first]
        handler = self.org_names.get(issue.assigned_to_id, "")
        handling = self.area_names.get(issue.handling_area_id, "")

        def add(kind, at, from_status, to_status, note="", organization=None, role=handling):
            events.append(
                IssueEvent(
                    issue_id=issue.pk,
                    kind=kind,
                    at=at,
                    actor_role=role or "system",
                    from_status=from_status,
                    to_status=to_status,
                    note=note,
                    organization_id=organization,
                    area_id=issue.handling_area_id,
                    notified_at=at,
                )
            )

        if issue.status in ("rejected", "merged"):
            add(
                issue.status,
                issue.closed_at,
                "submitted",
                issue.status,
                "不属于受理范围" if issue.status == "rejected" else "与已有问题重复",
            )
            return _chained(events)
        if issue.accepted_at:
            add("accepted", issue.accepted_at, "submitted", "accepted")
        if issue.assigned_at:
            add(
                "assigned",
                issue.assigned_at,
                "accepted",
                "assigned",
                organization=issue.assigned_to_id,
            )
        if issue.status in ("in_progress", "resolved", "closed"):
            started = issue.assigned_at + datetime.timedelta(minutes=30)
            add("started", started, "assigned", "in_progress", role=handler)
        if issue.resolved_at:
            add(
                "resolved", issue.resolved_at, "in_progress", "resolved", "已处理完毕", role=handler
            )
        if issue.closed_at:
            if issue.rating:
                add("rated", issue.closed_at, "", "", f"{issue.rating} ★", role="resident")
            add("closed", issue.closed_at, "resolved", "closed", role="system")
        return _chained(events)


def _chained(events):
    """Number and hash the entries of one issue as deliberation.timeline.append would."""
    from deliberation import timeline

    previous = timeline.GENESIS
    for seq, event in enumerate(events, start=1):
        event.seq = seq
        event.hash = previous = timeline.link(
            previous, "deliberation.issueevent", timeline.values_of(event)
        )
    return events


def _now():
    from django.utils import timezone

    return timezone.now()


if __name__ == "__main__":
    sys.exit(main())
