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
