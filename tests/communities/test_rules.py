"""Roles reach down the tree, and every `view_*` rule agrees with its `visible_to()` queryset."""

import pytest
from django.contrib.auth.models import AnonymousUser

from communities.models import Household, PartyRegistration, Residency

# Each role is held on one node; each row asks about that node, a child, the parent, a sibling
# and an unrelated node (under the other street).
MATRIX = {
    # role            node   child  parent sibling unrelated
    "street_staff": ("S1", "C1", "D", "S2", "C3"),
    "community_staff": ("C1", "K1", "S1", "C2", "K4"),
    "owners_member": ("K1", "B1", "C1", "K2", "K4"),
    "firm_staff": ("K1", "B1", "C1", "K2", "K4"),
    "grid_worker": ("K1", "B1", "C1", "K2", "K4"),
    "resident": ("B1", None, "K1", "B2", "B5"),
}
RELATIONS = ("node", "child", "parent", "sibling", "unrelated")

# What each role may do at each relation: manage (the subtree's administration) and act (for an
# organisation in its reach).
EXPECTED = {
    ("street_staff", "manage_area"): (True, True, False, False, False),
    ("street_staff", "act_in_area"): (True, True, False, False, False),
    ("community_staff", "manage_area"): (True, True, False, False, False),
    ("community_staff", "act_in_area"): (True, True, False, False, False),
    ("owners_member", "manage_area"): (False, False, False, False, False),
    ("owners_member", "act_in_area"): (True, True, False, False, False),
    ("firm_staff", "manage_area"): (False, False, False, False, False),
    ("firm_staff", "act_in_area"): (True, True, False, False, False),
    ("grid_worker", "manage_area"): (False, False, False, False, False),
    ("grid_worker", "act_in_area"): (False, False, False, False, False),
    ("resident", "manage_area"): (False, None, False, False, False),
    ("resident", "act_in_area"): (False, None, False, False, False),
    # Whoever acts in an area may publish on its board; nobody else.
    ("street_staff", "publish_notice"): (True, True, False, False, False),
    ("community_staff", "publish_notice"): (True, True, False, False, False),
    ("owners_member", "publish_notice"): (True, True, False, False, False),
    ("firm_staff", "publish_notice"): (True, True, False, False, False),
    ("grid_worker", "publish_notice"): (False, False, False, False, False),
    ("resident", "publish_notice"): (False, None, False, False, False),
}


@pytest.mark.parametrize(("role", "action"), list(EXPECTED))
def test_roles_reach_down_the_tree_and_nowhere_else(tree, people, role, action):
    user = getattr(people, role)
    for relation, code, allowed in zip(
        RELATIONS, MATRIX[role], EXPECTED[(role, action)], strict=True
    ):
        if code is None:
            continue
        area = getattr(tree, code)
        assert user.has_perm(f"communities.{action}", area) is allowed, (
            role,
            action,
            relation,
            code,
        )


def test_a_property_firm_does_not_reach_the_street_it_is_registered_in(tree, people):
    assert not people.firm_staff.has_perm("communities.act_in_area", tree.S1)
    assert not people.firm_staff.has_perm("communities.act_in_area", tree.K2)
    assert people.firm_staff.has_perm("communities.act_in_area", tree.K1)


def test_a_resident_sees_the_party_board_of_their_home_and_its_ancestors_only(tree, people):
    resident = people.resident
    assert resident.has_perm("communities.see_party_board", tree.K1)
    assert resident.has_perm("communities.see_party_board", tree.C1)
    assert not resident.has_perm("communities.see_party_board", tree.K2)
    assert not resident.has_perm("communities.see_party_board", tree.K4)
    assert not people.stranger.has_perm("communities.see_party_board", tree.K1)


def test_an_ended_membership_no_longer_reaches(tree, people, admin_user):
    import datetime

    from communities import reach, services

    membership = people.community_staff.memberships.get()
    services.end_membership(membership=membership, on=datetime.date(2024, 6, 30), by=admin_user)
    reach.forget(people.community_staff)
    assert not people.community_staff.has_perm("communities.manage_area", tree.K1)


ROLES = [
    "street_staff",
    "community_staff",
    "owners_member",
    "firm_staff",
    "grid_worker",
    "resident",
    "stranger",
]


def _all_users(people):
    return [getattr(people, role) for role in ROLES] + [AnonymousUser()]


