from collections import Counter, defaultdict

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from communities.models import Area, ancestor_paths
from deliberation.models import Commitment, FunnelCount, Issue
from deliberation.selectors import FUNNEL_FIELDS


class Command(BaseCommand):
    help = (
        "Recompute the funnel counters from the issues, report every drift, and with --fix "
        "replace the counters by the recomputed ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Rewrite the counters that drifted.")

    def handle(self, *args, fix: bool, **options):
        expected = self._recount()
        stored = {
            (row.pop("area_id"), row.pop("month")): row
            for row in FunnelCount.objects.values("area_id", "month", *FUNNEL_FIELDS)
        }
        drifted = []
        for key in sorted(set(expected) | set(stored), key=lambda k: (k[1], k[0])):
            want = {field: expected.get(key, Counter())[field] for field in FUNNEL_FIELDS}
            have = stored.get(key, dict.fromkeys(FUNNEL_FIELDS, 0))
            if want != have:
                drifted.append((key, have, want))
        for (area_id, month), have, want in drifted:
            changes = ", ".join(
                f"{field} {have[field]}→{want[field]}"
                for field in FUNNEL_FIELDS
                if have[field] != want[field]
            )
            self.stdout.write(f"drift: area {area_id} {month:%Y-%m}: {changes}")
        if fix and drifted:
            with transaction.atomic():
                for (area_id, month), _have, want in drifted:
                    FunnelCount.objects.update_or_create(
                        area_id=area_id, month=month, defaults=want
                    )
        verdict = "fixed" if fix and drifted else "found"
        self.stdout.write(
            f"{len(drifted)} drifted counters {verdict}; {len(expected)} counters checked."
        )
        if drifted and not fix:
            raise SystemExit(1)

    def _recount(self) -> dict[tuple[int, object], Counter]:
        ids_by_path = dict(Area.objects.values_list("path", "pk"))
        counts: dict[tuple[int, object], Counter] = defaultdict(Counter)
        # Committed: given to a party, by assignment or by a public commitment, counted once.
        answered = Commitment.issues.through.objects.filter(issue_id=OuterRef("pk"))
        rows = Issue.objects.annotate(answered=Exists(answered)).values_list(
            "area__path",
            "submitted_at",
            "accepted_at",
            "assigned_at",
            "answered",
            "status",
            "resolved_at",
            "deadline",
            "rating",
        )
        done = {Issue.Status.RESOLVED, Issue.Status.CLOSED}
        for (
            path,
            submitted,
            accepted,
            assigned,
            answered,
            status,
            resolved,
            deadline,
            rating,
        ) in rows.iterator(chunk_size=5000):
            month = timezone.localtime(submitted).date().replace(day=1)
            row = Counter(collected=1)
            row["accepted"] = int(accepted is not None)
            row["committed"] = int(assigned is not None or answered)
            is_resolved = status in done and resolved is not None
            row["resolved"] = int(is_resolved)
            row["resolved_on_time"] = int(is_resolved and resolved <= deadline)
            row["rated"] = int(rating is not None)
            row["rating_total"] = rating or 0
            for ancestor in ancestor_paths(path):
                counts[(ids_by_path[ancestor], month)].update(row)
        return counts
