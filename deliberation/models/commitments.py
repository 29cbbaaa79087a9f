"""Public commitments (公开承诺 · 践诺): an organisation promises, in public, and is held to it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Area, Organization
from deliberation.models.issues import Issue


class CommitmentQuerySet(models.QuerySet):
    def under(self, area: Area) -> CommitmentQuerySet:
        return self.filter(area__path__startswith=area.path)

    def active(self) -> CommitmentQuerySet:
        return self.filter(status=Commitment.Status.ACTIVE)

    def overdue(self, today=None) -> CommitmentQuerySet:
        return self.active().filter(due_on__lt=today or timezone.localdate())

    def visible_to(self, user) -> CommitmentQuerySet:
        """Commitments are made in public: everyone sees every one. Kept so that every scoped
        read in the portal goes through the same door."""
        return self.all()


class Commitment(models.Model):
    """What an organisation promised for an area, by when, and which issues it answers."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("in progress")
        FULFILLED = "fulfilled", _("fulfilled")
        PARTLY = "partly", _("partly fulfilled")
        NOT_FULFILLED = "not_fulfilled", _("not fulfilled")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("organisation"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("for")
    )
    title = models.CharField(_("what is promised"), max_length=120)
    description = models.TextField(_("details"), max_length=4000, blank=True)
    due_on = models.DateField(_("due by"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    result_note = models.TextField(_("result"), max_length=4000, blank=True)
    issues = models.ManyToManyField(
        Issue, blank=True, related_name="commitments", verbose_name=_("issues it answers")
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # The form's one-time token: a double tap on "publish" finds the commitment the first made.
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["area", "status"], name="commitment_area_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="commitment_progress_0_100"
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(completed_at__isnull=False),
                name="commitment_completed_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deliberation:commitment_detail", kwargs={"pk": self.pk})

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.ACTIVE and self.due_on < timezone.localdate()
