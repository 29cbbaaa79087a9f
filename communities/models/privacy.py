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
