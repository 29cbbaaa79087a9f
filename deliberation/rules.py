"""Who may do what with residents' issues, public commitments, polls and the online
deliberation hall.

`view_issue` agrees with `Issue.objects.visible_to(user)` and `view_commitment` with
`Commitment.objects.visible_to(user)`; tests/deliberation/test_rules.py checks them against each
other for every role.
"""

import rules
from django.utils import timezone

from communities import reach
from communities.models import Area, AreaRole, Membership, Organization
from deliberation.models import Commitment, Invitation, Issue, Meeting, Poll, Topic, TopicComment

# Organisations that take issues on at the compound tier (民事民议): they may accept, assign and
# escalate in their reach. A property firm or a department works on what it is given.
TRIAGE_KINDS = frozenset(
    {
        *Organization.ADMINISTRATIVE_KINDS,
        Organization.Kind.OWNERS_COMMITTEE,
        Organization.Kind.SELF_MANAGEMENT_GROUP,
        Organization.Kind.PARTY_BRANCH,
        Organization.Kind.PARTY_GENERAL_BRANCH,
    }
)


def _is_member(user, organization_id) -> bool:
    if organization_id is None or not user.is_authenticated:
        return False
    return Membership.objects.active().filter(user=user, organization_id=organization_id).exists()


@rules.predicate
def is_reporter(user, issue: Issue) -> bool:
    return issue.reporter_id is not None and issue.reporter_id == user.pk


@rules.predicate
def is_public_issue(user, issue: Issue) -> bool:
    return issue.is_public and issue.status not in (Issue.Status.REJECTED, Issue.Status.MERGED)


@rules.predicate
def acts_where_it_is(user, issue: Issue) -> bool:
    return reach.is_within(issue.area.path, reach.acting_paths(user))


@rules.predicate
def manages_where_it_is_handled(user, issue: Issue) -> bool:
    return reach.is_within(issue.handling_area.path, reach.managed_paths(user))


@rules.predicate
def triages_where_it_is(user, issue: Issue) -> bool:
    if reach.is_within(issue.area.path, reach.managed_paths(user)):
        return True
    return (
        Membership.objects.active()
        .filter(user=user, organization__kind__in=TRIAGE_KINDS)
        .exclude(organization__kind=Organization.Kind.PROPERTY_FIRM)
        .filter(organization__area__path__in=_ancestor_or_self_paths(issue.area.path))
        .exists()
    )


def _ancestor_or_self_paths(path: str) -> list[str]:
    return [path[:end] for end in range(4, len(path) + 1, 4)]


@rules.predicate
def member_of_assigned(user, issue: Issue) -> bool:
    return _is_member(user, issue.assigned_to_id)


@rules.predicate
def member_of_summoned(user, issue: Issue) -> bool:
    return issue.summons.filter(
        organization__memberships__in=Membership.objects.active().filter(user=user)
    ).exists()


@rules.predicate
def is_mediator(user, issue: Issue) -> bool:
    return issue.mediator_id is not None and issue.mediator_id == user.pk


@rules.predicate
def supports_it(user, issue: Issue) -> bool:
    return issue.supports.filter(user=user).exists()


is_authenticated = rules.is_authenticated
is_superuser = rules.is_superuser
triage = is_superuser | triages_where_it_is | manages_where_it_is_handled

rules.add_perm(
    "deliberation.view_issue",
    is_public_issue
    | (
        is_authenticated
        & (
            is_superuser
            | is_reporter
            | supports_it
            | acts_where_it_is
            | manages_where_it_is_handled
            | member_of_assigned
            | member_of_summoned
            | is_mediator
        )
    ),
)
rules.add_perm("deliberation.triage_issue", is_authenticated & triage)
rules.add_perm(
    "deliberation.work_on_issue", is_authenticated & (triage | member_of_assigned | is_mediator)
)
rules.add_perm("deliberation.check_in_issue", is_authenticated & member_of_summoned)
rules.add_perm("deliberation.rate_issue", is_authenticated & is_reporter)
rules.add_perm(
    "deliberation.see_reporter", is_authenticated & (triage | member_of_assigned | is_mediator)
)


# --- Public commitments (公开承诺 · 践诺 · 群众监督) ---------------------------------------------
# --- Polls and the online deliberation hall --------------------------------------------------
#
# `view_poll` agrees with `Poll.objects.visible_to()`, `view_topic` with
# `Topic.objects.visible_to()`; tests/deliberation/test_polls_rules.py and
# test_topics_rules.py check them for every role.


@rules.predicate
def is_member_of(user, organization: Organization) -> bool:
    return _is_member(user, organization.pk)


@rules.predicate
def speaks_for_commitment(user, commitment: Commitment) -> bool:
    """A member of the organisation that made it: it reports progress, records the result and
    answers the supervisors."""
    return _is_member(user, commitment.organization_id)


@rules.predicate
def supervises_where_it_is(user, commitment: Commitment) -> bool:
    """A public supervisor (群众监督员) of the commitment's place or of a place above it."""
    return reach.is_within(
        commitment.area.path, reach.role_paths(user, AreaRole.Kind.PUBLIC_SUPERVISOR)
    )


keeps_it = is_authenticated & (is_superuser | speaks_for_commitment)

