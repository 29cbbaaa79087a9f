"""The area tree: levels in order, stable unique codes, no cycles, one query for a subtree."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from communities import services
from communities.models import Area


def test_under_answers_everything_under_a_street_in_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = {area.code for area in Area.objects.under(tree.S1)}
    assert codes == {"S1", "C1", "C2", "K1", "K2", "K3", "B1", "B2", "B3", "B4"}
    assert not Area.objects.under(tree.S1).filter(code__in=["S2", "C3", "K4", "B5", "D"]).exists()


def test_above_gives_the_chain_from_the_district_down(tree):
    assert [area.code for area in Area.objects.above(tree.B1)] == ["D", "S1", "C1", "K1", "B1"]
    assert [area.code for area in Area.objects.above(tree.B1, include_self=False)] == [
        "D",
        "S1",
        "C1",
        "K1",
    ]


def test_a_building_under_a_street_is_refused_and_nothing_is_written(tree, admin_user):
    before = Area.objects.count()
    with pytest.raises(ValidationError) as error:
        services.create_area(
            parent=tree.S1, code="X1", name="9栋", level=Area.Level.BUILDING, by=admin_user
        )
    assert "level" in error.value.message_dict
    assert Area.objects.count() == before
    tree.S1.refresh_from_db()
    assert tree.S1.numchild == 2


def test_nothing_goes_under_a_building(tree, admin_user):
    with pytest.raises(ValidationError):
        services.create_area(
            parent=tree.B1, code="X2", name="?", level=Area.Level.BUILDING, by=admin_user
        )


def test_only_a_district_stands_at_the_top(admin_user):
    with pytest.raises(ValidationError):
        services.create_area(
            parent=None, code="X3", name="孤立小区", level=Area.Level.COMPOUND, by=admin_user
        )


def test_a_duplicate_code_is_refused_with_a_message(tree, admin_user):
    with pytest.raises(ValidationError) as error:
        services.create_area(
            parent=tree.C1, code="K1", name="重名小区", level=Area.Level.COMPOUND, by=admin_user
        )
    assert "K1" in error.value.message_dict["code"][0]
    assert Area.objects.filter(code="K1").count() == 1


def test_the_database_itself_refuses_a_level_that_does_not_match_the_depth(tree):
    """The last guard, for code that bypasses the services."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.add_child(
            tree.S1, {"code": "X4", "name": "错层楼", "level": Area.Level.BUILDING}
        )


def test_an_area_cannot_move_under_its_own_descendant(tree, admin_user):
    with pytest.raises(ValidationError) as error:
        services.move_area(area=tree.C1, new_parent=tree.C1, by=admin_user)
    assert "parent" in error.value.message_dict
    tree.C1.refresh_from_db()
    assert Area.objects.get_parent(tree.C1).code == "S1"


def test_moving_a_compound_to_another_community_moves_its_buildings(tree, admin_user):
    services.move_area(area=tree.K2, new_parent=tree.C3, by=admin_user)
    assert {area.code for area in Area.objects.under(tree.C3)} == {"C3", "K4", "B5", "K2", "B3"}
    assert not Area.objects.under(tree.C1).filter(code="B3").exists()
    assert Area.objects.find_problems() == ([], [], [], [], [])


def test_a_compound_cannot_move_under_a_street(tree, admin_user):
    with pytest.raises(ValidationError):
        services.move_area(area=tree.K1, new_parent=tree.S2, by=admin_user)


def test_staff_may_add_only_inside_their_own_subtree(tree, people):
    services.create_area(
        parent=tree.C1,
        code="K9",
        name="新小区",
        level=Area.Level.COMPOUND,
        by=people.community_staff,
    )
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.create_area(
            parent=tree.C3,
            code="K8",
            name="别人的小区",
            level=Area.Level.COMPOUND,
            by=people.community_staff,
        )
    assert not Area.objects.filter(code="K8").exists()
