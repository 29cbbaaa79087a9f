"""Background work on the real parts: a Celery worker on Redis, and a broker that is down."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from communities.models import Notification
from deliberation import services

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker thread consuming from the Redis broker the settings name."""
    from celery.contrib.testing.worker import start_worker

    from governance.celery import app

    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs the Redis broker (REDIS_URL set)"
)
def test_a_real_worker_tells_the_reporter(celery_worker, report, people):
    issue = report()
    services.accept_issue(issue=issue, by=people.owners_member)
    deadline = time.monotonic() + 20
    while (
        time.monotonic() < deadline
        and not Notification.objects.filter(user=people.resident).exists()
    ):
        time.sleep(0.2)
    notification = Notification.objects.get(user=people.resident)
    assert issue.title in notification.title
    assert issue.events.get(kind="accepted").notified_at is not None


SCRIPT = r"""
import uuid, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from communities.models import Area, Organization, User
from communities import services as cs
from deliberation import services as ds
from deliberation.models import Category, Issue, IssueEvent
from deliberation.tasks import notify_pending_events
from governance.celery import app

admin = User.objects.create_superuser("root", "r@example.org", "x")
district = cs.create_area(parent=None, code="D", name="区", level=1, by=admin)
street = cs.create_area(parent=district, code="S", name="街道", level=2, by=admin)
community = cs.create_area(parent=street, code="C", name="社区", level=3, by=admin)
compound = cs.create_area(parent=community, code="K", name="小区", level=4, by=admin)
resident = User.objects.create_user("resident", password="x")
staff = User.objects.create_user("staff", password="x")
committee = Organization.objects.create(name="居委会", kind="residents_committee", area=community)
cs.add_membership(organization=committee, user=staff, position="staff", by=admin)
category = Category.objects.create(name="路灯", code="lamp")

assert not app.conf.task_always_eager, "the broker must be configured"
issue = ds.submit_issue(title="路灯不亮", description="坏了", category=category, area=compound,
                        reporter=resident, submission_key=uuid.uuid4())
ds.accept_issue(issue=issue, by=staff)
assert Issue.objects.filter(pk=issue.pk, status="accepted").exists()
waiting = IssueEvent.objects.filter(notified_at__isnull=True).count()
assert waiting == 2, waiting

# With Redis gone, people still log in (rate limits fail open) and the health check keeps the
# server in rotation, saying the cache is degraded.
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
response = client.post("/accounts/login/", {"login": "resident", "password": "x"})
assert response.status_code == 302, response.status_code
health = client.get("/healthz")
assert health.status_code == 200 and health.json()["database"] == "ok", health.content
assert health.json()["cache"] != "ok", health.content

# The broker comes back (here: the sweep runs in-process) and what was to be sent goes out.
app.conf.task_always_eager = True
notify_pending_events(older_than_seconds=0)
assert resident.notifications.count() == 1, resident.notifications.count()
print("OK")
"""


def test_with_redis_down_residents_still_log_in_and_submit_and_nothing_is_lost(tmp_path):
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        },
        "DATABASE_URL": f"sqlite:///{tmp_path / 'down.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "DJANGO_SETTINGS_MODULE": "governance.settings",
        "PYTHONPATH": str(BASE_DIR),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "OK" in result.stdout
