"""A record of every time staff saw a resident's full contact details (issue #8: privacy)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long a revealed number stays shown to the person who asked, before they must ask again.
REVEAL_WINDOW = datetime.timedelta(minutes=15)


class PersonalDataAccessQuerySet(models.QuerySet):
    def revealed_to(self, viewer, now=None) -> set[int]:
        """The people whose full number this viewer asked to see within the window."""
        since = (now or timezone.now()) - REVEAL_WINDOW
        return set(self.filter(viewer=viewer, at__gte=since).values_list("person_id", flat=True))


class PersonalDataAccess(models.Model):
    """Written once, by `communities.services.record_personal_data_access`, whenever a member of
    staff asks to see a resident's full phone number: who, whose, where and when."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="personal_data_views",
        verbose_name=_("seen by"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="personal_data_accesses",
        verbose_name=_("whose data"),
    )
    context = models.CharField(_("where"), max_length=120)
    at = models.DateTimeField(_("when"), default=timezone.now)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["viewer", "-at"], name="pda_viewer_recent")]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.person_id} ({self.context})"


class ErasureRequestQuerySet(models.QuerySet):
    def open(self) -> ErasureRequestQuerySet:
        return self.filter(cancelled_at__isnull=True, erased_at__isnull=True)

    def due(self, now=None) -> ErasureRequestQuerySet:
        return self.open().filter(erase_after__lte=now or timezone.now())


class ErasureRequest(models.Model):
    """A person asked for their personal data to be erased. It happens after a grace period in
    which they may change their mind; the account then stays as an anonymous shell, so the
    public record (issues, the points ledger) keeps its shape without naming anyone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="erasure_requests",
        verbose_name=_("person"),
    )
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    erase_after = models.DateTimeField(_("erased after"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    objects = ErasureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(cancelled_at__isnull=True, erased_at__isnull=True),
                name="erasure_one_open_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.requested_at:%Y-%m-%d}"
