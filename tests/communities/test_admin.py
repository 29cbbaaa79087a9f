"""The admin: every model listed with search and filters, and the tree's rules held there too."""

import pytest
from django.contrib import admin
from django.urls import reverse

from communities.models import Area


@pytest.fixture
def admin_client_with_tree(client, admin_user, tree, people):
    client.force_login(admin_user)
    return client


# Secret ballots: who voted and what was chosen are never browsed, not even by administrators
# (docs/adr/0011-secret-ballots-in-two-tables.md).
KEPT_OUT_OF_THE_ADMIN = {
    "deliberation.PollReceipt",
    "deliberation.PollChoice",
    "deliberation.MotionReceipt",
    "deliberation.MotionBallot",
}


def test_every_model_has_an_admin_with_search_and_filters():
    from django.apps import apps

    for model in [
        *apps.get_app_config("communities").get_models(),
        *apps.get_app_config("deliberation").get_models(),
    ]:
        if model._meta.label in KEPT_OUT_OF_THE_ADMIN:
            assert model not in admin.site._registry, f"{model.__name__} must stay out"
            continue
        model_admin = admin.site._registry.get(model)
        assert model_admin is not None, f"{model.__name__} has no admin"
        assert model_admin.search_fields, f"{model.__name__} admin has no search"
        assert model_admin.list_filter, f"{model.__name__} admin has no filters"


@pytest.mark.parametrize(
    "model",
    [
        "area",
        "household",
        "user",
        "residency",
        "organization",
        "membership",
        "arearole",
        "grid",
        "partyregistration",
        "space",
        "booking",
    ],
)
def test_every_changelist_opens_and_searches(admin_client_with_tree, model):
    url = reverse(f"admin:communities_{model}_changelist")
    assert admin_client_with_tree.get(url).status_code == 200
    assert admin_client_with_tree.get(url, {"q": "幸福"}).status_code == 200


def test_the_admin_refuses_a_building_under_a_street_with_a_message(admin_client_with_tree, tree):
    before = Area.objects.count()
    response = admin_client_with_tree.post(
        reverse("admin:communities_area_add"),
        {
            "name": "9栋",
            "code": "X9",
            "level": Area.Level.BUILDING,
            "address": "",
            "treebeard_position": "first-child",
            "treebeard_ref_node": tree.S1.pk,
        },
    )
    assert response.status_code == 200
    assert "楼栋" in response.content.decode()
    assert Area.objects.count() == before


def test_the_admin_adds_a_building_under_a_compound(admin_client_with_tree, tree):
    response = admin_client_with_tree.post(
        reverse("admin:communities_area_add"),
        {
            "name": "9栋",
            "code": "X9",
            "level": Area.Level.BUILDING,
            "address": "",
            "treebeard_position": "first-child",
            "treebeard_ref_node": tree.K1.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Area.objects.get(code="X9").path.startswith(tree.K1.path)
    assert Area.objects.find_problems() == ([], [], [], [], [])


def test_the_admin_refuses_a_room_managed_by_an_organisation_that_does_not_serve_it(
    admin_client_with_tree, tree, people
):
    from communities.models import Space

    owners = people.owners_member.memberships.get().organization
    response = admin_client_with_tree.post(
        reverse("admin:communities_space_add"),
        {
            "area": tree.K2.pk,
            "name": "金桥花园活动室",
            "capacity": 10,
            "opens_at": "08:00",
            "closes_at": "20:00",
            "open_days": "1234567",
            "book_ahead_days": 60,
            "managed_by": owners.pk,
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["managed_by"]
    assert not Space.objects.exists()


def test_an_issue_and_a_commitment_open_in_the_admin_with_their_timelines(
    admin_client_with_tree, report, firm, tree, people
):
    import datetime

    from django.utils import timezone

    from deliberation import services

    issue = report()
    commitment = services.make_commitment(
        organization=firm,
        area=tree.K1,
        title="两周内修好小区全部路灯",
        due_on=timezone.localdate() + datetime.timedelta(days=14),
        by=people.firm_staff,
    )

    for url in (
        reverse("admin:deliberation_issue_change", args=[issue.pk]),
        reverse("admin:deliberation_commitment_change", args=[commitment.pk]),
    ):
        page = admin_client_with_tree.get(url)
        assert page.status_code == 200
        assert "seq" in page.content.decode() or "Seq" in page.content.decode()
