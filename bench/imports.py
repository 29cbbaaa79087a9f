"""Importing a community's workbook at scale: time and memory of the dry run and the import.

    python -m bench.imports                           # 100,000 households on $DATABASE_URL
    python -m bench.imports --households 10000        # smaller
    python -m bench.imports --sizes 10000,100000      # several sizes, one process each

`make bench` calls `measure()` after the page loads, on a database of its own
(`portal_bench_imports`). Each size runs in a fresh process (`--one`),
so its peak resident memory (`resource.getrusage`) is its own: if memory does not grow with the
file, the peak is about the same at 10,000 and at 100,000 households. The workbook is built by
`communities.imports.sample` (one community: compounds of 20 buildings, 100 households a
building, a resident with an invitation for every fifth household) and imported through the
services the pages use, as a member of a street office, into a new street each run: the dry run
(`start_import`, its task run in-process) and then the confirmed import in one transaction
(`confirm_import`, likewise).

Only the PostgreSQL in DATABASE_URL (on this machine) is used.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (10_000, 100_000)
BENCH_DISTRICT = "BENCH-IMPORTS"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(households: int) -> dict:
    """In this process: build the workbook, check it, import it. Django must be set up."""
    import datetime

    from celery import current_app
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from communities import services
    from communities.imports.sample import Sizes, community_workbook
    from communities.models import (
        Area,
        Household,
        ImportJob,
        Invitation,
        Membership,
        Organization,
        User,
    )

    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "bench-imports-admin", None, None
    )
    district = Area.objects.filter(code=BENCH_DISTRICT).first() or services.create_area(
        parent=None, code=BENCH_DISTRICT, name="基准导入区", level=Area.Level.DISTRICT, by=admin
    )
    run = uuid.uuid4().hex[:6].upper()
    street = services.create_area(
        parent=district, code=f"BI-{run}", name=f"导入基准街道{run}", level=2, by=admin
    )
    office = Organization.objects.create(
        area=street, kind=Organization.Kind.GOVERNMENT_OFFICE, name=f"{street.name}办事处"
    )
    staff = User.objects.create_user(f"bench-import-{run}", password=None, full_name="导入基准")
    Membership.objects.create(
        user=staff,
        organization=office,
        position=Membership.Position.STAFF,
        starts_on=datetime.date(2024, 1, 1),
    )
    buildings = max(1, households // 100)
    sizes = Sizes(
        compounds=max(1, -(-buildings // 20)),
        buildings=buildings,
        households=households,
        residents=households // 5,
    )
    seed = next(
        seed
        for seed in range(100)
        if not Invitation.objects.filter(phone__startswith=f"+8615{seed:02d}").exists()
    )
    began = time.perf_counter()
    content = community_workbook(
        parent_code=street.code,
        code=f"{street.code}-001",
        name=f"基准社区{run}",
        sizes=sizes,
        seed=seed,
        phone_prefix="15",  # numbers no earlier run has used
    )
    built = time.perf_counter() - began
    rss_before = _peak_rss_mb()

    # The tasks run here, right after the commits that enqueue them, as without a broker: the
    # dry run inside start_import, the import inside confirm_import.
    current_app.conf.task_always_eager = True
    upload = SimpleUploadedFile(f"bench-{households}.xlsx", content)
    del content
    began, cpu = time.perf_counter(), _cpu_seconds()
    job = services.start_import(area=street, upload=upload, by=staff, language="zh-hans")
    checked, check_cpu = time.perf_counter() - began, _cpu_seconds() - cpu
    job.refresh_from_db()
    if job.status != ImportJob.Status.CHECKED:
        raise SystemExit(f"The dry run did not pass: {job.status} {job.error}")
    began, cpu = time.perf_counter(), _cpu_seconds()
    services.confirm_import(job=job, by=staff)
    imported, import_cpu = time.perf_counter() - began, _cpu_seconds() - cpu
    job.refresh_from_db()
    if job.status != ImportJob.Status.DONE:
        raise SystemExit(f"The import failed: {job.error}")
    community = Area.objects.get(code=f"{street.code}-001")
    stored = Household.objects.filter(building__path__startswith=community.path).count()
    invited = Invitation.objects.filter(job=job).count()
    connection.close()
    return {
        "households": households,
        "rows": job.rows_total,
        "areas": 1 + sizes.compounds + sizes.buildings,
        "residents": sizes.residents,
        "stored_households": stored,
        "invitations": invited,
        "workbook_bytes": job.file.size,
        "build_seconds": built,
        "check_seconds": checked,
        "import_seconds": imported,
        "check_cpu_seconds": check_cpu,
        "import_cpu_seconds": import_cpu,
        "rss_before_mb": rss_before,
        "peak_rss_mb": _peak_rss_mb(),
        "load_average": os.getloadavg()[0],
    }


def _own_database(env: dict) -> dict:
    """bench.run's database with `_imports` appended, created if missing: the imported streets
    stay out of the district the page loads measure."""
    import psycopg

    url = urlsplit(env["DATABASE_URL"])
    name = url.path.lstrip("/") + "_imports"
    with psycopg.connect(urlunsplit(url._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return {**env, "DATABASE_URL": urlunsplit(url._replace(path=f"/{name}"))}


def measure(sizes=DEFAULT_SIZES, *, env: dict | None = None) -> list[dict]:
    """Each size in its own process, so each peak RSS is that import's alone. Given bench.run's
    environment, the imports go to a database of their own beside its one."""
    if env is not None:
        env = _own_database(env)
    results = []
    for households in sizes:
        output = subprocess.run(
            [sys.executable, "-m", "bench.imports", "--one", str(households)],
            cwd=ROOT,
            env=env or os.environ.copy(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(
            f"  {households:,} households ({result['rows']:,} rows): dry run "
            f"{result['check_seconds']:.1f} s, import {result['import_seconds']:.1f} s, "
            f"peak RSS {result['peak_rss_mb']:.0f} MB (load average {result['load_average']:.1f})"
        )
        results.append(result)
    return results


def report(results: list[dict]) -> list[str]:
    lines = [
        "## Spreadsheet imports",
        "",
        "One community's workbook (areas, households, and a resident with an invitation for "
        "every fifth household) imported through the services as street staff: the dry run, "
        "then the confirmed import in one transaction. Each size in a fresh process; peak RSS "
        "is that process's `ru_maxrss` (Python, Django, openpyxl and the import). Seconds are "
        "wall-clock; in brackets the CPU seconds of the importing process itself (the rest is "
        "PostgreSQL and waiting for the machine's cores; the one-minute load average at the end "
        "of the run says how busy they were).",
        "",
        "| Households | Rows | Workbook | Dry run s (CPU s) | Import s (CPU s) | Rows/s (import) | "
        "RSS before MB | Peak RSS MB | Load average |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['households']:,} | {r['rows']:,} | {r['workbook_bytes'] / 1e6:.1f} MB | "
            f"{r['check_seconds']:.1f} ({r['check_cpu_seconds']:.1f}) | "
            f"{r['import_seconds']:.1f} ({r['import_cpu_seconds']:.1f}) | "
            f"{r['rows'] / r['import_seconds']:,.0f} | {r['rss_before_mb']:.0f} | "
            f"{r['peak_rss_mb']:.0f} | {r.get('load_average', 0):.1f} |"
        )
    if len(results) > 1:
        small, large = results[0], results[-1]
        lines += [
            "",
            f"Peak memory is {small['peak_rss_mb']:.0f} MB at {small['households']:,} households and "
            f"{large['peak_rss_mb']:.0f} MB at {large['households']:,} "
            f"({large['rows'] / small['rows']:.0f} times the rows): rows are read from the workbook "
            "as a stream and checked and written a chunk of 1,000 at a time; what grows with the "
            "file is only the workbook's shared-strings table, which openpyxl holds whole.",
        ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark spreadsheet imports.")
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--sizes", help="Comma-separated sizes, each in its own process.")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
    # As in production (and in bench.run): with DEBUG on, Django keeps the SQL of recent queries,
    # bulk inserts included, which would be measured as the import's memory.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database on this machine.")
    if args.one:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        print(json.dumps(run_one(args.one)))
        return 0
    sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else [args.households]
    for line in report(measure(sizes)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
