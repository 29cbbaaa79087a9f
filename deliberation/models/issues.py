"""Residents' issues from report to rating: 民事民提 · 民议 · 民决 · 民办 · 民评."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Area, Household, Membership, Organization, subtree_q


class Lane(models.TextChoices):
    QUICK = "quick", _("quick (小事快办)")
    URGENT = "urgent", _("urgent (急事速办)")
    JOINT = "joint", _("joint (难事联办)")


class Category(models.Model):
    """A kind of problem, configured in the admin: where it goes first and whether it is public."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    default_lane = models.CharField(
        _("default lane"), max_length=16, choices=Lane.choices, default=Lane.QUICK
    )
    responsible_kind = models.CharField(
        _("usually handled by"),
        max_length=32,
        choices=Organization.Kind.choices,
        default=Organization.Kind.PROPERTY_FIRM,
    )
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Issues of this category are shown on public pages (without the reporter)."),
    )
    is_mediation = models.BooleanField(
        _("dispute mediation"),
        default=False,
        help_text=_("A dispute between neighbours: a mediator is assigned; private by default."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class IssueQuerySet(models.QuerySet):
    def public(self) -> IssueQuerySet:
        """What anyone may see: public categories, not rejected or merged away."""
        return self.filter(is_public=True).exclude(
            status__in=[Issue.Status.REJECTED, Issue.Status.MERGED]
        )

    def open(self) -> IssueQuerySet:
        return self.exclude(status__in=Issue.CLOSED_STATUSES)

    def overdue(self, now=None) -> IssueQuerySet:
        return (
            self.open()
            .exclude(status=Issue.Status.RESOLVED)
            .filter(deadline__lt=now or timezone.now())
        )

    def under(self, area: Area) -> IssueQuerySet:
        return self.filter(area_id__in=Area.objects.under(area).values("id"))

    def needs_action(self) -> IssueQuerySet:
        """Not yet resolved and not closed: what staff must act on. The same predicate as the
        partial index issue_needs_action_by_deadline, so the queue walks that index."""
        return self.filter(status__in=Issue.NEEDS_ACTION_STATUSES)

    def visible_to(self, user) -> IssueQuerySet:
        """Public issues to everyone; every issue in their reach to staff and organisations;
        their own and those they support to residents; assigned ones to the organisation.

        Written with subqueries, not joins, so no DISTINCT is needed and each condition can use
        its own index."""
        if user.is_authenticated and user.is_superuser:
            return self
        visible = Q(is_public=True) & ~Q(status__in=[Issue.Status.REJECTED, Issue.Status.MERGED])
        if user.is_authenticated:
            visible |= self._in_reach_of(user) | Q(reporter=user) | Q(mediator=user)
            visible |= Q(pk__in=Support.objects.filter(user=user).values("issue_id"))
        return self.filter(visible)

    def handled_by(self, user) -> IssueQuerySet:
        """The staff queue: issues in the areas the user acts in, handled at a tier they manage,
        given to their organisation, or to which their department was summoned."""
        if user.is_superuser:
            return self
        return self.filter(self._in_reach_of(user))

    def committable_by(self, user, roots: Iterable[str]) -> IssueQuerySet:
        """Issues under the given places that the user may commit an organisation to: taken on
        and not yet resolved; also just reported ones where the user accepts issues, since
        committing accepts them. The commitment service checks each chosen one again."""
        from communities import reach
        from deliberation.rules import TRIAGE_KINDS

        S = Issue.Status
        fresh = Q(status=S.SUBMITTED)
        if not user.is_superuser:
            accepting = set(reach.managed_paths(user)) | set(
                Membership.objects.active()
                .filter(user=user, organization__kind__in=TRIAGE_KINDS)
                .exclude(organization__kind=Organization.Kind.PROPERTY_FIRM)
                .values_list("organization__area__path", flat=True)
            )
            fresh &= subtree_q(accepting, "area__path")
        taken_on = Q(status__in=[S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS])
        return self.filter(area_id__in=Area.objects.under_any(roots).values("id")).filter(
            taken_on | fresh
        )

    @staticmethod
    def _in_reach_of(user) -> Q:
        from communities import reach

        organizations = _organizations_of(user)
        return (
            Q(area_id__in=Area.objects.under_any(reach.acting_paths(user)).values("id"))
            | Q(handling_area_id__in=Area.objects.under_any(reach.managed_paths(user)).values("id"))
            | Q(assigned_to_id__in=organizations)
            | Q(pk__in=Summons.objects.filter(organization_id__in=organizations).values("issue_id"))
        )


def _organizations_of(user) -> list[int]:
    return list(
        Membership.objects.active().filter(user=user).values_list("organization_id", flat=True)
    )


class Issue(models.Model):
    """A problem a resident raised. Its life is the state machine in `deliberation.services.issues`."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("not accepted")
        MERGED = "merged", _("merged into another issue")
        ASSIGNED = "assigned", _("assigned")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        QR = "qr", _("scanned a QR code")
        VISIT = "visit", _("household visit (入户走访)")
        MEETING = "meeting", _("meeting")
        PHONE = "phone", _("phone call")
        OPEN311 = "open311", _("another system, through Open311")

    class Outcome(models.TextChoices):
        MEDIATED = "mediated", _("mediated")
        NOT_MEDIATED = "not_mediated", _("not mediated")
        REFERRED = "referred", _("referred")

    CLOSED_STATUSES = (Status.REJECTED, Status.MERGED, Status.CLOSED)
    NEEDS_ACTION_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)

    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), max_length=2000)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="issues", verbose_name=_("category")
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="issues", verbose_name=_("where")
    )
    handling_area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="handled_issues",
        verbose_name=_("handled at"),
        help_text=_("The tier that answers for it now: compound, community or street."),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_issues",
        verbose_name=_("reporter"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issues",
        verbose_name=_("household"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recorded_issues",
        verbose_name=_("recorded by"),
        help_text=_("Staff or a grid worker who wrote it down on a resident's behalf."),
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.ONLINE
    )
    visit = models.ForeignKey(
        "HouseholdVisit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issues",
        verbose_name=_("household visit"),
    )
    lane = models.CharField(_("lane"), max_length=16, choices=Lane.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    is_public = models.BooleanField(_("public"), default=True)
    deadline = models.DateTimeField(_("deadline"))
    escalations = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    assigned_to = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_issues",
        verbose_name=_("responsible organisation"),
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediated_issues",
        verbose_name=_("mediator"),
    )
    outcome = models.CharField(
        _("mediation outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.CharField(_("comment on the result"), max_length=500, blank=True)
    supporters_count = models.PositiveIntegerField(_("supporters"), default=0)
    # CJK bigrams and Latin words, written by the service; see deliberation.search.
    search_text = models.TextField(editable=False, default="")
    # The form's one-time token: a double tap on "send" finds the issue the first tap made.
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="issue_status_deadline"),
            models.Index(fields=["area", "status"], name="issue_area_status"),
            models.Index(
                fields=["deadline"],
                condition=Q(status__in=["submitted", "accepted", "assigned", "in_progress"]),
                name="issue_needs_action_deadline",
            ),
            models.Index(
                fields=["-submitted_at"],
                condition=Q(is_public=True) & ~Q(status__in=["rejected", "merged"]),
                name="issue_public_newest",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="issue_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="issue_merged_names_its_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deliberation:issue_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES

    @property
    def is_overdue(self) -> bool:
        return (
            self.status not in (*self.CLOSED_STATUSES, self.Status.RESOLVED)
            and self.deadline < timezone.now()
        )


class IssueEvent(models.Model):
    """One line of an issue's public timeline. Append-only: written once by a service, never
    edited. The actor's role is kept as words ("居民", "物业服务企业"), never a resident's name.

    The entries of each issue form a hash chain (`seq`, `hash`; see deliberation.timeline), so an
    entry changed or removed behind the portal's back is found by `manage.py verify_timeline`."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("reported")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("not accepted")
        MERGED = "merged", _("merged")
        ASSIGNED = "assigned", _("assigned")
        STARTED = "started", _("work started")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")
        REOPENED = "reopened", _("reopened")
        ESCALATED = "escalated", _("escalated")
        SUMMONED = "summoned", _("department summoned")
        CHECKED_IN = "checked_in", _("department checked in")
        RATED = "rated", _("rated")
        MEDIATED = "mediated", _("mediation outcome recorded")
        DISCUSSED = "discussed", _("discussed")
        COMMITTED = "committed", _("publicly committed")
        COMMITMENT_RESULT = "commit_result", _("commitment result")

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(_("who"), max_length=120)
    from_status = models.CharField(max_length=16, choices=Issue.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Issue.Status.choices, blank=True)
    note = models.TextField(_("why"), blank=True, max_length=2000)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    commitment = models.ForeignKey(
        "deliberation.Commitment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issue_events",
        verbose_name=_("public commitment"),
    )
    # Set once the reporter and supporters were told; the sweep finds entries still waiting.
    notified_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The entry's place in its issue's chain and its hash (deliberation.timeline).
    seq = models.PositiveIntegerField(editable=False)
    hash = models.CharField(max_length=64, editable=False)

    CHAIN_OWNER = "issue_id"
    # What the hash covers: everything but the id and the notification stamp.
    CHAINED_FIELDS = (
        "issue_id",
        "seq",
        "kind",
        "at",
        "actor_id",
        "actor_role",
        "from_status",
        "to_status",
        "note",
        "organization_id",
        "area_id",
        "commitment_id",
    )

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["at"], name="issue_event_at")]
        constraints = [
            models.UniqueConstraint(fields=["issue", "seq"], name="issue_event_one_per_place"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


def _photo_path(instance, filename: str) -> str:
    # The name was already made random by deliberation.photos; only the folder is chosen here.
    return f"issues/{timezone.now():%Y/%m}/{filename}"


class IssuePhoto(models.Model):
    """A photo, decoded, re-encoded and stripped of every EXIF tag before it was stored."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        IssueEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    image = models.ImageField(
        _("photo"), upload_to=_photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.image.name


class Support(models.Model):
    """'Me too': a resident adds their weight to an issue instead of filing it again."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["issue", "user"], name="support_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.issue_id}"


class Summons(models.Model):
    """街道吹哨、部门报到: a department called to an issue must check in."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="summons")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="summons")
    summoned_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("summons")
        verbose_name_plural = _("summonses")
        constraints = [
            models.UniqueConstraint(fields=["issue", "organization"], name="summons_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.issue_id}"


class HouseholdVisit(models.Model):
    """入户走访: a grid worker's visit to a household and the needs they heard."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="household_visits"
    )
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    needs_heard = models.TextField(_("needs heard"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_at"]

    def __str__(self) -> str:
        return f"{self.household} {self.visited_at:%Y-%m-%d}"


class FunnelCount(models.Model):
    """Counters per area and month, kept by the services for every ancestor of the issue's area,
    so a district's funnel is a sum over a few hundred rows, not a scan of a million issues.
    `recount_funnel` rebuilds them from the issues and reports any drift."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="funnel_counts")
    month = models.DateField(help_text=_("First day of the month the issue was submitted in."))
    collected = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    committed = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    rating_total = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("funnel count")
        verbose_name_plural = _("funnel counts")
        constraints = [
            models.UniqueConstraint(fields=["area", "month"], name="funnel_count_per_area_month"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month:%Y-%m}"
