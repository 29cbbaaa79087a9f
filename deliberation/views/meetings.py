"""Consultation meetings (议事协商): an area's meetings and catalogue, a meeting's page with its
parties and agenda, the organiser's forms, answers, "my meetings" and calendar files."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import reach
from communities.forms import add_service_errors, errors_to_messages
from communities.models import Area, Organization, Space, ancestor_paths
from deliberation import services
from deliberation.calendar import calendar_of
from deliberation.forms.meetings import (
    AgendaItemForm,
    AnswerForm,
    CancelForm,
    ConfirmForm,
    InviteForm,
    MatterForm,
    MeetingForm,
    MoveForm,
    PartyForm,
)
from deliberation.models import (
    AgendaItem,
    CalendarFeed,
    ConsultationMatter,
    Invitation,
    Issue,
    Meeting,
    MeetingParty,
    Party,
    Topic,
)
from deliberation.services.meetings import (
    attachable_issues,
    attachable_topics,
    calendar_feed_of,
    catalogue_for,
    invitable_people,
    meetings_of,
    required_parties_missing,
)
from deliberation.views.polls import organizations_acting_in

PAGE_SIZE = 20


def _meetings():
    return Meeting.objects.select_related("area", "organization", "booking__space")


def _visible_meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(_meetings().select_related("matter").visible_to(request.user), pk=pk)


def _organised_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = _visible_meeting(request, pk)
    if not request.user.has_perm("deliberation.organise_meeting", meeting):
        raise PermissionDenied
    return meeting


def _organises(user, meeting: Meeting) -> bool:
    """`deliberation.organise_meeting` for a meeting not yet held, from the memoised reach, so a
    list asks it of every row without a query each."""
    return meeting.status in (Meeting.Status.DRAFT, Meeting.Status.CONFIRMED) and (
        user.is_superuser
        or meeting.organization_id in reach.organization_ids(user)
        or reach.is_within(meeting.area.path, reach.managed_paths(user))
    )


def _may_plan_in(user, area: Area) -> list[Organization]:
    """The organisations the user may plan a meeting for here: their own that reach the area,
    and, for staff who manage it, every organisation seated on or above it."""
    if not user.is_authenticated:
        return []
    organizations = organizations_acting_in(user, area)
    if reach.is_within(area.path, reach.managed_paths(user)):
        paths = ancestor_paths(area.path)
        extra = Organization.objects.filter(
            Q(area__path__in=paths) | Q(area__path__startswith=area.path)
        ).order_by("name")
        organizations = list(
            {o.pk: o for o in [*organizations, *extra] if o.reaches(area)}.values()
        )
    return organizations


# --- An area's meetings and catalogue ------------------------------------------------------------


def area_meetings(request: HttpRequest, code: str) -> HttpResponse:
    """The meetings of a place and of the places under it: coming ones first, then past ones
    a page at a time. The public sees confirmed and held meetings; organisers also drafts."""
    area = get_object_or_404(Area, code=code)
    now = timezone.now()
    meetings = _meetings().visible_to(request.user).filter(area__path__startswith=area.path)
    past = Paginator(
        meetings.filter(ends_at__lt=now).order_by("-starts_at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    upcoming = list(meetings.filter(ends_at__gte=now).order_by("starts_at", "pk"))
    # From a topic's "bring it to a meeting": the meetings this person organises offer to
    # put the topic on their agenda.
    topic = None
    if request.GET.get("topic", "").isdigit() and request.user.is_authenticated:
        topic = (
            Topic.objects.visible_to(request.user).filter(pk=int(request.GET["topic"][:18])).first()
        )
        for meeting in upcoming:
            meeting.takes_topic = topic is not None and _organises(request.user, meeting)
    return render(
        request,
        "deliberation/meeting_list.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "upcoming": upcoming,
            "past": past,
            "topic": topic,
            "may_plan": bool(_may_plan_in(request.user, area)),
            "may_keep_catalogue": request.user.has_perm("deliberation.keep_catalogue", area),
        },
    )


def area_catalogue(request: HttpRequest, code: str) -> HttpResponse:
    """The consultation catalogue that applies to a place: its own and its ancestors'."""
    area = get_object_or_404(Area, code=code)
    return render(
        request,
        "deliberation/catalogue_list.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "matters": catalogue_for(area),
            "may_keep": request.user.has_perm("deliberation.keep_catalogue", area),
        },
    )


