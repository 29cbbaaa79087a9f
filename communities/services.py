"""Every write to places, people and organisations goes through one of these functions.

Each runs in one transaction, checks the permission of the person acting, and raises
`ValidationError` with a message a person understands when the input cannot be accepted, so
nothing is half-written.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from treebeard.exceptions import InvalidMoveToDescendant

from communities import reach
from communities.models import (
    Area,
    AreaRole,
    Household,
    Membership,
    Notification,
    Organization,
    PartyRegistration,
    Residency,
    User,
)
from communities.phones import normalize_mobile


def _require(user: User, perm: str, obj=None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("You may not do this here."))


def _check_code_is_free(code: str, *, model=Area, exclude_pk=None) -> None:
    taken = model.objects.filter(code=code)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"code": _("The code %(code)s is already used.") % {"code": code}})


def check_level_fits(*, level: int, parent: Area | None) -> None:
    """A child sits exactly one level below its parent: a building under a compound, and so on."""
    expected = parent.child_level if parent else Area.Level.DISTRICT
    if level == expected:
        return
    if parent is None:
        raise ValidationError({"level": _("Only a district can stand at the top of the tree.")})
    if expected is None:
        raise ValidationError({"level": _("Nothing can be placed under a building.")})
    raise ValidationError(
        {
            "level": _(
                "A %(level)s must be placed under a %(parent_level)s, not under a %(actual)s."
            )
            % {
                "level": Area.Level(level).label,
                "parent_level": Area.Level(level - 1).label,
                "actual": Area.Level(parent.level).label,
            }
        }
    )


@transaction.atomic
def create_area(
    *, parent: Area | None, name: str, code: str, level: int, by: User, address: str = ""
) -> Area:
    """Add an area to the tree. A district is a root; everything else sits one level down."""
    if parent is None:
        if not by.is_superuser:
            raise PermissionDenied(_("Only an administrator can add a district."))
    else:
        _require(by, "communities.add_area", parent)
    check_level_fits(level=level, parent=parent)
    _check_code_is_free(code)
    fields = {"name": name.strip(), "code": code.strip(), "level": level, "address": address}
    try:
        if parent is None:
            return Area.objects.add_root(fields)
        # Re-read the parent: treebeard derives the new path from its numchild, which another
        # request may have changed since the caller loaded it.
        parent = Area.objects.select_for_update().get(pk=parent.pk)
        return Area.objects.add_child(parent, fields)
    except IntegrityError as error:
        raise ValidationError(
            {"code": _("The code %(code)s is already used.") % {"code": code}}
        ) from error


@transaction.atomic
def rename_area(*, area: Area, name: str, address: str, by: User) -> Area:
    _require(by, "communities.change_area", area)
    area.name = name.strip()
    area.address = address.strip()
    area.save(update_fields=["name", "address"])
    return area


@transaction.atomic
def move_area(*, area: Area, new_parent: Area, by: User) -> Area:
    """Move an area (and its subtree) under another parent of the right level.

    The person acting must manage both the old and the new place. A cycle is impossible: an area
    can never move under itself or one of its own descendants.
    """
    _require(by, "communities.change_area", area)
    _require(by, "communities.add_area", new_parent)
    if new_parent.path.startswith(area.path):
        raise ValidationError(
            {"parent": _("An area cannot be moved under itself or under one of its own parts.")}
        )
    check_level_fits(level=area.level, parent=new_parent)
    try:
        Area.objects.move(area, new_parent, pos="last-child")
    except InvalidMoveToDescendant as error:
        raise ValidationError(
            {"parent": _("An area cannot be moved under itself or under one of its own parts.")}
        ) from error
    area.refresh_from_db()
    return area


@transaction.atomic
def create_household(
    *, building: Area, unit: str, room: str, floor_area: Decimal, by: User
) -> Household:
    """Register a home; (building, unit, room) is unique."""
    _require(by, "communities.manage_area", building)
    if building.level != Area.Level.BUILDING:
        raise ValidationError({"building": _("A household belongs to a building.")})
    if floor_area is None or floor_area <= 0:
        raise ValidationError({"floor_area": _("The floor area must be a positive number of m².")})
    if Household.objects.filter(building=building, unit=unit, room=room).exists():
        raise ValidationError(_("This household is already registered."))
    return Household.objects.create(building=building, unit=unit, room=room, floor_area=floor_area)


@transaction.atomic
def claim_household(
    *, user: User, community: Area, building: Area, unit: str, room: str, relation: str
) -> Residency:
    """A resident says where they live; staff of that community will verify it.

    Claiming twice gives back the open claim instead of a second one.
    """
    if not community.contains(building) or building.level != Area.Level.BUILDING:
        raise ValidationError({"building": _("This building is not in the community you chose.")})
    household = Household.objects.filter(
        building=building, unit=unit.strip(), room=room.strip()
    ).first()
    if household is None:
        raise ValidationError(
            {
                "room": _(
                    "No household %(unit)s %(room)s is registered in this building. Check the "
                    "unit and room, or ask your residents' committee."
                )
                % {"unit": unit, "room": room}
            }
        )
    open_claim = Residency.objects.filter(
        user=user,
        household=household,
        status__in=[Residency.Status.PENDING, Residency.Status.VERIFIED],
    ).first()
    if open_claim:
        return open_claim
    return Residency.objects.create(user=user, household=household, relation=relation)


def _decide(residency: Residency, *, by: User, status: str, note: str) -> Residency:
    residency = (
        Residency.objects.select_for_update()
        .select_related("household__building")
        .get(pk=residency.pk)
    )
    _require(by, "communities.decide_residency", residency)
    if residency.status != Residency.Status.PENDING:
        raise ValidationError(_("This claim has already been decided."))
    residency.status = status
    residency.decided_by = by
    residency.decided_at = timezone.now()
    residency.decision_note = note
    residency.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    reach.forget(residency.user)
    return residency


@transaction.atomic
def verify_residency(*, residency: Residency, by: User) -> Residency:
    """Staff of the building's community confirm that the claimant lives there."""
    return _decide(residency, by=by, status=Residency.Status.VERIFIED, note="")


