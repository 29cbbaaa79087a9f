"""Who may see and handle residents' issues: each rule checked against its queryset."""

import pytest
from django.contrib.auth.models import AnonymousUser

from communities.models import Organization
from deliberation import services
from deliberation.models import Issue

ROLES = [
    "street_staff",
    "community_staff",
    "owners_member",
    "firm_staff",
    "grid_worker",
    "resident",
    "stranger",
]


@pytest.fixture
def issues(report, people, tree, firm, admin_user):
    """Public and private issues in K1 (the roles' compound) and K4 (under the other street)."""
    public_here = report(title="路灯不亮")
    private_here = report(category="private", title="邻里纠纷")
    public_elsewhere = report(area=tree.B5, reporter=people.stranger, title="别处的路灯")
    private_elsewhere = report(
        area=tree.B5, reporter=people.stranger, category="private", title="别处的纠纷"
    )
    rejected_here = report(title="不予受理的问题")
    services.reject_issue(issue=rejected_here, by=people.community_staff, reason="重复")
    assigned_private = report(
        category="private", title="交给物业的私事", reporter=people.stranger, area=tree.B5
    )
    other_firm = Organization.objects.create(name="别处物业", kind="property_firm", area=tree.S2)
    other_firm.served_areas.set([tree.K4])
    services.accept_issue(issue=assigned_private, by=admin_user)
    services.assign_issue(issue=assigned_private, organization=other_firm, by=admin_user)
    ordered = [
        public_here,
        private_here,
        public_elsewhere,
        private_elsewhere,
        rejected_here,
        assigned_private,
    ]
    fresh = Issue.objects.in_bulk([issue.pk for issue in ordered])
    return [fresh[issue.pk] for issue in ordered]


def test_view_issue_and_visible_to_agree_for_every_role(people, issues):
    users = [getattr(people, role) for role in ROLES] + [AnonymousUser()]
    saw_allowed = saw_denied = False
    for user in users:
        visible = set(Issue.objects.visible_to(user).values_list("pk", flat=True))
        for issue in issues:
            allowed = user.has_perm("deliberation.view_issue", issue)
            assert allowed == (issue.pk in visible), (
                getattr(user, "username", "anonymous"),
                issue.title,
            )
            saw_allowed |= allowed
            saw_denied |= not allowed
    assert saw_allowed and saw_denied


def test_the_public_sees_public_issues_only(people, issues):
    public_here, _, public_elsewhere, *_ = issues
    visible = set(Issue.objects.visible_to(AnonymousUser()))
    assert visible == {public_here, public_elsewhere}


def test_staff_see_private_matters_in_their_reach_only(people, issues):
    _, private_here, _, private_elsewhere, rejected_here, _ = issues
    seen = set(Issue.objects.visible_to(people.community_staff))
    assert private_here in seen and rejected_here in seen
    assert private_elsewhere not in seen


# role: may triage the issue in K1 (B1)?  A firm works on what it is given; it does not triage.
TRIAGE = {
    "street_staff": True,
    "community_staff": True,
    "owners_member": True,
    "firm_staff": False,
    "grid_worker": False,
    "resident": False,
    "stranger": False,
}


@pytest.mark.parametrize(("role", "allowed"), TRIAGE.items())
def test_who_may_triage_an_issue_in_the_compound(people, issues, role, allowed):
    assert getattr(people, role).has_perm("deliberation.triage_issue", issues[0]) is allowed


def test_nobody_triages_an_issue_under_the_other_street(people, issues):
    elsewhere = issues[2]
    for role in ROLES:
        assert not getattr(people, role).has_perm("deliberation.triage_issue", elsewhere), role


def test_the_assigned_firm_works_on_it_and_sees_the_reporter(people, issues, firm, admin_user):
    issue = issues[0]
    assert not people.firm_staff.has_perm("deliberation.work_on_issue", issue)
    services.accept_issue(issue=issue, by=admin_user)
    issue = services.assign_issue(issue=issue, organization=firm, by=admin_user)
    assert people.firm_staff.has_perm("deliberation.work_on_issue", issue)
    assert people.firm_staff.has_perm("deliberation.see_reporter", issue)
    assert not people.grid_worker.has_perm("deliberation.see_reporter", issue)
