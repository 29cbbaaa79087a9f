"""`make bench`: latency, throughput and queries of the portal's pages on a full-size district,
each beside the machine's own limits measured in the same run.

    python -m bench.run                                  # everything, about fifteen minutes
    python -m bench.run --issues 50000 --run-time 20s    # smaller and shorter
    python -m bench.run --pages issue_list,funnel        # only some pages
    python -m bench.run --reuse-data --pages issue_list,healthz --worker-class gthread \
        --workers 2 --threads 4 --fanout-residents 0 --import-households 0 --skip-ledger
    python -m bench.run --reuse-data --pages meeting,ballot,healthz --ballot-rate 20 \
        --fanout-residents 0 --import-households 0 --skip-ledger   # the meeting pages only
    python -m bench.run --database-url postgres://postgres@127.0.0.1:5432/portal_bench_mine \
        --redis-url redis://127.0.0.1:6379/4             # a database and Redis of your own

1. Prepares the database `portal_bench` on the local PostgreSQL (created if missing): migrate,
   `seed_demo --scale` (kept if already there), `bench.seed_issues` up to `--issues` issues,
   `recount_funnel --fix`, then VACUUM ANALYZE (`--reuse-data` skips all of it).
2. Starts the portal under gunicorn on 127.0.0.1 (a free port; `--workers`, `--worker-class`,
   `--threads`), DEBUG off, with a member of street staff and a verified resident.
3. Counts the queries of each page with Django's test client (capturing the statements for
   step 5), then loads each page alone with locust (headless, `--users` users, `--run-time`
   each): the public issue list, an issue, the staff queue, the district funnel and governance
   dashboard, issue submission through the real form (text, then one photo; what was stored is
   counted afterwards), the meeting page and a ballot (bench/meetings.py: the district's
   five-party meeting in session with a vote by household open, through deliberation's
   services; each ballot is another owner's, posted through the session page's form, and what
   was stored is counted afterwards), and /healthz (the framework ceiling) as fast as it answers.
   Each run records the CPU that gunicorn and the benchmark's PostgreSQL backends spent per
   request, the steadiest figure on a shared machine.
4. Waits (at most `--idle-wait` seconds) for the machine to be idle before each run.
5. The limits (bench/ceilings.py): each read page's statements replayed with psycopg alone and
   from as many connections as gunicorn serves at once (database ceiling), and PostgreSQL's
   single-row commit rate from 1 and N connections (write ceiling).
6. The points ledger (bench/ledger.py), a notice fanned out to `--fanout-residents` residents
   by a real Celery worker (bench/fanout.py), a community's workbook imported at
   `--import-households` (bench/imports.py, each in its own process).
7. Writes docs/benchmarks.md (replacing the previous run, but keeping what was written by hand
   below its marker) and exits non-zero when a page answered with errors.

Only 127.0.0.1 is contacted. Gunicorn, locust and the worker are stopped at the end, on Ctrl-C
and on error.
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

from bench import ceilings, fanout, imports, ledger, meetings, weight

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench"
STAFF_USERNAME = "bench-street-staff"
RESIDENT_USERNAME = "bench-resident"
READ_TARGET_P95_MS = 100
SUBMIT_TARGET_P95_MS = 150
FUNNEL_TARGET_P95_MS = 1000
# A page is "close to the machine" when it takes at most this many times its bare SQL.
BARE_SQL_FACTOR = 3
SUBMIT_TAGS = ("submit_text", "submit_photo")
MEETING_TAGS = ("meeting", "ballot")
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
    # The statements of each sampled request, replayed with psycopg for the database ceiling.
    sql_pages: list[list[str]] = field(default_factory=list)
    bare: dict | None = None  # bare SQL: one connection alone, and all connections at once
    http_alone_ms: float = 0.0  # one request at a time to gunicorn, median
    skipped: str = ""  # why the page was not measured (e.g. its app has no data yet)
    stored: dict | None = None  # submissions: what the database holds afterwards
    post_queries: int = 0  # submissions: queries of one POST

    @property
    def writes(self) -> bool:
        return self.tag in (*SUBMIT_TAGS, "ballot")


ALL_PAGES = (
    "issue_list",
    "issue_detail",
    "staff_queue",
    "funnel",
    "dashboard",
    "submit_text",
    "submit_photo",
    "meeting",
    "ballot",
    "healthz",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the portal on a full-size district.")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/1",
        help="Redis for the cache and broker (a database number of its own).",
    )
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
    parser.add_argument(
        "--dashboard-rate",
        type=float,
        default=10,
        help="Requests/s offered to the district dashboard (10).",
    )
    parser.add_argument(
        "--submit-rate",
        type=float,
        default=75,
        help="Submissions/s offered (75); each is a GET of the form and a POST, so 150 req/s.",
    )
    parser.add_argument(
        "--ballot-rate",
        type=float,
        default=40,
        help="Ballots/s offered (40); each is a GET of the session page and a POST, so 80 req/s.",
    )
    parser.add_argument(
        "--ballot-households",
        type=int,
        default=3000,
        help="Households of the meeting's compound with an owner who votes (3000; at least "
        "--ballot-rate × --run-time of them are needed, one ballot each).",
    )
    parser.add_argument("--workers", type=int, default=3, help="Gunicorn workers (3).")
    parser.add_argument(
        "--worker-class",
        default="sync",
        help="Gunicorn worker class (sync; gthread with --threads).",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="Threads per gunicorn worker (gthread only)."
    )
    parser.add_argument(
        "--pages",
        default=",".join(ALL_PAGES),
        help=f"Comma-separated subset of {', '.join(ALL_PAGES)}.",
    )
    parser.add_argument(
        "--fanout-residents",
        type=int,
        default=30_000,
        help="Residents of the street the fan-out notice goes to (30000; 0 skips the fan-out).",
    )
    parser.add_argument(
        "--ceiling-seconds",
        type=float,
        default=5,
        help="Seconds for each bare-SQL replay and commit-rate measurement (5).",
    )
    parser.add_argument(
        "--skip-ledger", action="store_true", help="Do not measure the points ledger."
    )
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="Skip migrate, seeding, recount and VACUUM: the database was prepared by a run before.",
    )
    parser.add_argument(
        "--idle-wait",
        type=float,
        default=180,
        help="Longest wait, in seconds, for the shared machine to be idle before a run (180).",
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
        self.load_before = os.getloadavg()
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
            "REDIS_URL": args.redis_url,
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
            Page(
                "dashboard",
                "dashboard",
                "Governance dashboard of the district",
                FUNNEL_TARGET_P95_MS,
                args.dashboard_rate,
            ),
            Page(
                "submit_text",
                "issue submission (text)",
                "Issue submission, text only",
                SUBMIT_TARGET_P95_MS,
                args.submit_rate,
            ),
            Page(
                "submit_photo",
                "issue submission (photo)",
                "Issue submission with one photo",
                SUBMIT_TARGET_P95_MS,
                args.submit_rate,
            ),
            # The district's five-party meeting in session, a vote by household open on it
            # (bench/meetings.py, through deliberation's services): `_meeting_paths`.
            Page("meeting", "meeting", "Meeting page", READ_TARGET_P95_MS, args.rate),
            Page(
                "ballot",
                "ballot",
                "Ballot of a meeting (vote by household)",
                SUBMIT_TARGET_P95_MS,
                args.ballot_rate,
            ),
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
            if not self.args.reuse_data:
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
            self._measure_ceilings()
            if not self.args.skip_ledger:
                started = time.monotonic()
                self.ledger = ledger.measure()
                self._step("points ledger: awards and commit ceiling", started)
            if self.args.fanout_residents:
                self._wait_until_idle()
                started = time.monotonic()
                self.fanout = fanout.measure(
                    street=self.staff_street,
                    by=self.staff,
                    env=self.env,
                    root=ROOT,
                    residents=self.args.fanout_residents,
                    tmp=self.tmp,
                )
                self._step("notice fan-out", started)
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
            elif page.tag == "dashboard":
                page.sample_paths = [f"/areas/{self.district.code}/dashboard/"] * 5
            elif page.tag in SUBMIT_TAGS:
                page.sample_paths = ["/issues/report/"] * 3
            elif page.tag in MEETING_TAGS:
                page.sample_paths, page.skipped = self._meeting_paths(page.tag)
            else:
                page.sample_paths = ["/healthz"] * 5
        if any(page.tag in SUBMIT_TAGS for page in self.pages):
            self._prepare_resident()

    def _meeting_paths(self, tag: str) -> tuple[list[str], str]:
        """Sample paths of the meeting page (anonymous) and of the session page whose ballot
        form the voters post (bench/meetings.py prepares both once, for both pages)."""
        if not hasattr(self, "bench_meeting"):
            self._prepare_meeting()
        meeting = self.bench_meeting.meeting
        if tag == "meeting":
            return [f"/meetings/{meeting.pk}/"] * 5, ""
        return [f"/meetings/{meeting.pk}/session/"] * 5, ""

    def _prepare_meeting(self) -> None:
        """The meeting in session with a fresh vote by household, and one session per voter:
        two voters are kept for the query counts (one GETs, one casts the counted POST), every
        other one is a locust user's next voter, who casts once."""
        from importlib import import_module

        from django.conf import settings
        from django.contrib.auth import (
            BACKEND_SESSION_KEY,
            HASH_SESSION_KEY,
            SESSION_KEY,
            load_backend,
        )

        SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
        # What `login()` records: the first backend that can load a user (not the rules one).
        backend = next(
            path
            for path in settings.AUTHENTICATION_BACKENDS
            if hasattr(load_backend(path), "get_user")
        )
        started = time.monotonic()
        wanted = int(self.args.ballot_rate * _seconds(self.args.run_time) * 1.2) + self.users + 2
        households = self.args.ballot_households
        if "ballot" in {page.tag for page in self.pages} and households < wanted:
            print(f"  --ballot-households {households} is too few for the rate; using {wanted}.")
            households = wanted
        self.bench_meeting = meetings.prepare(self.district, households=households)
        voters = self.bench_meeting.voters
        self.ballot_sessions = []
        for voter in voters:
            session = SessionStore()
            session.update(
                {
                    SESSION_KEY: str(voter.pk),
                    BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: voter.get_session_auth_hash(),
                }
            )
            session.create()
            self.ballot_sessions.append(session.session_key)
        self.voters_file = self.tmp / "voters.txt"
        self.voters_file.write_text("\n".join(self.ballot_sessions[2:]) + "\n", encoding="utf-8")
        motion = self.bench_meeting.motion
        print(
            f"  meeting {self.bench_meeting.meeting.pk} in session, motion {motion.pk} open to "
            f"{motion.electorate_headcount} households, {len(voters)} bench owners with a session"
        )
        self._step("meeting, open vote and voters' sessions", started)

    def _prepare_resident(self) -> None:
        """A verified resident of a building of the first street, with one session per locust
        user (no login, so allauth's login rate limit is not what is measured), a category,
        and a phone-sized photo."""
        from django.test import Client

        from communities.models import Area, Household, Residency, User
        from deliberation.models import Category

        resident, _ = User.objects.get_or_create(
            username=RESIDENT_USERNAME, defaults={"full_name": "基准测试居民"}
        )
        resident.set_unusable_password()
        resident.save(update_fields=["password"])
        home = (
            Household.objects.filter(building__path__startswith=self.staff_street.path)
            .select_related("building")
            .order_by("pk")
            .first()
        )
        Residency.objects.get_or_create(
            user=resident,
            household=home,
            defaults={
                "relation": Residency.Relation.OWNER,
                "status": Residency.Status.VERIFIED,
            },
        )
        self.resident = resident
        self.submit_area = home.building.code
        assert Area.objects.filter(code=self.submit_area).exists()
        self.category = (
            Category.objects.filter(active=True, is_public=True, is_mediation=False)
            .order_by("position")
            .values_list("code", flat=True)
            .first()
        )
        sessions = []
        for _index in range(self.users):
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(resident)
            sessions.append(client.cookies["sessionid"].value)
        self.sessions_file = self.tmp / "sessions.txt"
        self.sessions_file.write_text("\n".join(sessions) + "\n", encoding="utf-8")
        self.photo_file = self.tmp / "lamp.jpg"
        self.photo_file.write_bytes(_phone_photo())
        self.run_tag = "bench-" + secrets.token_hex(3)

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
        resident = None
        if hasattr(self, "resident"):
            resident = Client(HTTP_HOST="127.0.0.1")
            resident.force_login(self.resident)
        voter = None
        if hasattr(self, "ballot_sessions"):
            voter = Client(HTTP_HOST="127.0.0.1")
            voter.cookies["sessionid"] = self.ballot_sessions[0]
        self.clients = {
            "anonymous": anonymous,
            "staff": staff,
            "resident": resident,
            "voter": voter,
        }
        for page in self.pages:
            if page.skipped:
                print(f"  {page.title}: {page.skipped}")
                continue
            client = self._client_for(page)
            client.get(page.sample_paths[0])  # warm: imports, templates, content types
            for path in page.sample_paths:
                began = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
                page.alone_ms.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code} to the test client.")
                times = [float(query["time"]) * 1000 for query in captured.captured_queries]
                page.sql_pages.append([query["sql"] for query in captured.captured_queries])
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
            if page.tag == "ballot":
                self._count_ballot_queries(page, client)
            elif page.writes:
                self._count_submission_queries(page, client)
        self._weigh_pages(anonymous, staff)
        connection.close()
        self._step("queries per page", started)

    def _client_for(self, page: Page):
        if page.tag == "staff_queue":
            return self.clients["staff"]
        if page.tag == "ballot":
            return self.clients["voter"]
        if page.writes:
            return self.clients["resident"]
        return self.clients["anonymous"]

    def _count_submission_queries(self, page: Page, client) -> None:
        """The queries of one POST of the form, through the test client (the form's own GET is
        what was counted above)."""
        import uuid

        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        data = {
            "title": f"{self.run_tag} 查询计数",
            "description": "基准测试：计算一次提交的查询数。",
            "category": self.category,
            "area": self.submit_area,
            "submission_key": str(uuid.uuid4()),
        }
        if page.tag == "submit_photo":
            data["photos"] = SimpleUploadedFile(
                "lamp.jpg", self.photo_file.read_bytes(), "image/jpeg"
            )
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/issues/report/", data)
        if response.status_code != 302:
            raise SystemExit(f"The report form answered {response.status_code} to a POST.")
        page.post_queries = len(captured)
        print(f"    one POST: {page.post_queries} queries")

    def _count_ballot_queries(self, page: Page, client) -> None:
        """The queries of one ballot, POSTed by the voter kept for counting (the session page's
        GET was counted above); that ballot is left out of what locust's voters stored."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        motion = self.bench_meeting.motion
        home = self.bench_meeting.voters[0].residencies.get().household_id
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                f"/motions/{motion.pk}/vote/", {"choice": "yes", "household": home}
            )
        if response.status_code != 302:
            raise SystemExit(f"The ballot form answered {response.status_code} to a POST.")
        page.post_queries = len(captured)
        print(f"    one POST: {page.post_queries} queries")

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
                if page.tag != "healthz" and not page.skipped and not page.writes
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
            "--worker-class",
            self.args.worker_class,
            "--threads",
            str(self.args.threads),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.gunicorn_log),
        ]
        print(f"$ gunicorn on 127.0.0.1:{port} with {self._server()}")
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
        headers = self._headers(page)
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

    def _headers(self, page: Page) -> dict:
        headers = {"Host": "127.0.0.1"}
        if page.tag == "staff_queue":
            headers["Cookie"] = f"sessionid={self.staff_session}"
        elif page.tag == "ballot":
            # The second kept voter: GETs of the session page only, never a ballot.
            headers["Cookie"] = f"sessionid={self.ballot_sessions[1]}"
        elif page.writes:
            headers["Cookie"] = f"sessionid={self.clients['resident'].cookies['sessionid'].value}"
        return headers

    def _alone_over_http(self, page: Page, host: str, count: int = 20) -> None:
        """One request at a time to gunicorn on the idle machine: the page's own latency, to
        set beside its bare SQL (for a submission, the GET of the form)."""
        headers = self._headers(page)
        times = []
        for index in range(count):
            path = page.sample_paths[index % len(page.sample_paths)]
            request = urllib.request.Request(host + path, headers=headers)
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
            except urllib.error.URLError:
                continue
            times.append((time.perf_counter() - began) * 1000)
        page.http_alone_ms = statistics.median(times) if times else 0.0

    def _stored_submissions(self, page: Page) -> dict:
        from deliberation.models import Issue, IssuePhoto

        issues = Issue.objects.filter(title__startswith=f"{self.run_tag}-{page.tag} ")
        return {
            "issues": issues.count(),
            "photos": IssuePhoto.objects.filter(issue__in=issues).count(),
            "distinct_keys": issues.values("submission_key").distinct().count(),
        }

    def _wait_until_idle(self, limit: float | None = None) -> None:
        """Requests a slow page left queued keep gunicorn and PostgreSQL busy after locust
        stops; the next page must not pay for them."""
        limit = self.args.idle_wait if limit is None else limit
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
        if page.skipped:
            print(f"  {page.title}: {page.skipped}")
            return
        started = time.monotonic()
        self._wait_until_idle()
        self._warm(page, host)
        self._alone_over_http(page, host)
        prefix = self.tmp / page.tag
        extra = {}
        if page.sample_paths and page.tag in ("dashboard", *MEETING_TAGS):
            paths_file = self.tmp / f"{page.tag}_paths.txt"
            paths_file.write_text("\n".join(page.sample_paths) + "\n", encoding="utf-8")
            extra["BENCH_PATHS"] = str(paths_file)
        if page.tag == "ballot":
            extra.update(
                BENCH_VOTERS=str(self.voters_file),
                BENCH_MOTION=str(self.bench_meeting.motion.pk),
            )
        elif page.writes:
            extra.update(
                BENCH_SESSIONS=str(self.sessions_file),
                BENCH_SUBMIT_AREA=self.submit_area,
                BENCH_CATEGORY=self.category,
                BENCH_PHOTO=str(self.photo_file),
                BENCH_RUN=f"{self.run_tag}-{page.tag}",
            )
        env = {
            **extra,
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
        load_before = os.getloadavg()[0]
        app_before, db_before = self._our_cpu()
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
        app_after, db_after = self._our_cpu()
        text = log.read_text(errors="replace")
        page.result = _parse_stats(prefix, page.name)
        page.result["cpu_busy"] = busy
        page.result["load"] = load_before
        # Requests the server answered, whether locust counted them or not (stats are reset
        # after the staff logins): the CPU per request is an upper bound when some went uncounted.
        served = max(page.result["requests"], 1)
        page.result["app_cpu_ms"] = _cpu_spent(app_before, app_after) / served
        page.result["db_cpu_ms"] = _cpu_spent(db_before, db_after) / served
        page.result["cpu_warning"] = "CPU usage" in text and "above" in text
        page.result["failure_messages"] = _parse_failures(prefix)
        if page.tag == "ballot":
            page.result["form"] = _parse_stats(prefix, "ballot form")
            self._wait_until_idle()
            page.stored = meetings.stored(self.bench_meeting.motion)
            accepted = page.result["requests"] - page.result["failures"]
            print(
                f"  stored {page.stored['receipts']} receipts ({page.stored['ballots']} ballots, "
                f"{page.stored['households']} households) for {accepted} accepted ballots "
                "and the one counted by the test client"
            )
        elif page.writes:
            page.result["form"] = _parse_stats(prefix, "report form")
            self._wait_until_idle()
            page.stored = self._stored_submissions(page)
            accepted = page.result["requests"] - page.result["failures"]
            print(
                f"  stored {page.stored['issues']} issues ({page.stored['photos']} photos) for "
                f"{accepted} accepted submissions"
            )
        if page.result["requests"] == 0:
            print(text[-3000:])
            page.result["failures"] = max(page.result["failures"], 1)
            page.result["failure_messages"].append("no request was measured")
        r = page.result
        print(
            f"  {page.title}: p50 {r['p50']:g} ms, p95 {r['p95']:g} ms, p99 {r['p99']:g} ms, "
            f"{r['rps']:.1f} req/s, {r['failures']} failures of {r['requests']}, "
            f"CPU {busy:.0f}% busy, {r['app_cpu_ms']:.1f} + {r['db_cpu_ms']:.1f} CPU ms/req "
            f"(gunicorn + PostgreSQL), load {r['load']:.1f}"
        )
        self._step(f"load {page.tag}", started)

    def _server(self) -> str:
        if self.args.worker_class == "gthread":
            return f"{self.args.workers} gthread workers × {self.args.threads} threads"
        return f"{self.args.workers} {self.args.worker_class} workers"

    def _concurrency(self) -> int:
        """How many requests gunicorn works on at once: the database sees as many connections."""
        threads = self.args.threads if self.args.worker_class == "gthread" else 1
        return min(self.users, self.args.workers * threads)

    def _measure_ceilings(self) -> None:
        """Bare SQL per page and PostgreSQL's single-row commit rate, on the idle machine."""
        started = time.monotonic()
        seconds = self.args.ceiling_seconds
        connections = self._concurrency()
        for page in self.pages:
            # The ballot's replay is its session page's GET, the read half of each ballot.
            reading = not page.writes or page.tag == "ballot"
            if page.skipped or not reading or page.tag == "healthz" or not page.sql_pages:
                continue
            reads = [ceilings.replayable(statements) for statements in page.sql_pages]
            statements = [kept for kept, _left_out in reads]
            left_out = max(left for _kept, left in reads)
            alone = ceilings.replay(
                self.args.database_url, statements, seconds=seconds, connections=1
            )
            together = ceilings.replay(
                self.args.database_url, statements, seconds=seconds, connections=connections
            )
            page.bare = {"alone": alone, "together": together, "left_out": left_out}
            print(
                f"  bare SQL of {page.title}: {alone['p50']:.2f} ms alone, "
                f"{together['rate']:.0f} page-worths/s from {connections} connections"
            )
        self.commits = [
            ceilings.commit_rate(self.args.database_url, seconds=seconds, connections=count)
            for count in sorted({1, connections})
        ]
        for commit in self.commits:
            print(
                f"  single-row commits from {commit['connections']} connection(s): "
                f"{commit['rate']:.0f}/s, p50 {commit['p50']:.2f} ms"
            )
        self._step("ceilings: bare SQL per page, single-row commit rate", started)

    def _our_cpu(self) -> tuple[dict[int, float], dict[int, float]]:
        """CPU seconds so far of gunicorn's processes and of the PostgreSQL backends serving
        this benchmark's database: what this run itself costs, whatever else the shared machine
        is doing."""
        gunicorn = getattr(self, "gunicorn", None)
        app = _cpu_of([gunicorn.pid, *_children_of(gunicorn.pid)]) if gunicorn else {}
        try:
            import psycopg

            with psycopg.connect(self.args.database_url, autocommit=True) as conn:
                rows = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                ).fetchall()
            db = _cpu_of([pid for (pid,) in rows])
        except Exception:  # a figure of the report, never a reason to fail the run
            db = {}
        return app, db

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
            f"{sum(1 for page in self.pages if page.result)} load runs of {self.args.run_time})",
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
            f"**gunicorn** {_version('gunicorn')} ({self._server()}), "
            f"**locust** {_version('locust')}, **psycopg** {_version('psycopg')}",
            "- The load generator (locust), gunicorn, PostgreSQL and Redis all run on this "
            "machine and share its cores; DEBUG off, no reverse proxy, no TLS, cache in Redis.",
            f"- **Load from others:** the machine is shared with other engineers. Load average "
            f"(1 min) {self.load_before[0]:.2f} when the run began and "
            f"{os.getloadavg()[0]:.2f} when it ended; every load run waits for the CPU to be "
            f"under 20 % busy first (for {self.args.idle_wait:g} s at most), but what others "
            "run during a load run is in its figures.",
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
            f"{self.args.funnel_rate:g}/s, the district dashboard {self.args.dashboard_rate:g}/s, "
            f"submissions {self.args.submit_rate:g}/s; `/healthz` is driven as fast as it "
            "answers. When the "
            "server cannot keep up with the rate offered, users wait for answers and the "
            "achieved rate is below the offered one: that is the page's ceiling here.",
            "- Issue list: the first page of a random street's public issues (one request in "
            "five asks for page 2 to 10). Issue detail: a random public issue of the district, "
            "anonymous. Staff queue: a member of the first street's government office, logged "
            "in through `/accounts/login/` by every user before measuring (logins are not "
            "counted), first page sorted by deadline. Funnel: the district, current quarter. "
            "Dashboard: `/areas/<district>/dashboard/`, anonymous, current quarter (its cached "
            "median expires every ten minutes). Submissions: see below. Meeting page: "
            "`/meetings/<pk>/` of the district's five-party meeting in session, anonymous. "
            "Ballot: see *Ballots* below.",
            "- Queries per page: Django's test client with `CaptureQueriesContext` in the "
            "orchestrator, one request at a time on the idle machine. Alone ms is the whole "
            "request through the test client (median), DB ms the part spent waiting for "
            "PostgreSQL (sum of query times), the slowest query the worst single one.",
            "- Latency percentiles are locust's (rounded to 2 significant figures above 100 ms). "
            "An error is any answer but HTTP 200 (redirects included) or a failed connection. "
            "CPU ms/req is what this run's own processes spent per request answered: gunicorn's "
            "master and workers, and the PostgreSQL backends of the benchmark's database (from "
            "/proc). On a shared machine it is the steadiest figure to compare runs by; "
            "latency and throughput also depend on what others run. "
            "CPU busy is the whole machine during the load run; load at start is the 1-minute "
            "load average when the run began (2 cores: above 2, other work was queued for the "
            "CPU — the machine is shared).",
            "",
            "## Results",
            "",
            "| Page | p50 ms | p95 ms | p99 ms | req/s (offered) | Errors | Queries | Alone ms | "
            "DB ms | Slowest query ms | CPU ms/req gunicorn + PostgreSQL | CPU busy | "
            "Load at start | Target | Met |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
            "| ---: | --- | --- |",
        ]
        for page in self.pages:
            r = page.result
            if r is None:
                lines.append(f"| {page.title} | {page.skipped or 'not measured'} |" + " |" * 13)
                continue
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
                f"{page.slowest_ms:.1f} | {r['app_cpu_ms']:.1f} + {r['db_cpu_ms']:.1f} | "
                f"{r['cpu_busy']:.0f}% | {r['load']:.1f} | {target} | "
                f"{'yes' if met else 'no' if met is False else '—'} |"
            )
        errors = [(page, page.result["failure_messages"]) for page in self.pages if page.result]
        errors = [(page, messages) for page, messages in errors if messages]
        if errors:
            lines += ["", "Errors seen:", ""]
            for page, messages in errors:
                lines += [f"- {page.title}: {message}" for message in messages[:5]]
        lines += ["", *self._limits()]
        lines += self._submissions()
        lines += ["", "## Reading", ""]
        lines += self._reading()
        lines += self._plans()
        if getattr(self, "commits", None):
            lines += ["", *self._write_ceiling()]
        if getattr(self, "fanout", None):
            lines += ["", *fanout.report(self.fanout, self.staff_street.name)]
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
        kept = _kept_notes(output)
        output.write_text("\n".join(lines) + "\n" + kept, encoding="utf-8")

    def _limits(self) -> list[str]:
        """Each page beside the limits of the machine, measured in this run."""
        ceiling = next((page for page in self.pages if page.tag == "healthz"), None)
        framework = ceiling.result["rps"] if ceiling and ceiling.result else 0
        commits = max((commit["rate"] for commit in getattr(self, "commits", [])), default=0)
        connections = self._concurrency()
        lines = [
            "## Each page beside the machine's limits",
            "",
            f"Measured in this run, on this machine. **Framework ceiling**: `/healthz` under the "
            f"same gunicorn ({self._server()}), as fast as it answers. **Bare SQL**: the "
            "statements the page sent (captured with `CaptureQueriesContext` while the test "
            "client rendered each sample), replayed with psycopg and nothing else: alone on one "
            f"connection (ms per page-worth, median) and from {connections} connections at once "
            "(page-worths per second, the database ceiling of that page). **Page alone**: one "
            "request at a time over HTTP to gunicorn, nothing else of this run going on (median of 20). "
            f"Target: the page alone within {BARE_SQL_FACTOR}× its bare SQL alone. Writes are "
            "compared with PostgreSQL's single-row commit rate from the same number of "
            "connections (see *Write ceiling*).",
            "",
            "| Page | req/s under load | Framework ceiling req/s | DB ceiling req/s (bare SQL) | "
            "Page alone ms | Bare SQL alone ms | Page ÷ bare SQL | "
            f"Within {BARE_SQL_FACTOR}× |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for page in self.pages:
            if page.result is None or page.tag == "healthz":
                continue
            r = page.result
            if page.tag == "ballot" and page.bare:
                # The ballot's read half (its session page) beside its bare SQL, its write half
                # beside the commit rate.
                alone = page.bare["alone"]["p50"]
                ratio = page.http_alone_ms / alone if alone else 0
                lines.append(
                    f"| {page.title} (GET of the session page, then POST) | {r['rps']:.1f} "
                    f"ballots/s | {framework:.0f} | {page.bare['together']['rate']:.0f} session "
                    f"pages/s; {commits:.0f} single-row commits/s | {page.http_alone_ms:.1f} "
                    f"(session page GET) | {alone:.2f} | {ratio:.1f}× | "
                    f"{'yes' if ratio and ratio <= BARE_SQL_FACTOR else 'no'} "
                    f"({page.post_queries} queries a POST) |"
                )
                continue
            if page.writes:
                lines.append(
                    f"| {page.title} (POST) | {r['rps']:.1f} | {framework:.0f} | "
                    f"{commits:.0f} single-row commits/s | {page.http_alone_ms:.0f} (form GET) | "
                    f"— | — | — ({page.post_queries} queries a POST) |"
                )
                continue
            bare = page.bare
            if not bare:
                continue
            alone = bare["alone"]["p50"]
            ratio = page.http_alone_ms / alone if alone else 0
            lines.append(
                f"| {page.title} | {r['rps']:.1f} | {framework:.0f} | "
                f"{bare['together']['rate']:.0f} | {page.http_alone_ms:.1f} | {alone:.2f} | "
                f"{ratio:.1f}× | {'yes' if ratio and ratio <= BARE_SQL_FACTOR else 'no'} |"
            )
        left_out = [page.title for page in self.pages if page.bare and page.bare["left_out"]]
        if left_out:
            lines += [
                "",
                "Writes a read page makes (a session saved, `last_login`) are not replayed: "
                + ", ".join(left_out)
                + ".",
            ]
        return lines

    def _submissions(self) -> list[str]:
        lines = self._ballots()
        pages = [page for page in self.pages if page.tag in SUBMIT_TAGS and page.result]
        if not pages:
            return lines
        lines += [
            "",
            "## Submissions: what was stored",
            "",
            "Each locust user holds a resident's session (made by the orchestrator, so the "
            "login rate limit is not measured) and, per submission, loads `/issues/report/`, "
            "reads its CSRF token and submission key, and posts the form (multipart; with a "
            f"{self.photo_file.stat().st_size // 1024} KB, 1600×1200 JPEG for the photo run). "
            f"{self.args.submit_rate:g} submissions/s are offered, that is "
            f"{2 * self.args.submit_rate:g} requests/s (GET + POST). Afterwards the database is "
            "asked what it holds: every accepted submission must be there once. A few more may "
            "be stored than were counted as accepted: posts still in flight when locust stopped "
            "its users, whose answer nobody waited for.",
            "",
            "| Run | Form GET p50 / p95 ms | POST p50 / p95 ms | Accepted (302) | Issues stored | "
            "Photos stored | Distinct submission keys |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for page in pages:
            r, form, stored = page.result, page.result.get("form") or {}, page.stored or {}
            accepted = r["requests"] - r["failures"]
            lines.append(
                f"| {page.title} | {form.get('p50', 0):g} / {form.get('p95', 0):g} | "
                f"{r['p50']:g} / {r['p95']:g} | {accepted:,} | {stored.get('issues', 0):,} | "
                f"{stored.get('photos', 0):,} | {stored.get('distinct_keys', 0):,} |"
            )
        return lines

    def _ballots(self) -> list[str]:
        page = next((page for page in self.pages if page.tag == "ballot" and page.result), None)
        if page is None:
            return []
        motion = self.bench_meeting.motion
        r, form, stored = page.result, page.result.get("form") or {}, page.stored or {}
        accepted = r["requests"] - r["failures"]
        return [
            "",
            "## Ballots: what was stored",
            "",
            f"The district's five-party meeting of {self.bench_meeting.meeting.area.name} "
            "(bench/meetings.py: planned, confirmed and opened through deliberation's services, "
            "every party's representative present) has a motion put to the owners, one vote "
            f"per household with floor area (`owners_ordinary`), opened to "
            f"{motion.electorate_headcount:,} households ({len(self.bench_meeting.voters):,} of "
            "them with a bench owner who votes). A vote by household is the ballot a compound "
            "holds at scale; a vote by person or party counts only the few representatives at "
            "the table. Each locust iteration takes the next owner's session (made by the "
            "orchestrator, no login), loads the session page, reads its CSRF token and the "
            "household of its ballot form, and posts it: every owner votes once. "
            f"{self.args.ballot_rate:g} ballots/s are offered ({2 * self.args.ballot_rate:g} "
            "requests/s). Afterwards the database is asked what it holds; the test client's "
            "counted POST is one more receipt.",
            "",
            "| Run | Session page GET p50 / p95 ms | POST p50 / p95 ms | Accepted (302) | "
            "Receipts stored | Ballots stored | Distinct households | Distinct voters |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {page.title} | {form.get('p50', 0):g} / {form.get('p95', 0):g} | "
            f"{r['p50']:g} / {r['p95']:g} | {accepted:,} | {stored.get('receipts', 0):,} | "
            f"{stored.get('ballots', 0):,} | {stored.get('households', 0):,} | "
            f"{stored.get('voters', 0):,} |",
        ]

    def _write_ceiling(self) -> list[str]:
        lines = [
            "## Write ceiling",
            "",
            f"PostgreSQL's single-row commit rate: `INSERT` of one row and `COMMIT`, in a loop, "
            f"from N psycopg connections at once, {self.args.ceiling_seconds:g} s each, into a "
            "scratch table (dropped afterwards). Default durability (`synchronous_commit` on, "
            "fsync to the machine's disk).",
            "",
            "| Connections | Commits/s | p50 ms | p95 ms |",
            "| ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {c['connections']} | {c['rate']:,.0f} | {c['p50']:.2f} | {c['p95']:.2f} |"
            for c in self.commits
        ]
        best = max(c["rate"] for c in self.commits)
        for page in self.pages:
            if page.writes and page.result:
                lines.append("")
                lines.append(
                    f"- {page.title}: {page.result['rps']:.1f} POSTs/s accepted, "
                    f"{page.result['rps'] / best:.1%} of the commit ceiling "
                    f"({page.post_queries} statements a POST)."
                )
        return lines

    def _verdict(self, page: Page) -> bool | None:
        if not page.target_p95_ms or page.result is None:
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
            if not page.target_p95_ms or page.result is None:
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
                f" Alone (one request at a time) it takes {alone:.0f} ms, {db:.0f} ms of it "
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


KEPT_MARKER = "<!-- Below this line: written by hand, kept by make bench. -->"


def _kept_notes(output: Path) -> str:
    """What people wrote below the marker in the previous report (experiments, their reading)
    is carried over; everything above it is this run's."""
    try:
        previous = output.read_text(encoding="utf-8")
    except OSError:
        return ""
    at = previous.find(KEPT_MARKER)
    return "\n" + previous[at:] if at >= 0 else ""


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process, from /proc (Linux)."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
    return seconds


def _children_of(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def _cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """Milliseconds of CPU between the two readings; a process new since `before` counts whole."""
    return 1000 * sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _phone_photo() -> bytes:
    """A 1600×1200 JPEG with detail in it (re-encoding a flat picture would cost nothing), about
    what a phone's camera sends once the browser scaled it down."""
    import io
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(8)
    image = Image.new("RGB", (1600, 1200), (90, 110, 130))
    draw = ImageDraw.Draw(image)
    for _ in range(1500):
        x, y = rng.randrange(1600), rng.randrange(1200)
        draw.rectangle(
            (x, y, x + rng.randrange(5, 80), y + rng.randrange(5, 80)),
            fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)),
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


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
