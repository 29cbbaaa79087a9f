"""Every write to a residents' issue: one function per step of its life.

The life of an issue is the table TRANSITIONS below, checked in one place (`_transition`).
Every step locks the issue row, checks who is acting, writes one append-only timeline entry
(chained to the one before it: deliberation.timeline), keeps the funnel counters, and notifies
the reporter and supporters after commit. `_commit_issue` and `_settle_issue` are the issue's
side of a public commitment; deliberation.services.commitments calls them.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.background import enqueue_after_commit
from communities.models import Area, Household, Membership, Organization, User, ancestor_paths
from deliberation import timeline
from deliberation.listing_cache import public_issues_changed
from deliberation.models import (
    Category,
    Commitment,
    FunnelCount,
    HouseholdVisit,
    Issue,
    IssueEvent,
    IssuePhoto,
    Lane,
    Summons,
    Support,
)
from deliberation.search import search_terms

S = Issue.Status
E = IssueEvent.Kind

# action: (the statuses it may start from, the status it leads to, the timeline entry it writes)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "accept": (frozenset({S.SUBMITTED}), S.ACCEPTED, E.ACCEPTED),
    "reject": (frozenset({S.SUBMITTED}), S.REJECTED, E.REJECTED),
    "merge": (frozenset({S.SUBMITTED, S.ACCEPTED}), S.MERGED, E.MERGED),
    "assign": (frozenset({S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS}), S.ASSIGNED, E.ASSIGNED),
    # A public commitment takes an accepted issue on: it goes to the organisation that commits.
    "commit": (frozenset({S.ACCEPTED}), S.ASSIGNED, E.COMMITTED),
    "start": (frozenset({S.ASSIGNED}), S.IN_PROGRESS, E.STARTED),
    "resolve": (frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.RESOLVED, E.RESOLVED),
    "close": (frozenset({S.RESOLVED}), S.CLOSED, E.CLOSED),
    "reopen": (frozenset({S.RESOLVED, S.CLOSED}), S.ASSIGNED, E.REOPENED),
}

# Who is acting, as the timeline shows it: a resident is "resident", never a name.
RESIDENT = "resident"
SYSTEM = "system"
ADMINISTRATOR = "administrator"

CLOSE_AFTER_RESOLVED = datetime.timedelta(days=7)


def lane_duration(lane: str) -> datetime.timedelta:
    hours = {**DEFAULT_LANE_HOURS, **getattr(settings, "ISSUE_LANE_HOURS", {})}
    return datetime.timedelta(hours=hours[lane])


DEFAULT_LANE_HOURS = {Lane.QUICK: 72, Lane.URGENT: 24, Lane.JOINT: 15 * 24}


def first_tier(area: Area, lane: str) -> Area:
    """Where an issue is answered first: its compound for quick matters; its community for
    urgent and joint ones (急事速办, 难事联办); the area itself when it lies above a compound."""
    tier = Area.Level.COMPOUND if lane == Lane.QUICK else Area.Level.COMMUNITY
    if area.level <= tier:
        return area
    return Area.objects.get(path=area.path[: area.steplen * tier])


# --- Submitting ----------------------------------------------------------------------------------


@transaction.atomic
def submit_issue(
    *,
    title: str,
    description: str,
    category: Category,
    area: Area,
    reporter: User | None,
    submission_key: uuid.UUID,
    photos: list | None = None,
    channel: str = Issue.Channel.ONLINE,
    recorded_by: User | None = None,
    household: Household | None = None,
    visit: HouseholdVisit | None = None,
) -> Issue:
    """民事民提: a problem is raised. The same submission key gives back the same issue, so a
    double tap on "send" makes one record. Photos must already be cleaned by deliberation.photos.
    """
    existing = Issue.objects.filter(submission_key=submission_key).first()
    if existing:
        return existing
    if not category.active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    may_record = recorded_by is None or (
        recorded_by.has_perm("communities.act_in_area", area)
        or _is_grid_worker_of(recorded_by, area)
    )
    if not may_record:
        raise PermissionDenied(_("You may not record issues for this place."))
    lane = category.default_lane
    now = timezone.now()
    handling_area = first_tier(area, lane)
    try:
        with transaction.atomic():
            issue = Issue.objects.create(
                title=title.strip(),
                description=description.strip(),
                category=category,
                area=area,
                handling_area=handling_area,
                reporter=reporter,
                household=household,
                recorded_by=recorded_by,
                channel=channel,
                visit=visit,
                lane=lane,
                is_public=category.is_public and not category.is_mediation,
                deadline=now + lane_duration(lane),
                submitted_at=now,
                search_text=search_terms(title, description),
                submission_key=submission_key,
            )
    except IntegrityError:
        # Two taps raced past the check above; the other one won.
        return Issue.objects.get(submission_key=submission_key)
    for photo in photos or []:
        IssuePhoto.objects.create(issue=issue, image=photo)
    event = _record(
        issue,
        kind=E.SUBMITTED,
        by=recorded_by or reporter,
        role=_role_of(recorded_by, issue) if recorded_by else RESIDENT,
        to_status=S.SUBMITTED,
        note=Issue.Channel(channel).label if channel != Issue.Channel.ONLINE else "",
        area=handling_area,
    )
    _count(issue, collected=1)
    _notify_after_commit(issue, event)
    return issue


def _is_grid_worker_of(user: User, area: Area) -> bool:
    from communities import reach

    return reach.is_within(area.path, reach.grid_paths(user))


@transaction.atomic
def record_household_visit(
    *, visitor: User, household: Household, needs_heard: str, visited_at=None
) -> HouseholdVisit:
    """入户走访: a grid worker or member of staff logs a visit; issues raised link to it."""
    building = household.building
    if not (
        visitor.has_perm("communities.act_in_area", building)
        or _is_grid_worker_of(visitor, building)
    ):
        raise PermissionDenied(_("You may not visit households here."))
    return HouseholdVisit.objects.create(
        household=household,
        visitor=visitor,
        needs_heard=needs_heard.strip(),
        visited_at=visited_at or timezone.now(),
    )


# --- The state machine ---------------------------------------------------------------------------


def _locked(issue: Issue) -> Issue:
    return (
        Issue.objects.select_for_update(of=("self",))
        .select_related("area", "handling_area")
        .get(pk=issue.pk)
    )


def _transition(
    issue: Issue,
    action: str,
    *,
    by: User | None,
    perm: str | None,
    note: str = "",
    fields: dict | None = None,
    role: str | None = None,
    **event,
) -> tuple[Issue, IssueEvent]:
    """Move the issue along TRANSITIONS, or refuse with a message saying why not. `fields` are
    saved in the same UPDATE as the status (a merged issue names its target at once). `perm=None`
    means the caller has checked who may act; `role` names who acted when the caller knows better
    than `_role_of` (an organisation keeping its public commitment)."""
    allowed_from, to_status, kind = TRANSITIONS[action]
    issue = _locked(issue)
    if perm is not None and (by is None or not by.has_perm(perm, issue)):
        raise PermissionDenied(_("You may not do this with this issue."))
    if issue.status not in allowed_from:
        raise ValidationError(
            _("An issue that is “%(status)s” cannot be %(action)s.")
            % {"status": issue.get_status_display(), "action": _action_label(action)},
            code="invalid_transition",
        )
    from_status = issue.status
    issue.status = to_status
    for name, value in (fields or {}).items():
        setattr(issue, name, value)
    issue.save(update_fields=["status", *(fields or {})])
    entry = _record(
        issue,
        kind=kind,
        by=by,
        role=role or _role_of(by, issue),
        from_status=from_status,
        to_status=to_status,
        note=note,
        **event,
    )
    return issue, entry


def _action_label(action: str) -> str:
    return {
        "accept": _("accepted"),
        "reject": _("rejected"),
        "merge": _("merged"),
        "assign": _("assigned"),
        "commit": _("committed"),
        "start": _("started"),
        "resolve": _("resolved"),
        "close": _("closed"),
        "reopen": _("reopened"),
    }[action]


@transaction.atomic
def accept_issue(*, issue: Issue, by: User, note: str = "") -> Issue:
    issue, event = _transition(issue, "accept", by=by, perm="deliberation.triage_issue", note=note)
    issue.accepted_at = event.at
    issue.save(update_fields=["accepted_at"])
    _count(issue, accepted=1)
    _notify_after_commit(issue, event)
    return issue


@transaction.atomic
def reject_issue(*, issue: Issue, by: User, reason: str) -> Issue:
    """Not accepted: the reporter is told why, in words."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the issue is not accepted.")})
    issue, event = _transition(
        issue, "reject", by=by, perm="deliberation.triage_issue", note=reason.strip()
    )
    issue.closed_at = event.at
    issue.save(update_fields=["closed_at"])
    _notify_after_commit(issue, event)
    return issue


