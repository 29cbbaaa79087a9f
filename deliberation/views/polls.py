"""Polls (投票): an area's polls, a poll with its ballot or its result, and the organiser's forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.forms import add_service_errors, errors_to_messages
from communities.models import Area, Membership, Organization, ancestor_paths
from deliberation import services
from deliberation.forms.polls import BallotForm, PollForm
from deliberation.models import Poll, PollReceipt, Topic

PAGE_SIZE = 20


def organizations_acting_in(user, area: Area) -> list[Organization]:
    """The organisations `user` speaks for that act in `area`: those they may run a poll or
    open a topic for here (every one that acts here, for an administrator)."""
    if not user.is_authenticated:
        return []
    paths = ancestor_paths(area.path)
    candidates = (
        Organization.objects.filter(Q(area__path__in=paths) | Q(served_areas__path__in=paths))
        .select_related("area")
        .distinct()
        .order_by("name")
    )
    if not user.is_superuser:
        candidates = candidates.filter(
            pk__in=Membership.objects.active().filter(user=user).values("organization_id")
        )
    return [organization for organization in candidates if organization.reaches(area)]


def area_polls(request: HttpRequest, code: str) -> HttpResponse:
    """The polls that concern a place: open ones first, then those not open yet (seen by who
    runs them), then past results, a page at a time."""
    area = get_object_or_404(Area, code=code)
    now = timezone.now()
    polls = (
        Poll.objects.visible_to(request.user)
        .concerning(area)
        .select_related("area", "organization")
    )
    earlier = Paginator(
        polls.exclude(pk__in=polls.open(now).values("pk"))
        .filter(opens_at__lte=now)
        .prefetch_related("options")
        .order_by("-closes_at", "-pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "deliberation/poll_list.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "open_polls": polls.open(now).order_by("closes_at", "pk"),
            "upcoming": polls.filter(opens_at__gt=now).order_by("opens_at", "pk"),
            "earlier": earlier,
            "may_create": bool(organizations_acting_in(request.user, area)),
        },
    )


def poll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    poll = get_object_or_404(
        Poll.objects.visible_to(request.user).select_related("area", "organization", "topic"),
        pk=pk,
    )
    return _poll_page(request, poll, BallotForm(poll=poll))


def _poll_page(request, poll: Poll, form: BallotForm, status: int = 200) -> HttpResponse:
    """The poll as this person meets it: the ballot, "you voted", or the result."""
    user = request.user
    receipt = (
        PollReceipt.objects.filter(poll=poll, voter=user).first() if user.is_authenticated else None
    )
    households = poll.eligible_households_of(user)
    household_voted = (
        poll.per_household
        and receipt is None
        and bool(households)
        and PollReceipt.objects.filter(poll=poll, household__in=households).count()
        == len(households)
    )
    return render(
        request,
        "deliberation/poll_detail.html",
        {
            "poll": poll,
            "area": poll.area,
            "ancestors": Area.objects.above(poll.area, include_self=False),
            "results": poll.results(),
            "receipt": receipt,
            "household_voted": household_voted,
            "eligible": bool(households),
            "can_vote": user.has_perm("deliberation.vote_in_poll", poll)
            and receipt is None
            and not household_voted,
            "can_manage": user.has_perm("deliberation.manage_poll", poll),
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def poll_vote(request: HttpRequest, pk: int) -> HttpResponse:
    poll = get_object_or_404(
        Poll.objects.visible_to(request.user).select_related("area", "organization", "topic"),
        pk=pk,
    )
    form = BallotForm(request.POST, poll=poll)
    if not form.is_valid():
        return _poll_page(request, poll, form, status=400)
    try:
        services.cast_ballot(poll=poll, voter=request.user, options=form.cleaned_data["options"])
    except PermissionDenied as error:
        messages.error(request, str(error))
        return _poll_page(request, poll, form, status=403)
    except ValidationError as error:
        # "Closed", "already voted": said above the page, which no longer shows the ballot.
        if hasattr(error, "error_dict"):
            add_service_errors(form, error)
        else:
            errors_to_messages(request, error)
        return _poll_page(request, poll, form, status=400)
    messages.success(
        request, _("Thank you, your vote is cast. Nobody can see what you chose, staff included.")
    )
    return redirect(poll)


@login_required
def poll_create(request: HttpRequest, code: str) -> HttpResponse:
    """An organisation's member puts a question to the residents of a place it acts in; from a
    closed topic (`?topic=`), the form starts from the topic and its summary."""
    area = get_object_or_404(Area, code=code)
    organizations = organizations_acting_in(request.user, area)
    if not organizations:
        raise PermissionDenied
    topic = None
    initial = {}
    if request.GET.get("topic", "").isdecimal():
        topic = get_object_or_404(
            Topic.objects.visible_to(request.user), pk=int(request.GET["topic"][:18])
        )
        if not request.user.has_perm("deliberation.manage_topic", topic):
            raise PermissionDenied
        initial = {
            "title": topic.title,
            "description": topic.summary or topic.question,
            "organization": topic.organization_id,
        }
    form = PollForm(request.POST or None, organizations=organizations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            poll = services.create_poll(
                organization=data["organization"],
                area=area,
                title=data["title"],
                description=data["description"],
                options=data["options"],
                max_choices=data["max_choices"],
                voting_unit=data["voting_unit"],
                owners_only=data["owners_only"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                topic=topic,
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
                _("The poll is created. Eligible residents are told when it opens."),
            )
            return redirect(poll)
    return render(
        request,
        "deliberation/poll_form.html",
        {
            "form": form,
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "topic": topic,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def poll_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser closes an open poll early: the ballots are counted and published now."""
    poll = get_object_or_404(Poll.objects.visible_to(request.user), pk=pk)
    try:
        services.close_poll(poll=poll, by=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect(poll)
    except ValidationError as error:
        errors_to_messages(request, error)
        return redirect(poll)
    messages.success(request, _("The poll is closed; its result is on the notice board."))
    return redirect(poll)