@transaction.atomic
def reject_residency(*, residency: Residency, by: User, reason: str) -> Residency:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the claim is rejected.")})
    return _decide(residency, by=by, status=Residency.Status.REJECTED, note=reason.strip())


@transaction.atomic
def set_mobile_number(*, user: User, raw_phone: str) -> User:
    """Store the number as +86 and 11 digits; one account per number."""
    phone = normalize_mobile(raw_phone) if raw_phone.strip() else None
    if phone and User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
        raise ValidationError({"phone": _("This mobile number belongs to another account.")})
    user.phone = phone
    user.save(update_fields=["phone"])
    return user


@transaction.atomic
def set_display_preferences(*, user: User, large_text: bool, high_contrast: bool) -> User:
    user.large_text = large_text
    user.high_contrast = high_contrast
    user.save(update_fields=["large_text", "high_contrast"])
    return user


@transaction.atomic
def add_membership(
    *,
    organization: Organization,
    user: User,
    position: str,
    title: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    by: User,
) -> Membership:
    """Give a person a post; a person may hold posts in several organisations (交叉任职)."""
    _require(by, "communities.manage_area", organization.area)
    starts_on = starts_on or timezone.localdate()
    if ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("A term cannot end before it starts.")})
    membership, _created = Membership.objects.get_or_create(
        user=user,
        organization=organization,
        position=position,
        starts_on=starts_on,
        defaults={"title": title, "ends_on": ends_on},
    )
    reach.forget(user)
    return membership


@transaction.atomic
def end_membership(*, membership: Membership, on: datetime.date, by: User) -> Membership:
    _require(by, "communities.manage_area", membership.organization.area)
    if on < membership.starts_on:
        raise ValidationError({"ends_on": _("A term cannot end before it starts.")})
    membership.ends_on = on
    membership.save(update_fields=["ends_on"])
    reach.forget(membership.user)
    return membership


@transaction.atomic
def assign_area_role(*, user: User, area: Area, kind: str, by: User) -> AreaRole:
    """Name a building head, mediator, public supervisor... on a node of the tree."""
    _require(by, "communities.manage_area", area)
    role, _created = AreaRole.objects.get_or_create(user=user, area=area, kind=kind, ends_on=None)
    return role


@transaction.atomic
def register_party_member(
    *, user: User, community: Area, home_organization: str, show_publicly: bool
) -> PartyRegistration:
    """党员报到: a party member reports to the community they live in. Registering again updates."""
    if community.level != Area.Level.COMMUNITY:
        raise ValidationError({"community": _("Choose the community you live in.")})
    if not home_organization.strip():
        raise ValidationError(
            {"home_organization": _("Name the party organisation that keeps your membership.")}
        )
    registration, created = PartyRegistration.objects.select_for_update().get_or_create(
        user=user,
        defaults={
            "community": community,
            "home_organization": home_organization.strip(),
            "show_publicly": show_publicly,
        },
    )
    if not created:
        moved = registration.community_id != community.pk
        registration.community = community
        registration.home_organization = home_organization.strip()
        registration.show_publicly = show_publicly
        if moved:
            registration.status = PartyRegistration.Status.PENDING
            registration.confirmed_by = None
        registration.save()
    return registration


@transaction.atomic
def confirm_party_registration(*, registration: PartyRegistration, by: User) -> PartyRegistration:
    _require(by, "communities.confirm_partyregistration", registration)
    registration.status = PartyRegistration.Status.CONFIRMED
    registration.confirmed_by = by
    registration.save(update_fields=["status", "confirmed_by"])
    return registration


def notify(*, user: User, key: str, title: str, body: str = "", url: str = "") -> Notification:
    """Put a message in the person's inbox once per key, and mail it after commit if they have
    an address. Calling it again with the same key changes nothing."""
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            user=user, key=key, defaults={"title": title[:200], "body": body, "url": url}
        )
    if created and user.email:
        from communities.background import enqueue_after_commit
        from communities.tasks import email_notification

        enqueue_after_commit(email_notification, notification.pk)
    return notification


@transaction.atomic
def mark_notifications_read(*, user: User) -> int:
    return Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
