"""The notice board (公示栏): what an area publishes, and what its residents see.

A notice carries its attachments (documents checked byte by byte by `communities.documents`),
the lines of a finance disclosure, and the outbox row of its delivery to every resident below.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models.people import Organization
from communities.models.places import Area, ancestor_paths, subtree_q


class NoticeQuerySet(models.QuerySet):
    def live(self, now=None) -> NoticeQuerySet:
        """Published and not yet taken down."""
        now = now or timezone.now()
        return self.filter(publish_at__lte=now).filter(
            Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now)
        )

    def visible_to(self, user) -> NoticeQuerySet:
        """Live notices to everyone; scheduled and taken-down ones also to those who may publish
        where they hang (the same reach as `communities.publish_notice`)."""
        if user.is_authenticated and user.is_superuser:
            return self
        visible = Q(pk__in=self.live().values("pk"))
        if user.is_authenticated:
            from communities.reach import acting_paths, managed_paths

            visible |= subtree_q((*managed_paths(user), *acting_paths(user)), "area__path")
        return self.filter(visible)

    def on_board_of(self, area: Area) -> NoticeQuerySet:
        """The board a resident of `area` reads: notices of the area and of every area above it,
        pinned first, newest first."""
        return self.filter(area__path__in=ancestor_paths(area.path)).order_by(
            "-pinned", "-publish_at", "-pk"
        )


class Notice(models.Model):
    """A notice on an area's board. Automatic publications (minutes, poll results, commitments)
    carry a source key, so publishing the same thing twice gives back the first notice."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("announcement")
        MINUTES = "minutes", _("meeting minutes")
        COMMITMENT = "commitment", _("public commitment")
        COMMITMENT_RESULT = "commitment_result", _("commitment result")
        POLL_RESULT = "poll_result", _("poll result")
        FINANCE = "finance", _("finance disclosure")
        PARTY_DISPLAY = "party_display", _("party-member display")
        RULES = "rules", _("conventions and rules")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="notices", verbose_name=_("area")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("published by"),
    )
    kind = models.CharField(
        _("kind"), max_length=24, choices=Kind.choices, default=Kind.ANNOUNCEMENT
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=20000, blank=True)
    link_url = models.CharField(
        _("link"),
        max_length=300,
        blank=True,
        help_text=_("The page of what the notice publishes: minutes, a poll, a commitment."),
    )
    source_key = models.CharField(max_length=120, blank=True, editable=False)
    pinned = models.BooleanField(_("pinned"), default=False)
    publish_at = models.DateTimeField(_("published from"), default=timezone.now)
    unpublish_at = models.DateTimeField(_("taken down at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-pinned", "-publish_at", "-pk"]
        indexes = [models.Index(fields=["area", "-publish_at"], name="notice_area_newest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=F("publish_at")),
                name="notice_taken_down_after_published",
            ),
            models.UniqueConstraint(
                fields=["source_key"],
                condition=~Q(source_key=""),
                name="notice_once_per_source",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("communities:notice_detail", kwargs={"pk": self.pk})

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.publish_at <= now and (self.unpublish_at is None or self.unpublish_at > now)

    @property
    def is_scheduled(self) -> bool:
        return self.publish_at > timezone.now()

    @property
    def is_taken_down(self) -> bool:
        return self.unpublish_at is not None and self.unpublish_at <= timezone.now()


def _attachment_path(instance, filename: str) -> str:
    # The name was already made random by communities.documents; only the folder is chosen here.
    return f"notices/{timezone.now():%Y/%m}/{filename}"


class NoticeAttachment(models.Model):
    """A document attached to a notice: a convention as PDF, a photo of a receipt, a workbook.
    The stored name is random; the name the publisher gave is kept, cleaned, for display only."""

    class Kind(models.TextChoices):
        PDF = "pdf", _("PDF document")
        JPEG = "jpeg", _("JPEG picture")
        PNG = "png", _("PNG picture")
        DOCX = "docx", _("Word document")
        XLSX = "xlsx", _("Excel workbook")

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("notice")
    )
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["notice", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:notice_attachment", kwargs={"pk": self.pk})


class FinanceLine(models.Model):
    """One line of a finance disclosure (财务公示): money that came into or went out of the
    compound's funds. Totals are computed from the lines, never typed."""

    class Direction(models.TextChoices):
        INCOME = "income", _("income")
        SPENDING = "spending", _("spending")

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="finance_lines", verbose_name=_("notice")
    )
    position = models.PositiveSmallIntegerField()
    direction = models.CharField(_("income or spending"), max_length=8, choices=Direction.choices)
    item = models.CharField(_("item"), max_length=120)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("finance line")
        verbose_name_plural = _("finance lines")
        ordering = ["notice", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_line_amount_positive"),
            models.UniqueConstraint(fields=["notice", "position"], name="finance_line_position"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.item} {self.amount}"


@dataclass(frozen=True)
class FinanceStatement:
    """Income and spending of a disclosure, with their totals and the balance."""

    income: list[FinanceLine]
    spending: list[FinanceLine]

    @classmethod
    def of(cls, lines) -> FinanceStatement:
        lines = list(lines)
        return cls(
            income=[line for line in lines if line.direction == FinanceLine.Direction.INCOME],
            spending=[line for line in lines if line.direction == FinanceLine.Direction.SPENDING],
        )

    @property
    def total_income(self) -> Decimal:
        return sum((line.amount for line in self.income), Decimal("0.00"))

    @property
    def total_spending(self) -> Decimal:
        return sum((line.amount for line in self.spending), Decimal("0.00"))

    @property
    def balance(self) -> Decimal:
        return self.total_income - self.total_spending

    def __bool__(self) -> bool:
        return bool(self.income or self.spending)


class NoticeDeliveryQuerySet(models.QuerySet):
    def due(self, now=None) -> NoticeDeliveryQuerySet:
        """Deliveries whose time has come and that have not finished."""
        return self.filter(finished_at__isnull=True, due_at__lte=now or timezone.now())


class NoticeDelivery(models.Model):
    """The outbox row of a notice: written in the same transaction as the notice, so a delivery
    is never lost when the broker or the worker is down; the periodic sweep sends what is due and
    not finished. It finishes once: delivered to its residents, or withdrawn when the notice was
    taken down before its time came."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("delivered")
        WITHDRAWN = "withdrawn", _("taken down before delivery")

    notice = models.OneToOneField(
        Notice, on_delete=models.CASCADE, related_name="delivery", verbose_name=_("notice")
    )
    due_at = models.DateTimeField(_("due at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    objects = NoticeDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(finished_at__isnull=True),
                name="notice_delivery_waiting",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True, outcome="")
                | (Q(finished_at__isnull=False) & ~Q(outcome="")),
                name="notice_delivery_finishes_with_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice} @ {self.due_at:%Y-%m-%d %H:%M}"
