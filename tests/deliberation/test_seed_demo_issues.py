"""The demo issues: believable lives through the services, counters that agree, no names shown."""

import datetime
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from communities.models import Area, User
from deliberation.models import Issue, IssueEvent, Summons

S = Issue.Status


@pytest.mark.django_db
def test_without_the_demo_district_it_says_to_run_seed_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_issues", stdout=io.StringIO())
    assert not Issue.objects.exists()


@pytest.mark.django_db
def test_the_demo_district_gets_issues_in_every_stage_of_their_life(client):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo_issues", stdout=out)
    assert "Seeded" in out.getvalue()

    district = Area.objects.get(code="420102")
    issues = Issue.objects.under(district)
    count = issues.count()
    assert 200 <= count <= 300
    statuses = set(issues.values_list("status", flat=True))
    assert {
        S.SUBMITTED,
        S.ACCEPTED,
        S.REJECTED,
        S.MERGED,
        S.IN_PROGRESS,
        S.RESOLVED,
        S.CLOSED,
    } <= statuses
    assert issues.filter(escalations__gt=0).exists()
    assert Summons.objects.filter(issue__in=issues, checked_in_at__isnull=False).exists()

    # Every timeline starts with the report, and runs forward in time, in the last six months.
    now = timezone.now()
    timelines = defaultdict(list)
    for issue_id, kind, at in (
        IssueEvent.objects.filter(issue__in=issues)
        .order_by("issue_id", "pk")
        .values_list("issue_id", "kind", "at")
    ):
        timelines[issue_id].append((kind, at))
    assert len(timelines) == count
    submitted_at = dict(issues.values_list("pk", "submitted_at"))
    for issue_id, timeline in timelines.items():
        assert timeline[0] == ("submitted", submitted_at[issue_id])
        times = [at for _kind, at in timeline]
        assert times == sorted(times)
        assert now - datetime.timedelta(days=200) < times[0] and times[-1] <= now

    # The funnel counters agree with the issues, in the months the issues were moved to.
    recount = io.StringIO()
    call_command("recount_funnel", stdout=recount)
    assert "0 drifted" in recount.getvalue()

    # Again: nothing more.
    again = io.StringIO()
    call_command("seed_demo_issues", stdout=again)
    assert "nothing was changed" in again.getvalue()
    assert issues.count() == count

    # The demo resident has a resolved issue waiting for their rating.
    resident = User.objects.get(username="resident")
    assert issues.filter(reporter=resident, status=S.RESOLVED).exists()

    # Public pages never show who reported or supported an issue.
    phones = {
        phone
        for phone in User.objects.filter(reported_issues__in=issues).values_list("phone", flat=True)
        if phone
    }
    public = list(issues.public().select_related("reporter").order_by("pk"))
    assert public
    for issue in public[:: max(len(public) // 10, 1)]:
        response = client.get(issue.get_absolute_url())
        assert response.status_code == 200
        page = response.content.decode()
        people = [issue.reporter, *(support.user for support in issue.supports.all())]
        for person in people:
            assert person.full_name not in page
        for phone in phones:
            assert phone not in page
            assert phone.removeprefix("+86") not in page
