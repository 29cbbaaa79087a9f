"""`make bench`: latency, throughput and queries of four pages on a full-size district.

    python -m bench.run                                  # everything, about five minutes
    python -m bench.run --issues 50000 --run-time 20s    # smaller and shorter
    python -m bench.run --pages issue_list,funnel        # only some pages

1. Prepares the database `portal_bench` on the local PostgreSQL (created if missing): migrate,
   `seed_demo --scale` (kept if already there), `bench.seed_issues` up to `--issues` issues,
   `recount_funnel --fix`, then VACUUM ANALYZE.
2. Starts the portal under gunicorn on 127.0.0.1 (a free port), DEBUG off, with a member of
   street staff to log in as.
3. Counts the queries of each page with Django's test client, then loads each page alone with
   locust (headless, `--users` users, `--run-time` each). Read pages are offered `--rate`
   requests per second in total, the district funnel `--funnel-rate`, and /healthz (the
   framework ceiling) as many as the machine answers.
4. Imports a community's workbook at 10,000 and 100,000 households (`bench/imports.py`, each in
   its own process): dry run and import times, and peak memory.
5. Writes docs/benchmarks.md (replacing the previous run) and exits non-zero when a page
   answered with errors.

Only 127.0.0.1 is contacted. Gunicorn and locust are stopped at the end, on Ctrl-C and on error.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import imports, ledger, weight

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench"
STAFF_USERNAME = "bench-street-staff"
READ_TARGET_P95_MS = 100
FUNNEL_TARGET_P95_MS = 1000
# A paced run counts as "at the rate" when it reached this share of the requests offered.
RATE_TOLERANCE = 0.95


@dataclass
class Page:
    tag: str
    name: str  # the locust request name
    title: str
    target_p95_ms: float | None
    rate: float  # requests per second offered in total; 0 = as many as answered
    sample_paths: list[str] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    alone_ms: list[float] = field(default_factory=list)
    slowest_ms: float = 0.0
    slowest_sql: str = ""
    result: dict | None = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the portal on a full-size district.")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--district-code", default="429999")
    parser.add_argument("--issues", type=int, default=200_000, help="Issues in the district.")
    parser.add_argument("--users", type=int, default=20, help="Locust users (default 20).")
    parser.add_argument("--run-time", default="30s", help="Locust run time per page (30s).")
    parser.add_argument(
        "--rate", type=float, default=150, help="Requests/s offered to each read page (150)."
    )
    parser.add_argument(
        "--funnel-rate",
        type=float,
        default=10,
        help="Requests/s offered to the district funnel (10).",
    )
    parser.add_argument("--workers", type=int, default=3, help="Gunicorn workers (3).")
    parser.add_argument(
        "--pages",
        default="issue_list,issue_detail,staff_queue,funnel,healthz",
        help="Comma-separated subset of issue_list, issue_detail, staff_queue, funnel, healthz.",
    )
    parser.add_argument(
        "--import-households",
        default="10000,100000",
        help="Households per imported workbook, one import per size (10000,100000; 0 skips).",
    )
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    if args.users > 25 and "staff_queue" in args.pages:
        print("note: allauth allows 30 logins a minute from one address; use --users 25 or fewer.")
    return Bench(args).run()


class Bench:
    def __init__(self, args):
        self.args = args
        self.started = time.monotonic()
        self.started_at = datetime.datetime.now().astimezone()
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        self.children: list[subprocess.Popen] = []
        self.timings: list[tuple[str, float]] = []
        self.env = {
            **os.environ,
            "ENV_FILE": "/dev/null",
            "DJANGO_SETTINGS_MODULE": "governance.settings",
            "DATABASE_URL": args.database_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_MANIFEST": "false",
            "STATIC_ROOT": str(self.tmp / "static"),
            "MEDIA_ROOT": str(self.tmp / "media"),
            "REDIS_URL": "redis://127.0.0.1:6379/1",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        users = max(args.users, 1)
        wanted = {tag.strip() for tag in args.pages.split(",") if tag.strip()}
        pages = [
            Page("issue_list", "issue list", "Public issue list of a street", 100, args.rate),
            Page("issue_detail", "issue detail", "Issue detail", 100, args.rate),
            Page("staff_queue", "staff queue", "Staff queue of street staff", 100, args.rate),
            Page("funnel", "funnel", "Funnel of the district", 1000, args.funnel_rate),
            Page("healthz", "healthz", "Framework ceiling: /healthz", None, 0),
        ]
        unknown = wanted - {page.tag for page in pages}
        if unknown:
            raise SystemExit(f"Unknown pages: {', '.join(sorted(unknown))}")
        self.pages = [page for page in pages if page.tag in wanted]
        self.users = users

    # The whole run ---------------------------------------------------------------------------

    def run(self) -> int:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            os.environ.update(self.env)
            self._prepare_database()
            self._setup_django()
            (self.tmp / "static").mkdir(exist_ok=True)
            self._prepare_accounts_and_samples()
            self._count_queries()
            port = self._start_gunicorn()
            host = f"http://127.0.0.1:{port}"
            for page in self.pages:
                self._load(page, host)
            self._stop_children()
            self._wait_until_idle()
            started = time.monotonic()
            self.ledger = ledger.measure()
            self._step("points ledger: awards and commit ceiling", started)
            sizes = [int(size) for size in self.args.import_households.split(",") if int(size)]
            if sizes:
                started = time.monotonic()
                self.imports = imports.measure(sizes, env=self.env)
                self._step("spreadsheet imports", started)
            self._write()
        except KeyboardInterrupt:
            print("\nInterrupted; stopping gunicorn and locust.", file=sys.stderr)
            return 130
        finally:
            self._stop_children()
            signal.signal(signal.SIGTERM, previous)
            shutil.rmtree(self.tmp, ignore_errors=True)
        failed = [page for page in self.pages if page.result and page.result["failures"]]
        for page in failed:
            print(f"ERROR: {page.title}: {page.result['failures']} failed requests.")
        print(f"Wrote {self.args.output} ({self._elapsed()}).")
        return 1 if failed else 0

    def _elapsed(self) -> str:
        seconds = time.monotonic() - self.started
        return f"{int(seconds // 60)} min {seconds % 60:.0f} s"

    def _step(self, what: str, started: float) -> None:
        seconds = time.monotonic() - started
        self.timings.append((what, seconds))
        print(f"== {what}: {seconds:.1f} s")

    # 1. The data -----------------------------------------------------------------------------

    def _prepare_database(self) -> None:
        import psycopg

        url = urlsplit(self.args.database_url)
        name = url.path.lstrip("/")
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise SystemExit(f"Unexpected database name {name!r}.")
        if url.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("The benchmark only uses a PostgreSQL on this machine.")
        maintenance = urlunsplit(url._replace(path="/postgres"))
        started = time.monotonic()
        with psycopg.connect(maintenance, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
                print(f"Created the database {name}.")
        py = sys.executable
        code = self.args.district_code
        self._call([py, "manage.py", "migrate", "--noinput", "-v", "0"])
        self._step("migrate", started)
        started = time.monotonic()
        self._call([py, "manage.py", "seed_demo", "--scale", "--district-code", code])
        self._step("seed_demo --scale", started)
        started = time.monotonic()
        self._call(
            [
                py,
                "-m",
                "bench.seed_issues",
                "--issues",
                str(self.args.issues),
                "--district-code",
                code,
            ]
        )
        self._step("bench.seed_issues", started)
        started = time.monotonic()
        self._call([py, "manage.py", "recount_funnel", "--fix"], quiet_lines=3)
        self._step("recount_funnel --fix", started)
        started = time.monotonic()
        with psycopg.connect(self.args.database_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        self._step("VACUUM ANALYZE", started)

    def _call(self, command: list[str], *, quiet_lines: int = 0) -> None:
        print("$ " + " ".join(command[1:] if command[0] == sys.executable else command))
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE if quiet_lines else None,
            text=True,
        )
        self.children.append(process)
        output, _ = process.communicate()
        self.children.remove(process)
        if quiet_lines and output:
            lines = output.splitlines()
            if len(lines) > quiet_lines:
                print(f"  ({len(lines) - quiet_lines} lines not shown)")
            print("\n".join(lines[-quiet_lines:]))
        if process.returncode:
            raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}.")

    def _setup_django(self) -> None:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def _prepare_accounts_and_samples(self) -> None:
        from communities.models import Area, Membership, Organization, User
        from deliberation.models import Issue

        self.district = Area.objects.get(code=self.args.district_code)
        self.streets = list(
            Area.objects.filter(path__startswith=self.district.path, depth=2).values_list(
                "code", flat=True
            )
        )
        street = Area.objects.get(code=self.streets[0])
        office = Organization.objects.filter(
            area=street, kind=Organization.Kind.GOVERNMENT_OFFICE
        ).first()
        if office is None:
            office = Organization.objects.create(
                area=street,
                kind=Organization.Kind.GOVERNMENT_OFFICE,
                name=f"{street.name}办事处",
            )
        self.password = secrets.token_urlsafe(16)
        staff, _ = User.objects.get_or_create(
            username=STAFF_USERNAME, defaults={"full_name": "基准测试街道干部"}
        )
        staff.set_password(self.password)
        staff.save(update_fields=["password"])
        Membership.objects.get_or_create(
            user=staff,
            organization=office,
            position=Membership.Position.STAFF,
            starts_on=datetime.date(2024, 1, 1),
            defaults={"title": "街道干部"},
        )
        self.staff = staff
        self.staff_street = street
        ids = list(
            Issue.objects.public()
            .under(self.district)
            .order_by("?")
            .values_list("pk", flat=True)[:2000]
        )
        if not ids:
            raise SystemExit("No public issue in the district.")
        self.issue_ids_file = self.tmp / "issue_ids.txt"
        self.issue_ids_file.write_text("\n".join(map(str, ids)) + "\n", encoding="utf-8")
        rng = secrets.SystemRandom()
        for page in self.pages:
            if page.tag == "issue_list":
                page.sample_paths = [f"/areas/{code}/issues/" for code in self.streets]
            elif page.tag == "issue_detail":
                page.sample_paths = [f"/issues/{pk}/" for pk in rng.sample(ids, min(10, len(ids)))]
            elif page.tag == "staff_queue":
                page.sample_paths = ["/staff/issues/"] * 5
            elif page.tag == "funnel":
                page.sample_paths = [f"/areas/{self.district.code}/funnel/"] * 5
            else:
                page.sample_paths = ["/healthz"] * 5

    # 3a. Queries per page --------------------------------------------------------------------

    def _count_queries(self) -> None:
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        started = time.monotonic()
        anonymous = Client(HTTP_HOST="127.0.0.1")
        staff = Client(HTTP_HOST="127.0.0.1")
        staff.force_login(self.staff)
        self.staff_session = staff.cookies["sessionid"].value
        for page in self.pages:
            client = staff if page.tag == "staff_queue" else anonymous
            client.get(page.sample_paths[0])  # warm: imports, templates, content types
            for path in page.sample_paths:
                began = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
                page.alone_ms.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code} to the test client.")
                times = [float(query["time"]) * 1000 for query in captured.captured_queries]
                page.queries.append(len(times))
                page.db_ms.append(sum(times))
                if times and max(times) > page.slowest_ms:
                    slowest = max(range(len(times)), key=times.__getitem__)
                    page.slowest_ms = times[slowest]
                    page.slowest_sql = captured.captured_queries[slowest]["sql"]
            print(
                f"  {page.title}: {_span(page.queries)} queries, "
                f"{statistics.median(page.alone_ms):.1f} ms per request of which "
                f"{statistics.median(page.db_ms):.1f} ms in the database (median of "
                f"{len(page.db_ms)}), slowest query {page.slowest_ms:.1f} ms"
            )
            if page.slowest_ms > 10:
                print(f"    slowest: {page.slowest_sql[:400]}")
        self._weigh_pages(anonymous, staff)
        connection.close()
        self._step("queries per page", started)

    def _weigh_pages(self, anonymous, staff) -> None:
        from django.conf import settings

        static_dirs = [Path(folder) for folder in settings.STATICFILES_DIRS]
        visits = [
            ("Home page", anonymous, "/"),
            ("Report a problem (form)", staff, "/issues/report/"),
            *[
                (
                    page.title,
                    staff if page.tag == "staff_queue" else anonymous,
                    page.sample_paths[0],
                )
                for page in self.pages
                if page.tag != "healthz"
            ],
        ]
        self.weights = []
        for title, client, path in visits:
            response = client.get(path)
            if response.status_code == 200:
                self.weights.append((title, weight.weigh(response.content, static_dirs)))

    # 2. The server ---------------------------------------------------------------------------

    def _start_gunicorn(self) -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.gunicorn_log = self.tmp / "gunicorn.log"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "governance.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(self.args.workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.gunicorn_log),
        ]
        print(f"$ gunicorn on 127.0.0.1:{port} with {self.args.workers} workers")
        self.gunicorn = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        self.children.append(self.gunicorn)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.gunicorn.poll() is not None:
                raise SystemExit(f"gunicorn exited: {self._gunicorn_log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return port
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer /healthz in 30 s: {self._gunicorn_log_tail()}")

    def _gunicorn_log_tail(self) -> str:
        try:
            return "\n".join(self.gunicorn_log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"

    # 3b. Load --------------------------------------------------------------------------------

    def _warm(self, page: Page, host: str) -> None:
        """A few requests per worker first: imports, templates, connections, PostgreSQL cache."""
        headers = {"Host": "127.0.0.1"}
        if page.tag == "staff_queue":
            headers["Cookie"] = f"sessionid={self.staff_session}"
        until = time.monotonic() + 20
        for index in range(3 * self.args.workers):
            if time.monotonic() > until:
                break
            path = page.sample_paths[index % len(page.sample_paths)]
            request = urllib.request.Request(host + path, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
            except urllib.error.URLError as error:
                print(f"  warm-up {path}: {error}")

    def _wait_until_idle(self, limit: float = 180) -> None:
        """Requests a slow page left queued keep gunicorn and PostgreSQL busy after locust
        stops; the next page must not pay for them."""
        began = time.monotonic()
        while time.monotonic() - began < limit:
            before = _cpu_times()
            time.sleep(1)
            if _cpu_busy(before, _cpu_times()) < 20:
                break
        waited = time.monotonic() - began
        if waited > 1.5:
            print(f"  waited {waited:.0f} s for the machine to be idle")

    def _load(self, page: Page, host: str) -> None:
        started = time.monotonic()
        self._wait_until_idle()
        self._warm(page, host)
        prefix = self.tmp / page.tag
        env = {
            **self.env,
            "BENCH_RATE": str(page.rate / self.users if page.rate else 0),
            "BENCH_STREETS": ",".join(self.streets),
            "BENCH_DISTRICT": self.district.code,
            "BENCH_ISSUE_IDS": str(self.issue_ids_file),
            "BENCH_USERNAME": self.staff.username,
            "BENCH_PASSWORD": self.password,
        }
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--tags",
            page.tag,
            "-u",
            str(self.users),
            "-r",
            str(self.users),
            "--run-time",
            self.args.run_time,
            "--stop-timeout",
            "5",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        offered = f"{page.rate:g} req/s offered" if page.rate else "as fast as answered"
        print(
            f"$ locust --tags {page.tag} -u {self.users} --run-time {self.args.run_time} "
            f"({offered})"
        )
        log = self.tmp / f"{page.tag}.log"
        cpu_before = _cpu_times()
        with open(log, "w", encoding="utf-8") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.children.append(process)
            try:
                process.wait(timeout=_seconds(self.args.run_time) + 120)
            except subprocess.TimeoutExpired:
                print("  locust did not stop in time; stopping it.")
            finally:
                _stop(process)
                self.children.remove(process)
        busy = _cpu_busy(cpu_before, _cpu_times())
        text = log.read_text(errors="replace")
        page.result = _parse_stats(prefix, page.name)
        page.result["cpu_busy"] = busy
        page.result["cpu_warning"] = "CPU usage" in text and "above" in text
        page.result["failure_messages"] = _parse_failures(prefix)
        if page.result["requests"] == 0:
            print(text[-3000:])
            page.result["failures"] = max(page.result["failures"], 1)
            page.result["failure_messages"].append("no request was measured")
        r = page.result
        print(
            f"  {page.title}: p50 {r['p50']:g} ms, p95 {r['p95']:g} ms, p99 {r['p99']:g} ms, "
            f"{r['rps']:.1f} req/s, {r['failures']} failures of {r['requests']}, "
            f"CPU {busy:.0f}% busy"
        )
        self._step(f"load {page.tag}", started)

    def _stop_children(self) -> None:
        for process in reversed(self.children):
            _stop(process)
        self.children.clear()

    # 4. The report ---------------------------------------------------------------------------

    def _write(self) -> None:
        facts = self._facts()
        lines = [
            "# Benchmarks",
            "",
            "Written by `make bench` (`python -m bench.run`); every run replaces this file. "
            "The numbers are from one machine on one day: compare runs on the same machine, "
            "not across machines.",
            "",
            f"- **Date:** {self.started_at:%Y-%m-%d %H:%M %Z}",
            f"- **Code:** {_commit()}",
            f"- **Whole run:** {self._elapsed()} (data, query counts, "
            f"{len(self.pages)} load runs of {self.args.run_time})",
            "",
            "## Machine",
            "",
            f"- **CPU:** {facts['cpu']}, {os.cpu_count()} logical cores",
            f"- **Memory:** {facts['memory']}",
            f"- **OS:** {platform.system()} {platform.release()}",
            f"- **PostgreSQL:** {facts['postgres']} on 127.0.0.1 (shared_buffers "
            f"{facts['shared_buffers']}, work_mem {facts['work_mem']}, default settings "
            "otherwise)",
            f"- **Python** {platform.python_version()}, **Django** {_version('django')}, "
            f"**gunicorn** {_version('gunicorn')} ({self.args.workers} sync workers), "
            f"**locust** {_version('locust')}, **psycopg** {_version('psycopg')}",
            "- The load generator (locust), gunicorn, PostgreSQL and Redis all run on this "
            "machine and share its cores; DEBUG off, no reverse proxy, no TLS, cache in Redis.",
            "",
            "## Data",
            "",
            f"District {self.district.name} ({self.district.code}) from `seed_demo --scale`, "
            "issues from `bench/seed_issues.py`:",
            "",
            "| What | Count |",
            "| --- | ---: |",
        ]
        for what, count in facts["counts"]:
            lines.append(f"| {what} | {count:,} |")
        lines += [
            "",
            f"Database size: {facts['db_size']}. Issues were submitted over the last 12 months; "
            f'{facts["assigned_share"]:.0%} reached "assigned" or further and '
            f"{facts['done_share']:.0%} are resolved or closed.",
            "",
            "## How it was measured",
            "",
            f"- Each page alone, {self.users} locust users (FastHttpUser, keep-alive), "
            f"{self.args.run_time} per page after a short warm-up. Read pages are offered "
            f"{self.args.rate:g} requests/s in total (each user paced to "
            f"{self.args.rate / self.users:g}/s), the district funnel "
            f"{self.args.funnel_rate:g}/s; `/healthz` is driven as fast as it answers. When the "
            "server cannot keep up with the rate offered, users wait for answers and the "
            "achieved rate is below the offered one: that is the page's ceiling here.",
            "- Issue list: the first page of a random street's public issues (one request in "
            "five asks for page 2 to 10). Issue detail: a random public issue of the district, "
            "anonymous. Staff queue: a member of the first street's government office, logged "
            "in through `/accounts/login/` by every user before measuring (logins are not "
            "counted), first page sorted by deadline. Funnel: the district, current quarter.",
            "- Queries per page: Django's test client with `CaptureQueriesContext` in the "
            "orchestrator, one request at a time on the idle machine. Alone ms is the whole "
            "request through the test client (median), DB ms the part spent waiting for "
            "PostgreSQL (sum of query times), the slowest query the worst single one.",
            "- Latency percentiles are locust's (rounded to 2 significant figures above 100 ms). "
            "An error is any answer but HTTP 200 (redirects included) or a failed connection. "
            "CPU busy is the whole machine during the load run.",
            "",
            "## Results",
            "",
            "| Page | p50 ms | p95 ms | p99 ms | req/s (offered) | Errors | Queries | Alone ms | "
            "DB ms | Slowest query ms | CPU busy | Target | Met |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
            "| --- |",
        ]
        for page in self.pages:
            r = page.result
            offered = f"{page.rate:g}" if page.rate else "max"
            target = (
                f"p95 < {page.target_p95_ms:g} ms at {page.rate:g}/s" if page.target_p95_ms else "—"
            )
            met = self._verdict(page)
            lines.append(
                f"| {page.title} | {r['p50']:g} | {r['p95']:g} | {r['p99']:g} | "
                f"{r['rps']:.1f} ({offered}) | {r['failures']} of {r['requests']:,} | "
                f"{_span(page.queries)} | {statistics.median(page.alone_ms):.0f} | "
                f"{statistics.median(page.db_ms):.1f} | "
                f"{page.slowest_ms:.1f} | {r['cpu_busy']:.0f}% | {target} | "
                f"{'yes' if met else 'no' if met is False else '—'} |"
            )
        errors = [(page, page.result["failure_messages"]) for page in self.pages]
        errors = [(page, messages) for page, messages in errors if messages]
        if errors:
            lines += ["", "Errors seen:", ""]
            for page, messages in errors:
                lines += [f"- {page.title}: {message}" for message in messages[:5]]
        lines += ["", "## Reading", ""]
        lines += self._reading()
        lines += self._plans()
        if getattr(self, "weights", None):
            lines += ["", *weight.report(self.weights)]
        if getattr(self, "ledger", None):
            lines += ["", *ledger.report(self.ledger)]
        if getattr(self, "imports", None):
            lines += ["", *imports.report(self.imports)]
        lines += ["", "## Time spent preparing and measuring", ""]
        lines += ["| Step | Seconds |", "| --- | ---: |"]
        lines += [f"| {what} | {seconds:.1f} |" for what, seconds in self.timings]
        output = Path(self.args.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _verdict(self, page: Page) -> bool | None:
        if not page.target_p95_ms:
            return None
        r = page.result
        return (
            r["failures"] == 0
            and r["requests"] > 0
            and r["p95"] < page.target_p95_ms
            and r["rps"] >= RATE_TOLERANCE * page.rate
        )

    def _reading(self) -> list[str]:
        out = []
        ceiling = next((page for page in self.pages if page.tag == "healthz"), None)
        for page in self.pages:
            if not page.target_p95_ms:
                continue
            r = page.result
            share = f"{r['rps']:.0f} of the {page.rate:g} req/s offered"
            if self._verdict(page):
                out.append(
                    f"- **{page.title}: met.** p95 {r['p95']:g} ms (target < "
                    f"{page.target_p95_ms:g} ms) with {share}, no errors."
                )
                continue
            reasons = []
            if r["p95"] >= page.target_p95_ms:
                reasons.append(f"p95 is {r['p95']:g} ms, target < {page.target_p95_ms:g} ms")
            if r["rps"] < RATE_TOLERANCE * page.rate:
                reasons.append(f"the server answered only {share}")
            if r["failures"]:
                reasons.append(f"{r['failures']} requests failed")
            alone, db = statistics.median(page.alone_ms), statistics.median(page.db_ms)
            where = (
                f" Alone on the idle machine one request takes {alone:.0f} ms, {db:.0f} ms of it "
                f"in PostgreSQL ({_span(page.queries)} queries)"
            )
            if _worth_a_plan(page):
                where += (
                    f"; the slowest query alone takes {page.slowest_ms:.0f} ms (plan below): "
                    f"`{_shorten(page.slowest_sql)}`"
                )
            elif db < alone / 2:
                where += "; most of it is Python (middleware, view, template), not the database"
            if ceiling and ceiling.result and ceiling.result["rps"]:
                share = r["rps"] / ceiling.result["rps"]
                where += (
                    f". Its {r['rps']:.1f} req/s are "
                    f"{f'{share:.0%}' if share >= 0.01 else 'under 1 %'} of the framework "
                    "ceiling below"
                )
            out.append(f"- **{page.title}: not met.** {'; '.join(reasons)}.{where}.")
        if ceiling and ceiling.result:
            r = ceiling.result
            out.append(
                f"- **Framework ceiling:** `/healthz` (one `SELECT 1`, one Redis set and get, "
                f"all middleware) answers {r['rps']:.0f} req/s at most on this machine with "
                f"{self.args.workers} workers, p50 {r['p50']:g} ms under that load. No page "
                "can go faster here; a page's req/s against this number shows how much of its "
                "cost is its own work."
            )
        loads = [page.result["cpu_busy"] for page in self.pages if page.result]
        if loads:
            out.append(
                f"- The machine's CPU was {min(loads):.0f}–{max(loads):.0f} % busy during the "
                f"load runs ({os.cpu_count()} cores shared by locust, gunicorn, PostgreSQL and "
                "Redis). Near 100 %, the page is CPU-bound on this machine: a bigger machine "
                "or a separate load generator would move the numbers."
            )
        busy = [page for page in self.pages if page.result and page.result["cpu_warning"]]
        if busy:
            out.append(
                "- Locust warned that its own CPU use passed 90 % during: "
                + ", ".join(page.title for page in busy)
                + ". Those figures are bounded by the load generator as well as the portal."
            )
        return out

    def _plans(self) -> list[str]:
        """EXPLAIN ANALYZE of the slowest query of each page that missed its target."""
        from django.db import connection

        out = []
        for page in self.pages:
            if self._verdict(page) is not False or not _worth_a_plan(page):
                continue
            try:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + page.slowest_sql)
                    plan = [row[0] for row in cursor.fetchall()]
            except Exception as error:  # a plan is a nice-to-have; never fail the report
                plan = [f"(EXPLAIN failed: {error.__class__.__name__})"]
            if len(plan) > 40:
                plan = [*plan[:38], "…", plan[-1]]
            out += [
                "",
                f"<details><summary>{page.title}: plan of the slowest query (idle database)"
                "</summary>",
                "",
                "```",
                _shorten(page.slowest_sql, 1500, table_cell=False),
                "",
                *plan,
                "```",
                "",
                "</details>",
            ]
        return out

    def _facts(self) -> dict:
        from django.db import connection
        from django.db.models import Q

        from communities.models import Area, Household, User
        from deliberation.models import FunnelCount, Issue, IssueEvent

        district = self.district
        areas = Area.objects.filter(path__startswith=district.path)
        issues = Issue.objects.filter(area__path__startswith=district.path)
        total = issues.count()
        assigned = issues.filter(status__in=["assigned", "in_progress", "resolved", "closed"])
        done = issues.filter(status__in=["resolved", "closed"])
        names = {1: "Districts", 2: "Streets", 3: "Communities", 4: "Compounds", 5: "Buildings"}
        counts = [(names[level], areas.filter(depth=level).count()) for level in names]
        counts += [
            (
                "Households",
                Household.objects.filter(building__path__startswith=district.path).count(),
            ),
            ("Accounts (whole database)", User.objects.count()),
            ("Issues", total),
            (
                "Public issues (shown on public pages)",
                Issue.objects.public().filter(area__path__startswith=district.path).count(),
            ),
            ("Open issues", issues.filter(~Q(status__in=Issue.CLOSED_STATUSES)).count()),
            (
                "Timeline entries",
                IssueEvent.objects.filter(issue__area__path__startswith=district.path).count(),
            ),
            (
                "Funnel counters",
                FunnelCount.objects.filter(area__path__startswith=district.path).count(),
            ),
        ]
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            shared_buffers = cursor.fetchone()[0]
            cursor.execute("SHOW work_mem")
            work_mem = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            db_size = cursor.fetchone()[0]
        return {
            "cpu": _cpu_model(),
            "memory": _memory(),
            "postgres": version,
            "shared_buffers": shared_buffers,
            "work_mem": work_mem,
            "db_size": db_size,
            "counts": counts,
            "assigned_share": assigned.count() / total if total else 0,
            "done_share": done.count() / total if total else 0,
        }


# --- Helpers -----------------------------------------------------------------------------------


def _commit() -> str:
    """The commit measured, and whether the working tree had changes (read-only git calls)."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {sha}" + (" with uncommitted changes" if dirty else "")