@transaction.atomic
def merge_issue(*, issue: Issue, into: Issue, by: User) -> Issue:
    """A duplicate: its reporter becomes a supporter of the issue it duplicates."""
    if into.pk == issue.pk or not into.is_open:
        raise ValidationError({"into": _("Choose another open issue to merge into.")})
    issue, event = _transition(
        issue,
        "merge",
        by=by,
        perm="deliberation.triage_issue",
        note=f"#{into.pk} {into.title}",
        fields={"merged_into": into, "closed_at": timezone.now()},
    )
    if issue.reporter_id and issue.reporter_id != into.reporter_id:
        _add_support(into, issue.reporter)
    _notify_after_commit(issue, event)
    return issue


@transaction.atomic
def assign_issue(*, issue: Issue, organization: Organization, by: User, note: str = "") -> Issue:
    """The right party takes it on. It must serve the place: its reach includes the issue's area."""
    if not _organization_reaches(organization, issue.area):
        raise ValidationError(
            {"organization": _("%(name)s does not serve this place.") % {"name": organization.name}}
        )
    issue, event = _transition(
        issue,
        "assign",
        by=by,
        perm="deliberation.triage_issue",
        note=note,
        organization=organization,
    )
    _given_to(issue, organization, at=event.at)
    _notify_after_commit(issue, event)
    return issue


