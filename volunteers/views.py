import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import reach
from communities.exports import csv_for_excel
from communities.forms import add_service_errors, errors_to_messages, form_errors_to_messages
from communities.models import (
    Area,
    Membership,
    Organization,
    Residency,
    User,
    ancestor_paths,
    subtree_q,
)
from communities.pagination import page_without_count, query_without_page
from communities.phones import looks_like_mobile, normalize_mobile
from volunteers import services
from volunteers.forms import (
    ActivityForm,
    DecisionForm,
    HoursForm,
    InviteForm,
    ListedForm,
    NominationForm,
    PickupForm,
    ScanForm,
    SkillForm,
    TalentSearchForm,
)
from volunteers.models import (
    Activity,
    LedgerEntry,
    Nomination,
    PointsAccount,
    Redemption,
    Reward,
    SignUp,
    Skill,
)
from volunteers.selectors import (
    badges_of,
    home_communities,
    skills_visible_to,
    with_personal_data_flag,
)

PAGE_SIZE = 25
LEADERBOARD_SIZE = 20


def _home_communities(user) -> set[str]:
    """The paths of the communities the user's verified homes lie in."""
    return home_communities(user)


def _near(paths: set[str], field: str) -> Q:
    """Rows for one of these communities, a place in it, or the street and district above it."""
    above = {ancestor for path in paths for ancestor in ancestor_paths(path)}
    return subtree_q(paths, field) | Q(**{f"{field}__in": above})


def _set_places_left(rows: list[Activity]) -> None:
    for activity in rows:
        activity.places_left = max(activity.capacity - activity.confirmed_count, 0)


# --- Activities -----------------------------------------------------------------------------------


def activity_list(request: HttpRequest) -> HttpResponse:
    """Upcoming activities open for sign-up: near the resident's home by default, or everywhere."""
    communities = _home_communities(request.user)
    everywhere = not communities or request.GET.get("all") == "1"
    upcoming = (
        Activity.objects.filter(status=Activity.Status.OPEN, starts_at__gt=timezone.now())
        .select_related("organization", "area")
        .annotate(
            confirmed_count=Count("sign_ups", filter=Q(sign_ups__status=SignUp.Status.CONFIRMED))
        )
        .order_by("starts_at", "pk")
    )
    if not everywhere:
        upcoming = upcoming.filter(_near(communities, "area__path"))
    page = page_without_count(upcoming, request.GET.get("page"), PAGE_SIZE)
    _set_places_left(page.object_list)
    return render(
        request,
        "volunteers/activity_list.html",
        {
            "page": page,
            "everywhere": everywhere,
            "has_home": bool(communities),
            "query_string": query_without_page(request),
            "may_organise": _organisations_of(request.user).exists(),
            "home_community": Area.objects.filter(path__in=communities).order_by("path").first(),
        },
    )


def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity.objects.select_related("organization", "area"), pk=pk)
    user = request.user
    counts = activity.sign_ups.aggregate(
        confirmed=Count("pk", filter=Q(status=SignUp.Status.CONFIRMED)),
        waiting=Count("pk", filter=Q(status=SignUp.Status.WAITING)),
    )
    mine = (
        activity.sign_ups.filter(user=user).order_by("-signed_up_at", "-pk").first()
        if user.is_authenticated
        else None
    )
    ahead = None
    if mine and mine.status == SignUp.Status.WAITING:
        ahead = activity.sign_ups.filter(
            Q(signed_up_at__lt=mine.signed_up_at)
            | Q(signed_up_at=mine.signed_up_at, pk__lt=mine.pk),
            status=SignUp.Status.WAITING,
        ).count()
    can_manage = user.has_perm("volunteers.manage_activity", activity)
    context = {
        "activity": activity,
        "ancestors": Area.objects.above(activity.area),
        "places_left": max(activity.capacity - counts["confirmed"], 0),
        "waiting_count": counts["waiting"],
        "mine": mine,
        "waiting_position": ahead + 1 if ahead is not None else None,
        "may_sign_up": activity.status == Activity.Status.OPEN
        and activity.starts_at > timezone.now()
        and (mine is None or mine.status == SignUp.Status.CANCELLED),
        "can_manage": can_manage,
    }
    if can_manage:
        context["sign_ups"] = (
            activity.sign_ups.exclude(status=SignUp.Status.CANCELLED)
            .select_related("user")
            .order_by("status", "signed_up_at", "pk")
        )
        context["scan_form"] = ScanForm()
        duration = (activity.ends_at - activity.starts_at).total_seconds() / 3600
        context["default_hours"] = f"{max(min(round(duration * 2) / 2, 24), 0.5):g}"
    return render(request, "volunteers/activity_detail.html", context)


