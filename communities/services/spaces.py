"""Writes to shared rooms (共享空间 / 睦邻驿站) and their bookings.

The invariant: no two bookings that hold a room (waiting for approval, or approved) overlap.
Every write that takes a slot first locks the room's row, then checks for an overlap, then
writes. On PostgreSQL the lock queues concurrent bookings of one room, so the second one sees
the first and gets a message saying when the room is free; the exclusion constraint
`booking_never_overlaps` is the last guard, and its error is turned into the same message. On
SQLite the transaction took the write lock at BEGIN (`transaction_mode=IMMEDIATE`), so the
check and the insert of two bookings never interleave (ADR 0006).

Locks are taken room first, then booking, in every function that takes both.
"""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from communities import reach
from communities.models import (
    Area,
    Booking,
    Membership,
    Organization,
    Space,
    User,
    ancestor_paths,
)
from communities.models.spaces import ALL_DAYS, free_periods, weekday_name
from communities.rules import require as _require
from communities.services.inbox import notify, notify_many

S = Booking.Status


@transaction.atomic
def create_space(
    *,
    area: Area,
    name: str,
    capacity: int,
    opens_at: datetime.time,
    closes_at: datetime.time,
    managed_by: Organization,
    by: User,
    open_days: str = "1234567",
    requires_approval: bool = False,
    description: str = "",
    location: str = "",
    book_ahead_days: int = 60,
) -> Space:
    """Open a room of an area for booking. Staff who manage the area, or members of the managing
    organisation, do it; the managing organisation must serve the area."""
    if not (
        by.has_perm("communities.manage_area", area) or managed_by.pk in reach.organization_ids(by)
    ):
        raise PermissionDenied(_("You may not open a room here."))
    errors = {}
    if not name.strip():
        errors["name"] = _("Give the room a name.")
    elif Space.objects.filter(area=area, name=name.strip()).exists():
        errors["name"] = _("%(area)s already has a room called %(name)s.") % {
            "area": area,
            "name": name.strip(),
        }
    if capacity is None or capacity < 1:
        errors["capacity"] = _("A room holds at least one person.")
    if closes_at <= opens_at:
        errors["closes_at"] = _("A room must close after it opens.")
    if not open_days or any(day not in ALL_DAYS for day in open_days):
        errors["open_days"] = _("Choose the days of the week it opens.")
    if book_ahead_days < 1:
        errors["book_ahead_days"] = _("Bookings must open at least one day ahead.")
    if not managed_by.reaches(area):
        errors["managed_by"] = _("%(name)s does not serve %(area)s.") % {
            "name": managed_by,
            "area": area,
        }
    if errors:
        raise ValidationError(errors)
    return Space.objects.create(
        area=area,
        name=name.strip(),
        description=description.strip(),
        location=location.strip(),
        capacity=capacity,
        opens_at=opens_at,
        closes_at=closes_at,
        open_days="".join(sorted(set(open_days))),
        requires_approval=requires_approval,
        book_ahead_days=book_ahead_days,
        managed_by=managed_by,
    )


def booking_organizations(*, user: User, space: Space) -> QuerySet[Organization]:
    """The user's organisations that may book this room: those acting in its area, above it or
    under it (a property firm: where it has a contract). The same reach as the rule
    `communities.book_space` reads from `reach.acting_paths`."""
    here = space.area.path
    above = ancestor_paths(here)
    seated = Q(area__path__startswith=here) | Q(area__path__in=above)
    contracted = Q(served_areas__path__startswith=here) | Q(served_areas__path__in=above)
    firm = Q(kind=Organization.Kind.PROPERTY_FIRM)
    organizations = Organization.objects.filter((~firm & seated) | (firm & contracted))
    if not user.is_superuser:
        organizations = organizations.filter(
            pk__in=Membership.objects.active().filter(user=user).values("organization_id")
        )
    return organizations.distinct().order_by("name")


