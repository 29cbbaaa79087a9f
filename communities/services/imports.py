"""Importing the spreadsheets staff keep: upload, dry run, confirm, import, cancel.

The dry run changes nothing but its own report. A confirmed import runs in one transaction:
every row is checked again and written, or, if any row fails, nothing stays. Both run as
Celery tasks (in-process when no broker is set), reporting progress as they go, and both stop
at the next chunk when staff cancel.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communities.background import enqueue_after_commit
from communities.imports import progress
from communities.imports.reader import UnreadableFile, check_package, open_workbook
from communities.imports.runner import Cancelled, process
from communities.models import Area, ImportJob, ImportRow, User
from communities.rules import require as _require

logger = logging.getLogger(__name__)

Status = ImportJob.Status
Outcome = ImportRow.Outcome
ACCEPTED_SUFFIXES = (".xlsx", ".csv")
# How many rejected rows a failed import lists in its message (the rest are counted).
REASONS_SHOWN = 20
# An .xlsx of IMPORT_MAX_UPLOAD_MB unpacks to about ten times as much; more is refused unread.
UNPACKED_PER_PACKED = 25


def shown_name(raw: str) -> str:
    """The uploaded file's name as staff see it in the list of imports: no control or
    direction-changing characters (a name like "居民\u202evsc.exe" reads "居民exe.csv")."""
    name = unicodedata.normalize("NFC", raw)
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    return name.strip()[:200] or "upload"


class _RejectedAtCommit(Exception):
    """A row the dry run accepted no longer fits (someone changed the data since)."""

    def __init__(self, reasons: list[str], count: int):
        super().__init__()
        self.reasons, self.count = reasons, count


@transaction.atomic
def start_import(*, area: Area, upload: UploadedFile, by: User, language: str) -> ImportJob:
    """Store the upload and check it (the dry run). Only staff who manage the area import into
    it, and only under it. A workbook that is not a plain .xlsx (macros, a zip bomb, a DTD) is
    refused before anything is stored."""
    _require(by, "communities.manage_area", area)
    name = Path((upload.name or "").replace("\\", "/")).name
    if not name.lower().endswith(ACCEPTED_SUFFIXES):
        raise ValidationError({"file": _("Upload an Excel workbook (.xlsx) or a CSV file (.csv).")})
    limit = settings.IMPORT_MAX_UPLOAD_MB
    if upload.size > limit * 1024 * 1024:
        raise ValidationError(
            {
                "file": _("The file is larger than %(limit)s MB. Split it into several.")
                % {"limit": limit}
            }
        )
    if name.lower().endswith(".xlsx"):
        try:
            check_package(upload, max_unpacked_bytes=limit * UNPACKED_PER_PACKED * 1024 * 1024)
        except UnreadableFile as error:
            raise ValidationError({"file": str(error)}) from error
    job = ImportJob(area=area, created_by=by, original_name=shown_name(name), language=language)
    job.file.save(name, upload, save=False)
    job.save()
    from communities.tasks import check_import_job

    enqueue_after_commit(check_import_job, job.pk)
    return job


def _save_counts(job_id: int, counts: Counter, **fields) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        created_count=counts[Outcome.CREATE],
        changed_count=counts[Outcome.CHANGE],
        skipped_count=counts[Outcome.SKIP],
        rejected_count=counts[Outcome.REJECT],
        **fields,
    )


def _fail(job: ImportJob, status: str, error: str = "") -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, error=error, finished_at=timezone.now()
    )
    progress.forget(job.pk)
    job.refresh_from_db()
    return job


def _cancel_requested(job_id: int) -> bool:
    return ImportJob.objects.filter(pk=job_id, cancel_requested=True).exists()


def check_import(*, job: ImportJob) -> ImportJob:
    """The dry run: read every row and say what it would do, changing nothing but the report.

    Each chunk's report commits on its own, so the page shows progress as it goes."""
    job = ImportJob.objects.select_related("area", "created_by").get(pk=job.pk)
    if job.status != Status.CHECKING:
        return job  # already checked: a task delivered twice does nothing
    with translation.override(job.language):
        try:
            with open_workbook(job) as book:
                if not book.found:
                    return _fail(job, Status.REFUSED, _no_sheet_message(book.ignored))
                total = book.count_rows()
                if total > settings.IMPORT_MAX_ROWS:
                    return _fail(
                        job,
                        Status.REFUSED,
                        _("The file has %(rows)s rows; at most %(limit)s are imported at once.")
                        % {"rows": total, "limit": settings.IMPORT_MAX_ROWS},
                    )
                kinds = [{"kind": f.sheet.kind, "title": f.title} for f in book.found]
                kinds += [{"kind": "", "title": title} for title in book.ignored]
                ImportJob.objects.filter(pk=job.pk).update(kinds=kinds, rows_total=total)
                ImportRow.objects.filter(job=job).delete()

                def on_chunk(done: int, counts: Counter) -> None:
                    _save_counts(job.pk, counts, rows_done=min(done, total))
                    if _cancel_requested(job.pk):
                        raise Cancelled

                counts = process(job, book, commit=False, on_chunk=on_chunk)
        except UnreadableFile as error:
            return _fail(job, Status.REFUSED, str(error))
        except Cancelled:
            ImportRow.objects.filter(job=job).delete()
            return _fail(job, Status.CANCELLED)
        except Exception:  # a file that breaks the reader halfway: say so, never hang
            logger.exception("Checking import %s failed", job.pk)
            return _fail(job, Status.REFUSED, _("This file could not be read to the end."))
    status = Status.REFUSED if counts[Outcome.REJECT] else Status.CHECKED
    _save_counts(job.pk, counts, status=status, rows_done=total)
    job.refresh_from_db()
    return job


