"""Pages of spreadsheet imports and exports: the area's page, a job's check and report, its
progress (polled by htmx), the invitations' print sheet, the templates and the exports."""

from __future__ import annotations

import re

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from communities import services
from communities.exports import csv_for_excel
from communities.forms import ImportUploadForm, add_service_errors, errors_to_messages
from communities.imports import get_sheet, sheets
from communities.imports import progress as import_progress
from communities.imports.workbooks import XLSX_CONTENT_TYPE, template_workbook, write_workbook
from communities.models import Area, ImportJob, ImportRow, Invitation

JOBS_SHOWN = 20
ROWS_PAGE_SIZE = 100
SLIPS_PAGE_SIZE = 24


def _area_or_404(code: str) -> Area:
    return get_object_or_404(Area, code=code)


def _job_or_404(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.visible_to(request.user).select_related("area", "created_by"), pk=pk
    )


@login_required
def area_imports(request: HttpRequest, code: str) -> HttpResponse:
    """Templates, the upload form, exports and the area's recent imports."""
    area = _area_or_404(code)
    if not request.user.has_perm("communities.manage_area", area):
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_import(
                area=area,
                upload=form.cleaned_data["file"],
                by=request.user,
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(job)
    jobs = (
        ImportJob.objects.visible_to(request.user)
        .filter(area=area)
        .select_related("created_by")[:JOBS_SHOWN]
    )
    return render(
        request,
        "communities/importjob_list.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "form": form,
            "sheets": sheets(),
            "jobs": jobs,
        },
        status=400 if form.errors else 200,
    )


def _job_context(request: HttpRequest, job: ImportJob) -> dict:
    total = job.rows_total
    done = import_progress.rows_done(job)
    return {
        "job": job,
        "rows_done": done,
        "percent": round(100 * done / total) if total else 0,
        "may_manage": request.user.has_perm("communities.manage_area", job.area),
    }


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run's report row by row (rejected rows first), the confirm and cancel buttons,
    and after the import, what it did."""
    job = _job_or_404(request, pk)
    outcome = request.GET.get("outcome")
    if outcome == "all":
        outcome = None
    elif outcome not in ImportRow.Outcome.values:
        outcome = ImportRow.Outcome.REJECT if job.rejected_count else None
    rows = job.rows.order_by("pk")
    if outcome:
        rows = rows.filter(outcome=outcome)
    page = Paginator(rows, ROWS_PAGE_SIZE).get_page(request.GET.get("page"))
    sheet_titles = {sheet.kind: sheet.title for sheet in sheets()}
    for row in page:
        row.sheet_title = sheet_titles.get(row.sheet, row.sheet)
    return render(
        request,
        "communities/importjob_detail.html",
        {
            **_job_context(request, job),
            "area": job.area,
            "ancestors": Area.objects.above(job.area, include_self=False),
            "page": page,
            "outcome": outcome,
            "outcomes": ImportRow.Outcome.choices,
            "query_string": f"outcome={outcome}" if outcome else "",
            "invitation_count": job.invitations.count(),
        },
    )


@login_required
def import_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled every 2 s while the job runs; once it has finished the
    whole page is reloaded, to show the report."""
    job = _job_or_404(request, pk)
    if request.htmx and not job.is_running:
        return HttpResponseClientRefresh()
    return render(request, "communities/importjob_detail.html#progress", _job_context(request, job))


@login_required
@require_POST
def import_job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        services.confirm_import(job=job, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    return redirect(job)


@login_required
@require_POST
def import_job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        job = services.cancel_import(job=job, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        if job.status == ImportJob.Status.CANCELLED:
            messages.success(request, _("The import was cancelled. Nothing was imported."))
        else:
            messages.success(request, _("The import stops at its next step; nothing stays."))
    return redirect(job)


@login_required
def import_job_invitations(request: HttpRequest, pk: int) -> HttpResponse:
    """Slips to print and put in letterboxes: household, masked name, code and a QR code that
    opens the claim page with the code filled in."""
    job = _job_or_404(request, pk)
    invitations = (
        Invitation.objects.visible_to(request.user)
        .filter(job=job)
        .select_related("household__building")
        .order_by("household__building__path", "household__unit", "household__room", "pk")
    )
    page = Paginator(invitations, SLIPS_PAGE_SIZE).get_page(request.GET.get("page"))
    claim_url = request.build_absolute_uri(reverse("communities:invitation_claim"))
    for invitation in page:
        link = f"{claim_url}?code={invitation.code}"
        invitation.qr_svg = segno.make(link, error="m").svg_data_uri(scale=4, border=2)
    return render(
        request,
        "communities/invitation_sheet.html",
        {
            "job": job,
            "area": job.area,
            "ancestors": Area.objects.above(job.area, include_self=False),
            "page": page,
            "claim_url": claim_url,
            "now": timezone.now(),
        },
    )


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty template (all sheets, or one kind) with headers, an example row and notes."""
    chosen = sheets() if kind == "all" else [sheet for sheet in [get_sheet(kind)] if sheet]
    if not chosen:
        raise Http404
    response = HttpResponse(template_workbook(chosen), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="template-{kind}.xlsx"'
    return response


@login_required
def area_export(request: HttpRequest, code: str, kind: str, fmt: str) -> HttpResponse:
    """The area's rows of one kind in the template's layout, as the person may see them:
    personal data in full only for staff who manage the area."""
    area = _area_or_404(code)
    sheet = get_sheet(kind)
    if sheet is None or fmt not in ("xlsx", "csv"):
        raise Http404
    if not request.user.has_perm("communities.act_in_area", area):
        raise PermissionDenied
    reveal = request.user.has_perm("communities.manage_area", area)
    rows = sheet.export_rows(area, request.user, reveal=reveal)
    filename = f"{re.sub(r'[^A-Za-z0-9-]', '', area.code)}-{kind}.{fmt}"
    if fmt == "csv":
        chinese, english = sheet.headers()
        return csv_for_excel(filename, chinese, [english, *rows])
    response = HttpResponse(
        write_workbook([(sheet, rows, False)], notes=False), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
