"""A meeting in session and its minutes: the counting staff's desk (opening, attendance by
party with the quorum, motions, votes, paper ballots), the representatives' and owners' ballot
buttons, the results of closed votes, and the minutes with their confirmations and
resolutions.

While a vote is open these pages show how many ballots are in and nothing else: no choice, no
running tally, for anyone, staff and superusers included. The result appears when it closes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.forms import add_service_errors, errors_to_messages, form_errors_to_messages
from communities.models import Area, Household, Residency, User
from deliberation import services
from deliberation.forms.meeting_session import (
    BallotForm,
    MinutesForm,
    MotionForm,
    ObserverForm,
    PaperBallotForm,
    ResolutionForm,
)
from deliberation.models import (
    AgendaItem,
    Attendance,
    Invitation,
    Meeting,
    Minutes,
    MinutesConfirmation,
    Motion,
    MotionElector,
    MotionReceipt,
    Resolution,
)
from deliberation.services import meeting_session as session
from deliberation.services import minutes as minutes_services

Unit = Motion.VotingUnit


def _meeting(request, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("area", "organization", "matter"),
        pk=pk,
    )


def _motion(request, pk: int) -> Motion:
    motion = get_object_or_404(
        Motion.objects.select_related(
            "agenda_item__meeting__area", "agenda_item__meeting__organization"
        ),
        pk=pk,
    )
    # Fetched through its meeting's visibility, so a guessed id of a hidden meeting is a 404.
    _meeting(request, motion.agenda_item.meeting_id)
    return motion


def _session_url(meeting: Meeting) -> str:
    return reverse("deliberation:meeting_session", kwargs={"pk": meeting.pk})


def _minutes_url(meeting: Meeting) -> str:
    return reverse("deliberation:minutes_detail", kwargs={"pk": meeting.pk})


def _refused(request, error: Exception, status: int, meeting: Meeting, *, page: str = "session"):
    """A button press the service refused: the page again with the reason, and a 4xx, so
    nothing looks like it worked."""
    if isinstance(error, ValidationError):
        errors_to_messages(request, error)
    else:
        messages.error(request, str(error) or _("You may not do this here."))
    if page == "minutes":
        return _minutes_page(request, meeting, status=status)
    return _session_page(request, meeting, status=status)


def _ballot_states(meeting: Meeting, motions: list[Motion], user) -> dict[int, dict]:
    """For each open vote, what this person may do: vote (for which households), or nothing
    because they voted or are not in its electorate. Never what anyone chose. A fixed number of
    queries, however many votes are open."""
    open_votes = [motion for motion in motions if motion.status == Motion.Status.OPEN]
    if not user.is_authenticated or not open_votes:
        return {}
    pks = [motion.pk for motion in open_votes]
    present = Attendance.objects.filter(
        meeting=meeting, user=user, left_at__isnull=True, party__isnull=False
    ).first()
    homes = {
        home.pk: home
        for home in Household.objects.filter(
            residencies__user=user,
            residencies__relation=Residency.Relation.OWNER,
            residencies__status=Residency.Status.VERIFIED,
        ).select_related("building")
    }
    mine_as_elector = Q(user=user) | Q(household_id__in=list(homes))
    mine_as_receipt = Q(voter=user, party__isnull=True, household__isnull=True) | Q(
        household_id__in=list(homes)
    )
    if present is not None:
        mine_as_elector |= Q(party_id=present.party_id, user__isnull=True)
        mine_as_receipt |= Q(party_id=present.party_id)
    electors = list(MotionElector.objects.filter(mine_as_elector, motion_id__in=pks))
    receipts = list(MotionReceipt.objects.filter(mine_as_receipt, motion_id__in=pks))
    states = {}
    for motion in open_votes:
        mine = [e for e in electors if e.motion_id == motion.pk]
        cast = [r for r in receipts if r.motion_id == motion.pk]
        if motion.voting_unit == Unit.HOUSEHOLD:
            owned = [homes[e.household_id] for e in mine if e.household_id in homes]
            voted = {r.household_id for r in cast}
            waiting = [home for home in owned if home.pk not in voted]
            states[motion.pk] = {
                "eligible": bool(owned),
                "voted": bool(owned) and not waiting,
                "households": waiting,
            }
        elif present is not None:
            if motion.voting_unit == Unit.PERSON:
                eligible = any(e.user_id == user.pk for e in mine)
                voted = any(r.voter_id == user.pk and r.party_id is None for r in cast)
            else:
                eligible = any(e.party_id == present.party_id and e.user_id is None for e in mine)
                voted = any(r.party_id == present.party_id for r in cast)
            states[motion.pk] = {"eligible": eligible, "voted": eligible and voted}
    return states


def meeting_session(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting in session: for counting staff the desk, for representatives and owners
    their ballot, for everyone the parties present and the decided motions."""
    return _session_page(request, _meeting(request, pk))


