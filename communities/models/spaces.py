"""Shared rooms (共享空间 / 睦邻驿站) of an area, and their bookings.

No two bookings that hold a room (waiting for approval, or approved) overlap. On PostgreSQL an
exclusion constraint, `booking_never_overlaps`, refuses them whatever writes the rows; it is
created by migration 0006 and kept out of the model state because SQLite cannot hold it. On
SQLite the check in `communities.services.spaces` runs inside a transaction that took the write
lock at BEGIN, so two bookings are checked one after the other (see ADR 0006).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communities.models.people import Organization
from communities.models.places import Area, ancestor_paths, subtree_q

# ISO weekdays, Monday 1 to Sunday 7, as `Space.open_days` stores them.
ALL_DAYS = "1234567"


def weekday_name(iso_weekday: int) -> str:
    return str(WEEKDAYS[iso_weekday - 1])


class SpaceQuerySet(models.QuerySet):
    def active(self) -> SpaceQuerySet:
        return self.filter(active=True)

    def serving(self, area: Area) -> SpaceQuerySet:
        """The rooms a resident of `area` may use: those in it or under it, and those of the
        places above it (a community's 党群服务站 serves every compound of the community)."""
        return self.filter(
            Q(area__path__startswith=area.path) | Q(area__path__in=ancestor_paths(area.path))
        )

    def managed_by_user(self, user) -> SpaceQuerySet:
        """Rooms the user looks after: their organisation manages it, or they manage its area
        (the same reach as `communities.manage_space`)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(_looks_after(user, "managed_by_id", "area__path"))

    def visible_to(self, user) -> SpaceQuerySet:
        """Rooms are public; one taken out of use only to those who look after it."""
        if user.is_authenticated and user.is_superuser:
            return self
        visible = Q(active=True)
        if user.is_authenticated:
            visible |= _looks_after(user, "managed_by_id", "area__path")
        return self.filter(visible)


def _organizations_of(user):
    """The user's organisations today, as a subquery (no query of its own)."""
    from communities.models.people import Membership

    return Membership.objects.active().filter(user=user).values("organization_id")


def _looks_after(user, organization_field: str, path_field: str) -> Q:
    """Members of the managing organisation, and staff who manage the room's area."""
    from communities.reach import managed_paths

    return Q(**{f"{organization_field}__in": _organizations_of(user)}) | subtree_q(
        managed_paths(user), path_field
    )


class Space(models.Model):
    """A room that residents and organisations book: capacity, opening hours and the days it
    opens, and whether the managing organisation approves each booking."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="spaces", verbose_name=_("area")
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    location = models.CharField(
        _("where"),
        max_length=200,
        blank=True,
        help_text=_("How to find it, e.g. ground floor of building 3, east door."),
    )
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    open_days = models.CharField(
        _("open on"),
        max_length=7,
        default=ALL_DAYS,
        validators=[RegexValidator(r"^[1-7]{1,7}$", _("Days are digits 1 (Monday) to 7."))],
        help_text=_("The days of the week it opens: 1 is Monday, 7 is Sunday."),
    )
    requires_approval = models.BooleanField(
        _("bookings need approval"),
        default=False,
        help_text=_("Each booking waits until the managing organisation approves it."),
    )
    book_ahead_days = models.PositiveSmallIntegerField(
        _("bookable days ahead"),
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_("How far ahead people may book."),
    )
    managed_by = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="spaces",
        verbose_name=_("managed by"),
        help_text=_("Its members approve bookings and look after the room."),
    )
    active = models.BooleanField(
        _("taking bookings"), default=True, help_text=_("Untick while the room is out of use.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("shared room")
        verbose_name_plural = _("shared rooms")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="space_unique_in_area"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="space_holds_someone"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="space_closes_after_it_opens"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:space_detail", kwargs={"pk": self.pk})

    @property
    def weekdays(self) -> list[int]:
        return sorted({int(day) for day in self.open_days if day in ALL_DAYS})

    def opens_on(self, day: datetime.date) -> bool:
        return day.isoweekday() in self.weekdays

    @property
    def open_days_display(self) -> str:
        """The days it opens as people say them: Monday to Friday, every day, or one by one."""
        days = self.weekdays
        if days == list(range(1, 8)):
            return gettext("every day")
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            return gettext("%(first)s to %(last)s") % {
                "first": weekday_name(days[0]),
                "last": weekday_name(days[-1]),
            }
        return ", ".join(weekday_name(day) for day in days)

    @property
    def hours_display(self) -> str:
        return f"{self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class BookingQuerySet(models.QuerySet):
    def holding(self) -> BookingQuerySet:
        """Bookings that hold their slot: waiting for approval, or approved."""
        return self.filter(status__in=Booking.HOLDING_STATUSES)

    def overlapping(
        self, starts_at: datetime.datetime, ends_at: datetime.datetime
    ) -> BookingQuerySet:
        """Half-open periods [starts_at, ends_at): one ending at 10:00 leaves 10:00 free."""
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def on_day(self, day: datetime.date) -> BookingQuerySet:
        """Bookings of a local day (Asia/Shanghai), in order."""
        start, end = day_bounds(day)
        return self.overlapping(start, end).order_by("starts_at")

    def upcoming(self, now=None) -> BookingQuerySet:
        return self.filter(ends_at__gt=now or timezone.now())

    def decidable_by(self, user) -> BookingQuerySet:
        """Bookings the user may approve or reject: the room's managing organisation and staff
        who manage its area (the same reach as `communities.decide_booking`)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(_looks_after(user, "space__managed_by_id", "space__area__path"))

    def visible_to(self, user) -> BookingQuerySet:
        """The booker, the organisation booked for, the room's managing organisation and staff
        who manage its area. The public calendar shows busy slots, never who booked them."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            Q(booked_by=user)
            | Q(organization_id__in=_organizations_of(user))
            | _looks_after(user, "space__managed_by_id", "space__area__path")
        )


def day_bounds(day: datetime.date, days: int = 1) -> tuple[datetime.datetime, datetime.datetime]:
    """The aware midnights that begin `day` and end the `days`-th day after it."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time.min)
    )
    return start, end


