"""The demo commitments: each party of the demo compound commits, some kept, one overdue, one
questioned and answered; the timelines and counters are what the portal writes."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from communities.models import Notice, Organization
from deliberation.models import Commitment, CommitmentUpdate, Issue


@pytest.mark.django_db
def test_without_demo_issues_it_says_what_to_run_first():
    with pytest.raises(CommandError, match="seed_demo_issues"):
        call_command("seed_demo_commitments", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_demo_compound_gets_commitments_kept_overdue_and_supervised(client):
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo_issues", count=40, stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo_commitments", stdout=out)
    assert "Seeded" in out.getvalue()

    commitments = Commitment.objects.select_related("organization")
    kinds = {commitment.organization.kind for commitment in commitments}
    assert {
        Organization.Kind.RESIDENTS_COMMITTEE,
        Organization.Kind.OWNERS_COMMITTEE,
        Organization.Kind.PROPERTY_FIRM,
    } <= kinds
    assert commitments.filter(status="fulfilled").count() >= 2
    assert commitments.filter(status="partly").exists()
    assert Commitment.objects.overdue().count() == 1
    answered = CommitmentUpdate.objects.filter(kind="remark", answer__isnull=False)
    assert answered.count() == 1
    for commitment in commitments.filter(status="fulfilled"):
        assert not commitment.issues.exclude(status=Issue.Status.RESOLVED).exists()
    assert Notice.objects.filter(kind=Notice.Kind.COMMITMENT).count() == commitments.count()

    # The timelines run forward in time, and their chains and the counters hold.
    for commitment in commitments:
        times = list(commitment.updates.order_by("seq").values_list("at", flat=True))
        assert times == sorted(times)
    for issue in Issue.objects.filter(commitments__isnull=False):
        times = list(issue.events.order_by("seq").values_list("at", flat=True))
        assert times == sorted(times)
    verify, recount = io.StringIO(), io.StringIO()
    call_command("verify_timeline", stdout=verify)
    call_command("recount_funnel", stdout=recount)
    assert "0 breaks" in verify.getvalue() and "0 drifted" in recount.getvalue()

    # Again: nothing more.
    again = io.StringIO()
    call_command("seed_demo_commitments", stdout=again)
    assert "nothing was changed" in again.getvalue()
    assert Commitment.objects.count() == commitments.count()

    # The public page of the supervised one names roles, never the supervisor.
    remark = answered.select_related("actor", "commitment").get()
    page = client.get(remark.commitment.get_absolute_url()).content.decode()
    assert remark.text in page and remark.actor.full_name not in page
