"""The online deliberation hall (网上议事厅): a topic for a period, residents' comments and
replies, moderation in the open, and a summary at close."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Area, Membership, Organization, ancestor_paths, subtree_q
from deliberation.models.issues import Issue


class TopicQuerySet(models.QuerySet):
    def concerning(self, area: Area) -> TopicQuerySet:
        """Topics of the area, of every area above it, and of the places under it."""
        return self.filter(
            Q(area__path__in=ancestor_paths(area.path)) | Q(area__path__startswith=area.path)
        )

    def live(self, today=None) -> TopicQuerySet:
        return self.filter(opens_on__lte=today or timezone.localdate())

    def visible_to(self, user) -> TopicQuerySet:
        """Opened topics to everyone; one not yet open also to the members of the organisation
        that opened it and to staff who manage its area (as `deliberation.view_topic`)."""
        if user.is_authenticated and user.is_superuser:
            return self
        visible = Q(opens_on__lte=timezone.localdate())
        if user.is_authenticated:
            from communities.reach import managed_paths

            visible |= Q(
                organization_id__in=Membership.objects.active()
                .filter(user=user)
                .values("organization_id")
            ) | subtree_q(managed_paths(user), "area__path")
        return self.filter(visible)


class Topic(models.Model):
    """A question put to an area's residents for a period (a month, usually), discussed in
    comments and closed with a summary by the organisation that opened it."""

    class Phase(models.TextChoices):
        UPCOMING = "upcoming", _("not open yet")
        OPEN = "open", _("open for comments")
        ENDED = "ended", _("comments closed, summary to come")
        CLOSED = "closed", _("closed with a summary")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="topics", verbose_name=_("opened by")
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="topics",
        verbose_name=_("for"),
        help_text=_("Verified residents living in this place or under it may comment."),
    )
    title = models.CharField(_("title"), max_length=120)
    question = models.CharField(_("question"), max_length=300)
    background = models.TextField(_("background"), max_length=4000, blank=True)
    opens_on = models.DateField(_("open from"))
    closes_on = models.DateField(_("open until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    summary = models.TextField(_("summary"), max_length=4000, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issue = models.ForeignKey(
        Issue,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("turned into the issue"),
    )
    # The form's one-time token: a double tap on "open" finds the topic the first one made.
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-opens_on", "-pk"]
        indexes = [models.Index(fields=["area", "-opens_on"], name="topic_area_newest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="topic_closes_after_it_opens"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(summary=""),
                name="topic_closed_with_a_summary",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deliberation:topic_detail", kwargs={"pk": self.pk})

    def phase_on(self, today: datetime.date) -> str:
        if self.closed_at is not None:
            return self.Phase.CLOSED
        if today < self.opens_on:
            return self.Phase.UPCOMING
        if today <= self.closes_on:
            return self.Phase.OPEN
        return self.Phase.ENDED

    @property
    def phase(self) -> str:
        return self.phase_on(timezone.localdate())

    def get_phase_display(self) -> str:
        return self.Phase(self.phase).label

    @property
    def is_open(self) -> bool:
        return self.phase == self.Phase.OPEN


class TopicComment(models.Model):
    """A resident's comment on a topic, or a reply to one (one level deep). A moderator may hide
    it with a reason: everyone then sees the reason in its place; only the author and the
    moderators still read the text."""

    MAX_LENGTH = 1000

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topic_comments",
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set when the author answered for the organisation that opened the topic."),
    )
    body = models.TextField(_("comment"), max_length=MAX_LENGTH)
    created_at = models.DateTimeField(_("written at"))
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)
    # The form's one-time token: a double tap on "send" makes one comment.
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["topic", "created_at"],
                condition=Q(parent__isnull=True),
                name="topic_comment_threads",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="topic_comment_hidden_with_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:40]

    def get_absolute_url(self) -> str:
        return f"{self.topic.get_absolute_url()}#comment-{self.pk}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
