"""Public commitments (公开承诺 · 践诺): each one's page and what its people do there, making one,
the lists of an area and of an organisation, and the quarterly register (实事登记)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.exports import csv_for_excel
from communities.forms import add_service_errors
from communities.models import Area, Membership, Organization
from communities.pagination import page_without_count, query_without_page
from deliberation import selectors, services
from deliberation.filters import CommitmentFilter
from deliberation.forms.commitments import (
    AnswerForm,
    CommitmentForm,
    IssuePickForm,
    IssueSearchForm,
    ProgressForm,
    RemarkForm,
    ResultForm,
    served_roots,
)
from deliberation.models import Commitment, CommitmentUpdate, Issue
from deliberation.search import matching

PAGE_SIZE = 25
CANDIDATES = 50


# --- One commitment ------------------------------------------------------------------------------


def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Its promise, progress, result, the issues it answers and its public timeline, with the
    forms of whoever may act on it."""
    return _commitment_page(request, pk)


def _commitment_page(request, pk: int, forms: dict | None = None, status: int = 200):
    """The commitment's page; a refused form comes back on it, with its errors and status 400."""
    commitment = get_object_or_404(
        Commitment.objects.visible_to(request.user).select_related("organization", "area"), pk=pk
    )
    user = request.user
    updates = (
        commitment.updates.select_related("answer_to")
        .prefetch_related("photos")
        .order_by("at", "pk")
    )
    remarks = [update for update in updates if update.kind == CommitmentUpdate.Kind.REMARK]
    answered = {update.answer_to_id for update in updates if update.answer_to_id}
    can_keep = commitment.status == Commitment.Status.ACTIVE and user.has_perm(
        "deliberation.report_commitment_progress", commitment
    )
    can_answer = user.has_perm("deliberation.answer_commitment_remark", commitment)
    forms = forms or {}
    context = {
        "commitment": commitment,
        "ancestors": Area.objects.above(commitment.area),
        "issues": commitment.issues.visible_to(user).select_related("area").order_by("pk"),
        "updates": updates,
        "unanswered": [remark for remark in remarks if remark.pk not in answered],
        "can_keep": can_keep,
        "can_close": can_keep
        and user.has_perm("deliberation.record_commitment_result", commitment),
        "can_remark": user.has_perm("deliberation.remark_on_commitment", commitment),
        "can_answer": can_answer,
        "progress_form": forms.get("progress")
        or ProgressForm(initial={"progress": commitment.progress}),
        "result_form": forms.get("result") or ResultForm(),
        "remark_form": forms.get("remark") or RemarkForm(),
        "answer_form": forms.get("answer") or AnswerForm(),
        "answering": forms.get("answering"),
    }
    return render(request, "deliberation/commitment_detail.html", context, status=status)