def _matter_fields(data) -> dict:
    return {
        "title": data["title"],
        "kind": data["kind"],
        "level": data["level"],
        "required_parties": data["required_parties"],
        "default_rule": data["default_rule"],
        "description": data["description"],
    }


@login_required
def catalogue_add(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(Area, code=code)
    if not request.user.has_perm("deliberation.keep_catalogue", area):
        raise PermissionDenied
    form = MatterForm(request.POST or None, initial={"level": min(area.level + 1, 5)})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_consultation_matter(
                area=area, by=request.user, **_matter_fields(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The matter is in the catalogue."))
            return redirect("deliberation:area_catalogue", code=area.code)
    return _matter_page(request, form, area, None)


def _matter_page(request, form, area, matter) -> HttpResponse:
    return render(
        request,
        "deliberation/catalogue_form.html",
        {
            "form": form,
            "area": area,
            "matter": matter,
            "ancestors": Area.objects.above(area, include_self=False),
        },
        status=400 if form.errors else 200,
    )


def _kept_matter(request, pk: int) -> ConsultationMatter:
    matter = get_object_or_404(ConsultationMatter.objects.select_related("area"), pk=pk)
    if not request.user.has_perm("deliberation.keep_catalogue", matter.area):
        raise PermissionDenied
    return matter


@login_required
def catalogue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _kept_matter(request, pk)
    initial = {name: getattr(matter, name) for name in _matter_fields(MatterForm().fields)}
    form = MatterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_consultation_matter(
                matter=matter, by=request.user, **_matter_fields(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The matter is changed."))
            return redirect("deliberation:area_catalogue", code=matter.area.code)
    return _matter_page(request, form, matter.area, matter)


@login_required
@require_POST
def catalogue_move(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _kept_matter(request, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        services.move_consultation_matter(
            matter=matter, by=request.user, up=form.cleaned_data["direction"] == "up"
        )
    return redirect("deliberation:area_catalogue", code=matter.area.code)


@login_required
@require_POST
def catalogue_remove(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _kept_matter(request, pk)
    services.remove_consultation_matter(matter=matter, by=request.user)
    messages.success(request, _("The matter is taken out of the catalogue."))
    return redirect("deliberation:area_catalogue", code=matter.area.code)


# --- Planning and changing -----------------------------------------------------------------------


def _spaces_serving(area: Area):
    return (
        Space.objects.filter(active=True)
        .filter(Q(area__path__in=ancestor_paths(area.path)) | Q(area__path__startswith=area.path))
        .select_related("area")
        .order_by("area__depth", "name")
    )


@login_required
def meeting_create(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(Area, code=code)
    organizations = _may_plan_in(request.user, area)
    if not organizations:
        raise PermissionDenied
    form = MeetingForm(
        request.POST or None,
        organizations=organizations,
        matters=catalogue_for(area).filter(level=area.level),
        spaces=_spaces_serving(area),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.plan_meeting(
                organization=data["organization"],
                area=area,
                kind=data["kind"],
                matter=data["matter"],
                title=data["title"],
                description=data["description"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                space=data["space"],
                online_url=data["online_url"],
                location_note=data["location_note"],
                capacity=data["capacity"],
                reminder_offsets=data["reminder_offsets"],
                by=request.user,
                submission_key=data["submission_key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("organization", str(error))
        else:
            messages.success(
                request,
                _("The meeting is planned. Seat the parties, invite people, then confirm it."),
            )
            return redirect("deliberation:meeting_parties", pk=meeting.pk)
    return render(
        request,
        "deliberation/meeting_form.html",
        {"form": form, "area": area, "ancestors": Area.objects.above(area, include_self=False)},
        status=400 if form.errors else 200,
    )


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    initial = {
        "title": meeting.title,
        "description": meeting.description,
        "starts_at": timezone.localtime(meeting.starts_at),
        "ends_at": timezone.localtime(meeting.ends_at),
        "location_note": meeting.location_note,
        "online_url": meeting.online_url,
        "capacity": meeting.capacity,
        "reminder_offsets": meeting.reminder_offsets,
    }
    form = MeetingForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_meeting(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting is changed; invitees are told."))
            return redirect(meeting)
    return render(
        request,
        "deliberation/meeting_form.html",
        {
            "form": form,
            "meeting": meeting,
            "area": meeting.area,
            "ancestors": Area.objects.above(meeting.area, include_self=False),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def meeting_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        services.confirm_meeting(
            meeting=meeting,
            by=request.user,
            confirm_anyway=form.cleaned_data.get("confirm_anyway", False),
        )
    except ValidationError as error:
        errors_to_messages(request, error)
        return redirect(meeting)
    messages.success(request, _("The meeting is confirmed; invitees are told and reminded."))
    return redirect(meeting)


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the meeting is cancelled; invitees are told."))
        return redirect(meeting)
    try:
        services.cancel_meeting(meeting=meeting, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        errors_to_messages(request, error)
        return redirect(meeting)
    messages.success(request, _("The meeting is cancelled; invitees are told."))
    return redirect(meeting)


# --- The meeting's page --------------------------------------------------------------------------


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(
        _meetings()
        .select_related("matter")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=MeetingParty.objects.select_related("organization").order_by("id"),
            ),
            Prefetch(
                "agenda",
                queryset=AgendaItem.objects.select_related("topic").prefetch_related(
                    Prefetch("issues", queryset=Issue.objects.visible_to(request.user))
                ),
            ),
        )
        .visible_to(request.user),
        pk=pk,
    )
    user = request.user
    organiser = user.has_perm("deliberation.organise_meeting", meeting)
    invitation = (
        Invitation.objects.filter(meeting=meeting, user=user).first()
        if user.is_authenticated
        else None
    )
    context = {
        "meeting": meeting,
        "area": meeting.area,
        "ancestors": Area.objects.above(meeting.area, include_self=False),
        "organiser": organiser,
        "may_change": organiser
        and meeting.status in (Meeting.Status.DRAFT, Meeting.Status.CONFIRMED),
        "invitation": invitation,
        "yes_count": meeting.invitations.filter(answer=Invitation.Answer.YES).count(),
        "answer_choices": AnswerForm().fields["answer"].choices,
        "missing": [Party(value).label for value in required_parties_missing(meeting)],
        "confirmed_without": [
            Party(value).label for value in meeting.confirmed_without if value in Party.values
        ],
        "may_answer": invitation is not None and _may_answer(meeting),
    }
    if organiser:
        context["invitations"] = meeting.invitations.select_related("user", "party")
        context["agenda_form"] = _agenda_form(meeting, user)
    return render(request, "deliberation/meeting_detail.html", context)


@login_required
@require_POST
def meeting_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The invitee's yes / no / maybe; with htmx, only the answer card is sent back."""
    meeting = _visible_meeting(request, pk)
    invitation = get_object_or_404(Invitation, meeting=meeting, user=request.user)
    form = AnswerForm(request.POST)
    error, status = "", 200
    if not form.is_valid():
        error, status = _("Answer yes, no or maybe."), 400
    else:
        try:
            invitation = services.answer_invitation(
                invitation=invitation, by=request.user, answer=form.cleaned_data["answer"]
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
    if request.htmx:
        return render(
            request,
            "deliberation/meeting_detail.html#answer",
            {
                "meeting": meeting,
                "invitation": invitation,
                "answer_choices": AnswerForm().fields["answer"].choices,
                "may_answer": _may_answer(meeting),
                "answer_error": error,
            },
            # A full meeting is an answer to show in the card (htmx swaps 2xx only); a value
            # no button sends is bad input.
            status=status,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Thank you, the organiser sees your answer."))
    return redirect(meeting)


def _may_answer(meeting: Meeting) -> bool:
    return (
        meeting.status in (Meeting.Status.DRAFT, Meeting.Status.CONFIRMED)
        and meeting.starts_at > timezone.now()
    )


# --- Parties and invitations ---------------------------------------------------------------------


def _organizations_of_area(meeting: Meeting):
    paths = ancestor_paths(meeting.area.path)
    candidates = Organization.objects.filter(
        Q(area__path__in=paths)
        | Q(area__path__startswith=meeting.area.path)
        | Q(served_areas__path__in=paths)
    ).distinct()
    reaching = [o.pk for o in candidates.select_related("area") if o.reaches(meeting.area)]
    return Organization.objects.filter(pk__in=reaching).order_by("kind", "name")


@login_required
def meeting_parties(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser's table: the parties, the people invited for each, and the forms to add
    more. Invitees are named here, to organisers only."""
    meeting = _organised_meeting(request, pk)
    party_form = PartyForm(organizations=_organizations_of_area(meeting))
    invite_form = InviteForm(meeting=meeting, people=invitable_people(meeting, None))
    return _parties_page(request, meeting, party_form, invite_form)


def _parties_page(request, meeting, party_form, invite_form, status=200) -> HttpResponse:
    return render(
        request,
        "deliberation/meeting_parties.html",
        {
            "meeting": meeting,
            "area": meeting.area,
            "ancestors": Area.objects.above(meeting.area, include_self=False),
            "parties": meeting.parties.select_related("organization").prefetch_related(
                Prefetch("invitations", queryset=Invitation.objects.select_related("user"))
            ),
            "observers": meeting.invitations.filter(party=None).select_related("user"),
            "missing": [Party(value).label for value in required_parties_missing(meeting)],
            "party_form": party_form,
            "invite_form": invite_form,
        },
        status=status,
    )


@login_required
@require_POST
def meeting_party_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    form = PartyForm(request.POST, organizations=_organizations_of_area(meeting))
    invite_form = InviteForm(meeting=meeting, people=invitable_people(meeting, None))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_party(
                meeting=meeting,
                by=request.user,
                organization=data["organization"],
                party="" if data["organization"] else data["party"],
                label=data["label"],
                quorum=data["quorum"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The party is at the table."))
            return redirect("deliberation:meeting_parties", pk=meeting.pk)
    return _parties_page(request, meeting, form, invite_form, status=400)


@login_required
@require_POST
def meeting_party_remove(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    party = get_object_or_404(MeetingParty, meeting=meeting, pk=party_pk)
    try:
        services.remove_party(party=party, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    return redirect("deliberation:meeting_parties", pk=meeting.pk)


@login_required
@require_POST
def meeting_invite(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    form = InviteForm(request.POST, meeting=meeting, people=invitable_people(meeting, None))
    party_form = PartyForm(organizations=_organizations_of_area(meeting))
    if form.is_valid():
        try:
            services.invite(
                meeting=meeting,
                by=request.user,
                user=form.cleaned_data["user"],
                party=form.cleaned_data["party"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Invited."))
            return redirect("deliberation:meeting_parties", pk=meeting.pk)
    return _parties_page(request, meeting, party_form, form, status=400)


@login_required
@require_POST
def meeting_uninvite(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    invitation = get_object_or_404(Invitation, meeting=meeting, pk=invitation_pk)
    try:
        services.uninvite(invitation=invitation, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    return redirect("deliberation:meeting_parties", pk=meeting.pk)


# --- The agenda ----------------------------------------------------------------------------------


def _agenda_form(meeting, user, *args, **kwargs) -> AgendaItemForm:
    return AgendaItemForm(
        *args,
        issues=attachable_issues(meeting, user).open().select_related("area").order_by("-pk"),
        topics=attachable_topics(meeting, user).order_by("-opens_on"),
        **kwargs,
    )


def _item_fields(data) -> dict:
    return {
        "title": data["title"],
        "minutes": data["minutes"],
        "description": data["description"],
        "issues": list(data["issues"]),
        "topic": data["topic"],
    }


@login_required
def agenda_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    initial = {}
    if request.GET.get("topic", "").isdigit():
        topic = get_object_or_404(
            Topic.objects.visible_to(request.user), pk=int(request.GET["topic"][:18])
        )
        initial = {"topic": topic.pk, "title": topic.title}
    form = _agenda_form(meeting, request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_agenda_item(
                meeting=meeting, by=request.user, **_item_fields(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The item is on the agenda."))
            return redirect(meeting)
    return _item_page(request, meeting, form, None)


def _item_page(request, meeting, form, item) -> HttpResponse:
    return render(
        request,
        "deliberation/meeting_agenda_form.html",
        {
            "meeting": meeting,
            "item": item,
            "form": form,
            "area": meeting.area,
            "ancestors": Area.objects.above(meeting.area, include_self=False),
        },
        status=400 if form.errors else 200,
    )


@login_required
def agenda_item_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)
    initial = {
        "title": item.title,
        "minutes": item.minutes,
        "description": item.description,
        "issues": list(item.issues.values_list("pk", flat=True)),
        "topic": item.topic_id,
    }
    form = _agenda_form(meeting, request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_agenda_item(
                item=item, by=request.user, **_item_fields(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The item is changed."))
            return redirect(meeting)
    return _item_page(request, meeting, form, item)


@login_required
@require_POST
def agenda_item_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)
    form = MoveForm(request.POST)
    try:
        if form.is_valid():
            services.move_agenda_item(
                item=item, by=request.user, up=form.cleaned_data["direction"] == "up"
            )
    except ValidationError as error:
        errors_to_messages(request, error)
    return redirect(meeting)


@login_required
@require_POST
def agenda_item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _organised_meeting(request, pk)
    item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)
    try:
        services.remove_agenda_item(item=item, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    return redirect(meeting)


# --- Mine, and calendars -------------------------------------------------------------------------


@login_required
def my_meetings(request: HttpRequest) -> HttpResponse:
    """The meetings I am invited to or organise, coming ones first, with my calendar link."""
    now = timezone.now()
    mine = meetings_of(request.user)
    answers = dict(Invitation.objects.filter(user=request.user).values_list("meeting_id", "answer"))
    feed = calendar_feed_of(user=request.user)
    upcoming = list(mine.filter(ends_at__gte=now).order_by("starts_at", "pk"))
    past = list(mine.filter(ends_at__lt=now).order_by("-starts_at", "-pk")[:20])
    for meeting in upcoming + past:
        if meeting.pk in answers:
            meeting.my_answer = Invitation.Answer(answers[meeting.pk]).label
    return render(
        request,
        "deliberation/meeting_mine.html",
        {
            "upcoming": upcoming,
            "past": past,
            "feed_url": request.build_absolute_uri(
                reverse("deliberation:meeting_feed", kwargs={"key": feed.key})
            ),
        },
    )


@login_required
@require_POST
def my_meetings_feed_replace(request: HttpRequest) -> HttpResponse:
    services.replace_calendar_feed(user=request.user)
    messages.success(request, _("Your calendar link is replaced; the old one no longer works."))
    return redirect("deliberation:my_meetings")


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _visible_meeting(request, pk)
    return _ics(calendar_of([meeting]), f"meeting-{meeting.pk}.ics")


def meeting_feed(request: HttpRequest, key: str) -> HttpResponse:
    """A calendar app's subscription: the key in the link is the credential."""
    feed = CalendarFeed.objects.select_related("user").filter(key=key[:64]).first()
    if feed is None:
        raise Http404
    meetings = meetings_of(feed.user).filter(
        starts_at__gte=timezone.now() - datetime.timedelta(days=90)
    )
    return _ics(calendar_of(meetings, name=_("My meetings")), "meetings.ics")
