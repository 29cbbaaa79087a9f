from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import reach, services
from communities.forms import (
    AreaCreateForm,
    DecisionForm,
    HouseholdClaimForm,
    HouseholdCreateForm,
    PartyRegistrationForm,
    ProfileForm,
    add_service_errors,
    errors_to_messages,
)
from communities.models import (
    Area,
    AreaRole,
    Grid,
    Household,
    Membership,
    Organization,
    PartyRegistration,
    Residency,
)

PAGE_SIZE = 50


def _area_or_404(code: str) -> Area:
    # Areas (names and codes of places) are public; what hangs off them is scoped separately.
    return get_object_or_404(Area, code=code)


def _name_compounds(buildings: list[Area]) -> None:
    """Set `compound_name` on each building ("1栋" alone is ambiguous): one query per page."""
    compound_paths = {
        building.path[: building.steplen * Area.Level.COMPOUND] for building in buildings
    }
    names = dict(Area.objects.filter(path__in=compound_paths).values_list("path", "name"))
    for building in buildings:
        building.compound_name = names.get(
            building.path[: building.steplen * Area.Level.COMPOUND], ""
        )


def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = _area_or_404(code)
    children = Paginator(
        Area.objects.filter(path__startswith=area.path, depth=area.depth + 1), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    active_members = Membership.objects.active().select_related("user").order_by("position")
    organizations = (
        Organization.objects.filter(area=area)
        .prefetch_related(
            Prefetch("memberships", queryset=active_members, to_attr="current_members")
        )
        .order_by("kind", "name")
    )
    serving = Organization.objects.filter(served_areas=area).order_by("name")
    grids = (
        Grid.objects.filter(covered_areas=area).select_related("worker").order_by("code").distinct()
    )
    roles = AreaRole.objects.active().filter(area=area).select_related("user").order_by("kind")
    party_board = None
    if area.level == Area.Level.COMPOUND and request.user.has_perm(
        "communities.see_party_board", area
    ):
        party_board = PartyRegistration.objects.displayed_in(area).select_related("user")
    return render(
        request,
        "communities/area_detail.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "children": children,
            "organizations": organizations,
            "serving": serving,
            "grids": grids,
            "roles": roles,
            "party_board": party_board,
            "can_manage": request.user.has_perm("communities.manage_area", area),
            "lives_here": reach.lives_in(request.user, area),
        },
    )


def area_everything(request: HttpRequest, code: str) -> HttpResponse:
    """Everything under an area, a page at a time: one count and one page query, at any size."""
    area = _area_or_404(code)
    everything = Area.objects.under(area, include_self=False)
    level = request.GET.get("level")
    if level not in {str(value) for value in Area.Level.values}:
        level = None
    if level:
        everything = everything.of_level(int(level))
    page = Paginator(everything, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/area_everything.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "page": page,
            "levels": [choice for choice in Area.Level.choices if choice[0] > area.level],
            "level": level,
            "query_string": f"level={level}" if level else "",
        },
    )