def _given_to(issue: Issue, organization: Organization, *, at) -> None:
    """The issue is now the organisation's. The funnel's `committed` counts an issue once, the
    first time a party takes it on, whether by assignment or by a public commitment."""
    first_time = issue.assigned_at is None
    issue.assigned_to = organization
    issue.assigned_at = issue.assigned_at or at
    issue.save(update_fields=["assigned_to", "assigned_at"])
    if first_time:
        _count(issue, committed=1)


def _organization_reaches(organization: Organization, area: Area) -> bool:
    # Departments answer for the whole district they are summoned to.
    return organization.kind == Organization.Kind.DEPARTMENT or organization.reaches(area)


@transaction.atomic
def start_work(*, issue: Issue, by: User, note: str = "") -> Issue:
    issue, event = _transition(issue, "start", by=by, perm="deliberation.work_on_issue", note=note)
    _notify_after_commit(issue, event)
    return issue


@transaction.atomic
def resolve_issue(*, issue: Issue, by: User, note: str, photos: list | None = None) -> Issue:
    """民办: the work is done; the note says what was done, photos may show it."""
    if not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    return _resolve(
        issue, by=by, perm="deliberation.work_on_issue", note=note.strip(), photos=photos
    )


def _resolve(
    issue: Issue,
    *,
    by: User | None,
    perm: str | None,
    note: str,
    photos: list | None = None,
    **event,
) -> Issue:
    issue, entry = _transition(issue, "resolve", by=by, perm=perm, note=note, **event)
    issue.resolved_at = entry.at
    issue.save(update_fields=["resolved_at"])
    for photo in photos or []:
        IssuePhoto.objects.create(issue=issue, event=entry, image=photo)
    _count(issue, resolved=1, resolved_on_time=int(issue.resolved_at <= issue.deadline))
    _notify_after_commit(issue, entry)
    return issue


