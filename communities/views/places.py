"""Pages of the area tree: an area, everything under it, adding places and households."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import reach, services
from communities.forms import (
    AreaCreateForm,
    HouseholdCreateForm,
    add_service_errors,
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
