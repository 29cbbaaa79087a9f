"""Who may do what with places, people and organisations.

Each `view_*` rule has a `visible_to(user)` queryset beside its model that selects exactly the
objects the rule allows; tests/communities/test_rules.py checks that they agree for every role.
Roles reach down the tree: a membership seated on a street reaches every compound under it.
"""

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from communities import reach
from communities.models import Area

is_authenticated = rules.is_authenticated


def require(user, perm: str, obj=None) -> None:
    """Services call this before they write: refuse, in words, anyone the rule does not allow."""
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("You may not do this here."))


@rules.predicate
def is_superuser(user) -> bool:
    return user.is_superuser


@rules.predicate
def manages_area(user, area: Area) -> bool:
    """Staff of an administrative organisation seated on the area or above it."""
    return area is not None and reach.is_within(area.path, reach.managed_paths(user))


@rules.predicate
def acts_in_area(user, area: Area) -> bool:
    """Member of any organisation whose reach includes the area (a firm: its contracts only)."""
    return area is not None and reach.is_within(area.path, reach.acting_paths(user))


@rules.predicate
def lives_in_area(user, area: Area) -> bool:
    return area is not None and reach.lives_in(user, area)


@rules.predicate
def manages_household(user, household) -> bool:
    return reach.is_within(household.building.path, reach.managed_paths(user))


@rules.predicate
def works_grid_of_household(user, household) -> bool:
    return reach.is_within(household.building.path, reach.grid_paths(user))


@rules.predicate
def lives_in_household(user, household) -> bool:
    return household.residencies.verified().filter(user=user).exists()


@rules.predicate
def is_claimant(user, residency) -> bool:
    return residency.user_id == user.pk


@rules.predicate
def manages_residency(user, residency) -> bool:
    return reach.is_within(residency.household.building.path, reach.managed_paths(user))


@rules.predicate
def is_registrant(user, registration) -> bool:
    return registration.user_id == user.pk


@rules.predicate
def manages_registration(user, registration) -> bool:
    return reach.is_within(registration.community.path, reach.managed_paths(user))


@rules.predicate
def is_self(user, person) -> bool:
    return person is not None and person.pk == user.pk


@rules.predicate
def manages_a_home_of(user, person) -> bool:
    """Staff whose area holds one of the person's verified homes may see their contact details."""
    if person is None:
        return False
    managed = reach.managed_paths(user)
    return any(reach.is_within(home, managed) for home in reach.home_paths(person))


rules.add_perm("communities.manage_area", is_authenticated & (is_superuser | manages_area))
rules.add_perm(
    "communities.act_in_area", is_authenticated & (is_superuser | manages_area | acts_in_area)
)
rules.add_perm("communities.add_area", is_authenticated & (is_superuser | manages_area))
rules.add_perm("communities.change_area", is_authenticated & (is_superuser | manages_area))
rules.add_perm(
    "communities.view_household",
    is_authenticated
    & (is_superuser | manages_household | works_grid_of_household | lives_in_household),
)
rules.add_perm(
    "communities.change_household", is_authenticated & (is_superuser | manages_household)
)
rules.add_perm(
    "communities.view_residency",
    is_authenticated & (is_superuser | is_claimant | manages_residency),
)
rules.add_perm(
    "communities.decide_residency", is_authenticated & (is_superuser | manages_residency)
)
rules.add_perm(
    "communities.view_partyregistration",
    is_authenticated & (is_superuser | is_registrant | manages_registration),
)
rules.add_perm(
    "communities.confirm_partyregistration",
    is_authenticated & (is_superuser | manages_registration),
)
rules.add_perm(
    "communities.view_personal_data",
    is_authenticated & (is_superuser | is_self | manages_a_home_of),
)
rules.add_perm(
    "communities.see_party_board", is_authenticated & (is_superuser | manages_area | lives_in_area)
)


@rules.predicate
def is_live_notice(user, notice) -> bool:
    return notice.is_live()