@login_required
@require_POST
def commitment_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Report progress, record the result or remark: each form to its service; a refused one
    is shown again on the commitment's page with its errors."""
    commitment = get_object_or_404(Commitment.objects.visible_to(request.user), pk=pk)
    user = request.user
    if action == "progress":
        form = ProgressForm(request.POST, request.FILES)
    elif action == "result":
        form = ResultForm(request.POST, request.FILES)
    elif action == "remark":
        form = RemarkForm(request.POST)
    else:
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "progress":
                services.report_progress(
                    commitment=commitment,
                    by=user,
                    progress=data["progress"],
                    text=data["text"],
                    photos=data["photos"],
                    submission_key=data["submission_key"],
                )
            elif action == "result":
                services.record_commitment_result(
                    commitment=commitment,
                    by=user,
                    result=data["result"],
                    note=data["note"],
                    photos=data["photos"],
                )
            else:
                services.remark_on_commitment(
                    commitment=commitment,
                    by=user,
                    text=data["text"],
                    submission_key=data["submission_key"],
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Done. It is on the public record."))
            return redirect(commitment)
    return _commitment_page(request, pk, forms={action: form}, status=400)


@login_required
@require_POST
def remark_answer(request: HttpRequest, pk: int, remark: int) -> HttpResponse:
    """The organisation answers a supervisor's remark."""
    commitment = get_object_or_404(Commitment.objects.visible_to(request.user), pk=pk)
    remark = get_object_or_404(
        CommitmentUpdate.objects.filter(commitment=commitment, kind=CommitmentUpdate.Kind.REMARK),
        pk=remark,
    )
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_remark(remark=remark, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your answer is on the public record."))
            return redirect(commitment)
    return _commitment_page(request, pk, forms={"answer": form, "answering": remark.pk}, status=400)


# --- Making one ----------------------------------------------------------------------------------


def _my_organizations(user):
    return (
        Organization.objects.filter(
            pk__in=Membership.objects.active().filter(user=user).values("organization_id")
        )
        .select_related("area")
        .order_by("area__path", "name")
    )


@login_required
def commitment_new(request: HttpRequest) -> HttpResponse:
    """Which organisation commits? Straight to its form when the person belongs to one only."""
    organizations = list(_my_organizations(request.user))
    if len(organizations) == 1:
        return redirect("deliberation:organization_commitment_new", pk=organizations[0].pk)
    if not organizations:
        raise PermissionDenied
    return render(
        request, "deliberation/commitment_organizations.html", {"organizations": organizations}
    )


@login_required
def organization_commitment_new(request: HttpRequest, pk: int) -> HttpResponse:
    """An organisation promises something, in public: for which place, what, by when, and which
    issues of that place it answers (found with a search, ticked in a list)."""
    organization = get_object_or_404(Organization.objects.select_related("area"), pk=pk)
    if not request.user.has_perm("deliberation.commit_for", organization):
        raise PermissionDenied
    committable = Issue.objects.visible_to(request.user).committable_by(
        request.user, served_roots(organization)
    )
    search = IssueSearchForm(request.GET, organization=organization)
    search.is_valid()
    place = search.cleaned_data.get("area") or organization.area
    form = CommitmentForm(
        request.POST or None, organization=organization, initial={"area": place.code}
    )
    picked = IssuePickForm(request.POST or None, issues=committable)
    if request.method == "POST" and form.is_valid() and picked.is_valid():
        try:
            commitment = services.make_commitment(
                organization=organization,
                by=request.user,
                **form.cleaned_data,
                **picked.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            add_service_errors(picked, error)
        else:
            messages.success(
                request, _("Your commitment is published. Report its progress here as you go.")
            )
            return redirect(commitment)
    chosen = set(map(str, request.POST.getlist("issues") or request.GET.getlist("issues")))
    found = committable.filter(area_id__in=Area.objects.under(place).values("id"))
    if search.cleaned_data.get("q"):
        found = matching(found, search.cleaned_data["q"])
    candidates = list(found.select_related("area").order_by("-submitted_at")[:CANDIDATES])
    listed = {str(issue.pk) for issue in candidates}
    ticked = [pk for pk in chosen if pk not in listed and pk.isdecimal() and len(pk) < 19]
    candidates += committable.filter(pk__in=ticked).select_related("area")
    context = {
        "organization": organization,
        "form": form,
        "picked": picked,
        "search": search,
        "candidates": candidates,
        "chosen": chosen,
        "place": place,
    }
    template = "deliberation/commitment_form.html"
    if request.htmx and request.method == "GET":
        template += "#candidates"
    return render(request, template, context, status=400 if form.errors or picked.errors else 200)


# --- Lists ---------------------------------------------------------------------------------------


def _listing(request: HttpRequest, commitments, template: str, context: dict) -> HttpResponse:
    listing = CommitmentFilter(
        request.GET,
        queryset=commitments.select_related("organization", "area").with_unanswered_remarks(),
    )
    ordered = listing.qs if request.GET.get("order") else listing.qs.order_by("due_on", "pk")
    page = page_without_count(ordered, request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        template,
        {
            **context,
            "tally": commitments.tally(),
            "filter": listing,
            "page": page,
            "query_string": query_without_page(request),
            "today": timezone.localdate(),
        },
    )


def area_commitments(request: HttpRequest, code: str) -> HttpResponse:
    """Every commitment made for the area and the places under it: made, on track, overdue,
    fulfilled; filtered by stage, by who made them, by words."""
    area = get_object_or_404(Area, code=code)
    return _listing(
        request,
        Commitment.objects.visible_to(request.user).under(area),
        "deliberation/commitment_list.html",
        {"area": area, "ancestors": Area.objects.above(area, include_self=False)},
    )


def organization_commitments(request: HttpRequest, pk: int) -> HttpResponse:
    """What an organisation has promised, and how it kept its word."""
    organization = get_object_or_404(Organization.objects.select_related("area"), pk=pk)
    return _listing(
        request,
        Commitment.objects.visible_to(request.user).filter(organization=organization),
        "deliberation/commitment_list.html",
        {
            "organization": organization,
            "ancestors": Area.objects.above(organization.area),
            "may_commit": request.user.has_perm("deliberation.commit_for", organization),
        },
    )


@login_required
def staff_commitments(request: HttpRequest) -> HttpResponse:
    """The commitments of my organisations still in progress, overdue first, with the
    supervisors' remarks waiting for an answer."""
    organizations = list(_my_organizations(request.user))
    mine = Commitment.objects.visible_to(request.user).filter(organization__in=organizations)
    active = (
        mine.active()
        .select_related("organization", "area")
        .with_unanswered_remarks()
        .order_by("due_on", "pk")
    )
    waiting = (
        mine.exclude(status=Commitment.Status.ACTIVE)
        .with_unanswered_remarks()
        .filter(unanswered_remarks__gt=0)
        .select_related("organization", "area")
        .order_by("-completed_at", "pk")
    )
    page = page_without_count(active, request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "deliberation/commitment_staff.html",
        {
            "organizations": organizations,
            "page": page,
            "waiting": waiting[:PAGE_SIZE],
            "tally": mine.tally(),
            "today": timezone.localdate(),
        },
    )


# --- The quarterly register (实事登记) --------------------------------------------------------------


def area_register(request: HttpRequest, code: str) -> HttpResponse:
    """A community's register of the quarter, for the board downstairs (A4) and for Excel: the
    matters registered, committed and done, with the list, and the commitments made."""
    area = get_object_or_404(Area, code=code, level=Area.Level.COMMUNITY)
    period = selectors.Period.from_request(request.GET.get("period"))
    if period.last.month - period.first.month != 2:
        period = selectors.Period.from_request(None)  # quarters only; a month or a year: this one
    issues = selectors.register_issues(area, period)
    if request.GET.get("format") == "csv":
        return _register_csv(area, period, issues)
    today = timezone.localdate()
    quarters = [_quarter(today, back) for back in range(4)]
    return render(
        request,
        "deliberation/area_register.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "period": period,
            "quarters": quarters,
            "register": selectors.quarterly_register(area, period),
            "issues": issues,
            "commitments": selectors.register_commitments(area, period),
            "seal": selectors.latest_seal(),
        },
    )


def _quarter(today, back: int) -> selectors.Period:
    index = today.year * 4 + (today.month - 1) // 3 - back
    return selectors.Period.quarter(index // 4, index % 4 + 1)


def _register_csv(area: Area, period: selectors.Period, issues) -> HttpResponse:
    header = [
        _("Number"),
        _("Matter"),
        _("Kind of problem"),
        _("Where"),
        _("Reported at"),
        _("Status"),
        _("Responsible organisation"),
        _("Public commitment"),
        _("Due by"),
        _("Resolved at"),
    ]

    def when(value, pattern="%Y-%m-%d %H:%M"):
        return timezone.localtime(value).strftime(pattern) if value else ""

    def rows():
        for issue in issues:
            commitment = next(iter(issue.commitments.all()), None)
            yield [
                issue.pk,
                issue.title,
                issue.category.name,
                issue.area.name,
                when(issue.submitted_at),
                issue.get_status_display(),
                issue.assigned_to.name if issue.assigned_to else "",
                f"{commitment.organization.name}：{commitment.title}" if commitment else "",
                commitment.due_on.isoformat() if commitment else "",
                when(issue.resolved_at),
            ]

    return csv_for_excel(f"register-{area.code}-{period.key}.csv", header, rows())
