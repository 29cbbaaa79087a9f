"""Print what must survive a backup and restore: row counts, issues per status, the ledger.

    manage.py fingerprint            # JSON on stdout
    manage.py fingerprint > before.json; ...restore...; manage.py fingerprint | diff before.json -

Two databases with the same fingerprint hold the same issues, the same timeline and the same
points: the restore drill (`make drill`) compares them this way.
"""

import hashlib
import json

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db.models import Count, Sum

from deliberation.models import Issue, IssueEvent
from volunteers.models import LedgerEntry, PointsAccount


def fingerprint() -> dict:
    balances = hashlib.sha256()
    for user_id, balance in PointsAccount.objects.order_by("user_id").values_list(
        "user_id", "balance"
    ):
        balances.update(f"{user_id}:{balance};".encode())
    return {
        "rows": {
            model._meta.label: model._default_manager.count()
            for config in apps.get_app_configs()
            if config.name in {"communities", "deliberation", "volunteers"}
            for model in config.get_models()
        },
        "issues_by_status": dict(
            Issue.objects.order_by().values_list("status").annotate(Count("pk")).order_by("status")
        ),
        "timeline_entries": IssueEvent.objects.count(),
        "ledger_total": LedgerEntry.objects.aggregate(total=Sum("points"))["total"] or 0,
        "balances_sha256": balances.hexdigest(),
    }


class Command(BaseCommand):
    help = "Print counts and checksums that a restored database must reproduce."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(fingerprint(), indent=2, sort_keys=True))