def _no_sheet_message(ignored: list[str]) -> str:
    message = _(
        "No sheet of this file has the headers of a template. Download a template, copy your "
        "rows into it, and upload it again."
    )
    if ignored:
        message += " " + _("Sheets read: %(sheets)s.") % {"sheets": "、".join(ignored)}
    return message


def _lock(job: ImportJob) -> ImportJob:
    """Lock the job row alone. A running import holds a key-share lock on it (its report rows
    point to it) and a lock on the areas it adds children to, so FOR UPDATE, or locking the
    joined area, would wait for the whole import: NO KEY UPDATE of the job row does not."""
    return (
        ImportJob.objects.select_for_update(no_key=True, of=("self",))
        .select_related("area")
        .get(pk=job.pk)
    )


@transaction.atomic
def confirm_import(*, job: ImportJob, by: User) -> ImportJob:
    """Staff confirm a checked workbook with no rejected row: it is imported in the background.
    Confirming twice imports once."""
    job = _lock(job)
    _require(by, "communities.manage_area", job.area)
    if job.status in (Status.IMPORTING, Status.DONE):
        return job
    if not job.may_confirm:
        raise ValidationError(
            _(
                "Only a checked workbook without rejected rows can be imported. Correct the rows "
                "and upload it again."
            )
        )
    job.status = Status.IMPORTING
    job.confirmed_at = timezone.now()
    job.save(update_fields=["status", "confirmed_at"])
    progress.report(job.pk, 0)
    from communities.tasks import run_import_job

    enqueue_after_commit(run_import_job, job.pk)
    return job


def run_import(*, job: ImportJob) -> ImportJob:
    """The confirmed import, in one transaction: every row is checked again against the data as
    it is now and written. A row that no longer fits, an error, or a cancel rolls everything
    back, the report of the dry run included, which stays as it was."""
    job = ImportJob.objects.select_related("area", "created_by").get(pk=job.pk)
    if job.status != Status.IMPORTING:
        return job

    def on_chunk(done: int, counts: Counter) -> None:
        progress.report(job.pk, done)
        if _cancel_requested(job.pk):
            raise Cancelled

    with translation.override(job.language):
        try:
            with transaction.atomic():
                ImportRow.objects.filter(job=job).delete()
                with open_workbook(job) as book:
                    counts = process(job, book, commit=True, on_chunk=on_chunk)
                if counts[Outcome.REJECT]:
                    rejected = ImportRow.objects.filter(job=job, outcome=Outcome.REJECT)
                    raise _RejectedAtCommit(
                        [
                            _("Row %(number)s: %(reason)s")
                            % {"number": row.number, "reason": row.message}
                            for row in rejected.order_by("pk")[:REASONS_SHOWN]
                        ],
                        counts[Outcome.REJECT],
                    )
                _save_counts(
                    job.pk,
                    counts,
                    status=Status.DONE,
                    rows_done=job.rows_total,
                    finished_at=timezone.now(),
                )
        except Cancelled:
            return _fail(job, Status.CANCELLED)
        except _RejectedAtCommit as error:
            message = _(
                "%(count)s rows no longer fit the data (it changed after the check), so nothing "
                "was imported:"
            ) % {"count": error.count}
            return _fail(job, Status.FAILED, "\n".join([message, *error.reasons]))
        except (ValidationError, PermissionDenied, DatabaseError, UnreadableFile) as error:
            logger.warning("Import %s failed", job.pk, exc_info=True)
            reason = " ".join(getattr(error, "messages", None) or [str(error)])
            return _fail(
                job, Status.FAILED, _("Nothing was imported: %(reason)s") % {"reason": reason}
            )
        except Exception:
            logger.exception("Import %s failed", job.pk)
            return _fail(job, Status.FAILED, _("Nothing was imported: an unexpected error."))
    progress.forget(job.pk)
    job.refresh_from_db()
    return job


@transaction.atomic
def cancel_import(*, job: ImportJob, by: User) -> ImportJob:
    """Stop a job: one waiting for confirmation at once, a running one at its next chunk. A
    cancelled import leaves nothing behind."""
    job = _lock(job)
    if job.created_by_id != by.pk:
        _require(by, "communities.manage_area", job.area)
    if job.status in (Status.CHECKED, Status.REFUSED):
        job.status = Status.CANCELLED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
    elif job.is_running:
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested"])
    else:
        raise ValidationError(_("This import has already finished."))
    return job