def _session_page(request, meeting: Meeting, *, status: int = 200) -> HttpResponse:
    may_run = request.user.has_perm("deliberation.run_meeting", meeting)
    agenda = list(
        AgendaItem.objects.filter(meeting=meeting).prefetch_related(
            Prefetch(
                "motions",
                queryset=Motion.objects.annotate(turnout=Count("receipts")).order_by("pk"),
            )
        )
    )
    motions = [motion for item in agenda for motion in item.motions.all()]
    states = _ballot_states(meeting, motions, request.user)
    for item in agenda:
        # One form per item on the page: ids unique per item.
        item.motion_form = MotionForm(auto_id=f"id_item{item.pk}_%s") if may_run else None
    for motion in motions:
        motion.mine = states.get(motion.pk, {})
    if may_run:
        _add_paper_choices(meeting, [m for m in motions if m.status == Motion.Status.OPEN])
    context = {
        "meeting": meeting,
        "area": meeting.area,
        "ancestors": Area.objects.above(meeting.area, include_self=False),
        "may_run": may_run,
        "quorum": session.quorum_of(meeting),
        "agenda": agenda,
    }
    if may_run:
        present = Attendance.objects.filter(meeting=meeting).select_related(
            "user", "party__organization"
        )
        here = {row.user_id for row in present if row.left_at is None}
        context.update(
            attendance=present,
            waiting=Invitation.objects.filter(meeting=meeting)
            .exclude(user_id__in=here)
            .select_related("user", "party__organization"),
            observer_form=ObserverForm(),
        )
    return render(request, "deliberation/session_detail.html", context, status=status)


def _add_paper_choices(meeting: Meeting, open_votes: list[Motion]) -> None:
    """The households and voters counting staff may enter a paper ballot for, per open vote,
    in three queries however many votes are open."""
    if not open_votes:
        return
    households = {}
    for elector in MotionElector.objects.filter(
        motion__in=open_votes, household__isnull=False
    ).select_related("household__building"):
        households.setdefault(elector.motion_id, []).append(elector.household)
    voters = list(
        User.objects.filter(
            pk__in=Attendance.objects.filter(meeting=meeting, party__isnull=False).values("user_id")
        ).order_by("full_name")
    )
    for motion in open_votes:
        motion.paper_households = households.get(motion.pk, [])
        motion.paper_voters = voters


def _paper_form(motion: Motion, data=None) -> PaperBallotForm:
    electors = MotionElector.objects.filter(motion=motion)
    return PaperBallotForm(
        data,
        households=Household.objects.filter(
            pk__in=electors.filter(household__isnull=False).values("household_id")
        ).select_related("building"),
        voters=User.objects.filter(
            pk__in=Attendance.objects.filter(
                meeting_id=motion.agenda_item.meeting_id, party__isnull=False
            ).values("user_id")
        ),
    )


def _may_run(request, meeting: Meeting) -> None:
    if not request.user.has_perm("deliberation.run_meeting", meeting):
        raise PermissionDenied


@login_required
@require_POST
def session_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Open or close the meeting."""
    meeting = _meeting(request, pk)
    act = {"open": services.open_meeting, "close": services.close_meeting}.get(action)
    if act is None:
        raise Http404
    try:
        act(meeting=meeting, by=request.user)
    except PermissionDenied as error:
        return _refused(request, error, 403, meeting)
    except ValidationError as error:
        return _refused(request, error, 400, meeting)
    if action == "open":
        messages.success(request, _("The meeting is in session."))
    else:
        messages.success(request, _("The meeting is closed. Write and send its minutes."))
    return redirect(_session_url(meeting))


@login_required
@require_POST
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Counting staff note someone present: an invitee (a button per invitee), or anyone, by
    login name or mobile number, as an observer."""
    meeting = _meeting(request, pk)
    _may_run(request, meeting)
    person = None
    observer = False
    if "who" in request.POST:
        form = ObserverForm(request.POST)
        if form.is_valid():
            person, observer = form.cleaned_data["who"], True
    else:
        invitee = meeting.invitations.filter(user_id=_int(request.POST.get("person"))).first()
        person = invitee.user if invitee else None
        if person is None:
            messages.error(request, _("Choose someone invited to the meeting."))
    if person is None:
        if "who" in request.POST:
            form_errors_to_messages(request, form)
        return _session_page(request, meeting, status=400)
    try:
        services.record_attendance(
            meeting=meeting, person=person, observer=observer, by=request.user
        )
    except PermissionDenied as error:
        return _refused(request, error, 403, meeting)
    except ValidationError as error:
        return _refused(request, error, 400, meeting)
    return redirect(_session_url(meeting))


