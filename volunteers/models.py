"""Volunteers and their service points (志愿服务积分): activities, hours, an append-only ledger,
the rewards shelf (雷锋超市), recognition and the talent pool (人才库)."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Area, Organization


class PointsAccount(models.Model):
    """One person's points. `balance` is a cache of the sum of the entries, kept under a row lock
    by every service; `verify_ledger` checks the two agree. It can never go below zero."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="points_account"
    )
    balance = models.IntegerField(_("balance"), default=0)
    hours = models.DecimalField(_("confirmed hours"), max_digits=9, decimal_places=2, default=0)
    listed = models.BooleanField(
        _("show me on leaderboards"), default=True, help_text=_("Untick to stay off public lists.")
    )
    # What the volunteer shows the organiser to be checked in: a QR code of this token.
    check_in_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="points_balance_never_negative"
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="points_hours_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.balance}"


class LedgerEntry(models.Model):
    """One line of the ledger. Written once; a mistake is answered by a reversal, never an edit
    (on PostgreSQL a trigger refuses UPDATE and DELETE)."""

    class Kind(models.TextChoices):
        AWARD = "award", _("award")
        REDEMPTION = "redemption", _("redemption")
        REVERSAL = "reversal", _("reversal")
        ADJUSTMENT = "adjustment", _("adjustment by staff")

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    reason = models.CharField(_("why"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    sign_up = models.ForeignKey(
        "SignUp", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    redemption = models.ForeignKey(
        "Redemption", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="ledger_entry_moves_points"),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False),
                name="ledger_reversal_names_its_entry",
            ),
            models.CheckConstraint(
                condition=~Q(kind="award") | Q(points__gt=0), name="ledger_award_is_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind="redemption") | Q(points__lt=0),
                name="ledger_redemption_is_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d}"


class Activity(models.Model):
    class Kind(models.TextChoices):
        MUTUAL_HELP = "mutual_help", _("mutual help")
        GREENERY = "greenery", _("greenery")
        PATROL = "patrol", _("patrol")
        LECTURE = "lecture", _("lecture (讲堂)")
        FESTIVAL = "festival", _("festival event")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", _("open for sign-up")
        CANCELLED = "cancelled", _("cancelled")

    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.MUTUAL_HELP
    )
    description = models.TextField(_("description"), blank=True, max_length=4000)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("organiser"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="activities", verbose_name=_("for")
    )
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"), validators=[MinValueValidator(1)])
    points_per_hour = models.PositiveIntegerField(_("points per hour"), default=0)
    points_per_activity = models.PositiveIntegerField(_("points for taking part"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("volunteers:activity_detail", kwargs={"pk": self.pk})


class SignUp(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("place confirmed")
        WAITING = "waiting", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="sign_ups")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sign_ups"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    signed_up_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    hours = models.DecimalField(
        _("confirmed hours"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    hours_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["signed_up_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=~Q(status="cancelled"),
                name="sign_up_once_per_activity",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0, hours__lte=24),
                name="sign_up_hours_in_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.activity}"


class Reminder(models.Model):
    """A reminder due before an activity: a row with a due time, sent once by a periodic task."""

    sign_up = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sign_up", "due_at"], name="reminder_once_per_time"),
        ]

    def __str__(self) -> str:
        return f"{self.sign_up} @ {self.due_at:%Y-%m-%d %H:%M}"


def _pickup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class Reward(models.Model):
    """An item on the rewards shelf (雷锋超市)."""

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="rewards", verbose_name=_("offered by")
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="rewards", verbose_name=_("for")
    )
    cost = models.PositiveIntegerField(_("points"), validators=[MinValueValidator(1)])
    stock = models.PositiveIntegerField(_("in stock"))
    active = models.BooleanField(_("on the shelf"), default=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["cost", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gt=0), name="reward_costs_points"),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting to be picked up")
        HANDED_OVER = "handed_over", _("handed over")
        CANCELLED = "cancelled", _("cancelled")

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="redemptions"
    )
    points = models.PositiveIntegerField()
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.WAITING
    )
    pickup_code = models.CharField(_("pickup code"), max_length=6, default=_pickup_code)
    redeemed_at = models.DateTimeField(default=timezone.now)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-redeemed_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.reward}"


class Skill(models.Model):
    """A resident's expertise in the talent pool (人才库), listed with consent."""

    class Visibility(models.TextChoices):
        STAFF = "staff", _("community staff only")
        NEIGHBOURS = "neighbours", _("residents of my community")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills"
    )
    name = models.CharField(_("skill"), max_length=60)
    description = models.CharField(_("what I can offer"), max_length=300, blank=True)
    visibility = models.CharField(
        _("who may see it"), max_length=16, choices=Visibility.choices, default=Visibility.STAFF
    )

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="skill_once_per_person"),
        ]

    def __str__(self) -> str:
        return self.name


def _this_year() -> int:
    return timezone.localdate().year


class Nomination(models.Model):
    """A good-neighbour award (好邻居) proposed by a resident and decided by staff."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        AWARDED = "awarded", _("awarded")
        DECLINED = "declined", _("not awarded")

    nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="nominations"
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="nominations")
    year = models.PositiveSmallIntegerField(default=_this_year)
    reason = models.TextField(_("why"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("good-neighbour nomination")
        verbose_name_plural = _("good-neighbour nominations")
        constraints = [
            models.UniqueConstraint(
                fields=["nominee", "nominated_by", "year"], name="nomination_once_a_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nominee} ({self.year})"
