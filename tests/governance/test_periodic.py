import datetime
import io

from django.core.management import call_command

from deliberation import services
from deliberation.models import Issue


def test_the_embedded_set_up_runs_every_periodic_task(report, people, tree, monkeypatch):
    """`make run` has no celery beat: run_periodic_tasks runs the same schedule in-process."""
    issue = services.accept_issue(issue=report(category="fire"), by=people.community_staff)
    Issue.objects.filter(pk=issue.pk).update(deadline=issue.deadline - datetime.timedelta(days=2))
    out = io.StringIO()
    call_command("run_periodic_tasks", once=True, stdout=out)
    issue.refresh_from_db()
    assert issue.handling_area == tree.S1
    assert "escalate-overdue-issues: 1" in out.getvalue()


def test_a_fresh_process_finds_every_periodic_task(tmp_path):
    """Celery registers tasks lazily; in the test process they are already imported, so run the
    command the way `make run` does, in a process of its own."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    base = Path(__file__).resolve().parents[2]
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        },
        "DATABASE_URL": f"sqlite:///{tmp_path / 'periodic.sqlite3'}",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=base, env=env, check=True, timeout=180)
    result = subprocess.run(
        [*manage, "run_periodic_tasks", "--once"],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "NotRegistered" not in result.stderr and "Error" not in result.stderr, result.stderr
