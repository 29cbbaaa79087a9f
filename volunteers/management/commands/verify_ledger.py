from django.core.management.base import BaseCommand
from django.db.models import Count, Sum

from volunteers.models import LedgerEntry, PointsAccount


class Command(BaseCommand):
    help = "Check every points balance against the sum of its ledger entries; exit 1 on any difference."

    def handle(self, *args, **options):
        sums = dict(
            LedgerEntry.objects.values("account_id")
            .annotate(total=Sum("points"))
            .values_list("account_id", "total")
        )
        wrong = []
        for account_id, balance in PointsAccount.objects.values_list("pk", "balance").iterator():
            expected = sums.get(account_id, 0)
            if balance != expected or balance < 0:
                wrong.append((account_id, balance, expected))
        reversed_twice = (
            LedgerEntry.objects.filter(reverses__isnull=False)
            .values("reverses")
            .annotate(times=Count("pk"))
            .filter(times__gt=1)
            .count()
        )
        for account_id, balance, expected in wrong:
            self.stdout.write(f"account {account_id}: balance {balance}, entries sum to {expected}")
        total = PointsAccount.objects.count()
        self.stdout.write(
            f"{total} balances checked: {len(wrong)} wrong, {reversed_twice} entries reversed more than once."
        )
        if wrong or reversed_twice:
            raise SystemExit(1)