@transaction.atomic
def book_space(
    *,
    space: Space,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by: User,
    purpose: str,
    attendees: int = 1,
    organization: Organization | None = None,
    submission_key: uuid.UUID | None = None,
) -> Booking:
    """Hold a room for a period. A verified resident of the room's area (or of a place under
    it) books for themselves; a member of an organisation serving it books for the
    organisation. The booking is approved at once unless the room requires approval and the
    booker does not look after the room. The same submission key gives back the first booking.
    """
    if submission_key is not None:
        existing = _booking_with_key(submission_key, by)
        if existing:
            return existing
    space = _locked_space(space)
    if submission_key is not None:
        # A second tap waited on the lock above while the first one booked: it finds that one.
        existing = _booking_with_key(submission_key, by)
        if existing:
            return existing
    _check_booker(space, by=by, organization=organization)
    _check_slot(space, starts_at=starts_at, ends_at=ends_at, attendees=attendees)
    if not purpose.strip():
        raise ValidationError({"purpose": _("Say what the room is for.")})
    status, decided_by = _status_for(space, by)
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                space=space,
                starts_at=starts_at,
                ends_at=ends_at,
                status=status,
                booked_by=by,
                organization=organization,
                purpose=purpose.strip(),
                attendees=attendees,
                submission_key=submission_key or uuid.uuid4(),
                decided_by=decided_by,
                decided_at=timezone.now() if decided_by else None,
            )
    except IntegrityError:
        existing = submission_key and _booking_with_key(submission_key, by)
        if existing:
            return existing
        # Another booking of the slot was written without this room's lock; the database's
        # constraint refused ours. Say so as the check above would have.
        _check_free(space, starts_at=starts_at, ends_at=ends_at)
        raise
    if status == S.PENDING:
        _ask_for_approval(booking)
    return booking


@transaction.atomic
def reschedule_booking(
    *,
    booking: Booking,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by: User,
    attendees: int | None = None,
) -> Booking:
    """Move a booking to another period of the same room, under the same checks as a new one
    (a rescheduled meeting moves its booking). A move needs approval again where the room
    requires it, unless the person moving it looks after the room."""
    space = _locked_space(booking.space)
    booking = _locked_booking(booking)
    _require(by, "communities.change_booking", booking)
    if not booking.holds_slot:
        raise ValidationError(
            _("This booking is %(status)s; book the room again instead.")
            % {"status": booking.get_status_display()}
        )
    if booking.starts_at <= timezone.now():
        raise ValidationError(_("This booking has already begun and can no longer be moved."))
    attendees = booking.attendees if attendees is None else attendees
    _check_slot(space, starts_at=starts_at, ends_at=ends_at, attendees=attendees, moving=booking)
    status, decided_by = _status_for(space, by)
    booking.starts_at, booking.ends_at, booking.attendees = starts_at, ends_at, attendees
    booking.status = status
    booking.decided_by = decided_by
    booking.decided_at = timezone.now() if decided_by else None
    booking.decision_note = ""
    try:
        with transaction.atomic():
            booking.save(
                update_fields=[
                    "starts_at",
                    "ends_at",
                    "attendees",
                    "status",
                    "decided_by",
                    "decided_at",
                    "decision_note",
                ]
            )
    except IntegrityError:
        _check_free(space, starts_at=starts_at, ends_at=ends_at, moving=booking)
        raise
    if status == S.PENDING:
        _ask_for_approval(booking)
    return booking


@transaction.atomic
def cancel_booking(*, booking: Booking, by: User, reason: str = "") -> Booking:
    """Give the slot back. The booker, the organisation booked for, or those who look after
    the room cancel; when it is not the booker, the booker is told why."""
    booking = _locked_booking(booking)
    _require(by, "communities.change_booking", booking)
    if not booking.holds_slot:
        raise ValidationError(
            _("This booking is already %(status)s.") % {"status": booking.get_status_display()}
        )
    if booking.ends_at <= timezone.now():
        raise ValidationError(_("This booking is over; there is nothing left to cancel."))
    if booking.booked_by_id != by.pk and not reason.strip():
        raise ValidationError({"reason": _("Say why you cancel someone else's booking.")})
    booking.status = S.CANCELLED
    booking.cancelled_by = by
    booking.cancelled_at = timezone.now()
    booking.cancel_reason = reason.strip()
    booking.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"])
    if booking.booked_by_id != by.pk:
        _tell_booker(
            booking,
            "cancelled",
            _("Your booking of %(room)s on %(when)s was cancelled") % _describe(booking),
            _("Reason: %(reason)s") % {"reason": booking.cancel_reason},
        )
    return booking


