"""Spreadsheet imports (导入): the job staff start, its row-by-row report, and the one-time
invitations an import of residents produces."""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models.people import Residency, User
from communities.models.places import Area, Household, subtree_q


class PrivateUploadStorage(FileSystemStorage):
    """Workbooks staff upload hold residents' names and numbers: they are kept under
    IMPORTS_ROOT, outside MEDIA_ROOT, and never served."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.IMPORTS_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def _private_storage():
    return PrivateUploadStorage()


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportJobQuerySet:
        """The person who started it, and the staff who manage its area."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from communities.reach import managed_paths

        return self.filter(Q(created_by=user) | subtree_q(managed_paths(user), "area__path"))


class ImportJob(models.Model):
    """One uploaded workbook, checked (the dry run) and then, once staff confirm, imported in
    one transaction. Its state lives here, so the page survives a reload and a worker restart."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("being checked")
        CHECKED = "checked", _("checked: waiting for your confirmation")
        REFUSED = "refused", _("refused: some rows must be corrected")
        IMPORTING = "importing", _("being imported")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed: nothing was imported")
        CANCELLED = "cancelled", _("cancelled: nothing was imported")

    RUNNING = frozenset({Status.CHECKING, Status.IMPORTING})

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("area")
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("started by")
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    language = models.CharField(max_length=16, default=settings.LANGUAGE_CODE)
    file = models.FileField(_("workbook"), upload_to="%Y/%m/", storage=_private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    kinds = models.JSONField(_("sheets"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CHECKING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("to create"), default=0)
    changed_count = models.PositiveIntegerField(_("to change"), default=0)
    skipped_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.TextField(_("what went wrong"), blank=True)
    cancel_requested = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_done__lte=models.F("rows_total")),
                name="import_job_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("communities:import_job", kwargs={"pk": self.pk})

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def may_confirm(self) -> bool:
        """Whole or not at all: a workbook with a rejected row is corrected, not half-imported."""
        return self.status == self.Status.CHECKED and self.rejected_count == 0

    @property
    def may_cancel(self) -> bool:
        return self.status in {*self.RUNNING, self.Status.CHECKED} and not self.cancel_requested


class ImportRow(models.Model):
    """What one row of a sheet will do (dry run) or did (import), with the reason when it is
    rejected. Rows are numbered as Excel numbers them. The key finds duplicates within a file
    without holding the file in memory."""

    class Outcome(models.TextChoices):
        CREATE = "create", _("create")
        CHANGE = "change", _("change")
        SKIP = "skip", _("unchanged")
        REJECT = "reject", _("rejected")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    sheet = models.CharField(_("sheet"), max_length=32)
    number = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    key = models.CharField(max_length=120, blank=True)
    label = models.CharField(_("what"), max_length=200, blank=True)
    message = models.TextField(_("reason"), blank=True)
    facts = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "pk"]
        indexes = [models.Index(fields=["job", "sheet", "key"], name="import_row_key")]

    def __str__(self) -> str:
        return f"{self.sheet} {self.number}: {self.outcome}"


# Letters and digits nobody confuses when reading a slip aloud or typing it on a phone:
# no 0/O, 1/I/L. 31 symbols and 10 of them: about 8 × 10^14 codes.
INVITATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITATION_CODE_LENGTH = 10


def new_invitation_code() -> str:
    return "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(INVITATION_CODE_LENGTH))


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user) -> InvitationQuerySet:
        """Staff who manage the household's building; the person who claimed it."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from communities.reach import managed_paths

        return self.filter(
            Q(claimed_by=user) | subtree_q(managed_paths(user), "household__building__path")
        )

    def open(self, now=None) -> InvitationQuerySet:
        return self.filter(claimed_at__isnull=True, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """A one-time code that links whoever claims it to a household, verified at once: staff
    already know who lives there, so nobody is created with a password on their behalf."""

    code = models.CharField(_("code"), max_length=16, unique=True, default=new_invitation_code)
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("household")
    )
    full_name = models.CharField(_("name"), max_length=60, blank=True)
    phone = models.CharField(_("mobile number"), max_length=16, unique=True, null=True, blank=True)
    relation = models.CharField(
        _("relation"),
        max_length=16,
        choices=Residency.Relation.choices,
        default=Residency.Relation.OWNER,
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    job = models.ForeignKey(
        ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations"
    )
    claimed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_invitations",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["household__building__path", "household__unit", "household__room", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_at__isnull=True) | Q(claimed_by__isnull=False),
                name="invitation_claimed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        """ABCDE-FGHJK: two groups of five are easier to read out and type."""
        return f"{self.code[:5]}-{self.code[5:]}"

    @property
    def masked_name(self) -> str:
        name = self.full_name
        return name[:1] + "*" * max(len(name) - 1, 1) if name else ""

    def is_open(self, now=None) -> bool:
        return self.claimed_at is None and self.expires_at > (now or timezone.now())
