"""Public commitments (公开承诺 · 践诺): an organisation promises, in public, and is held to it."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Area, Organization
from deliberation.models.issues import Issue


class CommitmentQuerySet(models.QuerySet):
    def under(self, area: Area) -> CommitmentQuerySet:
        """Made for the area or any place under it. A subquery on the tree, so the filter walks
        the (area, status) index."""
        return self.filter(area_id__in=Area.objects.under(area).values("id"))

    def active(self) -> CommitmentQuerySet:
        return self.filter(status=Commitment.Status.ACTIVE)

    def overdue(self, today=None) -> CommitmentQuerySet:
        return self.active().filter(due_on__lt=today or timezone.localdate())

    def on_track(self, today=None) -> CommitmentQuerySet:
        """In progress and not yet due."""
        return self.active().filter(due_on__gte=today or timezone.localdate())

    def made_between(self, start: datetime.datetime, end: datetime.datetime) -> CommitmentQuerySet:
        return self.filter(made_at__gte=start, made_at__lt=end)

    def with_unanswered_remarks(self) -> CommitmentQuerySet:
        """Each commitment with `unanswered_remarks`: the supervisors' remarks still waiting for
        the organisation's answer."""
        return self.annotate(
            unanswered_remarks=Count(
                "updates",
                filter=Q(
                    updates__kind=CommitmentUpdate.Kind.REMARK,
                    updates__answer__isnull=True,
                ),
            )
        )

    def tally(self, today=None) -> dict[str, int]:
        """How many were made, are on track, overdue, fulfilled, partly or not fulfilled: one
        aggregate query, whatever the number of commitments."""
        today = today or timezone.localdate()
        Status = Commitment.Status
        return self.order_by().aggregate(
            made=Count("pk"),
            on_track=Count("pk", filter=Q(status=Status.ACTIVE, due_on__gte=today)),
            overdue=Count("pk", filter=Q(status=Status.ACTIVE, due_on__lt=today)),
            fulfilled=Count("pk", filter=Q(status=Status.FULFILLED)),
            partly=Count("pk", filter=Q(status=Status.PARTLY)),
            not_fulfilled=Count("pk", filter=Q(status=Status.NOT_FULFILLED)),
        )

    def visible_to(self, user) -> CommitmentQuerySet:
        """Commitments are made in public: everyone sees every one. Kept so that every scoped
        read in the portal goes through the same door."""
        return self.all()


class Commitment(models.Model):
    """What an organisation promised for an area, by when, and which issues it answers.

    Its status, progress and result are kept by the services and follow its public timeline
    (`CommitmentUpdate`), which is the record: made, progress, result, remarks and answers."""

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


class CommitmentUpdate(models.Model):
    """One line of a commitment's public timeline: made, progress, result, a public supervisor's
    remark or the organisation's answer to it. Append-only (a database trigger refuses changes),
    and hash-chained per commitment like an issue's timeline (see deliberation.timeline).

    Who acted is kept as words: the organisation's name, or "public_supervisor" for a remark."""

    class Kind(models.TextChoices):
        MADE = "made", _("commitment made")
        PROGRESS = "progress", _("progress")
        RESULT = "result", _("result")
        REMARK = "remark", _("supervision remark")
        ANSWER = "answer", _("answer to a remark")

    SUPERVISOR = "public_supervisor"
    RESULTS = (
        Commitment.Status.FULFILLED,
        Commitment.Status.PARTLY,
        Commitment.Status.NOT_FULFILLED,
    )

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(_("who"), max_length=120)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    text = models.TextField(_("text"), max_length=4000, blank=True)
    result = models.CharField(
        _("result"), max_length=16, choices=Commitment.Status.choices, blank=True
    )
    due_on = models.DateField(_("due by"), null=True, blank=True)
    answer_to = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answer",
        verbose_name=_("answers the remark"),
    )
    # The form's one-time token: a double tap on "post" finds the entry the first tap made.
    submission_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    seq = models.PositiveIntegerField(editable=False)
    hash = models.CharField(max_length=64, editable=False)

    CHAIN_OWNER = "commitment_id"
    CHAINED_FIELDS = (
        "commitment_id",
        "seq",
        "kind",
        "at",
        "actor_id",
        "actor_role",
        "progress",
        "text",
        "result",
        "due_on",
        "answer_to_id",
    )

    class Meta:
        verbose_name = _("commitment timeline entry")
        verbose_name_plural = _("commitment timeline entries")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["at"], name="commitment_update_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "seq"], name="commitment_update_one_per_place"
            ),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__lte=100),
                name="commitment_update_progress_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(kind="progress") | Q(progress__isnull=False),
                name="commitment_update_progress_has_a_percentage",
            ),
            models.CheckConstraint(
                condition=~Q(kind="result")
                | Q(result__in=["fulfilled", "partly", "not_fulfilled"]),
                name="commitment_update_result_names_it",
            ),
            models.CheckConstraint(
                condition=Q(kind="answer", answer_to__isnull=False)
                | (~Q(kind="answer") & Q(answer_to__isnull=True)),
                name="commitment_update_answer_names_its_remark",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


def _photo_path(instance, filename: str) -> str:
    # The name was already made random by deliberation.photos; only the folder is chosen here.
    return f"commitments/{timezone.now():%Y/%m}/{filename}"


class CommitmentPhoto(models.Model):
    """Evidence of progress or of the result: cleaned by deliberation.photos like issue photos."""

    update = models.ForeignKey(CommitmentUpdate, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("photo"), upload_to=_photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("commitment photo")
        verbose_name_plural = _("commitment photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.image.name


class CommitmentReminder(models.Model):
    """A reminder to the organisation that its commitment is overdue: a row with a due time,
    sent once by the periodic task, which then plans the next one a week later."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("commitment reminder")
        verbose_name_plural = _("commitment reminders")
        ordering = ["due_at"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(sent_at__isnull=True),
                name="commitment_reminder_waiting",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "due_at"], name="commitment_reminder_once_per_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.due_at:%Y-%m-%d %H:%M}"