@transaction.atomic
def approve_booking(*, booking: Booking, by: User) -> Booking:
    """Those who look after the room approve a booking waiting for it; the booker is told."""
    booking = _locked_booking(booking)
    _require(by, "communities.decide_booking", booking)
    _check_pending(booking)
    if booking.ends_at <= timezone.now():
        raise ValidationError(_("This booking's time has passed; it can no longer be approved."))
    _decide(booking, by=by, status=S.APPROVED, note="")
    _tell_booker(
        booking,
        "approved",
        _("Your booking of %(room)s on %(when)s was approved") % _describe(booking),
        "",
    )
    return booking


@transaction.atomic
def reject_booking(*, booking: Booking, by: User, reason: str) -> Booking:
    """Those who look after the room turn a waiting booking down, saying why; the slot is free
    again and the booker is told the reason."""
    booking = _locked_booking(booking)
    _require(by, "communities.decide_booking", booking)
    _check_pending(booking)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the booking is not approved.")})
    _decide(booking, by=by, status=S.REJECTED, note=reason.strip())
    _tell_booker(
        booking,
        "rejected",
        _("Your booking of %(room)s on %(when)s was not approved") % _describe(booking),
        _("Reason: %(reason)s") % {"reason": booking.decision_note},
    )
    return booking


# --- Checks --------------------------------------------------------------------------------------


def _locked_space(space: Space) -> Space:
    return (
        Space.objects.select_for_update(of=("self",))
        .select_related("area", "managed_by")
        .get(pk=space.pk)
    )


def _locked_booking(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("space__area", "space__managed_by", "organization", "booked_by")
        .get(pk=booking.pk)
    )


def _booking_with_key(submission_key: uuid.UUID, by: User) -> Booking | None:
    existing = Booking.objects.filter(submission_key=submission_key).first()
    if existing is not None and existing.booked_by_id != by.pk:
        raise ValidationError(_("This form was already used. Open the room's page again."))
    return existing


def _check_booker(space: Space, *, by: User, organization: Organization | None) -> None:
    if organization is None:
        if by.is_superuser or reach.lives_in(by, space.area):
            return
        if by.has_perm("communities.book_space", space):
            raise ValidationError(
                {
                    "organization": _(
                        "Choose the organisation you book for: only residents of %(area)s book "
                        "this room for themselves."
                    )
                    % {"area": space.area}
                }
            )
        raise PermissionDenied(
            _("Only verified residents of %(area)s, and organisations serving it, book this room.")
            % {"area": space.area}
        )
    if booking_organizations(user=by, space=space).filter(pk=organization.pk).exists():
        return
    if not (by.is_superuser or organization.pk in reach.organization_ids(by)):
        raise PermissionDenied(_("Only members of %(name)s book for it.") % {"name": organization})
    raise ValidationError(
        {
            "organization": _("%(name)s does not serve %(area)s.")
            % {"name": organization, "area": space.area}
        }
    )


def _check_slot(
    space: Space,
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    attendees: int,
    moving: Booking | None = None,
) -> None:
    """The period is in the future, within one day's opening hours, within how far ahead the
    room may be booked, for no more people than it holds, and free."""
    if not space.active:
        raise ValidationError(
            {"space": _("%(room)s is not taking bookings now.") % {"room": space}}
        )
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A booking must end after it starts.")})
    if starts_at < timezone.now():
        raise ValidationError(
            {"starts_at": _("This time has already passed. Choose a time from now on.")}
        )
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date():
        raise ValidationError({"ends_at": _("A booking starts and ends on the same day.")})
    if not space.opens_on(start.date()):
        raise ValidationError(
            {
                "starts_at": _("%(room)s is closed on %(weekday)s. It opens %(days)s.")
                % {
                    "room": space,
                    "weekday": weekday_name(start.isoweekday()),
                    "days": space.open_days_display,
                }
            }
        )
    hours = _("%(room)s is open from %(opens)s to %(closes)s.") % {
        "room": space,
        "opens": f"{space.opens_at:%H:%M}",
        "closes": f"{space.closes_at:%H:%M}",
    }
    if start.time() < space.opens_at:
        raise ValidationError({"starts_at": hours})
    if end.time() > space.closes_at:
        raise ValidationError({"ends_at": hours})
    last_day = timezone.localdate() + datetime.timedelta(days=space.book_ahead_days)
    if start.date() > last_day:
        raise ValidationError(
            {
                "starts_at": _("%(room)s can be booked up to %(days)s days ahead, until %(date)s.")
                % {
                    "room": space,
                    "days": space.book_ahead_days,
                    "date": formats.date_format(last_day, "SHORT_DATE_FORMAT"),
                }
            }
        )
    if attendees is None or attendees < 1:
        raise ValidationError({"attendees": _("At least one person attends.")})
    if attendees > space.capacity:
        raise ValidationError(
            {
                "attendees": _("%(room)s holds at most %(capacity)s people.")
                % {"room": space, "capacity": space.capacity}
            }
        )
    _check_free(space, starts_at=starts_at, ends_at=ends_at, moving=moving)