@pytest.mark.parametrize(
    ("model", "perm"),
    [
        (Household, "communities.view_household"),
        (Residency, "communities.view_residency"),
        (PartyRegistration, "communities.view_partyregistration"),
    ],
)
def test_view_rule_and_visible_to_agree_for_every_role(tree, people, model, perm):
    from communities import services

    # A second claim and a party registration, so each queryset has rows some roles may not see.
    other = model.objects.none()
    services.register_party_member(
        user=people.resident,
        community=tree.C1,
        home_organization="市政府机关支部",
        show_publicly=True,
    )
    services.register_party_member(
        user=people.stranger, community=tree.C3, home_organization="某企业支部", show_publicly=False
    )
    services.claim_household(
        user=people.stranger,
        community=tree.C3,
        building=tree.B5,
        unit="1",
        room="101",
        relation="tenant",
    )
    objects = list(model.objects.all())
    assert len(objects) >= 2, "the fixture must give each model rows on both sides of the rule"
    saw_allowed = saw_denied = False
    for user in _all_users(people):
        visible = set(model.objects.visible_to(user).values_list("pk", flat=True))
        for obj in objects:
            allowed = user.has_perm(perm, obj)
            assert allowed == (obj.pk in visible), (getattr(user, "username", "anonymous"), obj)
            saw_allowed |= allowed
            saw_denied |= not allowed
    assert saw_allowed and saw_denied and not other


# --- Shared rooms ------------------------------------------------------------------------------

# Who may book a room seated at each relation, and who looks after it (approves its bookings)
# when it is managed by an organisation none of them belongs to: residents book where they live
# and above; organisations where they act, above it and under it; staff look after their subtree.
SPACE_EXPECTED = {
    ("street_staff", "book_space"): (True, True, True, False, False),
    ("street_staff", "manage_space"): (True, True, False, False, False),
    ("community_staff", "book_space"): (True, True, True, False, False),
    ("community_staff", "manage_space"): (True, True, False, False, False),
    ("owners_member", "book_space"): (True, True, True, False, False),
    ("owners_member", "manage_space"): (False, False, False, False, False),
    ("firm_staff", "book_space"): (True, True, True, False, False),
    ("firm_staff", "manage_space"): (False, False, False, False, False),
    ("grid_worker", "book_space"): (False, False, False, False, False),
    ("grid_worker", "manage_space"): (False, False, False, False, False),
    ("resident", "book_space"): (True, None, True, False, False),
    ("resident", "manage_space"): (False, None, False, False, False),
}


@pytest.fixture
def district_org(tree):
    """A social organisation of the district, managing rooms everywhere, that nobody of
    `people` belongs to."""
    from communities.models import Organization

    return Organization.objects.create(
        name="江岸区社区服务中心", kind=Organization.Kind.SOCIAL_ORGANIZATION, area=tree.D
    )


def _room_at(area, managed_by, admin_user, **fields):
    import datetime

    from communities import services

    return services.create_space(
        area=area,
        name=fields.pop("name", f"{area.name}活动室"),
        capacity=20,
        opens_at=datetime.time(8, 0),
        closes_at=datetime.time(21, 0),
        managed_by=managed_by,
        by=admin_user,
        **fields,
    )


@pytest.mark.parametrize(("role", "action"), list(SPACE_EXPECTED))
def test_rooms_are_booked_and_looked_after_within_reach(
    tree, people, district_org, admin_user, role, action
):
    user = getattr(people, role)
    for relation, code, allowed in zip(
        RELATIONS, MATRIX[role], SPACE_EXPECTED[(role, action)], strict=True
    ):
        if code is None:
            continue
        room = _room_at(getattr(tree, code), district_org, admin_user)
        assert user.has_perm(f"communities.{action}", room) is allowed, (
            role,
            action,
            relation,
            code,
        )


def test_members_of_the_managing_organisation_look_after_its_rooms(tree, people, admin_user):
    owners = people.owners_member.memberships.get().organization
    room = _room_at(tree.K1, owners, admin_user)
    assert people.owners_member.has_perm("communities.manage_space", room)
    assert not people.firm_staff.has_perm("communities.manage_space", room)
    assert not AnonymousUser().has_perm("communities.manage_space", room)


