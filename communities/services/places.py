"""Writes to the area tree and its households."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from treebeard.exceptions import InvalidMoveToDescendant

from communities.models import (
    Area,
    Household,
    User,
)
from communities.rules import require as _require


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