def _check_free(
    space: Space,
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    moving: Booking | None = None,
) -> None:
    """Refuse a period another booking holds, saying when the room is free that day."""
    others = space.bookings.holding()
    if moving is not None:
        others = others.exclude(pk=moving.pk)
    taken = others.overlapping(starts_at, ends_at).order_by("starts_at").first()
    if taken is None:
        return
    day = timezone.localtime(starts_at).date()
    free = free_periods(space, day, others.on_day(day))
    message = _("%(room)s is already booked from %(start)s to %(end)s.") % {
        "room": space,
        "start": f"{timezone.localtime(taken.starts_at):%H:%M}",
        "end": f"{timezone.localtime(taken.ends_at):%H:%M}",
    }
    if free:
        periods = ", ".join(
            f"{timezone.localtime(start):%H:%M}–{timezone.localtime(end):%H:%M}"
            for start, end in free
        )
        message += " " + _("It is free that day %(periods)s.") % {"periods": periods}
    else:
        message += " " + _("It is fully booked that day.")
    raise ValidationError({"starts_at": message}, code="overlap")


def _check_pending(booking: Booking) -> None:
    if booking.status != S.PENDING:
        raise ValidationError(
            _("This booking is already %(status)s.") % {"status": booking.get_status_display()}
        )


def _status_for(space: Space, by: User) -> tuple[str, User | None]:
    """Approved at once where the room needs no approval, or where the booker looks after it
    (then they are the one who approved it)."""
    if by.has_perm("communities.manage_space", space):
        return S.APPROVED, by
    if space.requires_approval:
        return S.PENDING, None
    return S.APPROVED, None


def _decide(booking: Booking, *, by: User, status: str, note: str) -> None:
    booking.status = status
    booking.decided_by = by
    booking.decided_at = timezone.now()
    booking.decision_note = note
    booking.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


# --- Messages ------------------------------------------------------------------------------------


def _describe(booking: Booking) -> dict[str, str]:
    start = timezone.localtime(booking.starts_at)
    end = timezone.localtime(booking.ends_at)
    return {
        "room": booking.space.name,
        "when": f"{formats.date_format(start, 'SHORT_DATE_FORMAT')} {start:%H:%M}–{end:%H:%M}",
    }


def _key(booking: Booking, what: str) -> str:
    """One message per booking, event and slot: a moved booking is approved anew."""
    return f"booking-{booking.pk}-{what}-{timezone.localtime(booking.starts_at):%Y%m%d%H%M}"


def _tell_booker(booking: Booking, what: str, title: str, body: str) -> None:
    notify(
        user=booking.booked_by,
        key=_key(booking, what),
        title=title,
        body=body,
        url=reverse("communities:my_bookings"),
    )


def _ask_for_approval(booking: Booking) -> None:
    """The members of the managing organisation find it in their queue, and in their inbox."""
    members = (
        Membership.objects.active()
        .filter(organization=booking.space.managed_by)
        .exclude(user=booking.booked_by)
        .values_list("user_id", flat=True)
        .order_by()
        .distinct()
    )
    notify_many(
        user_ids=list(members),
        key=_key(booking, "pending"),
        title=_("A booking of %(room)s on %(when)s waits for your approval") % _describe(booking),
        body=booking.purpose,
        url=reverse("communities:booking_queue"),
    )
