"""Each person's inbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def mail_due(self, now=None) -> NotificationQuerySet:
        """Messages to be mailed whose time has come and that were not mailed yet."""
        return self.filter(
            email_due_at__isnull=False,
            email_due_at__lte=now or timezone.now(),
            emailed_at__isnull=True,
        )


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
    # Set when the message was written for someone who wants its kind by mail: the mail outbox.
    email_due_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key"),
        ]
        indexes = [
            models.Index(
                fields=["email_due_at"],
                condition=Q(email_due_at__isnull=False, emailed_at__isnull=True),
                name="notification_mail_waiting",
            ),
            models.Index(
                fields=["user", "created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title


def every_kind() -> list[str]:
    return list(Notification.Kind.values)


class NotificationPreference(models.Model):
    """What a person wants by e-mail besides the inbox: each kind of message as it comes, and a
    daily digest of the unread messages that were not mailed on their own. Without a row, every
    kind goes by e-mail (to those who gave an address) and there is no digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("person"),
    )
    email_kinds = models.JSONField(_("kinds sent by e-mail"), default=every_kind, blank=True)
    daily_digest = models.BooleanField(_("daily digest"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        indexes = [
            models.Index(
                fields=["user"], condition=Q(daily_digest=True), name="notification_digest_on"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


def wants_email(email_kinds: list[str] | None, kind: str) -> bool:
    """Whether a message of this kind goes by e-mail, given a person's chosen kinds (None: they
    chose nothing, so every kind does)."""
    return email_kinds is None or kind in email_kinds


class DigestSend(models.Model):
    """The send log of daily digests: one row per person and day, so a digest goes out once a
    day however often the periodic task runs or retries."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    messages = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="digest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.day}"
