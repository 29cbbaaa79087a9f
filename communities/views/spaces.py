"""Shared rooms (共享空间 / 睦邻驿站): an area's rooms, a room's week with its booking form,
my bookings, and the queue of those who approve them."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import reach, services
from communities.forms import (
    BookingForm,
    CancelBookingForm,
    DecisionForm,
    add_service_errors,
    errors_to_messages,
)
from communities.models import Area, Booking, Space
from communities.models.spaces import calendar_of

PAGE_SIZE = 50
WEEK = datetime.timedelta(days=7)


def area_spaces(request: HttpRequest, code: str) -> HttpResponse:
    """The rooms residents of this place may use: its own, those under it and those above it."""
    area = get_object_or_404(Area, code=code)
    spaces = (
        Space.objects.visible_to(request.user)
        .serving(area)
        .select_related("area")
        .order_by("area__path", "name")
    )
    page = Paginator(spaces, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/space_list.html",
        {"area": area, "ancestors": Area.objects.above(area, include_self=False), "page": page},
    )


def _first_day(value: str | None, space: Space) -> datetime.date:
    """The week shown starts today, or on a later day within how far ahead the room books."""
    today = timezone.localdate()
    try:
        day = parse_date(value or "")
    except ValueError:
        day = None
    last = today + datetime.timedelta(days=space.book_ahead_days)
    if day is None or day < today:
        return today
    return min(day, last)


def space_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The room's coming week of busy and free periods, and the form to book it."""
    space = get_object_or_404(
        Space.objects.visible_to(request.user).select_related("area", "managed_by"), pk=pk
    )
    user = request.user
    first_day = _first_day(request.GET.get("from"), space)
    may_book = space.active and user.has_perm("communities.book_space", space)
    if request.method == "POST" and not may_book:
        raise PermissionDenied
    form = None
    if may_book:
        organizations = services.booking_organizations(user=user, space=space)
        form = BookingForm(
            request.POST or None,
            organizations=organizations if organizations.exists() else None,
            for_myself=user.is_superuser or reach.lives_in(user, space.area),
            initial={"day": first_day},
        )
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.book_space(space=space, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if booking.status == Booking.Status.PENDING:
                messages.success(
                    request,
                    _("Your booking was sent. %(organization)s will approve it soon.")
                    % {"organization": space.managed_by},
                )
            else:
                messages.success(request, _("The room is booked for you."))
            return redirect("communities:my_bookings")
    today = timezone.localdate()
    return render(
        request,
        "communities/space_detail.html",
        {
            "space": space,
            "area": space.area,
            "ancestors": Area.objects.above(space.area, include_self=False),
            "calendar": calendar_of(space, first_day),
            "previous_week": max(first_day - WEEK, today) if first_day > today else None,
            "next_week": first_day + WEEK
            if first_day + WEEK <= today + datetime.timedelta(days=space.book_ahead_days)
            else None,
            "form": form,
            "looks_after": user.has_perm("communities.manage_space", space),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    """What I booked, and what was booked for my organisations: coming up first, then earlier."""
    user = request.user
    mine = (
        Booking.objects.visible_to(user)
        .filter(Q(booked_by=user) | Q(organization_id__in=reach.organization_ids(user)))
        .select_related("space__area", "organization")
    )
    now = timezone.now()
    coming = Paginator(
        mine.filter(ends_at__gt=now).order_by("starts_at", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    earlier = mine.filter(ends_at__lte=now).order_by("-starts_at", "-pk")[:20]
    return render(
        request,
        "communities/booking_list.html",
        {"page": coming, "earlier": earlier, "cancel_form": CancelBookingForm()},
    )


@login_required
def booking_queue(request: HttpRequest) -> HttpResponse:
    """Bookings of the rooms I look after: those waiting for approval, then those coming up."""
    bookings = (
        Booking.objects.decidable_by(request.user)
        .upcoming()
        .select_related("space__area", "organization", "booked_by")
    )
    page = Paginator(
        bookings.filter(status=Booking.Status.PENDING).order_by("starts_at", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    approved = bookings.filter(status=Booking.Status.APPROVED).order_by("starts_at", "pk")
    return render(
        request,
        "communities/booking_queue.html",
        {"page": page, "approved": approved[:PAGE_SIZE], "form": DecisionForm()},
    )


@login_required
@require_POST
def booking_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.decidable_by(request.user), pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        if decision == "approve":
            services.approve_booking(booking=booking, by=request.user)
            messages.success(request, _("The booking was approved; the booker is told."))
        elif decision == "reject":
            services.reject_booking(
                booking=booking, by=request.user, reason=form.cleaned_data.get("reason", "")
            )
            messages.success(request, _("The booking was turned down; the booker is told why."))
        else:
            raise Http404
    except ValidationError as error:
        errors_to_messages(request, error)
    return redirect("communities:booking_queue")


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.visible_to(request.user), pk=pk)
    form = CancelBookingForm(request.POST)
    form.is_valid()
    try:
        services.cancel_booking(
            booking=booking, by=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, _("The booking was cancelled; the room is free again."))
    if request.POST.get("back") == "queue":
        return redirect("communities:booking_queue")
    return redirect("communities:my_bookings")