@login_required
def area_add_child(request: HttpRequest, code: str) -> HttpResponse:
    parent = _area_or_404(code)
    if not request.user.has_perm("communities.add_area", parent):
        raise PermissionDenied
    form = AreaCreateForm(request.POST or None, initial={"level": parent.child_level})
    if request.method == "POST" and form.is_valid():
        try:
            child = services.create_area(parent=parent, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": child.name})
            return redirect(child)
    return render(
        request,
        "communities/area_form.html",
        {
            "parent": parent,
            "ancestors": Area.objects.above(parent, include_self=False),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def household_list(request: HttpRequest, code: str) -> HttpResponse:
    area = _area_or_404(code)
    households = (
        Household.objects.visible_to(request.user)
        .filter(building__path__startswith=area.path)
        .select_related("building")
        .annotate(
            residents=Count("residencies", filter=Q(residencies__status=Residency.Status.VERIFIED))
        )
        .order_by("building__path", "unit", "room")
    )
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    _name_compounds([household.building for household in page])
    form = None
    if area.level == Area.Level.BUILDING and request.user.has_perm("communities.manage_area", area):
        form = HouseholdCreateForm()
    return render(
        request,
        "communities/household_list.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "page": page,
            "form": form,
        },
    )


@login_required
@require_POST
def household_add(request: HttpRequest, code: str) -> HttpResponse:
    building = _area_or_404(code)
    form = HouseholdCreateForm(request.POST)
    if form.is_valid():
        try:
            services.create_household(building=building, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("The household was added."))
    return redirect("communities:household_list", code=building.code)


@login_required
def household_claim(request: HttpRequest) -> HttpResponse:
    community = None
    community_code = request.POST.get("community") or request.GET.get("community")
    if community_code:
        community = Area.objects.of_level(Area.Level.COMMUNITY).filter(code=community_code).first()
    form = HouseholdClaimForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_household(user=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your claim was sent. Staff of your community will verify it soon."),
            )
            return redirect("communities:profile")
    return render(
        request,
        "communities/household_claim.html",
        {"form": form, "community": community},
        status=400 if form.errors else 200,
    )


@login_required
def residency_queue(request: HttpRequest) -> HttpResponse:
    """Claims waiting for a decision in the areas the staff member manages."""
    claims = (
        Residency.objects.visible_to(request.user)
        .pending()
        .exclude(user=request.user)
        .select_related("user", "household__building")
        .order_by("claimed_at")
    )
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "communities/residency_queue.html", {"page": page, "form": DecisionForm()}
    )


@login_required
@require_POST
def residency_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    residency = get_object_or_404(
        Residency.objects.visible_to(request.user).select_related("household__building"), pk=pk
    )
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        if decision == "verify":
            services.verify_residency(residency=residency, by=request.user)
            messages.success(request, _("The claim was verified."))
        elif decision == "reject":
            services.reject_residency(
                residency=residency, by=request.user, reason=form.cleaned_data.get("reason", "")
            )
            messages.success(request, _("The claim was rejected."))
        else:
            raise Http404
    except ValidationError as error:
        errors_to_messages(request, error)
    return redirect("communities:residency_queue")


@login_required
def party_register(request: HttpRequest) -> HttpResponse:
    existing = PartyRegistration.objects.filter(user=request.user).first()
    form = PartyRegistrationForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_party_member(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your registration was sent to the community."))
            return redirect("communities:profile")
    return render(
        request,
        "communities/party_register.html",
        {"form": form, "registration": existing},
        status=400 if form.errors else 200,
    )


@login_required
def party_queue(request: HttpRequest) -> HttpResponse:
    registrations = (
        PartyRegistration.objects.visible_to(request.user)
        .filter(status=PartyRegistration.Status.PENDING)
        .exclude(user=request.user)
        .select_related("user", "community")
    )
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "communities/party_queue.html", {"page": page})


@login_required
@require_POST
def party_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(PartyRegistration.objects.visible_to(request.user), pk=pk)
    try:
        services.confirm_party_registration(registration=registration, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("The registration was confirmed."))
    return redirect("communities:party_queue")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, instance=user, initial={"phone": user.phone or ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_mobile_number(user=user, raw_phone=form.cleaned_data["phone"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form.save()
            messages.success(request, _("Your profile was saved."))
            return redirect("communities:profile")
    return render(
        request,
        "communities/profile.html",
        {
            "form": form,
            "residencies": user.residencies.select_related("household__building"),
            "memberships": Membership.objects.active()
            .filter(user=user)
            .select_related("organization__area"),
            "area_roles": AreaRole.objects.active().filter(user=user).select_related("area"),
            "grids": Grid.objects.filter(worker=user).select_related("area"),
            "party_registration": PartyRegistration.objects.filter(user=user)
            .select_related("community")
            .first(),
            "managed_areas": Area.objects.filter(path__in=reach.managed_paths(user)),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def display_preferences(request: HttpRequest) -> HttpResponse:
    """Large text and high contrast, chosen once: kept on the profile, or in a cookie for visitors."""
    large_text = request.POST.get("large_text") == "1"
    high_contrast = request.POST.get("high_contrast") == "1"
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    if request.user.is_authenticated:
        services.set_display_preferences(
            user=request.user, large_text=large_text, high_contrast=high_contrast
        )
    year = 365 * 24 * 3600
    for name, value in (("large_text", large_text), ("high_contrast", high_contrast)):
        response.set_cookie(name, "1" if value else "0", max_age=year, samesite="Lax")
    return response


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The person's messages; opening the inbox marks them read."""
    page = Paginator(request.user.notifications.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    unread = {notification.pk for notification in page if notification.read_at is None}
    services.mark_notifications_read(user=request.user)
    return render(request, "communities/inbox.html", {"page": page, "unread": unread})