@transaction.atomic
def rate_issue(*, issue: Issue, by: User, rating: int, comment: str = "") -> Issue:
    """民评: the reporter rates the result. Happy (3 or more) closes it; unhappy reopens it."""
    if rating not in range(1, 6):
        raise ValidationError({"rating": _("Choose from 1 to 5 stars.")})
    if not by.has_perm("deliberation.rate_issue", issue):
        raise PermissionDenied(_("Only the person who reported it can rate the result."))
    issue = _locked(issue)
    if issue.status != S.RESOLVED:
        raise ValidationError(_("You can rate the result once the issue is resolved."))
    previous = issue.rating
    issue.rating = rating
    issue.rating_comment = comment.strip()
    issue.save(update_fields=["rating", "rating_comment"])
    _count(
        issue,
        rated=0 if previous else 1,
        rating_total=rating - (previous or 0),
    )
    stars = "★" * rating + "☆" * (5 - rating)
    event = _record(
        issue, kind=E.RATED, by=by, role=RESIDENT, note=f"{stars} {issue.rating_comment}".strip()
    )
    _notify_after_commit(issue, event)
    if rating >= 3:
        return _close(issue, by=by, note="")
    return _reopen(issue, by=by, note=_("The resident is not satisfied with the result."))


def _close(issue: Issue, *, by: User | None, note: str) -> Issue:
    issue, event = _transition(issue, "close", by=by, perm=None, note=note)
    issue.closed_at = event.at
    issue.save(update_fields=["closed_at"])
    _notify_after_commit(issue, event)
    return issue


def _reopen(issue: Issue, *, by: User | None, note: str) -> Issue:
    was_on_time = issue.resolved_at is not None and issue.resolved_at <= issue.deadline
    issue, event = _transition(issue, "reopen", by=by, perm=None, note=note)
    issue.resolved_at = None
    issue.closed_at = None
    issue.deadline = event.at + lane_duration(issue.lane)
    issue.save(update_fields=["resolved_at", "closed_at", "deadline"])
    _count(issue, resolved=-1, resolved_on_time=-int(was_on_time))
    _notify_after_commit(issue, event)
    return issue


@transaction.atomic
def reopen_issue(*, issue: Issue, by: User, evidence: str) -> Issue:
    """New evidence from the reporter (or triage staff) sends a resolved issue back to work."""
    if not evidence.strip():
        raise ValidationError({"evidence": _("Say what is still wrong.")})
    if not (
        by.has_perm("deliberation.rate_issue", issue)
        or by.has_perm("deliberation.triage_issue", issue)
    ):
        raise PermissionDenied(_("You may not reopen this issue."))
    return _reopen(issue, by=by, note=evidence.strip())


@transaction.atomic
def close_resolved_issues(*, now=None) -> int:
    """A resolved issue nobody rated closes itself after 7 days."""
    now = now or timezone.now()
    closed = 0
    stale = Issue.objects.filter(status=S.RESOLVED, resolved_at__lt=now - CLOSE_AFTER_RESOLVED)
    for issue in stale.only("pk").iterator():
        _close(issue, by=None, note=_("Closed automatically 7 days after it was resolved."))
        closed += 1
    return closed


# --- Public commitments: the issue's side ------------------------------------------------------


