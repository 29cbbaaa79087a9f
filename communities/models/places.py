"""The area tree (district → street → community → compound → building) and households."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

# --- The tree ----------------------------------------------------------------------------------


def subtree_q(paths: Iterable[str], field: str = "path") -> Q:
    """A Q matching rows whose area lies under any of the given materialised paths.

    An empty list matches nothing, so a user with no reach sees nothing rather than everything.
    """
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def ancestor_paths(path: str, steplen: int = 4) -> list[str]:
    """The paths of a node and all its ancestors, root first."""
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


class AreaQuerySet(MP_NodeQuerySet):
    def under(self, area: Area, *, include_self: bool = True) -> AreaQuerySet:
        """Everything in the subtree of `area`, in one query whatever its size."""
        qs = self.filter(path__startswith=area.path)
        return qs if include_self else qs.filter(depth__gt=area.depth)

    def above(self, area: Area, *, include_self: bool = True) -> AreaQuerySet:
        """The chain from the district down to `area`, root first."""
        paths = ancestor_paths(area.path, area.steplen)
        if not include_self:
            paths = paths[:-1]
        return self.filter(path__in=paths).order_by("depth")

    def under_any(self, paths: Iterable[str]) -> AreaQuerySet:
        return self.filter(subtree_q(paths))

    def of_level(self, level: int) -> AreaQuerySet:
        return self.filter(level=level)


class AreaManager(MP_NodeManager.from_queryset(AreaQuerySet)):
    def get_queryset(self) -> AreaQuerySet:
        return AreaQuerySet(self.model, using=self._db).order_by("path")


class Area(MP_Node):
    """A node of the tree: district → street → community → compound → building.

    The level always equals the depth (a database constraint), so a building can only sit under a
    compound and a compound under a community; the materialised path makes a cycle impossible.
    """

    class Level(models.IntegerChoices):
        DISTRICT = 1, _("district")
        STREET = 2, _("street")
        COMMUNITY = 3, _("community")
        COMPOUND = 4, _("compound")
        BUILDING = 5, _("building")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9-]*$",
                _("Use letters, digits and hyphens only, such as 310104-003."),
            )
        ],
        help_text=_("A stable code that never changes, used in links and imports."),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = AreaManager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.CheckConstraint(condition=Q(level=F("depth")), name="area_level_is_its_depth"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:area_detail", kwargs={"code": self.code})

    @property
    def child_level(self) -> int | None:
        return self.level + 1 if self.level < self.Level.BUILDING else None

    def contains(self, other: Area) -> bool:
        """True when `other` is this area or lies under it."""
        return other.path.startswith(self.path)


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user) -> HouseholdQuerySet:
        """Staff who manage the building, its grid worker, and its verified residents."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from communities.models.people import Residency
        from communities.reach import grid_paths, managed_paths

        return self.filter(
            subtree_q(managed_paths(user), "building__path")
            | subtree_q(grid_paths(user), "building__path")
            | Q(residencies__user=user, residencies__status=Residency.Status.VERIFIED)
        ).distinct()


class Household(models.Model):
    """A home in a building (户): unit, room and floor area, the unit of household votes."""

    building = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": Area.Level.BUILDING},
        verbose_name=_("building"),
    )
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    room = models.CharField(_("room"), max_length=16)
    floor_area = models.DecimalField(
        _("floor area (m²)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["building__path", "unit", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit", "room"], name="household_unique_in_building"
            ),
            models.CheckConstraint(condition=Q(floor_area__gt=0), name="household_area_positive"),
        ]

    def __str__(self) -> str:
        unit = _("unit %(unit)s ") % {"unit": self.unit} if self.unit else ""
        return f"{self.building.name} {unit}{self.room}"