@login_required
@require_POST
def session_attendance_act(
    request: HttpRequest, pk: int, attendance_pk: int, action: str
) -> HttpResponse:
    """Someone leaves, or was noted by mistake."""
    meeting = _meeting(request, pk)
    _may_run(request, meeting)
    attendance = get_object_or_404(Attendance, meeting=meeting, pk=attendance_pk)
    act = {"leave": services.record_leaving, "undo": services.undo_attendance}.get(action)
    if act is None:
        raise Http404
    try:
        act(attendance=attendance, by=request.user)
    except PermissionDenied as error:
        return _refused(request, error, 403, meeting)
    except ValidationError as error:
        return _refused(request, error, 400, meeting)
    return redirect(_session_url(meeting))


@login_required
@require_POST
def motion_new(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _may_run(request, meeting)
    item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)
    form = MotionForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _session_page(request, meeting, status=400)
    try:
        services.propose_motion(agenda_item=item, by=request.user, **form.cleaned_data)
    except PermissionDenied as error:
        return _refused(request, error, 403, meeting)
    except ValidationError as error:
        return _refused(request, error, 400, meeting)
    messages.success(request, _("The motion is on the agenda. Open the vote when ready."))
    return redirect(_session_url(meeting))


@login_required
@require_POST
def motion_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Open or close a vote."""
    motion = _motion(request, pk)
    meeting = motion.agenda_item.meeting
    act = {"open": services.open_vote, "close": services.close_vote}.get(action)
    if act is None:
        raise Http404
    try:
        act(motion=motion, by=request.user)
    except PermissionDenied as error:
        return _refused(request, error, 403, meeting)
    except ValidationError as error:
        return _refused(request, error, 400, meeting)
    if action == "close":
        messages.success(request, _("The vote is closed and counted."))
        return redirect("deliberation:motion_detail", pk=motion.pk)
    messages.success(request, _("Voting is open."))
    return redirect(_session_url(meeting))


@login_required
@require_POST
def motion_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """A representative's or an owner's own ballot."""
    motion = _motion(request, pk)
    meeting = motion.agenda_item.meeting
    form = BallotForm(request.POST, households=session.owned_households(motion, request.user))
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _session_page(request, meeting, status=400)
    try:
        services.cast_motion_ballot(
            motion=motion,
            voter=request.user,
            choice=form.cleaned_data["choice"],
            household=form.cleaned_data["household"],
        )
    except PermissionDenied as error:
        return _refused(request, error, 403, meeting)
    except ValidationError as error:
        return _refused(request, error, 400, meeting)
    if motion.secret:
        messages.success(request, _("Your ballot is in. It is secret: nobody sees what you chose."))
    else:
        messages.success(request, _("Your ballot is in. Everyone sees it once the vote closes."))
    return redirect(_session_url(meeting))


@login_required
@require_POST
def motion_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """Counting staff enter a paper ballot."""
    motion = _motion(request, pk)
    meeting = motion.agenda_item.meeting
    _may_run(request, meeting)
    form = _paper_form(motion, request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _session_page(request, meeting, status=400)
    try:
        services.enter_paper_ballot(motion=motion, by=request.user, **form.cleaned_data)
    except PermissionDenied as error:
        return _refused(request, error, 403, meeting)
    except ValidationError as error:
        return _refused(request, error, 400, meeting)
    messages.success(request, _("The paper ballot is entered."))
    return redirect(_session_url(meeting))


def motion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A motion: while open only its turnout; once closed the tally by choice, area and
    headcount, the decision and its reasons, and for an open vote who chose what."""
    motion = _motion(request, pk)
    meeting = motion.agenda_item.meeting
    return render(
        request,
        "deliberation/session_motion.html",
        {
            "meeting": meeting,
            "motion": motion,
            "area": meeting.area,
            "ancestors": Area.objects.above(meeting.area, include_self=False),
            "turnout": session.turnout(motion),
            "outcome": session.outcome_of(motion),
            "ballots": session.open_ballots(motion),
            # Counting staff read voters' names; everyone else their party and 张** only.
            "full_names": request.user.has_perm("deliberation.run_meeting", meeting),
        },
    )


