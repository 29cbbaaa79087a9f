"""Who may organise activities, hand out rewards, correct points and see skills."""

import rules

from communities import reach
from communities.models import Membership
from communities.rules import is_self, manages_a_home_of
from volunteers.models import Skill
from volunteers.selectors import home_communities


def _member_of(user, organization_id) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.active().filter(user=user, organization_id=organization_id).exists()
    )


@rules.predicate
def organises(user, activity) -> bool:
    """A member of the organising organisation, for a place that organisation serves; or staff
    who manage the place."""
    if reach.is_within(activity.area.path, reach.managed_paths(user)):
        return True
    return _member_of(user, activity.organization_id) and activity.organization.reaches(
        activity.area
    )


@rules.predicate
def offers(user, reward) -> bool:
    if reach.is_within(reward.area.path, reach.managed_paths(user)):
        return True
    return _member_of(user, reward.organization_id) and reward.organization.reaches(reward.area)


is_authenticated = rules.is_authenticated
is_superuser = rules.is_superuser

rules.add_perm("volunteers.manage_activity", is_authenticated & (is_superuser | organises))
rules.add_perm("volunteers.manage_reward", is_authenticated & (is_superuser | offers))
# Points are corrected by the staff who manage one of the person's homes, never by the person.
rules.add_perm("volunteers.adjust_points", is_authenticated & (is_superuser | manages_a_home_of))
rules.add_perm(
    "volunteers.view_ledger", is_authenticated & (is_superuser | is_self | manages_a_home_of)
)


@rules.predicate
def owns_skill(user, skill) -> bool:
    return skill.user_id == user.pk


@rules.predicate
def manages_a_home_of_skill_owner(user, skill) -> bool:
    return manages_a_home_of(user, skill.user)


@rules.predicate
def is_neighbour_of_skill_owner(user, skill) -> bool:
    """A skill shown to neighbours, of a person living in one of the user's communities."""
    if skill.visibility != Skill.Visibility.NEIGHBOURS:
        return False
    communities = tuple(home_communities(user))
    return any(reach.is_within(home, communities) for home in reach.home_paths(skill.user))


# Keep in step with `volunteers.selectors.skills_visible_to`.
rules.add_perm(
    "volunteers.view_skill",
    is_authenticated
    & (is_superuser | owns_skill | manages_a_home_of_skill_owner | is_neighbour_of_skill_owner),
)
