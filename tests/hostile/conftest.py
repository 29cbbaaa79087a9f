"""The hostile-input suite: its inputs are counted (tests/hostile/registry.py) and the totals
are printed at the end of the run."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from communities import services as community_services
from deliberation import services
from tests.hostile import registry


def pytest_terminal_summary(terminalreporter):
    counts = registry.counts()
    if not counts:
        return
    path = registry.write_summary()
    terminalreporter.section("hostile inputs tried")
    for kind, count in counts.items():
        terminalreporter.write_line(f"{kind:<40} {count:>7}")
    terminalreporter.write_line(f"{'total':<40} {sum(counts.values()):>7}   (written to {path})")


@pytest.fixture
def world(tree, people, categories, report, firm, room):
    """What the forms and lists act on, built through the services: an open topic in C1, a
    commitment of the firm in K1, a room, the resident's issue resolved (to rate), and the
    stranger as C1's public supervisor (to remark)."""
    committee = people.community_staff.memberships.get().organization
    owners = people.owners_member.memberships.get().organization
    today = timezone.localdate()
    topic = services.open_topic(
        organization=committee,
        area=tree.C1,
        title="十二月议题：电动车在哪里充电？",
        question="小区里该在哪里建集中充电棚？",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=30),
        by=people.community_staff,
    )
    commitment = services.make_commitment(
        organization=firm,
        area=tree.K1,
        title="两周内修好小区全部路灯",
        due_on=today + datetime.timedelta(days=14),
        by=people.firm_staff,
    )
    supervisor = community_services.assign_area_role(
        user=people.stranger, area=tree.C1, kind="public_supervisor", by=people.street_staff
    ).user
    issue = report()
    issue = services.accept_issue(issue=issue, by=people.owners_member)
    issue = services.assign_issue(issue=issue, organization=firm, by=people.owners_member)
    issue = services.resolve_issue(issue=issue, by=people.firm_staff, note="修好了")
    return SimpleNamespace(
        tree=tree,
        people=SimpleNamespace(**vars(people), supervisor=supervisor),
        categories=categories,
        committee=committee,
        owners=owners,
        firm=firm,
        topic=topic,
        commitment=commitment,
        room=room,
        issue=issue,
    )