# --- Minutes ---------------------------------------------------------------------------------


def _minutes_page(request, meeting: Meeting, *, form=None, resolution_form=None, status=200):
    """Published minutes are public; before that the organisers see them, and once sent for
    confirmation so do those who attended for a party, who confirm them."""
    minutes = Minutes.objects.filter(meeting=meeting).select_related("notice").first()
    may_run = request.user.has_perm("deliberation.run_meeting", meeting)
    present = minutes_services.parties_present(meeting)
    confirmations = {}
    attended_for = set()
    if minutes is not None:
        confirmations = {
            row.party_id: row for row in MinutesConfirmation.objects.filter(minutes=minutes)
        }
        if request.user.is_authenticated:
            attended_for = set(
                Attendance.objects.filter(
                    meeting=meeting, user=request.user, party__isnull=False
                ).values_list("party_id", flat=True)
            )
    confirming = minutes is not None and minutes.submitted_at and not minutes.published_at
    my_parties = [
        party
        for party in present
        if confirming and party.pk in attended_for and party.pk not in confirmations
    ]
    shown = minutes
    if minutes is not None and not (
        minutes.published_at or may_run or (minutes.submitted_at and attended_for)
    ):
        shown = None
    return render(
        request,
        "deliberation/minutes_detail.html",
        {
            "meeting": meeting,
            "area": meeting.area,
            "ancestors": Area.objects.above(meeting.area, include_self=False),
            "minutes": shown,
            "may_run": may_run,
            "parties": [(party, confirmations.get(party.pk)) for party in present],
            "my_parties": my_parties,
            "resolutions": Resolution.objects.filter(meeting=meeting)
            .select_related("responsible", "commitment")
            .prefetch_related("issues"),
            "form": form or MinutesForm(initial={"body": minutes.body if minutes else ""}),
            "resolution_form": resolution_form or ResolutionForm(meeting=meeting),
        },
        status=status,
    )


def minutes_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes: published, for everyone; being written, for the organisers; sent for
    confirmation, also for the representatives who confirm them."""
    meeting = _meeting(request, pk)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={_minutes_url(meeting)}")
        _may_run(request, meeting)
        form = MinutesForm(request.POST)
        if not form.is_valid():
            return _minutes_page(request, meeting, form=form, status=400)
        try:
            services.write_minutes(meeting=meeting, body=form.cleaned_data["body"], by=request.user)
        except PermissionDenied:
            raise
        except ValidationError as error:
            add_service_errors(form, error)
            return _minutes_page(request, meeting, form=form, status=400)
        messages.success(request, _("The minutes are saved."))
        return redirect(_minutes_url(meeting))
    return _minutes_page(request, meeting)


@login_required
@require_POST
def minutes_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Send for confirmation, confirm for a party, publish."""
    meeting = _meeting(request, pk)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        messages.error(request, _("Write the minutes first."))
        return _minutes_page(request, meeting, status=400)
    try:
        if action == "submit":
            services.submit_minutes(minutes=minutes, by=request.user)
            messages.success(request, _("The minutes are sent to the parties for confirmation."))
        elif action == "confirm":
            party = meeting.parties.filter(pk=_int(request.POST.get("party"))).first()
            if party is None:
                raise ValidationError(_("Choose the party you confirm for."))
            services.confirm_minutes(minutes=minutes, party=party, by=request.user)
            messages.success(request, _("Thank you: your party has confirmed the minutes."))
        elif action == "publish":
            services.publish_minutes(minutes=minutes, by=request.user)
            messages.success(
                request,
                _("The minutes are on the notice board; the resolutions are public commitments."),
            )
        else:
            raise Http404
    except PermissionDenied as error:
        return _refused(request, error, 403, meeting, page="minutes")
    except ValidationError as error:
        return _refused(request, error, 400, meeting, page="minutes")
    return redirect(_minutes_url(meeting))


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() and len(str(value)) < 12 else None


@login_required
@require_POST
def minutes_resolution(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _may_run(request, meeting)
    form = ResolutionForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _minutes_page(request, meeting, resolution_form=form, status=400)
    try:
        services.record_resolution(meeting=meeting, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _minutes_page(request, meeting, resolution_form=form, status=400)
    messages.success(request, _("The resolution is recorded. It is published with the minutes."))
    return redirect(_minutes_url(meeting))
