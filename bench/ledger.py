"""Awards per second on the points ledger, beside PostgreSQL's own single-row commit rate.

Both are measured the same way, on the same machine, in the same run: a few threads, each
committing one small write at a time for a fixed number of seconds. The commit rate is the
ceiling (one INSERT per transaction, nothing else); an award is a transaction with a row lock
on the account, an idempotency check, one ledger INSERT and one balance UPDATE.
"""

from __future__ import annotations

import threading
import time
import uuid

THREADS = 4


def _run_for(seconds: float, threads: int, work) -> int:
    """Call work(thread_index, n) repeatedly in each thread until time is up; return the count."""
    deadline = time.monotonic() + seconds
    counts = [0] * threads

    def loop(index: int) -> None:
        from django.db import connections

        try:
            while time.monotonic() < deadline:
                work(index, counts[index])
                counts[index] += 1
        finally:
            connections.close_all()

    workers = [threading.Thread(target=loop, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts)


def measure(seconds: float = 10.0, threads: int = THREADS) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from volunteers import services

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_commit_rate")
        cursor.execute("CREATE TABLE bench_commit_rate (id bigserial PRIMARY KEY, v integer)")

    def commit_one(index: int, n: int) -> None:
        from django.db import connection as own

        with own.cursor() as cursor:  # autocommit: one INSERT, one commit
            cursor.execute("INSERT INTO bench_commit_rate (v) VALUES (%s)", [n])

    commits = _run_for(seconds, threads, commit_one)

    User = get_user_model()
    run = uuid.uuid4().hex[:8]
    volunteers = [
        User.objects.create_user(f"bench-volunteer-{run}-{index}", password=None)
        for index in range(threads)
    ]
    giver = User.objects.filter(is_superuser=True).first()

    def award_own(index: int, n: int) -> None:
        services.award_points(
            user=volunteers[index],
            points=1,
            reason="bench",
            by=giver,
            idempotency_key=f"bench-{run}-{index}-{n}",
        )

    awards_spread = _run_for(seconds, threads, award_own)

    def award_shared(index: int, n: int) -> None:
        services.award_points(
            user=volunteers[0],
            points=1,
            reason="bench",
            by=giver,
            idempotency_key=f"bench-{run}-shared-{index}-{n}",
        )

    awards_shared = _run_for(seconds, threads, award_shared)

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_commit_rate")
    return {
        "threads": threads,
        "seconds": seconds,
        "commits_per_second": commits / seconds,
        "awards_per_second": awards_spread / seconds,
        "awards_one_account_per_second": awards_shared / seconds,
    }


def report(result: dict) -> list[str]:
    ceiling = result["commits_per_second"]
    rows = [
        ("PostgreSQL single-row commits (ceiling)", ceiling),
        ("Awards, each thread on its own account", result["awards_per_second"]),
        ("Awards, all threads on one account (row lock)", result["awards_one_account_per_second"]),
    ]
    lines = [
        "## The points ledger",
        "",
        f"{result['threads']} threads for {result['seconds']:.0f} s each, in the orchestrator process "
        "(Django ORM, psycopg, no HTTP), on the same PostgreSQL.",
        "",
        "| What | per second | of the commit ceiling |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {what} | {rate:,.0f} | {rate / ceiling:.0%} |" for what, rate in rows]
    lines += [
        "",
        "An award is several statements in one transaction (lock the account, check the "
        "idempotency key, insert the entry, update the balance), so it cannot reach the bare "
        "commit rate; on one account the row lock makes awards wait for each other by design.",
    ]
    return lines
