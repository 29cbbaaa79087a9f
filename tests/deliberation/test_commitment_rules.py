"""Who may commit, report progress, record the result, remark and answer: each rule against
every role, and public supervisors against the node, its child, parent, sibling and an
unrelated node."""

import pytest
from django.contrib.auth.models import AnonymousUser

from communities import services as community_services
from communities.models import AreaRole
from deliberation.models import Commitment
from tests.factories import UserFactory

ROLES = [
    "street_staff",
    "community_staff",
    "owners_member",
    "firm_staff",
    "grid_worker",
    "resident",
    "stranger",
]
KEEPING = [
    "deliberation.report_commitment_progress",
    "deliberation.record_commitment_result",
    "deliberation.answer_commitment_remark",
]


@pytest.fixture
def commitments(commit, people, committee, tree):
    """The firm's commitment for K1 and the residents' committee's for C1."""
    from deliberation import services

    by_firm = commit()
    by_committee = services.make_commitment(
        organization=committee,
        area=tree.C1,
        title="本季度整治社区消防通道",
        due_on=by_firm.due_on,
        by=people.community_staff,
    )
    return by_firm, by_committee


# role: (commits for the firm, keeps the firm's commitment, commits for the committee, keeps it)
EXPECTED = {
    "street_staff": (False, False, False, False),
    "community_staff": (False, False, True, True),
    "owners_member": (False, False, False, False),
    "firm_staff": (True, True, False, False),
    "grid_worker": (False, False, False, False),
    "resident": (False, False, False, False),
    "stranger": (False, False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_only_an_organisations_members_commit_it_and_keep_its_commitments(
    people, firm, committee, commitments, role
):
    user = getattr(people, role)
    by_firm, by_committee = commitments
    commits_firm, keeps_firm, commits_committee, keeps_committee = EXPECTED[role]
    assert user.has_perm("deliberation.commit_for", firm) is commits_firm
    assert user.has_perm("deliberation.commit_for", committee) is commits_committee
    for perm in KEEPING:
        assert user.has_perm(perm, by_firm) is keeps_firm, (role, perm, "firm")
        assert user.has_perm(perm, by_committee) is keeps_committee, (role, perm, "committee")
    assert not user.has_perm("deliberation.remark_on_commitment", by_firm)


def test_a_visitor_may_only_read(firm, commitments):
    visitor = AnonymousUser()
    assert not visitor.has_perm("deliberation.commit_for", firm)
    for commitment in commitments:
        assert visitor.has_perm("deliberation.view_commitment", commitment)
        for perm in [*KEEPING, "deliberation.remark_on_commitment"]:
            assert not visitor.has_perm(perm, commitment)


# A public supervisor held on each node, asked about the firm's commitment for K1.
SUPERVISED = {
    #  role held on: may remark on a commitment for K1?
    "K1": True,  # the node
    "B1": False,  # a child: a building's supervisor does not watch the whole compound
    "C1": True,  # the parent
    "S1": True,  # the grandparent
    "K2": False,  # a sibling
    "K4": False,  # unrelated, under the other street
}


@pytest.mark.parametrize(("held_on", "allowed"), list(SUPERVISED.items()))
def test_public_supervisors_remark_on_their_place_and_below(
    tree, commitments, admin_user, held_on, allowed
):
    by_firm, _by_committee = commitments
    supervisor = UserFactory()
    community_services.assign_area_role(
        user=supervisor,
        area=getattr(tree, held_on),
        kind=AreaRole.Kind.PUBLIC_SUPERVISOR,
        by=admin_user,
    )
    assert supervisor.has_perm("deliberation.remark_on_commitment", by_firm) is allowed
    for perm in KEEPING:
        assert not supervisor.has_perm(perm, by_firm)


def test_another_role_on_the_place_is_not_a_supervisors(tree, commitments, admin_user):
    by_firm, _ = commitments
    mediator = UserFactory()
    community_services.assign_area_role(
        user=mediator, area=tree.C1, kind=AreaRole.Kind.MEDIATOR, by=admin_user
    )
    assert not mediator.has_perm("deliberation.remark_on_commitment", by_firm)


def test_view_commitment_and_visible_to_agree_for_every_role(people, commitments):
    users = [getattr(people, role) for role in ROLES] + [AnonymousUser()]
    for user in users:
        visible = set(Commitment.objects.visible_to(user).values_list("pk", flat=True))
        for commitment in commitments:
            assert user.has_perm("deliberation.view_commitment", commitment) == (
                commitment.pk in visible
            )
    assert visible == {commitment.pk for commitment in commitments}
