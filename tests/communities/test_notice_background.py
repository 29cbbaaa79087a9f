"""Notice delivery on the real parts: a Celery worker on Redis, and a broker that is down."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from communities import services
from communities.models import NoticeDelivery, Notification

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
def test_a_real_worker_delivers_a_published_notice(celery_worker, tree, people):
    notice = services.publish_notice(area=tree.K1, title="停水通知", by=people.owners_member)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (
        NoticeDelivery.objects.filter(notice=notice, finished_at__isnull=False).exists()
        and Notification.objects.filter(user=people.resident, emailed_at__isnull=False).exists()
    ):
        time.sleep(0.2)
    message = Notification.objects.get(user=people.resident)
    assert message.key == f"notice-{notice.pk}"
    assert message.emailed_at is not None
    assert NoticeDelivery.objects.get(notice=notice).recipients == 1


SCRIPT = r"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from django.test.utils import setup_test_environment
from communities import services as cs
from communities.models import Household, NoticeDelivery, Notification, Organization, User
from communities.tasks import deliver_due_notices, send_due_emails
from governance.celery import app

admin = User.objects.create_superuser("root", "r@example.org", "x")
district = cs.create_area(parent=None, code="D", name="区", level=1, by=admin)
street = cs.create_area(parent=district, code="S", name="街道", level=2, by=admin)
community = cs.create_area(parent=street, code="C", name="社区", level=3, by=admin)
compound = cs.create_area(parent=community, code="K", name="紫荆公寓", level=4, by=admin)
building = cs.create_area(parent=compound, code="B", name="1栋", level=5, by=admin)
staff = User.objects.create_user("staff", password="x")
committee = Organization.objects.create(name="居委会", kind="residents_committee", area=community)
cs.add_membership(organization=committee, user=staff, position="staff", by=admin)
residents = []
for number in range(3):
    Household.objects.create(building=building, unit="1", room=f"10{number}", floor_area=80)
    user = User.objects.create_user(f"resident{number}", f"r{number}@example.org", "x")
    claim = cs.claim_household(user=user, community=community, building=building, unit="1",
                               room=f"10{number}", relation="owner")
    cs.verify_residency(residency=claim, by=staff)
    residents.append(user)

assert not app.conf.task_always_eager, "the broker must be configured"
setup_test_environment()
client = Client()
client.force_login(staff)
response = client.post("/areas/K/notices/new/", {
    "organization": committee.pk, "kind": "announcement", "title": "停水通知",
    "body": "周六停水。", "submission_key": "5b0e3c1e-6f7e-4b7a-9a53-1d2f3e4a5b6c",
    "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0",
})
assert response.status_code == 302, (response.status_code, response.content[:2000])
delivery = NoticeDelivery.objects.get()
assert delivery.finished_at is None, delivery.finished_at
assert Notification.objects.count() == 0, Notification.objects.count()

# The broker comes back (here: the sweeps run in-process) and every resident hears once.
app.conf.task_always_eager = True
deliver_due_notices.apply().get()
deliver_due_notices.apply().get()
send_due_emails.apply(kwargs={"older_than_seconds": 0}).get()
send_due_emails.apply(kwargs={"older_than_seconds": 0}).get()
for user in residents:
    messages = list(Notification.objects.filter(user=user))
    assert len(messages) == 1, (user, messages)
    assert messages[0].emailed_at is not None, user
delivery.refresh_from_db()
assert (delivery.outcome, delivery.recipients) == ("delivered", 3), delivery.__dict__
print("OK")
"""


def test_with_redis_down_a_notice_is_published_and_delivered_once_when_it_is_back(tmp_path):
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        },
        "DATABASE_URL": f"sqlite:///{tmp_path / 'down.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "DJANGO_SETTINGS_MODULE": "governance.settings",
        "EMAIL_URL": "consolemail://",
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
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "OK" in result.stdout
