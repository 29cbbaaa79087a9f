"""Backup and restore: a dump restored into an empty database reproduces the fingerprint
(row counts, issues per status, the ledger's total and every balance), on PostgreSQL with
pg_dump/pg_restore and on SQLite with its online backup. The commands are the ones
docs/deploy.md tells operators to run."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

from drills.stack import ROOT, Stack

# Points for the first hundred residents, some spent, so the ledger has balances to compare.
AWARDS = """
from communities.models import User
from volunteers import services
for index, user in enumerate(User.objects.filter(is_superuser=False).order_by("pk")[:100]):
    services.award_points(user=user, points=10 + index, reason="drill", by=None,
                          idempotency_key=f"drill-{user.pk}")
    if index % 3 == 0:
        services.adjust_points(user=user, points=-5, reason="drill correction",
                               by=User.objects.filter(is_superuser=True).first())
"""


def _seed(stack: Stack) -> None:
    stack.manage("seed_demo")
    stack.manage("seed_demo_issues")
    stack.shell(AWARDS)


def _fingerprint(stack: Stack) -> dict:
    return json.loads(stack.manage("fingerprint"))


def postgres() -> dict:
    """pg_dump and pg_restore into a new database give back the same balances and counts."""
    with Stack("backup") as stack:
        stack.start_postgres()
        stack.create_database()
        _seed(stack)
        before = _fingerprint(stack)
        dump = stack.tmp / "portal.dump"
        started = time.monotonic()
        with open(dump, "wb") as out:
            subprocess.run(
                [
                    "pg_dump",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(stack.pg_port),
                    "-U",
                    "postgres",
                    "--format=custom",
                    "portal",
                ],
                stdout=out,
                check=True,
            )
        dumped = time.monotonic() - started
        stack.psql("CREATE DATABASE portal_restored", database="postgres")
        started = time.monotonic()
        subprocess.run(
            [
                "pg_restore",
                "-h",
                "127.0.0.1",
                "-p",
                str(stack.pg_port),
                "-U",
                "postgres",
                "--no-owner",
                "--dbname=portal_restored",
                str(dump),
            ],
            check=True,
        )
        restored = time.monotonic() - started
        stack.env["DATABASE_URL"] = stack.database_url.replace("/portal", "/portal_restored")
        after = _fingerprint(stack)
        ledger = stack.manage("verify_ledger")
        return {
            "name": "PostgreSQL: pg_dump --format=custom, pg_restore into an empty database",
            "passed": before == after,
            "details": (
                f"{sum(before['rows'].values())} rows, {before['timeline_entries']} timeline "
                f"entries, ledger total {before['ledger_total']}; dump {dump.stat().st_size // 1024} KB "
                f"in {dumped:.1f} s, restore {restored:.1f} s; fingerprints "
                f"{'equal' if before == after else 'DIFFER'}; verify_ledger: {ledger.strip()}"
            ),
            "difference": _difference(before, after),
        }


def sqlite() -> dict:
    """SQLite's online backup into a new file gives back the same balances and counts."""
    with Stack("backup-sqlite") as stack:
        source = stack.tmp / "portal.sqlite3"
        copy = stack.tmp / "restored.sqlite3"
        stack.env.pop("REDIS_URL")
        stack.env["DATABASE_URL"] = f"sqlite:///{source}"
        stack.manage("migrate", "--noinput")
        _seed(stack)
        before = _fingerprint(stack)
        # The online backup API copies a consistent snapshot even while the portal writes (WAL).
        with sqlite3.connect(source) as live, sqlite3.connect(copy) as target:
            live.backup(target)
        stack.env["DATABASE_URL"] = f"sqlite:///{copy}"
        after = _fingerprint(stack)
        return {
            "name": 'SQLite: the online backup API (sqlite3 portal.sqlite3 ".backup copy")',
            "passed": before == after,
            "details": (
                f"{sum(before['rows'].values())} rows, ledger total {before['ledger_total']}; "
                f"fingerprints {'equal' if before == after else 'DIFFER'}"
            ),
            "difference": _difference(before, after),
        }


def _difference(before: dict, after: dict) -> str:
    changed = [key for key in before if before[key] != after.get(key)]
    return ", ".join(changed)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for result in (postgres(), sqlite()):
        print(result)
