from django import template
from django.utils.translation import gettext_lazy as _

from deliberation.models import Issue, IssueEvent

register = template.Library()

NEXT_STEPS = {
    Issue.Status.SUBMITTED: _("Received. The compound or community will accept it or say why not."),
    Issue.Status.ACCEPTED: _("Accepted. It will be given to the party responsible."),
    Issue.Status.ASSIGNED: _(
        "Given to the responsible party, who will start work before the deadline."
    ),
    Issue.Status.IN_PROGRESS: _("Work is under way."),
    Issue.Status.RESOLVED: _("Done, they say. The person who reported it can rate the result."),
    Issue.Status.CLOSED: _("Closed. Thank you."),
    Issue.Status.REJECTED: _("Not accepted; the reason is below."),
    Issue.Status.MERGED: _("The same problem was already reported; follow it there."),
}

ACTOR_WORDS = {
    "resident": _("resident"),
    "system": _("the portal"),
    "administrator": _("administrator"),
    "public_supervisor": _("public supervisor"),
}


@register.filter
def next_step(issue: Issue) -> str:
    """One line saying what happens next, for every status."""
    return str(NEXT_STEPS[issue.status])


@register.filter
def who(event: IssueEvent) -> str:
    """The role that acted, on an issue's or a commitment's timeline: an organisation's name,
    or "resident", "public supervisor", never a person's name."""
    return (
        str(ACTOR_WORDS[event.actor_role]) if event.actor_role in ACTOR_WORDS else event.actor_role
    )


@register.filter
def stars(rating: int | None) -> str:
    return "★" * rating + "☆" * (5 - rating) if rating else ""


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