@rules.predicate
def may_publish_where_it_hangs(user, notice) -> bool:
    return user.has_perm("communities.publish_notice", notice.area)


rules.add_perm("communities.view_notice", is_live_notice | may_publish_where_it_hangs)
rules.add_perm(
    "communities.publish_notice", is_authenticated & (is_superuser | manages_area | acts_in_area)
)


# --- Imports (keep in step with ImportJob.objects.visible_to and Invitation.objects.visible_to)


@rules.predicate
def started_import(user, job) -> bool:
    return job.created_by_id == user.pk


@rules.predicate
def manages_import_area(user, job) -> bool:
    return reach.is_within(job.area.path, reach.managed_paths(user))


@rules.predicate
def claimed_invitation(user, invitation) -> bool:
    return invitation.claimed_by_id == user.pk


@rules.predicate
def manages_invited_household(user, invitation) -> bool:
    return manages_household(user, invitation.household)


rules.add_perm(
    "communities.view_importjob",
    is_authenticated & (is_superuser | started_import | manages_import_area),
)
rules.add_perm(
    "communities.view_invitation",
    is_authenticated & (is_superuser | claimed_invitation | manages_invited_household),
)


# --- Shared rooms (共享空间) --------------------------------------------------------------------
# Each room is looked after by its managing organisation and by staff who manage its area. They
# approve bookings; everyone else sees a room's busy slots, never who booked them.


@rules.predicate
def looks_after_space(user, space) -> bool:
    """A member of the room's managing organisation, or staff who manage its area."""
    return space is not None and (
        space.managed_by_id in reach.organization_ids(user)
        or reach.is_within(space.area.path, reach.managed_paths(user))
    )


@rules.predicate
def is_active_space(user, space) -> bool:
    return space is not None and space.active


@rules.predicate
def lives_under_space(user, space) -> bool:
    """A verified resident of the room's area or of a place under it."""
    return space is not None and reach.lives_in(user, space.area)


@rules.predicate
def serves_near_space(user, space) -> bool:
    """A member of an organisation acting in the room's area, above it or under it: a
    community's room is booked by the owners' committees of its compounds too."""
    if space is None:
        return False
    here = space.area.path
    return any(path.startswith(here) or here.startswith(path) for path in reach.acting_paths(user))


@rules.predicate
def is_booker(user, booking) -> bool:
    return booking.booked_by_id == user.pk


@rules.predicate
def speaks_for_booking(user, booking) -> bool:
    """A member of the organisation the room was booked for: a meeting's other organisers."""
    return booking.organization_id is not None and (
        booking.organization_id in reach.organization_ids(user)
    )


@rules.predicate
def looks_after_booked_space(user, booking) -> bool:
    return looks_after_space(user, booking.space)


rules.add_perm(
    "communities.view_space",
    is_active_space | (is_authenticated & (is_superuser | looks_after_space)),
)
rules.add_perm("communities.manage_space", is_authenticated & (is_superuser | looks_after_space))
rules.add_perm(
    "communities.book_space",
    is_authenticated & (is_superuser | lives_under_space | serves_near_space),
)
rules.add_perm(
    "communities.view_booking",
    is_authenticated & (is_superuser | is_booker | speaks_for_booking | looks_after_booked_space),
)
rules.add_perm(
    "communities.change_booking",
    is_authenticated & (is_superuser | is_booker | speaks_for_booking | looks_after_booked_space),
)
rules.add_perm(
    "communities.decide_booking", is_authenticated & (is_superuser | looks_after_booked_space)
)


@rules.predicate
def acts_somewhere(user) -> bool:
    """Staff, or a member of any organisation: who an integration may stand for."""
    return bool(reach.managed_paths(user) or reach.acting_paths(user))


@rules.predicate
def owns_token(user, token) -> bool:
    return token is not None and token.owner_id == user.pk


rules.add_perm("communities.create_api_token", is_authenticated & (is_superuser | acts_somewhere))
rules.add_perm("communities.revoke_api_token", is_authenticated & (is_superuser | owns_token))