# Commitments are made in public: everyone sees each one (Commitment.objects.visible_to).
rules.add_perm("deliberation.view_commitment", rules.always_allow)
rules.add_perm("deliberation.commit_for", is_authenticated & (is_superuser | is_member_of))
rules.add_perm("deliberation.report_commitment_progress", keeps_it)
rules.add_perm("deliberation.record_commitment_result", keeps_it)
rules.add_perm("deliberation.answer_commitment_remark", keeps_it)
rules.add_perm(
    "deliberation.remark_on_commitment", is_authenticated & (is_superuser | supervises_where_it_is)
)


@rules.predicate
def runs_it(user, poll_or_topic) -> bool:
    """A member of the organisation running the poll or topic, or staff managing its area."""
    return _is_member(user, poll_or_topic.organization_id) or reach.is_within(
        poll_or_topic.area.path, reach.managed_paths(user)
    )


@rules.predicate
def is_opened_poll(user, poll: Poll) -> bool:
    return poll.opens_at <= timezone.now()


@rules.predicate
def is_open_poll(user, poll: Poll) -> bool:
    return poll.is_open


@rules.predicate
def may_vote_in(user, poll: Poll) -> bool:
    """A verified resident under the poll's area (an owner, where the poll says so)."""
    return poll.eligible_residencies().filter(user=user).exists()


@rules.predicate
def is_opened_topic(user, topic: Topic) -> bool:
    return topic.opens_on <= timezone.localdate()


@rules.predicate
def is_open_topic(user, topic: Topic) -> bool:
    return topic.is_open


@rules.predicate
def lives_under_topic(user, topic: Topic) -> bool:
    return reach.is_within_any(reach.home_paths(user), topic.area.path)


@rules.predicate
def wrote_it(user, comment: TopicComment) -> bool:
    return comment.author_id is not None and comment.author_id == user.pk


@rules.predicate
def moderates_where_it_was_written(user, comment: TopicComment) -> bool:
    return runs_it(user, comment.topic)


rules.add_perm(
    "deliberation.speak_for_organization", is_authenticated & (is_superuser | is_member_of)
)
rules.add_perm(
    "deliberation.view_poll", is_opened_poll | (is_authenticated & (is_superuser | runs_it))
)
rules.add_perm("deliberation.manage_poll", is_authenticated & (is_superuser | runs_it))
rules.add_perm("deliberation.vote_in_poll", is_authenticated & is_open_poll & may_vote_in)
rules.add_perm(
    "deliberation.view_topic", is_opened_topic | (is_authenticated & (is_superuser | runs_it))
)
rules.add_perm("deliberation.manage_topic", is_authenticated & (is_superuser | runs_it))
rules.add_perm(
    "deliberation.comment_on_topic",
    is_authenticated & is_open_topic & (lives_under_topic | is_superuser | runs_it),
)
rules.add_perm(
    "deliberation.read_hidden_comment",
    is_authenticated & (is_superuser | wrote_it | moderates_where_it_was_written),
)


# --- Consultation meetings in session: attendance, votes, minutes ----------------------------
#
# Meetings are seen through `Meeting.objects.visible_to()`; these rules say who runs one once it
# is seen. Who votes is not a rule but the motion's electorate, fixed when voting opens.


@rules.predicate
def organises_meeting(user, meeting) -> bool:
    """A member of the organising organisation, which acts where the meeting is, or staff who
    manage the meeting's area. They are also its counting staff."""
    if reach.is_within(meeting.area.path, reach.managed_paths(user)):
        return True
    return _is_member(user, meeting.organization_id) and meeting.organization.reaches(meeting.area)


rules.add_perm("deliberation.run_meeting", is_authenticated & (is_superuser | organises_meeting))


# --- Consultation meetings (议事协商): planning -------------------------------------------------
#
# Organising a meeting is `organises_meeting` above. `view_meeting` agrees with `Meeting.objects.visible_to()`; tests/deliberation/
# test_meetings_rules.py checks them for every role.

CATALOGUE_LEVELS = frozenset({Area.Level.STREET, Area.Level.COMMUNITY})


@rules.predicate
def keeps_catalogue_of(user, area: Area) -> bool:
    """Staff who manage a street or a community keep its consultation catalogue."""
    return area.level in CATALOGUE_LEVELS and reach.is_within(area.path, reach.managed_paths(user))


@rules.predicate
def is_invited(user, meeting: Meeting) -> bool:
    return meeting.invitations.filter(user=user).exists()


@rules.predicate
def is_public_meeting(user, meeting: Meeting) -> bool:
    return meeting.is_public


@rules.predicate
def is_invitee(user, invitation: Invitation) -> bool:
    return invitation.user_id == user.pk


rules.add_perm(
    "deliberation.keep_catalogue", is_authenticated & (is_superuser | keeps_catalogue_of)
)
rules.add_perm(
    "deliberation.view_meeting",
    is_public_meeting | (is_authenticated & (is_superuser | organises_meeting | is_invited)),
)
rules.add_perm(
    "deliberation.organise_meeting", is_authenticated & (is_superuser | organises_meeting)
)
rules.add_perm("deliberation.answer_invitation", is_authenticated & is_invitee)
