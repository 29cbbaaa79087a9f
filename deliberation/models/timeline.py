"""The daily seals of the public timelines: each day's head hash (see deliberation.timeline)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimelineSeal(models.Model):
    """The hashes of every timeline entry written on a day (issues and commitments), sealed into
    one hash chained to the day before's. Written once, after the day is over, by the periodic
    task; `manage.py verify_timeline` recomputes each seal from the entries."""

    day = models.DateField(_("day"), unique=True)
    hash = models.CharField(_("head hash"), max_length=64)
    previous = models.CharField(max_length=64)
    entries = models.PositiveIntegerField(_("entries sealed"))
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("timeline seal")
        verbose_name_plural = _("timeline seals")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.hash[:12]}"
