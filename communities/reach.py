"""Where a person's roles reach: the tree paths under which they manage, act, or live.

Every permission rule and every `visible_to()` queryset asks these functions, so "may I?" and
"which ones?" always get the same answer. Results are memoised on the user object, which lives
for one request.
"""

from __future__ import annotations

from communities.models import (
    Area,
    AreaRole,
    Grid,
    Membership,
    Organization,
    Residency,
)


def _memo(user, key: str, compute) -> tuple:
    cache = user.__dict__.setdefault("_reach_cache", {})
    if key not in cache:
        cache[key] = tuple(compute())
    return cache[key]


def forget(user) -> None:
    """Drop memoised reach after the user's roles change within one request (tests, services)."""
    user.__dict__.pop("_reach_cache", None)


def _active_memberships(user):
    return Membership.objects.active().filter(user=user)


def managed_paths(user) -> tuple[str, ...]:
    """Seats of the administrative organisations the user belongs to: they manage each subtree."""
    if not user.is_authenticated:
        return ()
    return _memo(
        user,
        "managed",
        lambda: (
            _active_memberships(user)
            .filter(organization__kind__in=Organization.ADMINISTRATIVE_KINDS)
            .values_list("organization__area__path", flat=True)
            .order_by()
            .distinct()
        ),
    )


def acting_paths(user) -> tuple[str, ...]:
    """Where the user may act for an organisation: its seat's subtree, or a firm's contracts."""
    if not user.is_authenticated:
        return ()

    def compute():
        memberships = _active_memberships(user)
        seats = memberships.exclude(organization__kind=Organization.Kind.PROPERTY_FIRM).values_list(
            "organization__area__path", flat=True
        )
        contracts = Area.objects.filter(
            serving_organizations__memberships__in=memberships.filter(
                organization__kind=Organization.Kind.PROPERTY_FIRM
            )
        ).values_list("path", flat=True)
        return set(seats) | set(contracts)

    return _memo(user, "acting", compute)


def organization_ids(user) -> tuple[int, ...]:
    """The organisations the user holds an active post in: those they speak and book for."""
    if not user.is_authenticated:
        return ()
    return _memo(
        user,
        "organizations",
        lambda: (
            _active_memberships(user)
            .values_list("organization_id", flat=True)
            .order_by()
            .distinct()
        ),
    )


def grid_paths(user) -> tuple[str, ...]:
    """Areas covered by the grids the user works as grid worker."""
    if not user.is_authenticated:
        return ()
    return _memo(
        user,
        "grid",
        lambda: (
            Grid.objects.filter(worker=user)
            .values_list("covered_areas__path", flat=True)
            .exclude(covered_areas__path=None)
            .order_by()
            .distinct()
        ),
    )


def role_paths(user, kind: str) -> tuple[str, ...]:
    """Areas where the user holds a personal role of this kind (楼栋长, 调解员, ...)."""
    if not user.is_authenticated:
        return ()
    return _memo(
        user,
        f"role:{kind}",
        lambda: (
            AreaRole.objects.active()
            .filter(user=user, kind=kind)
            .values_list("area__path", flat=True)
        ),
    )


def home_paths(user) -> tuple[str, ...]:
    """The buildings of the user's verified households."""
    if not user.is_authenticated:
        return ()
    return _memo(
        user,
        "home",
        lambda: (
            Residency.objects.verified()
            .filter(user=user)
            .values_list("household__building__path", flat=True)
            .order_by()
            .distinct()
        ),
    )


def is_within(path: str, roots: tuple[str, ...]) -> bool:
    return any(path.startswith(root) for root in roots)


def lives_in(user, area: Area) -> bool:
    """True when one of the user's homes is `area` or lies under it."""
    return is_within_any(home_paths(user), area.path)


def is_within_any(paths: tuple[str, ...], root: str) -> bool:
    return any(path.startswith(root) for path in paths)
