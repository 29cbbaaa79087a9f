"""`make drill`: the fault drills, each on a private PostgreSQL cluster and Redis server.

    python -m drills.run                       # all of them, about fifteen minutes
    python -m drills.run --only backup,worker  # some: backup, redis, worker, postgres

Each drill starts its own PostgreSQL (initdb in a temporary folder) and Redis on free ports,
so stopping and killing them never touches the machine's shared services. The results, and
the machine they ran on, are written to docs/drills.md; the command exits 1 if a drill failed.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from drills import backup_restore, faults

ROOT = Path(__file__).resolve().parent.parent

DRILLS = {
    "backup": [backup_restore.postgres, backup_restore.sqlite],
    "redis": [faults.redis_outage],
    "worker": [faults.worker_kills],
    "postgres": [faults.postgres_crash],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the fault drills.")
    parser.add_argument("--only", default=",".join(DRILLS), help="Comma-separated drill names.")
    parser.add_argument("--output", default=str(ROOT / "docs" / "drills.md"))
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(DRILLS)
    if unknown:
        parser.error(f"unknown drills: {', '.join(sorted(unknown))}")
    started = datetime.datetime.now().astimezone()
    results = []
    for name in chosen:
        for drill in DRILLS[name]:
            begun = time.monotonic()
            print(f"drill {name}: {drill.__doc__.strip().splitlines()[0]}", flush=True)
            try:
                result = drill()
            except Exception:
                result = {
                    "name": drill.__name__,
                    "passed": False,
                    "details": traceback.format_exc(),
                }
            result["seconds"] = time.monotonic() - begun
            print(
                f"  {'passed' if result['passed'] else 'FAILED'}: {result['details']}", flush=True
            )
            results.append(result)
    Path(args.output).write_text(_report(results, started, chosen), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0 if all(result["passed"] for result in results) else 1


def _report(results: list[dict], started: datetime.datetime, chosen: list[str]) -> str:
    lines = [
        "# Fault drills",
        "",
        "Written by `make drill` (`python -m drills.run`); do not edit by hand. Each drill runs",
        "on its own PostgreSQL cluster and Redis server, started for it on free ports of",
        "127.0.0.1, with the portal under gunicorn and Celery workers as in production.",
        "",
        f"- Run: {started:%Y-%m-%d %H:%M %Z}, drills: {', '.join(chosen)}",
        f"- Machine: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs",
        "",
        "| drill | result | what was seen | time |",
        "|---|---|---|---|",
    ]
    for result in results:
        details = " ".join(str(result["details"]).split()).replace("|", "\\|")
        lines.append(
            f"| {result['name']} | {'passed' if result['passed'] else '**failed**'} | "
            f"{details} | {result['seconds']:.0f} s |"
        )
    lines += [
        "",
        "What each drill checks:",
        "",
        "- **Backup and restore**: `pg_dump --format=custom` of a seeded portal (demo district, its "
        "issues, a hundred points accounts), `pg_restore` into an empty database, and "
        "`manage.py fingerprint` (row counts, issues per status, timeline entries, the ledger's "
        "total and a checksum of every balance) equal before and after; `verify_ledger` clean. "
        "The same for SQLite with its online backup API.",
        "- **Redis stopped**: residents report and staff accept through gunicorn while Redis (cache "
        "and broker) is stopped for a minute and started again. No response may be a server "
        "error, every report a resident was given a number for must exist, and every step must "
        "notify its reporter exactly once once the periodic sweep has run.",
        "- **Workers killed**: hundreds of activity reminders fall due; twenty times a worker is "
        "started, given the periodic task, and killed with SIGKILL a few seconds later. After a "
        "last worker finishes, every reminder must have been sent once, as one inbox message and "
        "one distinct e-mail (a worker killed between the mail server's answer and the commit "
        "sends a copy again; it keeps the message's Message-ID, so the receiver drops it, and "
        "the drill reports how many such copies there were).",
        "- **PostgreSQL stopped hard**: residents report while PostgreSQL is stopped with "
        "`pg_ctl -m immediate` (no checkpoint) and restarted. Every report whose number a "
        "resident saw must be there after the restart.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
