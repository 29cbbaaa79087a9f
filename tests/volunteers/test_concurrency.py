"""On PostgreSQL, many threads awarding and redeeming on the same accounts: no entry lost or
duplicated, no balance below zero, every balance the sum of its entries."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Sum

from tests.factories import UserFactory
from volunteers import services
from volunteers.models import LedgerEntry, PointsAccount, Redemption, Reward

THREADS = 50
ROUNDS = 20


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_awarding_and_redeeming_lose_nothing(tree, organiser_org, admin_user):
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks only serialise on PostgreSQL; SQLite has one writer at a time anyway"
        )
    accounts = [UserFactory() for _ in range(3)]
    shelf = Reward.objects.create(
        name="毛巾", organization=organiser_org, area=tree.C1, cost=7, stock=10_000
    )
    outcomes = {"awarded": 0, "redeemed": 0, "refused": 0}
    lock = threading.Lock()

    def work(worker: int) -> None:
        try:
            for round_ in range(ROUNDS):
                user = accounts[worker % len(accounts)]
                try:
                    if round_ % 3 == 2:
                        services.redeem_reward(reward=shelf, user=user)
                        outcome = "redeemed"
                    else:
                        # Every award is sent twice, as a retry would: it must count once.
                        key = f"w{worker}-r{round_}"
                        services.award_points(
                            user=user, points=5, reason="并发", by=admin_user, idempotency_key=key
                        )
                        services.award_points(
                            user=user, points=5, reason="并发", by=admin_user, idempotency_key=key
                        )
                        outcome = "awarded"
                except ValidationError:
                    outcome = "refused"
                with lock:
                    outcomes[outcome] += 1
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(work, range(THREADS)))

    assert sum(outcomes.values()) == THREADS * ROUNDS
    assert LedgerEntry.objects.filter(kind="award").count() == outcomes["awarded"]
    assert (
        LedgerEntry.objects.filter(kind="redemption").count()
        == outcomes["redeemed"]
        == Redemption.objects.count()
    )
    shelf.refresh_from_db()
    assert shelf.stock == 10_000 - outcomes["redeemed"]
    for user in accounts:
        account = PointsAccount.objects.get(user=user)
        total = (
            LedgerEntry.objects.filter(account=account).aggregate(total=Sum("points"))["total"] or 0
        )
        assert account.balance == total >= 0
