"""Timelines written before the hash chains existed are chained by the migrations, in the order
of their time, and protected afterwards."""

import datetime
import io
import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("deliberation", "0007_commitments")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_entries_and_commitments_get_their_chains():
    apps = _migrate(BEFORE)
    Area = apps.get_model("communities", "Area")
    Organization = apps.get_model("communities", "Organization")
    Category = apps.get_model("deliberation", "Category")
    Issue = apps.get_model("deliberation", "Issue")
    IssueEvent = apps.get_model("deliberation", "IssueEvent")
    Commitment = apps.get_model("deliberation", "Commitment")

    district = Area.objects.create(
        path="0001", depth=1, numchild=1, name="江岸区", code="D", level=1
    )
    street = Area.objects.create(path="00010001", depth=2, name="百步亭街道", code="S", level=2)
    category = Category.objects.create(name="路灯照明", code="lamp")
    now = timezone.now()
    issues = []
    for number in range(2):
        issue = Issue.objects.create(
            title=f"路灯不亮{number}",
            description="门口的路灯坏了。",
            category=category,
            area=street,
            handling_area=street,
            lane="quick",
            deadline=now + datetime.timedelta(days=3),
            submission_key=uuid.uuid4(),
        )
        issues.append(issue)
        # Written out of time order on purpose: the chain follows the time, not the id.
        for hours, kind in ((2, "accepted"), (0, "submitted"), (5, "assigned")):
            IssueEvent.objects.create(
                issue=issue,
                kind=kind,
                at=now - datetime.timedelta(days=1) + datetime.timedelta(hours=hours),
                actor_role="居委会",
            )
    office = Organization.objects.create(
        name="百步亭街道办事处", kind="government_office", area=district
    )
    promised = Commitment.objects.create(
        organization=office,
        area=street,
        title="一个月内修好路灯",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from deliberation.models import CommitmentUpdate
    from deliberation.models import IssueEvent as ChainedEvent

    for issue in issues:
        entries = list(ChainedEvent.objects.filter(issue_id=issue.pk).order_by("seq"))
        assert [entry.kind for entry in entries] == ["submitted", "accepted", "assigned"]
        assert [entry.seq for entry in entries] == [1, 2, 3]
    made = CommitmentUpdate.objects.get(commitment_id=promised.pk)
    assert (made.kind, made.seq, made.due_on, made.text) == (
        "made",
        1,
        promised.due_on,
        "一个月内修好路灯",
    )
    out = io.StringIO()
    call_command("verify_timeline", stdout=out)
    assert "7 entries in 3 timelines" in out.getvalue() and "0 breaks" in out.getvalue()
    with pytest.raises(DatabaseError), transaction.atomic():
        ChainedEvent.objects.filter(issue_id=issues[0].pk).update(seq=7)
