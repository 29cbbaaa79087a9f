"""Reads of the talent pool that span apps: who lives where (communities) decides who sees which
skill. `volunteers.view_skill` in `volunteers/rules.py` answers the same question for one skill;
tests/volunteers/test_talent_pool.py checks that the two agree for every role."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities import reach
from communities.models import Area, Residency, subtree_q
from volunteers.models import Skill


def home_communities(user) -> set[str]:
    """The paths of the communities the user's verified homes lie in."""
    return {path[: 4 * Area.Level.COMMUNITY] for path in reach.home_paths(user)}


def _lives_under(paths, person_field: str = "user") -> Exists:
    """The person (an OuterRef on `person_field`) has a verified home under one of the paths."""
    return Exists(
        Residency.objects.verified().filter(
            subtree_q(paths, "household__building__path"), user=OuterRef(person_field)
        )
    )


def skills_visible_to(user, area: Area | None = None, query: str = "") -> QuerySet[Skill]:
    """Staff see every skill of the people living where they manage; residents see the skills
    their neighbours (same community) chose to show to neighbours; everyone sees their own."""
    if not user.is_authenticated:
        return Skill.objects.none()
    skills = Skill.objects.all()
    if not user.is_superuser:
        skills = skills.filter(
            Q(user=user)
            | _lives_under(reach.managed_paths(user))
            | (
                Q(visibility=Skill.Visibility.NEIGHBOURS)
                & _lives_under(sorted(home_communities(user)))
            )
        )
    if area is not None:
        skills = skills.filter(_lives_under([area.path]))
    query = query.strip()
    if query:
        skills = skills.filter(Q(name__icontains=query) | Q(description__icontains=query))
    return skills


def with_personal_data_flag(
    people: QuerySet, viewer, field: str = "pk", name: str = "may_see_personal"
) -> QuerySet:
    """Annotate `name`, whether the viewer may see the personal data of the person in `field`:
    the `communities.view_personal_data` rule (superuser, self, or staff who manage one of the
    person's homes) answered in the same query for every row, not one query per row."""
    if not viewer.is_authenticated:
        return people.annotate(**{name: Value(False, output_field=BooleanField())})
    if viewer.is_superuser:
        return people.annotate(**{name: Value(True, output_field=BooleanField())})
    return people.annotate(
        **{
            name: ExpressionWrapper(
                Q(**{field: viewer.pk}) | _lives_under(reach.managed_paths(viewer), field),
                output_field=BooleanField(),
            )
        }
    )


@dataclass(frozen=True)
class Badge:
    key: str
    label: str


HOUR_BADGES = (
    (100, "hours-100", gettext_lazy("100 hours of service")),
    (50, "hours-50", gettext_lazy("50 hours of service")),
    (10, "hours-10", gettext_lazy("10 hours of service")),
)


def badges_of(account) -> list[Badge]:
    """What a volunteer has earned, computed from their rows: the highest hours milestone and
    each year they were named a good neighbour. Nothing to keep in sync."""
    from volunteers.models import Nomination

    badges = [
        Badge(key, str(label))
        for threshold, key, label in HOUR_BADGES
        if account.hours >= threshold
    ][:1]
    years = (
        Nomination.objects.filter(nominee_id=account.user_id, status=Nomination.Status.AWARDED)
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
    badges += [
        Badge(f"good-neighbour-{year}", _("Good neighbour %(year)s") % {"year": year})
        for year in years
    ]
    return badges


def personal_data(user) -> dict:
    """Points, hours, sign-ups, skills, redemptions and nominations: the volunteering part of
    "download my data"."""
    from volunteers.models import LedgerEntry, Nomination, PointsAccount, Redemption, SignUp

    account = PointsAccount.objects.filter(user=user).first()
    return {
        "points": account
        and {"balance": account.balance, "hours": account.hours, "on_leaderboards": account.listed},
        "ledger": [
            {
                "at": entry.at,
                "kind": entry.get_kind_display(),
                "points": entry.points,
                "why": entry.reason,
            }
            for entry in LedgerEntry.objects.filter(account__user=user)
        ],
        "sign_ups": [
            {
                "activity": sign_up.activity.title,
                "status": sign_up.get_status_display(),
                "hours": sign_up.hours,
                "signed_up_at": sign_up.signed_up_at,
            }
            for sign_up in SignUp.objects.filter(user=user).select_related("activity")
        ],
        "skills": [
            {
                "skill": skill.name,
                "offer": skill.description,
                "shown_to": skill.get_visibility_display(),
            }
            for skill in Skill.objects.filter(user=user)
        ],
        "redemptions": [
            {"reward": item.reward.name, "points": item.points, "at": item.redeemed_at}
            for item in Redemption.objects.filter(user=user).select_related("reward")
        ],
        "nominations": [
            {
                "year": nomination.year,
                "why": nomination.reason,
                "status": nomination.get_status_display(),
            }
            for nomination in Nomination.objects.filter(nominee=user)
        ],
    }
