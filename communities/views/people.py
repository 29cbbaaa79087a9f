"""Pages of residents and staff: claims, party registration, profile."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import reach, services
from communities.forms import (
    DecisionForm,
    HouseholdClaimForm,
    InvitationClaimForm,
    PartyRegistrationForm,
    ProfileForm,
    add_service_errors,
    errors_to_messages,
)
from communities.models import (
    Area,
    AreaRole,
    Grid,
    Membership,
    PartyRegistration,
    PersonalDataAccess,
    Residency,
)

PAGE_SIZE = 50
# Wrong invitation codes one account may try in an hour: with 8 × 10^14 codes, guessing is
# hopeless, and this keeps it so.
CLAIM_ATTEMPTS_PER_HOUR = 10


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
def invitation_claim(request: HttpRequest) -> HttpResponse:
    """A resident enters the code from their slip (or scans its QR code, which fills it in)."""
    form = InvitationClaimForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    attempts_key = f"invitation-attempts:{request.user.pk}"
    if request.method == "POST" and form.is_valid():
        if cache.get(attempts_key, 0) >= CLAIM_ATTEMPTS_PER_HOUR:
            form.add_error("code", _("Too many wrong codes. Try again in an hour."))
        else:
            try:
                residency = services.claim_invitation(
                    user=request.user, code=form.cleaned_data["code"]
                )
            except ValidationError as error:
                cache.add(attempts_key, 0, 60 * 60)
                cache.incr(attempts_key)
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Welcome home: you are now a verified resident of %(household)s.")
                    % {"household": residency.household},
                )
                return redirect("communities:profile")
    return render(
        request,
        "communities/invitation_claim.html",
        {"form": form},
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
        request,
        "communities/residency_queue.html",
        {
            "page": page,
            "form": DecisionForm(),
            "revealed": PersonalDataAccess.objects.revealed_to(request.user),
        },
    )


@login_required
@require_POST
def residency_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the claimant's full number for a while, and record that it was seen."""
    claim = get_object_or_404(Residency.objects.visible_to(request.user).pending(), pk=pk)
    services.reveal_claimant(residency=claim, by=request.user)
    return redirect(f"{reverse('communities:residency_queue')}#claim-{claim.pk}")


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
            "home_compounds": Area.objects.filter(
                path__in={path[: 4 * Area.Level.COMPOUND] for path in reach.home_paths(user)}
            ),
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