def _commit_issue(issue: Issue, *, commitment: Commitment, by: User) -> Issue:
    """An organisation publicly commits to the issue (公开承诺). Its timeline says who committed to
    what, by when; an accepted issue is given to that organisation on the way ("commit" in
    TRANSITIONS), one already being worked on keeps its party. A report not yet accepted is
    accepted first, by the same person. The commitment service has checked who may commit and
    that the issue can be committed to (`committable_statuses`)."""
    organization = commitment.organization
    issue = _locked(issue)
    if issue.status == S.SUBMITTED:
        issue = accept_issue(issue=issue, by=by)
    note = _("%(organization)s commits to “%(title)s” by %(due)s.") % {
        "organization": organization.name,
        "title": commitment.title,
        "due": commitment.due_on.isoformat(),
    }
    if issue.status == S.ACCEPTED:
        issue, event = _transition(
            issue,
            "commit",
            by=by,
            perm=None,
            note=note,
            role=organization.name,
            organization=organization,
            commitment=commitment,
        )
        _given_to(issue, organization, at=event.at)
    elif issue.status in (S.ASSIGNED, S.IN_PROGRESS):
        event = _record(
            issue,
            kind=E.COMMITTED,
            by=by,
            role=organization.name,
            note=note,
            organization=organization,
            commitment=commitment,
        )
    else:
        raise ValidationError(
            {"issues": _("Issue #%(pk)s is no longer open.") % {"pk": issue.pk}},
            code="invalid_transition",
        )
    _notify_after_commit(issue, event)
    return issue


def committable_statuses(user: User, issue: Issue) -> frozenset[str]:
    """What an issue may be in for the user to commit to it: taken on and not yet done; also
    just reported, when the user may accept it (committing accepts it)."""
    taken_on = frozenset({S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS})
    if user.has_perm("deliberation.triage_issue", issue):
        return taken_on | {S.SUBMITTED}
    return taken_on


def _settle_issue(issue: Issue, *, commitment: Commitment, by: User) -> Issue:
    """The commitment has its result. Fulfilled: the issue is resolved, if it is still being
    worked on, through the same step as any resolution (the note says what was done). Partly or
    not fulfilled: it stays open, and its timeline says so and why."""
    issue = _locked(issue)
    if issue.status not in (S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS):
        return issue  # resolved, closed or merged meanwhile: nothing left to settle
    organization = commitment.organization
    if commitment.status == Commitment.Status.FULFILLED and issue.status != S.ACCEPTED:
        note = commitment.result_note or _(
            "Done: the public commitment “%(title)s” is fulfilled."
        ) % {"title": commitment.title}
        return _resolve(
            issue,
            by=by,
            perm=None,
            note=note,
            role=organization.name,
            organization=organization,
            commitment=commitment,
        )
    note = _("%(result)s: %(reason)s") % {
        "result": commitment.get_status_display(),
        "reason": commitment.result_note,
    }
    event = _record(
        issue,
        kind=E.COMMITMENT_RESULT,
        by=by,
        role=organization.name,
        note=note,
        organization=organization,
        commitment=commitment,
    )
    _notify_after_commit(issue, event)
    return issue


# --- Escalation: 社区呼叫、街道吹哨、部门报到 ---------------------------------------------------------


