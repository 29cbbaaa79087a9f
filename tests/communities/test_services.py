import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from communities import reach, services
from communities.models import Area, PartyRegistration, Residency, User
from tests.factories import UserFactory


def test_a_claim_on_a_building_in_another_community_is_refused(tree, households):
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.claim_household(
            user=user, community=tree.C1, building=tree.B4, unit="1", room="101", relation="owner"
        )
    assert "building" in error.value.message_dict
    assert not Residency.objects.filter(user=user).exists()


def test_a_claim_on_an_unknown_room_says_what_to_check(tree, households):
    with pytest.raises(ValidationError) as error:
        services.claim_household(
            user=UserFactory(),
            community=tree.C1,
            building=tree.B1,
            unit="1",
            room="999",
            relation="owner",
        )
    assert "999" in error.value.message_dict["room"][0]


def test_claiming_twice_makes_one_claim(tree, households):
    user = UserFactory()
    first = services.claim_household(
        user=user, community=tree.C1, building=tree.B1, unit="1", room="101", relation="owner"
    )
    second = services.claim_household(
        user=user, community=tree.C1, building=tree.B1, unit="1", room="101", relation="owner"
    )
    assert first.pk == second.pk
    assert Residency.objects.filter(user=user).count() == 1


def test_only_staff_of_that_community_verify_a_claim(tree, households, people, admin_user):
    from communities.models import Organization

    other_staff = UserFactory(username="other-community")
    organization = Organization.objects.create(
        name="金桥社区居委会", kind="residents_committee", area=tree.C3
    )
    services.add_membership(
        organization=organization, user=other_staff, position="staff", by=admin_user
    )
    claim = services.claim_household(
        user=UserFactory(),
        community=tree.C1,
        building=tree.B2,
        unit="1",
        room="101",
        relation="tenant",
    )
    with pytest.raises(PermissionDenied):
        services.verify_residency(residency=claim, by=other_staff)
    with pytest.raises(PermissionDenied):
        services.verify_residency(residency=claim, by=people.owners_member)
    claim.refresh_from_db()
    assert claim.status == Residency.Status.PENDING

    services.verify_residency(residency=claim, by=people.community_staff)
    claim.refresh_from_db()
    assert claim.status == Residency.Status.VERIFIED
    assert claim.decided_by == people.community_staff
    with pytest.raises(ValidationError):
        services.verify_residency(residency=claim, by=people.street_staff)


def test_a_rejection_needs_a_reason(tree, households, people):
    claim = services.claim_household(
        user=UserFactory(),
        community=tree.C1,
        building=tree.B2,
        unit="1",
        room="101",
        relation="tenant",
    )
    with pytest.raises(ValidationError):
        services.reject_residency(residency=claim, by=people.community_staff, reason="  ")
    services.reject_residency(residency=claim, by=people.community_staff, reason="查无此人")
    claim.refresh_from_db()
    assert (claim.status, claim.decision_note) == (Residency.Status.REJECTED, "查无此人")


def test_a_mobile_number_is_stored_normalised_and_once(db):
    first, second = UserFactory(phone=None), UserFactory(phone=None)
    services.set_mobile_number(user=first, raw_phone="138 1234 5678")
    assert User.objects.get(pk=first.pk).phone == "+8613812345678"
    with pytest.raises(ValidationError):
        services.set_mobile_number(user=second, raw_phone="+86 13812345678")
    with pytest.raises(ValidationError):
        services.set_mobile_number(user=second, raw_phone="1381234567")
    assert User.objects.get(pk=second.pk).phone is None


def test_one_person_holds_posts_in_several_organisations(tree, admin_user):
    from communities.models import Organization

    secretary = UserFactory()
    party = Organization.objects.create(name="安居社区党委", kind="party_committee", area=tree.C1)
    committee = Organization.objects.create(
        name="安居社区居委会", kind="residents_committee", area=tree.C1
    )
    owners = Organization.objects.create(
        name="幸福家园业委会", kind="owners_committee", area=tree.K1
    )
    services.add_membership(
        organization=party, user=secretary, position="head", title="书记", by=admin_user
    )
    services.add_membership(
        organization=committee, user=secretary, position="head", title="主任", by=admin_user
    )
    services.add_membership(organization=owners, user=secretary, position="member", by=admin_user)
    assert secretary.memberships.active().count() == 3
    assert reach.managed_paths(secretary) == (tree.C1.path,)


def test_the_party_board_shows_confirmed_consenting_residents_of_the_compound_only(
    tree, people, households
):
    services.register_party_member(
        user=people.resident, community=tree.C1, home_organization="区机关支部", show_publicly=True
    )
    registration = PartyRegistration.objects.get(user=people.resident)
    assert not PartyRegistration.objects.displayed_in(tree.K1).exists()
    services.confirm_party_registration(registration=registration, by=people.community_staff)
    assert list(PartyRegistration.objects.displayed_in(tree.K1)) == [registration]
    assert not PartyRegistration.objects.displayed_in(tree.K2).exists()

    services.register_party_member(
        user=people.resident, community=tree.C1, home_organization="区机关支部", show_publicly=False
    )
    assert not PartyRegistration.objects.displayed_in(tree.K1).exists()


def test_party_registration_must_name_a_community(tree):
    with pytest.raises(ValidationError):
        services.register_party_member(
            user=UserFactory(), community=tree.K1, home_organization="支部", show_publicly=True
        )
    assert not PartyRegistration.objects.exists()


def test_households_are_unique_in_their_building(tree, people):
    from decimal import Decimal

    services.create_household(
        building=tree.B2, unit="2", room="302", floor_area=Decimal("90"), by=people.community_staff
    )
    with pytest.raises(ValidationError):
        services.create_household(
            building=tree.B2,
            unit="2",
            room="302",
            floor_area=Decimal("90"),
            by=people.community_staff,
        )
    with pytest.raises(ValidationError):
        services.create_household(
            building=tree.B2,
            unit="2",
            room="303",
            floor_area=Decimal("0"),
            by=people.community_staff,
        )
    with pytest.raises(PermissionDenied):
        services.create_household(
            building=tree.B5,
            unit="1",
            room="201",
            floor_area=Decimal("70"),
            by=people.community_staff,
        )
    assert Area.objects.get(code="B2").households.count() == 2