def _worth_a_plan(page: Page) -> bool:
    """The slowest query is a good part of the page's database time and worth explaining."""
    return (
        page.slowest_sql.startswith("SELECT")
        and page.slowest_ms >= 10
        and page.slowest_ms >= 0.3 * statistics.median(page.db_ms or [0])
    )


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop(process: subprocess.Popen) -> None:
    """Stop a child this run started: SIGTERM (to its own process group when it has one), then
    SIGKILL after ten seconds."""
    if process.poll() is not None:
        return
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def _seconds(run_time: str) -> int:
    total = 0
    for amount, unit in re.findall(r"(\d+)\s*([hms]?)", run_time):
        total += int(amount) * {"h": 3600, "m": 60}.get(unit, 1)
    return total or 30


def _number(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _parse_stats(prefix: Path, name: str) -> dict:
    result = {"requests": 0, "failures": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "rps": 0.0}
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return result
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    login_failures = 0
    for row in rows:
        if row["Name"] == name:
            result = {
                "requests": int(_number(row["Request Count"])),
                "failures": int(_number(row["Failure Count"])),
                "p50": _number(row["50%"]),
                "p95": _number(row["95%"]),
                "p99": _number(row["99%"]),
                "rps": _number(row["Requests/s"]),
            }
        elif row["Name"] in ("login", "login form"):
            login_failures += int(_number(row["Failure Count"]))
    result["failures"] += login_failures
    return result


def _parse_failures(prefix: Path) -> list[str]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            f"{row['Name']}: {row['Error']} ({row['Occurrences']}×)"
            for row in csv.DictReader(handle)
        ]


def _cpu_times() -> tuple[int, int]:
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return (0, 0)
    values = [int(value) for value in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values), idle


def _cpu_busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    total, idle = after[0] - before[0], after[1] - before[1]
    return 100 * (total - idle) / total if total > 0 else 0.0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                kib = int(line.split()[1])
                return f"{kib / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def _span(values: list[int]) -> str:
    if not values:
        return "—"
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def _shorten(sql: str, limit: int = 300, *, table_cell: bool = True) -> str:
    sql = " ".join(sql.split())
    if table_cell:
        sql = sql.replace("`", "'").replace("|", "\\|")
    sql = re.sub(
        r"SELECT (DISTINCT )?((?:(?!SELECT ).)*?) FROM ",
        lambda m: m[0] if len(m[2]) < 120 else f"SELECT {m[1] or ''}… FROM ",
        sql,
    )
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