@login_required
@require_POST
def activity_sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    try:
        entry = services.sign_up(activity=activity, user=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
        return redirect(activity)
    if entry.status == SignUp.Status.CONFIRMED:
        messages.success(request, _("You have a place. We will remind you before it starts."))
    else:
        messages.success(
            request,
            _(
                "Every place is taken: you are on the waiting list and get the first place that frees up."
            ),
        )
    return redirect(activity)


@login_required
@require_POST
def activity_cancel_sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    entry = get_object_or_404(
        activity.sign_ups.exclude(status=SignUp.Status.CANCELLED), user=request.user
    )
    try:
        services.cancel_sign_up(sign_up=entry, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, _("Your sign-up was cancelled."))
    return redirect(activity)


def _managed_activity(request, pk: int) -> Activity:
    activity = get_object_or_404(Activity, pk=pk)
    if not request.user.has_perm("volunteers.manage_activity", activity):
        raise PermissionDenied
    return activity


@login_required
@require_POST
def sign_up_check_in(request: HttpRequest, pk: int, sign_up_pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    entry = get_object_or_404(activity.sign_ups.select_related("user"), pk=sign_up_pk)
    try:
        services.check_in(sign_up=entry, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request, _("%(name)s is checked in.") % {"name": entry.user.full_name or entry.user}
        )
    return redirect(activity)


@login_required
@require_POST
def activity_scan(request: HttpRequest, pk: int) -> HttpResponse:
    """Check in by the volunteer's QR code: a phone's scanner app pastes the code into the field."""
    activity = _managed_activity(request, pk)
    form = ScanForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect(activity)
    try:
        entry = services.check_in_by_token(
            activity=activity, token=form.cleaned_data["token"], by=request.user
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request, _("%(name)s is checked in.") % {"name": entry.user.full_name or entry.user}
        )
    return redirect(activity)


@login_required
@require_POST
def sign_up_confirm_hours(request: HttpRequest, pk: int, sign_up_pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    entry = get_object_or_404(activity.sign_ups.select_related("user"), pk=sign_up_pk)
    form = HoursForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect(activity)
    try:
        award = services.confirm_hours(
            sign_up=entry, hours=form.cleaned_data["hours"], by=request.user
        )
    except ValidationError as error:
        errors_to_messages(request, error)
        return redirect(activity)
    name = entry.user.full_name or entry.user
    if award:
        messages.success(
            request,
            _("%(hours)s hours confirmed for %(name)s: %(points)s points.")
            % {"hours": form.cleaned_data["hours"], "name": name, "points": award.points},
        )
    else:
        messages.success(
            request,
            _("%(hours)s hours confirmed for %(name)s.")
            % {"hours": form.cleaned_data["hours"], "name": name},
        )
    return redirect(activity)


def _organisations_of(user):
    """The organisations in which the user holds an active post: those they may organise for."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(
        pk__in=Membership.objects.active().filter(user=user).values("organization")
    ).order_by("name")


def _areas_of(organizations):
    """Where those organisations may hold activities, down to compounds (a firm: its contracts)."""
    seats = set()
    for organization in organizations.prefetch_related("served_areas").select_related("area"):
        if organization.reaches_by_contract:
            seats |= {served.path for served in organization.served_areas.all()}
        else:
            seats.add(organization.area.path)
    return (
        Area.objects.under_any(seats)
        .filter(Q(level__lte=Area.Level.COMPOUND) | Q(path__in=seats))
        .order_by("path")
    )


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    """An organisation's member announces an activity for its area."""
    organizations = _organisations_of(request.user)
    if not organizations.exists():
        raise PermissionDenied
    form = ActivityForm(
        request.POST or None, organizations=organizations, areas=_areas_of(organizations)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            activity = services.create_activity(
                organization=data.pop("organization"),
                area=data.pop("area"),
                by=request.user,
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("organization", str(error))
        else:
            messages.success(request, _("The activity is announced; residents can sign up now."))
            return redirect(activity)
    return render(
        request,
        "volunteers/activity_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


# --- My volunteering ------------------------------------------------------------------------------


@login_required
def my_volunteering(request: HttpRequest) -> HttpResponse:
    """Balance, hours, my QR code for check-in, my statement and what I redeemed."""
    account, _created = PointsAccount.objects.get_or_create(user=request.user)
    entries = account.entries.order_by("-at", "-pk")
    if request.GET.get("format") == "csv":
        return _statement_csv(entries)
    qr = segno.make(str(account.check_in_token), error="m")
    redemptions = Redemption.objects.filter(user=request.user).select_related("reward")
    return render(
        request,
        "volunteers/account_detail.html",
        {
            "account": account,
            "qr_svg": qr.svg_data_uri(scale=8, border=2),
            "sign_ups": SignUp.objects.filter(
                user=request.user, activity__ends_at__gt=timezone.now()
            )
            .exclude(status=SignUp.Status.CANCELLED)
            .select_related("activity")
            .order_by("activity__starts_at"),
            "page": page_without_count(entries, request.GET.get("page"), PAGE_SIZE),
            "query_string": query_without_page(request),
            "waiting_redemptions": redemptions.filter(status=Redemption.Status.WAITING),
            "past_redemptions": redemptions.exclude(status=Redemption.Status.WAITING)[:10],
            "listed_form": ListedForm(initial={"listed": account.listed}),
            "badges": badges_of(account),
            "home_community": Area.objects.filter(path__in=_home_communities(request.user))
            .order_by("path")
            .first(),
        },
    )


def _statement_csv(entries) -> HttpResponse:
    rows = (
        [
            timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M"),
            entry.get_kind_display(),
            entry.points,
            entry.reason,
        ]
        for entry in entries.iterator(chunk_size=2000)
    )
    return csv_for_excel(
        "points-statement.csv", [_("When"), _("Kind"), _("Points"), _("Why")], rows
    )


@login_required
@require_POST
def my_listing(request: HttpRequest) -> HttpResponse:
    form = ListedForm(request.POST)
    form.is_valid()
    listed = form.cleaned_data.get("listed", False)
    services.set_leaderboard_listing(user=request.user, listed=listed)
    if listed:
        messages.success(request, _("Your masked name is shown on leaderboards."))
    else:
        messages.success(request, _("You are no longer shown on leaderboards."))
    return redirect("volunteers:my_volunteering")


# --- The rewards shelf ----------------------------------------------------------------------------


def reward_list(request: HttpRequest) -> HttpResponse:
    """The rewards shelf (雷锋超市): near the resident's home by default, or everywhere."""
    communities = _home_communities(request.user)
    everywhere = not communities or request.GET.get("all") == "1"
    rewards = Reward.objects.filter(active=True).select_related("organization", "area")
    if not everywhere:
        rewards = rewards.filter(_near(communities, "area__path"))
    balance = None
    if request.user.is_authenticated:
        balance = (
            PointsAccount.objects.filter(user=request.user)
            .values_list("balance", flat=True)
            .first()
            or 0
        )
    return render(
        request,
        "volunteers/reward_list.html",
        {
            "page": page_without_count(
                rewards.order_by("cost", "name", "pk"), request.GET.get("page"), PAGE_SIZE
            ),
            "balance": balance,
            "everywhere": everywhere,
            "has_home": bool(communities),
            "query_string": query_without_page(request),
            "hands_over": _manages_rewards(request.user),
        },
    )


@login_required
@require_POST
def reward_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    reward = get_object_or_404(Reward.objects.filter(active=True), pk=pk)
    try:
        redemption = services.redeem_reward(reward=reward, user=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
        return redirect("volunteers:reward_list")
    messages.success(
        request,
        _("%(name)s is yours. Show the pickup code %(code)s when you collect it.")
        % {"name": reward.name, "code": redemption.pickup_code},
    )
    return redirect("volunteers:my_volunteering")


def _rewards_managed_by(user):
    """Rewards whose organisation the user works for, or offered where they manage the area:
    what `volunteers.manage_reward` allows, as a queryset."""
    if not user.is_authenticated:
        return Reward.objects.none()
    if user.is_superuser:
        return Reward.objects.all()
    return Reward.objects.filter(
        Q(organization__in=Membership.objects.active().filter(user=user).values("organization"))
        | subtree_q(reach.managed_paths(user), "area__path")
    )


def _manages_rewards(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser
        or bool(reach.managed_paths(user))
        or Membership.objects.active().filter(user=user).exists()
    )


@login_required
def redemption_queue(request: HttpRequest) -> HttpResponse:
    """Staff at the counter: items waiting to be picked up, handed over against the pickup code."""
    if not _manages_rewards(request.user):
        raise PermissionDenied
    waiting = (
        Redemption.objects.filter(
            status=Redemption.Status.WAITING, reward__in=_rewards_managed_by(request.user)
        )
        .select_related("reward", "user")
        .order_by("redeemed_at", "pk")
    )
    return render(
        request,
        "volunteers/redemption_queue.html",
        {
            "page": page_without_count(waiting, request.GET.get("page"), PAGE_SIZE),
            "query_string": query_without_page(request),
        },
    )


@login_required
@require_POST
def redemption_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = get_object_or_404(
        Redemption.objects.filter(reward__in=_rewards_managed_by(request.user)), pk=pk
    )
    form = PickupForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect("volunteers:redemption_queue")
    try:
        services.hand_over(redemption=redemption, code=form.cleaned_data["code"], by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, _("%(name)s was handed over.") % {"name": redemption.reward.name})
    return redirect("volunteers:redemption_queue")


@login_required
@require_POST
def redemption_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The volunteer changes their mind, or staff cancel an item never collected: the points and
    the item go back together."""
    redemption = get_object_or_404(
        Redemption.objects.filter(
            Q(user=request.user) | Q(reward__in=_rewards_managed_by(request.user))
        ).select_related("reward"),
        pk=pk,
    )
    try:
        services.cancel_redemption(redemption=redemption, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request,
            _("The redemption of %(name)s was cancelled; the points are back.")
            % {"name": redemption.reward.name},
        )
    if redemption.user_id == request.user.pk:
        return redirect("volunteers:my_volunteering")
    return redirect("volunteers:redemption_queue")


# --- Leaderboards ---------------------------------------------------------------------------------


def leaderboard(request: HttpRequest, code: str) -> HttpResponse:
    """This year's hours and points of the volunteers living in an area: only those who agreed to
    be listed, and only their masked names."""
    area = get_object_or_404(Area, code=code)
    year = timezone.localdate().year
    by_points = request.GET.get("by") == "points"
    lives_here = Residency.objects.verified().filter(
        user=OuterRef("pk"), household__building__path__startswith=area.path
    )
    hours = (
        SignUp.objects.filter(
            user=OuterRef("pk"), hours__isnull=False, activity__starts_at__year=year
        )
        .order_by()
        .values("user")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    # Points earned by volunteering (awards and their corrections), not redemptions or refunds.
    points = (
        LedgerEntry.objects.filter(
            account__user=OuterRef("pk"), sign_up__isnull=False, at__year=year
        )
        .order_by()
        .values("account")
        .annotate(total=Sum("points"))
        .values("total")
    )
    decimal = DecimalField(max_digits=9, decimal_places=2)
    ranking = (
        User.objects.filter(Exists(lives_here), points_account__listed=True)
        .annotate(
            year_hours=Coalesce(
                Subquery(hours, output_field=decimal), Value(0), output_field=decimal
            ),
            year_points=Coalesce(Subquery(points), Value(0)),
        )
        .filter(Q(year_hours__gt=0) | Q(year_points__gt=0))
        .only("pk", "username", "full_name")
    )
    order = ["-year_points", "-year_hours"] if by_points else ["-year_hours", "-year_points"]
    return render(
        request,
        "volunteers/leaderboard.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "year": year,
            "by_points": by_points,
            "ranking": ranking.order_by(*order, "pk")[:LEADERBOARD_SIZE],
        },
    )


# --- Talent pool (人才库) ---------------------------------------------------------------------------


def _is_staff(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(reach.managed_paths(user)))


def _managed_areas(user):
    """Where the staff member may search the talent pool: their areas down to compounds."""
    areas = Area.objects.filter(level__lte=Area.Level.COMPOUND)
    if not user.is_superuser:
        areas = areas.filter(subtree_q(reach.managed_paths(user)))
    return areas.order_by("path")


def _activities_organised_by(user):
    """Upcoming open activities the user may organise (`volunteers.manage_activity`), as a
    queryset; the invitation service checks the rule itself once more."""
    upcoming = Activity.objects.filter(status=Activity.Status.OPEN, starts_at__gt=timezone.now())
    if not user.is_authenticated:
        return upcoming.none()
    if not user.is_superuser:
        upcoming = upcoming.filter(
            subtree_q(reach.managed_paths(user), "area__path")
            | Q(
                organization__in=Membership.objects.active()
                .filter(user=user)
                .values("organization")
            )
        )
    return upcoming.order_by("starts_at", "pk")


def _skills_page_url(query: str = "") -> str:
    back = QueryDict(query)
    kept = QueryDict(mutable=True)
    for key in ("query", "area", "page"):
        if back.get(key):
            kept[key] = back[key]
    url = reverse("volunteers:skill_list")
    return f"{url}?{kept.urlencode()}" if kept else url


@login_required
def skill_list(request: HttpRequest) -> HttpResponse:
    """My skills in the talent pool; for staff, also a search of the pool in their areas."""
    user = request.user
    skill_form = SkillForm(request.POST or None)
    if request.method == "POST" and skill_form.is_valid():
        try:
            skill = services.add_skill(user=user, **skill_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(skill_form, error)
        else:
            messages.success(request, _("%(name)s is in the talent pool.") % {"name": skill.name})
            return redirect("volunteers:skill_list")
    context = {
        "skill_form": skill_form,
        "my_skills": Skill.objects.filter(user=user).order_by("name", "pk"),
        "is_staff": _is_staff(user),
    }
    if context["is_staff"]:
        search = TalentSearchForm(request.GET, areas=_managed_areas(user))
        cleaned = search.cleaned_data if search.is_valid() else {}
        skills = skills_visible_to(
            user, area=cleaned.get("area"), query=cleaned.get("query") or ""
        ).select_related("user")
        skills = with_personal_data_flag(skills, user, field="user").order_by(
            "user__full_name", "user__username", "name", "pk"
        )
        context |= {
            "search_form": search,
            "page": page_without_count(skills, request.GET.get("page"), PAGE_SIZE),
            "query_string": query_without_page(request),
            "back": request.GET.urlencode(),
            "activities": list(_activities_organised_by(user)[:50]),
            "my_areas": Area.objects.filter(
                subtree_q(reach.managed_paths(user)), level__lte=Area.Level.COMMUNITY
            ).order_by("path")[:50],
        }
    return render(
        request,
        "volunteers/skill_list.html",
        context,
        status=400 if skill_form.errors else 200,
    )


@login_required
@require_POST
def skill_remove(request: HttpRequest, pk: int) -> HttpResponse:
    skill = get_object_or_404(Skill.objects.filter(user=request.user), pk=pk)
    services.remove_skill(skill=skill, by=request.user)
    messages.success(
        request, _("%(name)s was removed from the talent pool.") % {"name": skill.name}
    )
    return redirect("volunteers:skill_list")


@login_required
@require_POST
def skill_invite(request: HttpRequest) -> HttpResponse:
    """Invite a person found in the talent pool to an activity the viewer organises."""
    back = _skills_page_url(request.POST.get("back", ""))
    form = InviteForm(request.POST, activities=_activities_organised_by(request.user))
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect(back)
    person = get_object_or_404(
        with_personal_data_flag(
            User.objects.filter(pk__in=skills_visible_to(request.user).values("user")),
            request.user,
        ),
        pk=form.cleaned_data["person"],
    )
    activity = form.cleaned_data["activity"]
    try:
        services.invite_to_activity(activity=activity, user=person, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        name = (
            (person.full_name or person.username) if person.may_see_personal else person.masked_name
        )
        messages.success(
            request,
            _("%(name)s is invited to %(title)s.") % {"name": name, "title": activity.title},
        )
    return redirect(back)


# --- Good neighbours (好邻居) ---------------------------------------------------------------------


def _nominations_decided_by(user):
    """Proposed nominations in the areas the user manages: those they may award or decline."""
    proposed = Nomination.objects.filter(status=Nomination.Status.PROPOSED)
    if not user.is_authenticated:
        return proposed.none()
    if user.is_superuser:
        return proposed
    return proposed.filter(subtree_q(reach.managed_paths(user), "area__path"))


def _find_neighbour(text: str, communities: set[str]) -> tuple[User, Area] | tuple[None, None]:
    """The verified resident of one of these communities with this username or mobile number."""
    text = text.strip()
    match = Q(username=text)
    if looks_like_mobile(text):
        match |= Q(phone=normalize_mobile(text))
    home = (
        Residency.objects.verified()
        .filter(subtree_q(sorted(communities), "household__building__path"))
        .filter(user__in=User.objects.filter(match))
        .select_related("user", "household__building")
        .order_by("household__building__path", "pk")
        .first()
    )
    if home is None:
        return None, None
    community_path = home.household.building.path[: 4 * Area.Level.COMMUNITY]
    return home.user, Area.objects.get(path=community_path)


def good_neighbours(request: HttpRequest) -> HttpResponse:
    """This year's good neighbours (masked names) for everyone; residents nominate a neighbour;
    staff decide the nominations in their areas."""
    user = request.user
    communities = home_communities(user)
    if request.method == "POST" and not communities:
        raise PermissionDenied
    form = NominationForm(request.POST or None) if communities else None
    if request.method == "POST" and form.is_valid():
        nominee, area = _find_neighbour(form.cleaned_data["neighbour"], communities)
        if nominee is None:
            form.add_error(
                "neighbour",
                _("No verified resident of your community has this username or mobile number."),
            )
        else:
            try:
                services.nominate(
                    nominee=nominee, by=user, area=area, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Thank you: your nomination of %(name)s goes to the community staff.")
                    % {"name": nominee.masked_name},
                )
                return redirect("volunteers:good_neighbours")
    year = timezone.localdate().year
    awarded = Nomination.objects.filter(
        status=Nomination.Status.AWARDED, year=year, nominee=OuterRef("pk")
    )
    winners = (
        User.objects.filter(Exists(awarded))
        .annotate(area_name=Subquery(awarded.order_by("area__path", "pk").values("area__name")[:1]))
        .only("pk", "username", "full_name")
        .order_by("area_name", "pk")
    )
    proposed = None
    if _is_staff(user):
        proposed = with_personal_data_flag(
            with_personal_data_flag(
                _nominations_decided_by(user).select_related("nominee", "nominated_by", "area"),
                user,
                field="nominee",
                name="may_see_nominee",
            ),
            user,
            field="nominated_by",
            name="may_see_nominator",
        ).order_by("area__path", "pk")[:50]
    return render(
        request,
        "volunteers/nomination_list.html",
        {
            "form": form,
            "year": year,
            "page": page_without_count(winners, request.GET.get("page"), PAGE_SIZE),
            "query_string": query_without_page(request),
            "proposed": proposed,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def nomination_decide(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = get_object_or_404(
        _nominations_decided_by(request.user).select_related("nominee"), pk=pk
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect("volunteers:good_neighbours")
    award = form.cleaned_data["decision"] == "award"
    try:
        services.decide_nomination(nomination=nomination, award=award, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        name = nomination.nominee.full_name or nomination.nominee.username
        if award:
            messages.success(request, _("%(name)s is a good neighbour.") % {"name": name})
        else:
            messages.success(
                request, _("The nomination of %(name)s was declined.") % {"name": name}
            )
    return redirect("volunteers:good_neighbours")


# --- Volunteering in an area, for its staff -------------------------------------------------------


@login_required
def area_volunteering(request: HttpRequest, code: str) -> HttpResponse:
    """This year's hours, points and volunteers of the activities held under the area: each
    figure one aggregate query, however many volunteers there are."""
    area = get_object_or_404(Area, code=code)
    if not request.user.has_perm("communities.manage_area", area):
        raise PermissionDenied
    year = timezone.localdate().year
    held_here = Q(
        hours__isnull=False,
        activity__area__path__startswith=area.path,
        activity__starts_at__year=year,
    )
    totals = SignUp.objects.filter(held_here).aggregate(
        hours=Sum("hours"), volunteers=Count("user", distinct=True)
    )
    points_here = LedgerEntry.objects.filter(
        sign_up__activity__area__path__startswith=area.path, at__year=year
    )
    points = points_here.aggregate(total=Sum("points"))["total"] or 0
    hours = (
        SignUp.objects.filter(held_here, user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    person_points = (
        points_here.filter(account__user=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("points"))
        .values("total")
    )
    decimal = DecimalField(max_digits=9, decimal_places=2)
    top = with_personal_data_flag(
        User.objects.filter(Exists(SignUp.objects.filter(held_here, user=OuterRef("pk")))).annotate(
            year_hours=Coalesce(
                Subquery(hours, output_field=decimal), Value(0), output_field=decimal
            ),
            year_points=Coalesce(Subquery(person_points), Value(0)),
        ),
        request.user,
    ).only("pk", "username", "full_name")
    upcoming = (
        Activity.objects.filter(
            status=Activity.Status.OPEN,
            starts_at__gt=timezone.now(),
            area__path__startswith=area.path,
        )
        .select_related("organization", "area")
        .annotate(
            confirmed_count=Count("sign_ups", filter=Q(sign_ups__status=SignUp.Status.CONFIRMED))
        )
        .order_by("starts_at", "pk")[:PAGE_SIZE]
    )
    upcoming = list(upcoming)
    _set_places_left(upcoming)
    return render(
        request,
        "volunteers/area_volunteering.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "year": year,
            "hours": totals["hours"] or 0,
            "volunteers": totals["volunteers"],
            "points": points,
            "top": top.order_by("-year_hours", "-year_points", "pk")[:LEADERBOARD_SIZE],
            "upcoming": upcoming,
        },
    )
