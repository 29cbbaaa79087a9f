import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from deliberation import services
from deliberation.models import Commitment


def test_a_member_commits_their_organisation_and_the_page_is_public(
    client, tree, people, firm, report
):
    issue = report()
    commitment = services.make_commitment(
        organization=firm,
        area=tree.K1,
        title="两周内修好全部路灯",
        due_on=timezone.localdate() + datetime.timedelta(days=14),
        by=people.firm_staff,
        issues=[issue],
    )
    assert list(commitment.issues.all()) == [issue]
    response = client.get(commitment.get_absolute_url())
    assert response.status_code == 200
    assert "两周内修好全部路灯" in response.content.decode()


def test_only_members_commit_an_organisation(tree, people, firm):
    with pytest.raises(PermissionDenied):
        services.make_commitment(
            organization=firm,
            area=tree.K1,
            title="修路灯",
            due_on=timezone.localdate(),
            by=people.owners_member,
        )
    assert not Commitment.objects.exists()


def test_a_commitment_due_in_the_past_or_where_the_firm_does_not_serve_is_refused(
    tree, people, firm
):
    with pytest.raises(ValidationError) as past:
        services.make_commitment(
            organization=firm,
            area=tree.K1,
            title="修路灯",
            due_on=timezone.localdate() - datetime.timedelta(days=1),
            by=people.firm_staff,
        )
    with pytest.raises(ValidationError) as elsewhere:
        services.make_commitment(
            organization=firm,
            area=tree.K2,
            title="修路灯",
            due_on=timezone.localdate(),
            by=people.firm_staff,
        )
    assert "due_on" in past.value.message_dict
    assert "area" in elsewhere.value.message_dict
    assert not Commitment.objects.exists()


def test_a_double_submit_makes_one_commitment(tree, people, firm):
    key = uuid.uuid4()
    fields = {
        "organization": firm,
        "area": tree.K1,
        "title": "修路灯",
        "due_on": timezone.localdate(),
        "by": people.firm_staff,
        "submission_key": key,
    }
    assert services.make_commitment(**fields).pk == services.make_commitment(**fields).pk
    assert Commitment.objects.count() == 1
