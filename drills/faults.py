"""Fault drills: Redis stopped under load, Celery workers killed mid-task, PostgreSQL stopped
hard during writes. Each returns a result dict for drills/run.py to write down.

They load the portal the way people do (through gunicorn, logged in, posting the report form)
and then check the database: what a person was told was received is there, and what was to
be sent went out once.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from drills.stack import Stack, wait_for

DEMO_PASSWORD = "demo12345"
ISSUE_URL = re.compile(r"/issues/(\d+)/$")

PLACES = """
import json
from communities.models import Residency
from deliberation.models import Category
home = Residency.objects.filter(user__username="resident", status="verified").select_related(
    "household__building").first()
print(json.dumps({"building": home.household.building.code,
                  "category": Category.objects.filter(active=True, is_public=True).first().code}))
"""


class LoopbackSession(requests.Session):
    """With DEBUG off the portal marks its cookies Secure; the drill speaks plain HTTP to
    127.0.0.1 only, so it keeps them as plain cookies and sends them back (as a TLS proxy in
    front would, and as bench/locustfile.py does)."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


@dataclass
class Load:
    """Residents report problems and staff accept them, in threads, until told to stop."""

    base: str
    building: str
    category: str
    acknowledged: list[int] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _session(self, username: str) -> requests.Session:
        session = LoopbackSession()
        page = session.get(f"{self.base}/accounts/login/", timeout=10)
        token = _csrf(page.text)
        session.post(
            f"{self.base}/accounts/login/",
            data={"login": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
            timeout=10,
        )
        return session

    def report(self, username: str = "resident") -> None:
        session = self._session(username)
        while not self.stop.is_set():
            try:
                form = session.get(f"{self.base}/issues/report/?area={self.building}", timeout=10)
                self._count(form.status_code)
                response = session.post(
                    f"{self.base}/issues/report/?area={self.building}",
                    data={
                        "csrfmiddlewaretoken": _csrf(form.text),
                        "title": f"演练：路灯不亮 {uuid.uuid4().hex[:6]}",
                        "description": "故障演练提交的问题。",
                        "category": self.category,
                        "area": self.building,
                        "submission_key": str(uuid.uuid4()),
                    },
                    allow_redirects=False,
                    timeout=10,
                )
                self._count(response.status_code)
                found = ISSUE_URL.search(response.headers.get("Location", ""))
                if response.status_code == 302 and found:
                    with self.lock:
                        self.acknowledged.append(int(found.group(1)))
            except (requests.RequestException, ValueError) as error:
                with self.lock:
                    self.failures[type(error).__name__] += 1
                time.sleep(0.2)

    def accept(self, username: str = "owners") -> None:
        """Staff accept what comes in, so every report gets a step that notifies its reporter."""
        session = self._session(username)
        seen = 0
        while not self.stop.is_set() or seen < len(self.acknowledged):
            with self.lock:
                pending = self.acknowledged[seen:]
            if not pending:
                time.sleep(0.2)
                continue
            for issue_id in pending:
                try:
                    page = session.get(f"{self.base}/issues/{issue_id}/", timeout=10)
                    self._count(page.status_code)
                    answer = session.post(
                        f"{self.base}/issues/{issue_id}/accept/",
                        data={"csrfmiddlewaretoken": _csrf(page.text), "note": ""},
                        allow_redirects=False,
                        timeout=10,
                    )
                    self._count(answer.status_code)
                except (requests.RequestException, ValueError) as error:
                    with self.lock:
                        self.failures[type(error).__name__] += 1
                seen += 1

    def _count(self, status: int) -> None:
        # Server errors by their exact code: a 503 (database away, come back) is not a 500.
        with self.lock:
            self.statuses[status if status >= 500 else status // 100 * 100] += 1


def _csrf(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not found:
        raise ValueError("no CSRF token on the page")
    return found.group(1)


def _seeded_stack(name: str) -> tuple[Stack, dict]:
    stack = Stack(name)
    try:
        stack.start_postgres()
        stack.start_redis()
        stack.create_database()
        stack.manage("seed_demo")
        stack.manage("seed_demo_issues")
        places = json.loads(stack.shell(PLACES))
    except BaseException:
        stack.close()
        raise
    return stack, places


CHECK_ISSUES = """
import json
from deliberation.models import Issue, IssueEvent
from communities.models import Notification
ids = json.load(open({path!r}))
found = set(Issue.objects.filter(pk__in=ids).values_list("pk", flat=True))
accepted = IssueEvent.objects.filter(issue_id__in=ids, kind="accepted")
keys = [f"issue-event-{{pk}}" for pk in accepted.values_list("pk", flat=True)]
messages = Notification.objects.filter(key__in=keys)
print(json.dumps({{
    "missing": sorted(set(ids) - found),
    "accepted": accepted.count(),
    "unnotified": accepted.filter(notified_at__isnull=True).count(),
    "messages": messages.count(),
    "distinct_messages": len(set(messages.values_list("user_id", "key"))),
}}))
"""


def redis_outage(*, outage_seconds: float = 60, before: float = 15, after: float = 20) -> dict:
    """Redis (cache and broker) stops for a minute while residents report and staff accept."""
    stack, places = _seeded_stack("redis")
    with stack:
        base = stack.start_gunicorn(workers=2)
        stack.start_worker()
        load = Load(base, places["building"], places["category"])
        threads = [
            threading.Thread(target=load.report, daemon=True),
            threading.Thread(target=load.report, daemon=True),
            threading.Thread(target=load.accept, daemon=True),
        ]
        for thread in threads:
            thread.start()
        time.sleep(before)
        stack.stop_redis()
        during_start = dict(load.statuses)
        time.sleep(outage_seconds)
        during = {k: load.statuses[k] - during_start.get(k, 0) for k in load.statuses}
        stack.start_redis()
        time.sleep(after)
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        ids_file = stack.tmp / "ids.json"
        ids_file.write_text(json.dumps(load.acknowledged))
        # What the dead broker never carried is found by the sweep that beat runs every two
        # minutes; run it until everything is out (or give up after five minutes and report).
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not _all_notified(stack, ids_file):
            stack.shell(
                "from deliberation.tasks import notify_pending_events; "
                "notify_pending_events(older_than_seconds=0)"
            )
            time.sleep(5)
        result = json.loads(stack.shell(CHECK_ISSUES.format(path=str(ids_file))))
    server_errors = sum(count for status, count in load.statuses.items() if status >= 500)
    passed = (
        server_errors == 0
        and not result["missing"]
        and result["unnotified"] == 0
        and result["messages"] == result["accepted"] == result["distinct_messages"]
    )
    return {
        "name": f"Redis stopped for {outage_seconds:.0f} s under load",
        "passed": passed,
        "details": (
            f"{len(load.acknowledged)} reports acknowledged, {result['accepted']} accepted by "
            f"staff; responses by class {dict(load.statuses)} (during the outage "
            f"{during}); client errors {dict(load.failures) or 'none'}; missing reports "
            f"{len(result['missing'])}; notifications {result['messages']} for "
            f"{result['accepted']} steps, duplicates "
            f"{result['messages'] - result['distinct_messages']}, never sent "
            f"{result['unnotified']}"
        ),
    }


def _all_notified(stack: Stack, ids_file: Path) -> bool:
    state = json.loads(stack.shell(CHECK_ISSUES.format(path=str(ids_file))))
    return state["unnotified"] == 0


REMINDER_SETUP = """
import datetime
from django.db.models import F
from django.utils import timezone
from communities.models import Area, Organization, User, Membership
from volunteers import services
from volunteers.models import Activity, Reminder
organization = Organization.objects.filter(kind="residents_committee").first()
organiser = Membership.objects.filter(organization=organization).first().user
start = timezone.now() + datetime.timedelta(hours=25)
activity = services.create_activity(
    organization=organization, area=organization.area, by=organiser, title="故障演练：送餐",
    place="睦邻驿站", starts_at=start, ends_at=start + datetime.timedelta(hours=2),
    capacity={count}, points_per_hour=10)
people = [User.objects.create_user(f"drill-volunteer-{{n}}", f"v{{n}}@example.org", "x")
          for n in range({count})]
for person in people:
    services.sign_up(activity=activity, user=person)
# Time moves forward: both reminders of every volunteer (24 h and 1 h before) fall due now.
Reminder.objects.filter(sign_up__activity=activity).update(
    due_at=F("due_at") - datetime.timedelta(hours=25))
print(activity.pk)
"""

REMINDER_STATE = """
import json
from django.utils import timezone
from communities.models import Notification
from volunteers.models import Reminder
due = Reminder.objects.filter(sign_up__activity_id={activity}, due_at__lte=timezone.now())
keys = [f"activity-reminder-{{pk}}" for pk in due.values_list("pk", flat=True)]
messages = Notification.objects.filter(key__in=keys)
print(json.dumps({{"due": due.count(), "unsent": due.filter(sent_at__isnull=True).count(),
                  "messages": messages.count(),
                  "unmailed": messages.filter(emailed_at__isnull=True).count()}}))
"""


def worker_kills(*, kills: int = 20, reminders: int = 300) -> dict:
    """Workers are SIGKILLed mid-task again and again while reminders and their e-mails go out."""
    stack = Stack("worker")
    with stack:
        stack.start_postgres()
        stack.start_redis()
        mail = stack.tmp / "mail"
        mail.mkdir()
        stack.env["EMAIL_URL"] = f"filemail:///{mail}"  # four slashes in all: an absolute path
        stack.create_database()
        stack.manage("seed_demo")
        activity = int(stack.shell(REMINDER_SETUP.format(count=reminders)).strip().splitlines()[-1])
        enqueue = (
            "from governance.celery import app; "
            "[app.send_task('volunteers.tasks.send_due_reminders') for _ in range(3)]"
        )
        rng = random.Random(20261201)
        killed_busy = 0
        for _ in range(kills):
            stack.start_worker()
            stack.shell(enqueue)
            time.sleep(rng.uniform(1.0, 4.0))
            state = json.loads(stack.shell(REMINDER_STATE.format(activity=activity)))
            killed_busy += int(state["unsent"] > 0 or state["unmailed"] > 0)
            stack.kill("worker")
        stack.start_worker()
        stack.shell(enqueue)

        # A mail task a killed worker held stays unacknowledged on Redis until the visibility
        # timeout (an hour); the mail sweep that beat runs every two minutes is what sends it
        # sooner. The drill plays beat's part.
        sweep = (
            "from governance.celery import app; "
            "app.send_task('communities.tasks.send_due_emails', kwargs={'older_than_seconds': 0})"
        )

        def finished() -> bool:
            state = json.loads(stack.shell(REMINDER_STATE.format(activity=activity)))
            if state["unsent"]:
                stack.shell(enqueue)
            elif state["unmailed"]:
                stack.shell(sweep)
            return state["unsent"] == 0 and state["unmailed"] == 0

        wait_for(finished, seconds=300, what="every reminder and its e-mail")
        state = json.loads(stack.shell(REMINDER_STATE.format(activity=activity)))
        # The file backend writes every message with its headers, separated by a line of
        # dashes: count the copies, and the distinct messages (by Message-ID) per volunteer.
        copies = [
            (to.group(1), mid.group(1))
            for log in mail.glob("*.log")
            for message in re.split(r"^-{79}$", log.read_text(errors="replace"), flags=re.M)
            if (to := re.search(r"^To: (v\d+@example\.org)$", message, re.M))
            and (mid := re.search(r"^Message-ID: (<[^>]+>)$", message, re.M))
        ]
    distinct = set(copies)
    per_person = Counter(to for to, _ in distinct)
    resent = len(copies) - len(distinct)
    # A copy resent after a kill between the SMTP answer and the commit keeps its Message-ID, so
    # the receiving side drops it; what must hold is that every message went out exactly once
    # as a distinct mail, and that the inbox got each reminder once.
    passed = (
        state["unsent"] == 0
        and state["messages"] == state["due"]
        and len(distinct) == state["due"]
        and len(per_person) == reminders
        and len(set(per_person.values())) == 1
    )
    return {
        "name": f"Celery worker killed with SIGKILL {kills} times mid-work",
        "passed": passed,
        "details": (
            f"{state['due']} reminders due; {killed_busy} of {kills} kills hit a worker with work "
            f"still to do; inbox messages {state['messages']}, distinct e-mails "
            f"{len(distinct)} ({resent} copies resent with the same Message-ID), lost "
            f"{state['due'] - state['messages']}"
        ),
    }


CHECK_ACKNOWLEDGED = """
import json
from deliberation.models import Issue
ids = json.load(open({path!r}))
found = set(Issue.objects.filter(pk__in=ids).values_list("pk", flat=True))
print(json.dumps({{"missing": sorted(set(ids) - found), "total": Issue.objects.count()}}))
"""


def postgres_crash(*, before: float = 15, down: float = 10, after: float = 15) -> dict:
    """PostgreSQL stops hard (no clean shutdown) while residents submit reports."""
    stack, places = _seeded_stack("postgres")
    with stack:
        base = stack.start_gunicorn(workers=2)
        load = Load(base, places["building"], places["category"])
        threads = [threading.Thread(target=load.report, daemon=True) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(before)
        acknowledged_before = len(load.acknowledged)
        stack.crash_postgres()
        time.sleep(down)
        stack.start_postgres()
        time.sleep(after)
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        ids_file = stack.tmp / "ids.json"
        ids_file.write_text(json.dumps(load.acknowledged))
        result = json.loads(stack.shell(CHECK_ACKNOWLEDGED.format(path=str(ids_file))))
    return {
        "name": "PostgreSQL stopped hard (pg_ctl -m immediate) during writes",
        # While it is down the portal answers 503 (come back shortly), never a bare 500.
        "passed": (
            not result["missing"]
            and len(load.acknowledged) > acknowledged_before
            and load.statuses.get(500, 0) == 0
        ),
        "details": (
            f"{len(load.acknowledged)} reports acknowledged with an id ({acknowledged_before} "
            f"before the crash, the rest after the restart); missing after restart "
            f"{len(result['missing'])}; responses by class {dict(load.statuses)}; client "
            f"errors {dict(load.failures) or 'none'}"
        ),
    }