def test_room_and_booking_rules_agree_with_their_querysets_for_every_role(
    tree, people, district_org, admin_user
):
    import datetime

    from django.utils import timezone

    from communities import services
    from communities.models import Booking, Organization, Space

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    def at(hour):
        return timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(hour)))

    committee = people.community_staff.memberships.get().organization
    owners = people.owners_member.memberships.get().organization
    firm = people.firm_staff.memberships.get().organization
    office = people.street_staff.memberships.get().organization
    elsewhere = Organization.objects.create(
        name="金桥社区居委会", kind=Organization.Kind.RESIDENTS_COMMITTEE, area=tree.C3
    )
    community_room = _room_at(tree.C1, committee, admin_user, requires_approval=True)
    compound_room = _room_at(tree.K1, owners, admin_user)
    closed_room = _room_at(tree.C3, elsewhere, admin_user)
    district_room = _room_at(tree.D, district_org, admin_user)
    for when, by, room, organization in [
        (8, people.resident, community_room, None),
        (10, people.owners_member, community_room, owners),
        (12, people.firm_staff, compound_room, firm),
        (14, admin_user, closed_room, None),
        (16, people.street_staff, district_room, office),
    ]:
        services.book_space(
            space=room,
            starts_at=at(when),
            ends_at=at(when + 1),
            by=by,
            purpose="议事",
            organization=organization,
        )
    closed_room.active = False
    closed_room.save(update_fields=["active"])

    checks = [
        (Space, "communities.view_space", lambda user: Space.objects.visible_to(user)),
        (Space, "communities.manage_space", lambda user: Space.objects.managed_by_user(user)),
        (Booking, "communities.view_booking", lambda user: Booking.objects.visible_to(user)),
        (Booking, "communities.decide_booking", lambda user: Booking.objects.decidable_by(user)),
    ]
    for model, perm, queryset in checks:
        objects = list(model.objects.select_related())
        saw_allowed = saw_denied = False
        for user in _all_users(people):
            visible = set(queryset(user).values_list("pk", flat=True))
            for obj in objects:
                allowed = user.has_perm(perm, obj)
                assert allowed == (obj.pk in visible), (perm, getattr(user, "username", ""), obj)
                saw_allowed |= allowed
                saw_denied |= not allowed
        assert saw_allowed and saw_denied, perm


def test_view_notice_and_notices_visible_to_agree_for_every_role(tree, people):
    """Live notices for everyone; scheduled and taken-down ones for those who may publish where
    they hang, across the tree."""
    import datetime

    from django.utils import timezone

    from communities import services
    from communities.models import Notice

    later = timezone.now() + datetime.timedelta(days=3)
    for area in (tree.S1, tree.C1, tree.K1, tree.K2, tree.C3):
        services.publish_notice(area=area, title=f"{area.name}公告", by=None)
        services.publish_notice(area=area, title=f"{area.name}预告", by=None, publish_at=later)
    down = services.publish_notice(area=tree.K1, title="撤下", by=people.owners_member)
    services.unpublish_notice(notice=down, by=people.owners_member)
    notices = list(Notice.objects.select_related("area"))
    saw_allowed = saw_denied = False
    for user in _all_users(people):
        visible = set(Notice.objects.visible_to(user).values_list("pk", flat=True))
        for notice in notices:
            allowed = user.has_perm("communities.view_notice", notice)
            assert allowed == (notice.pk in visible), (getattr(user, "username", "-"), notice)
            saw_allowed |= allowed
            saw_denied |= not allowed
    assert saw_allowed and saw_denied


@pytest.mark.django_db
def test_import_rules_and_visible_to_agree_for_every_role(tree, people, households, admin_user):
    """An import job is seen by its starter and the staff above its area; an invitation by the
    staff who manage its household and by whoever claimed it."""
    import datetime

    from django.utils import timezone

    from communities.models import ImportJob, Invitation

    jobs = [
        ImportJob.objects.create(area=area, created_by=by, original_name="a.xlsx")
        for area, by in [(tree.C1, people.community_staff), (tree.C3, admin_user)]
    ]
    later = timezone.now() + datetime.timedelta(days=30)
    invitations = [
        Invitation.objects.create(
            household=households[code], created_by=admin_user, expires_at=later
        )
        for code in ("B1", "B5")
    ]
    invitations[1].claimed_by, invitations[1].claimed_at = people.stranger, timezone.now()
    invitations[1].save()
    for model, perm, objects in [
        (ImportJob, "communities.view_importjob", jobs),
        (Invitation, "communities.view_invitation", invitations),
    ]:
        saw_allowed = saw_denied = False
        for user in _all_users(people):
            visible = set(model.objects.visible_to(user).values_list("pk", flat=True))
            for obj in objects:
                allowed = user.has_perm(perm, obj)
                assert allowed == (obj.pk in visible), (getattr(user, "username", "-"), obj)
                saw_allowed |= allowed
                saw_denied |= not allowed
        assert saw_allowed and saw_denied
