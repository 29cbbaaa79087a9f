"""The notice board (公示栏): what an area publishes, and what its residents see."""

from __future__ import annotations

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