@transaction.atomic
def escalate_issue(*, issue: Issue, by: User | None, reason: str) -> Issue:
    """Move the issue one tier up the tree (compound → community → street); the new tier's queue
    sees it at once and a new deadline runs. `by=None` is the periodic task."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the issue goes up a tier.")})
    issue = _locked(issue)
    if by is not None and not by.has_perm("deliberation.triage_issue", issue):
        raise PermissionDenied(_("You may not escalate this issue."))
    if not issue.is_open or issue.status == S.RESOLVED:
        raise ValidationError(_("Only an open issue can be escalated."))
    if issue.handling_area.level <= Area.Level.STREET:
        raise ValidationError(
            _("The issue is already with the street; the street summons departments instead.")
        )
    upper = Area.objects.get(path=issue.handling_area.path[: -issue.handling_area.steplen])
    issue.handling_area = upper
    issue.escalations = F("escalations") + 1
    issue.deadline = timezone.now() + lane_duration(issue.lane)
    issue.save(update_fields=["handling_area", "escalations", "deadline"])
    issue.refresh_from_db(fields=["escalations"])
    event = _record(
        issue,
        kind=E.ESCALATED,
        by=by,
        role=_role_of(by, issue),
        note=reason.strip(),
        area=upper,
    )
    _notify_after_commit(issue, event)
    return issue


@transaction.atomic
def escalate_overdue_issues(*, now=None) -> list[int]:
    """The periodic task: each open issue past its deadline climbs one tier, once: escalating
    sets a new deadline, so running again before it passes changes nothing."""
    now = now or timezone.now()
    escalated = []
    overdue = (
        Issue.objects.overdue(now)
        .filter(handling_area__level__gt=Area.Level.STREET)
        .select_for_update(skip_locked=True, of=("self",))
        .only("pk")
    )
    for issue in overdue:
        escalate_issue(issue=issue, by=None, reason=_("The deadline passed without a result."))
        escalated.append(issue.pk)
    return escalated


@transaction.atomic
def summon_department(*, issue: Issue, department: Organization, by: User, reason: str) -> Summons:
    """街道吹哨: the street calls a department to the issue; it must check in (报到)."""
    issue = _locked(issue)
    if not by.has_perm("deliberation.triage_issue", issue):
        raise PermissionDenied(_("You may not summon departments for this issue."))
    if department.kind != Organization.Kind.DEPARTMENT:
        raise ValidationError({"department": _("Only a government department can be summoned.")})
    summons, created = Summons.objects.get_or_create(issue=issue, organization=department)
    if created:
        event = _record(
            issue,
            kind=E.SUMMONED,
            by=by,
            role=_role_of(by, issue),
            note=reason.strip(),
            organization=department,
        )
        _notify_after_commit(issue, event)
    return summons


@transaction.atomic
def check_in(*, issue: Issue, by: User, note: str = "") -> Summons:
    """部门报到: a summoned department says it is on the issue."""
    summons = (
        Summons.objects.select_for_update(of=("self",))
        .filter(
            issue=issue, organization__memberships__in=Membership.objects.active().filter(user=by)
        )
        .select_related("organization")
        .first()
    )
    if summons is None:
        raise PermissionDenied(_("Your department was not summoned to this issue."))
    if summons.checked_in_at is None:
        summons.checked_in_at = timezone.now()
        summons.checked_in_by = by
        summons.save(update_fields=["checked_in_at", "checked_in_by"])
        event = _record(
            issue,
            kind=E.CHECKED_IN,
            by=by,
            role=summons.organization.name,
            note=note.strip(),
            organization=summons.organization,
        )
        _notify_after_commit(issue, event)
    return summons


# --- Support and mediation -------------------------------------------------------------------------


@transaction.atomic
def support_issue(*, issue: Issue, by: User) -> Issue:
    """Me too (我也遇到): adds weight once per person; the reporter cannot support their own."""
    if not by.has_perm("deliberation.view_issue", issue):
        raise PermissionDenied(_("You may not see this issue."))
    if issue.reporter_id == by.pk:
        raise ValidationError(_("You reported this issue yourself."))
    if not issue.is_open:
        raise ValidationError(_("This issue is closed."))
    _add_support(issue, by)
    issue.refresh_from_db(fields=["supporters_count"])
    return issue


def _add_support(issue: Issue, user: User) -> None:
    _support, created = Support.objects.get_or_create(issue=issue, user=user)
    if created:
        Issue.objects.filter(pk=issue.pk).update(supporters_count=F("supporters_count") + 1)
        public_issues_changed()


@transaction.atomic
def assign_mediator(*, issue: Issue, mediator: User, by: User) -> Issue:
    """矛盾调解: a dispute gets a mediator of its area."""
    from communities import reach
    from communities.models import AreaRole

    issue = _locked(issue)
    if not by.has_perm("deliberation.triage_issue", issue):
        raise PermissionDenied(_("You may not assign a mediator here."))
    if not reach.is_within(issue.area.path, reach.role_paths(mediator, AreaRole.Kind.MEDIATOR)):
        raise ValidationError({"mediator": _("This person is not a mediator of this place.")})
    issue.mediator = mediator
    issue.save(update_fields=["mediator"])
    return issue


@transaction.atomic
def record_mediation_outcome(*, issue: Issue, outcome: str, by: User, note: str) -> Issue:
    if outcome not in Issue.Outcome.values:
        raise ValidationError({"outcome": _("Choose mediated, not mediated or referred.")})
    issue = _locked(issue)
    if not (issue.mediator_id == by.pk or by.has_perm("deliberation.triage_issue", issue)):
        raise PermissionDenied(_("Only the mediator records the outcome."))
    issue.outcome = outcome
    issue.save(update_fields=["outcome"])
    _record(
        issue,
        kind=E.MEDIATED,
        by=by,
        role=_role_of(by, issue),
        note=f"{Issue.Outcome(outcome).label}. {note.strip()}".strip(),
    )
    return issue


# --- Privacy -----------------------------------------------------------------------------------------


@transaction.atomic
def reveal_reporter(*, issue: Issue, by: User):
    """Staff who handle the issue may call the reporter: they see the name and number only by
    asking, and the asking is recorded (communities.PersonalDataAccess)."""
    from communities.services import record_personal_data_access

    if issue.reporter is None or not by.has_perm("deliberation.see_reporter", issue):
        raise PermissionDenied(_("You may not see who reported this issue."))
    return record_personal_data_access(by=by, person=issue.reporter, context=f"issue {issue.pk}")


# --- Timeline, counters, notifications --------------------------------------------------------------


def _record(
    issue: Issue,
    *,
    kind: str,
    by: User | None,
    role: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    organization: Organization | None = None,
    area: Area | None = None,
    commitment: Commitment | None = None,
) -> IssueEvent:
    """Append one entry to the issue's timeline, linked into its hash chain. The issue row is
    locked first (most callers hold the lock already), so entries of one issue are chained one
    after another, never two onto the same predecessor."""
    Issue.objects.select_for_update().filter(pk=issue.pk).values_list("pk", flat=True).get()
    public_issues_changed()
    return timeline.append(
        IssueEvent(
            issue=issue,
            kind=kind,
            actor=by,
            actor_role=role,
            from_status=from_status,
            to_status=to_status,
            note=note,
            organization=organization,
            area=area,
            commitment=commitment,
        )
    )


def _role_of(user: User | None, issue: Issue) -> str:
    """The words the public timeline shows for who acted: an organisation's name for staff,
    "resident" for residents. Never a resident's name."""
    if user is None:
        return SYSTEM
    if issue.reporter_id == user.pk:
        return RESIDENT
    membership = (
        Membership.objects.active()
        .filter(user=user, organization__area__path__in=ancestor_paths(issue.area.path))
        .select_related("organization")
        .order_by("-organization__area__depth")
        .first()
    ) or (
        Membership.objects.active()
        .filter(user=user, organization=issue.assigned_to)
        .select_related("organization")
        .first()
    )
    if membership:
        return membership.organization.name
    if user.is_superuser:
        return ADMINISTRATOR
    return RESIDENT


def _count(issue: Issue, **deltas: int) -> None:
    """Add to the funnel counters of the issue's area and every area above it, for the month
    it was submitted in."""
    deltas = {field: delta for field, delta in deltas.items() if delta}
    if not deltas:
        return
    month = timezone.localtime(issue.submitted_at).date().replace(day=1)
    area_ids = list(
        Area.objects.filter(path__in=ancestor_paths(issue.area.path)).values_list("pk", flat=True)
    )
    existing = set(
        FunnelCount.objects.filter(area_id__in=area_ids, month=month).values_list(
            "area_id", flat=True
        )
    )
    FunnelCount.objects.bulk_create(
        [
            FunnelCount(area_id=area_id, month=month)
            for area_id in area_ids
            if area_id not in existing
        ],
        ignore_conflicts=True,
    )
    FunnelCount.objects.filter(area_id__in=area_ids, month=month).update(
        **{field: F(field) + delta for field, delta in deltas.items()}
    )


def _notify_after_commit(issue: Issue, event: IssueEvent) -> None:
    from deliberation.tasks import notify_followers

    enqueue_after_commit(notify_followers, event.pk)