class Booking(models.Model):
    """A room held for a period by a resident, or by an organisation (a meeting, a lecture)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("not approved")
        CANCELLED = "cancelled", _("cancelled")

    HOLDING_STATUSES = (Status.PENDING, Status.APPROVED)

    space = models.ForeignKey(
        Space, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("shared room")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="space_bookings",
        verbose_name=_("booked by"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="space_bookings",
        verbose_name=_("for the organisation"),
    )
    purpose = models.CharField(_("what for"), max_length=200)
    attendees = models.PositiveIntegerField(
        _("people attending"), default=1, validators=[MinValueValidator(1)]
    )
    # The form's one-time token: a double tap on "book" finds the booking the first one made.
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=200, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["space", "starts_at"], name="booking_space_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(attendees__gte=1), name="booking_has_attendees"),
        ]

    def __str__(self) -> str:
        return f"{self.space} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def holds_slot(self) -> bool:
        return self.status in self.HOLDING_STATUSES

    @property
    def public_label(self) -> str:
        """What the public calendar says of this booking: an organisation's name and purpose,
        never a resident's name or purpose."""
        if self.organization_id:
            return f"{self.organization.name}: {self.purpose}"
        return gettext("booked")


# --- The calendar of a room --------------------------------------------------------------------

FREE_SLOT_STEP = datetime.timedelta(minutes=15)


def _next_step(moment: datetime.datetime) -> datetime.datetime:
    """The next quarter hour at or after `moment`: today's free time starts there, not now."""
    local = timezone.localtime(moment).replace(second=0, microsecond=0)
    extra = local.minute % 15
    if extra or moment > local:
        local += FREE_SLOT_STEP - datetime.timedelta(minutes=extra)
    return local


def free_periods(
    space: Space, day: datetime.date, bookings, now: datetime.datetime | None = None
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The free periods of the room on a day, within its opening hours and from now on, given
    the bookings that hold it that day (in order of their start)."""
    if not space.opens_on(day):
        return []
    cursor = timezone.make_aware(datetime.datetime.combine(day, space.opens_at))
    closes = timezone.make_aware(datetime.datetime.combine(day, space.closes_at))
    cursor = max(cursor, _next_step(now or timezone.now()))
    free = []
    for booking in bookings:
        if booking.starts_at > cursor and cursor < closes:
            free.append((cursor, min(booking.starts_at, closes)))
        cursor = max(cursor, booking.ends_at)
    if cursor < closes:
        free.append((cursor, closes))
    return free


@dataclass
class CalendarDay:
    day: datetime.date
    is_open: bool
    busy: list[Booking]
    free: list[tuple[datetime.datetime, datetime.datetime]]


def calendar_of(space: Space, first_day: datetime.date, days: int = 7) -> list[CalendarDay]:
    """The busy and free periods of each day from `first_day`, in one query. Busy periods name
    an organisation and its purpose, never a resident (`Booking.public_label`)."""
    start, end = day_bounds(first_day, days)
    bookings = list(
        space.bookings.holding()
        .overlapping(start, end)
        .select_related("organization")
        .order_by("starts_at")
    )
    calendar = []
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        day_start, day_end = day_bounds(day)
        busy = [b for b in bookings if b.starts_at < day_end and b.ends_at > day_start]
        calendar.append(
            CalendarDay(
                day=day,
                is_open=space.opens_on(day),
                busy=busy,
                free=free_periods(space, day, busy),
            )
        )
    return calendar
