"""Each person's inbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message in a person's inbox. The key makes sending idempotent: a retried task that
    notifies the same person of the same event finds the row it already wrote. The kind lets
    each person choose which messages also go by e-mail."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("general")
        ISSUE = "issue", _("residents' issues")
        MEETING = "meeting", _("meetings")
        NOTICE = "notice", _("notice board")
        POLL = "poll", _("polls")
        TOPIC = "topic", _("online deliberation hall")
        COMMITMENT = "commitment", _("public commitments")
        VOLUNTEERING = "volunteering", _("volunteering")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    key = models.CharField(max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GENERAL)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key"),
        ]

    def __str__(self) -> str:
        return self.title
