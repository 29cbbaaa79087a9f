import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import reach
from communities.exports import csv_for_excel
from communities.forms import add_service_errors, errors_to_messages, form_errors_to_messages
from communities.models import (
    Area,
    Household,
    Organization,
    PersonalDataAccess,
    Residency,
    User,
    subtree_q,
)
from communities.pagination import page_without_count, query_without_page
from deliberation import listing_cache, selectors, services
from deliberation.filters import PublicIssueFilter, StaffQueueFilter
from deliberation.forms.issues import (
    AssignForm,
    BulkAssignForm,
    HouseholdVisitForm,
    IssueReportForm,
    RatingForm,
    ReasonForm,
    ResolveForm,
)
from deliberation.models import HouseholdVisit, Issue, IssueEvent, Support

PAGE_SIZE = 25
# The first pages of a public list are what people read; deeper ones are rendered each time.
CACHED_PAGES = 20


def reportable_areas(user):
    """Where a person may report: the communities of their homes (claimed or verified), and
    wherever they act for an organisation or work a grid."""
    home_buildings = Residency.objects.filter(
        user=user, status__in=[Residency.Status.PENDING, Residency.Status.VERIFIED]
    ).values_list("household__building__path", flat=True)
    roots = {path[: 4 * Area.Level.COMMUNITY] for path in home_buildings}
    roots |= set(reach.acting_paths(user)) | set(reach.grid_paths(user))
    if user.is_superuser:
        return Area.objects.filter(level__gte=Area.Level.COMMUNITY)
    return Area.objects.under_any(roots).filter(level__gte=Area.Level.COMMUNITY)


def _may_record_for_others(user) -> bool:
    return bool(reach.acting_paths(user) or reach.grid_paths(user) or user.is_superuser)


@login_required
def report_issue(request: HttpRequest) -> HttpResponse:
    """民事民提: report a problem in under a minute. A QR poster's link fills in the place."""
    areas = reportable_areas(request.user)
    on_behalf = _may_record_for_others(request.user)
    initial = {}
    place = request.GET.get("area")
    if place and areas.filter(code=place).exists():
        initial["area"] = place
    elif not place:
        home = (
            Residency.objects.filter(user=request.user)
            .exclude(status__in=[Residency.Status.REJECTED, Residency.Status.ENDED])
            .values_list("household__building__code", flat=True)
            .first()
        )
        initial["area"] = home
    visit = None
    if visit_id := request.GET.get("visit"):
        visit = get_object_or_404(
            HouseholdVisit.objects.select_related("household__building"),
            pk=int(visit_id) if visit_id.isdecimal() and len(visit_id) < 19 else 0,
            visitor=request.user,
        )
        initial.update(area=visit.household.building.code, channel=Issue.Channel.VISIT)
    form = IssueReportForm(
        request.POST or None,
        request.FILES or None,
        areas=areas,
        on_behalf=on_behalf,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        channel = data.get("channel") or (
            Issue.Channel.QR if request.GET.get("via") == "qr" else Issue.Channel.ONLINE
        )
        recording = channel in {Issue.Channel.VISIT, Issue.Channel.MEETING, Issue.Channel.PHONE}
        try:
            issue = services.submit_issue(
                title=data["title"],
                description=data["description"],
                category=data["category"],
                area=data["area"],
                reporter=None if recording else request.user,
                recorded_by=request.user if recording else None,
                channel=channel,
                photos=data["photos"],
                submission_key=data["submission_key"],
                visit=visit,
                household=visit.household if visit else None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you. Your report was received; you can follow every step on this page."),
            )
            return redirect(issue)
    similar = []
    if form.is_bound and form.data.get("title") and form.data.get("area"):
        similar = selectors.similar_open_issues(form.data["title"], form.data["area"], request.user)
    return render(
        request,
        "deliberation/issue_report.html",
        {"form": form, "similar": similar, "has_areas": areas.exists(), "visit": visit},
        status=400 if form.errors else 200,
    )


def issue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(
        Issue.objects.visible_to(request.user).select_related(
            "category", "area", "handling_area", "assigned_to", "merged_into"
        ),
        pk=pk,
    )
    user = request.user
    events = (
        IssueEvent.objects.filter(issue=issue)
        .select_related("organization", "area", "commitment")
        .prefetch_related("photos")
    )
    context = {
        "issue": issue,
        "ancestors": Area.objects.above(issue.area),
        "events": events,
        "photos": issue.photos.filter(event__isnull=True),
        "commitments": issue.commitments.select_related("organization").order_by("made_at"),
        "can_triage": user.has_perm("deliberation.triage_issue", issue),
        "can_work": user.has_perm("deliberation.work_on_issue", issue),
        "can_rate": issue.status == Issue.Status.RESOLVED
        and user.has_perm("deliberation.rate_issue", issue),
        "can_check_in": user.has_perm("deliberation.check_in_issue", issue),
        "can_see_reporter": user.has_perm("deliberation.see_reporter", issue),
        "supported": user.is_authenticated
        and Support.objects.filter(issue=issue, user=user).exists(),
        "is_reporter": user.is_authenticated and issue.reporter_id == user.pk,
        "reason_form": ReasonForm(),
        "resolve_form": ResolveForm(),
        "rating_form": RatingForm(),
    }
    context["reporter_revealed"] = context[
        "can_see_reporter"
    ] and issue.reporter_id in PersonalDataAccess.objects.revealed_to(user)
    if issue.category.is_mediation:
        context["mediators"] = mediators_of(issue.area) if context["can_triage"] else []
        context["can_record_outcome"] = context["can_triage"] or issue.mediator_id == user.pk
        context["outcomes"] = Issue.Outcome.choices
    if context["can_triage"]:
        context["assign_form"] = AssignForm(issue=issue)
        context["departments"] = Organization.objects.filter(
            kind=Organization.Kind.DEPARTMENT
        ).order_by("name")
    return render(request, "deliberation/issue_detail.html", context)


def mediators_of(area: Area):
    """People holding the mediator role on the area or above it."""
    from communities.models import AreaRole, ancestor_paths

    return User.objects.filter(
        area_roles__in=AreaRole.objects.active().filter(
            kind=AreaRole.Kind.MEDIATOR, area__path__in=ancestor_paths(area.path)
        )
    ).distinct()


def similar_issues(request: HttpRequest) -> HttpResponse:
    """While a resident types a title: open issues in the same compound that look alike (htmx)."""
    similar = selectors.similar_open_issues(
        request.GET.get("title", "")[:80], request.GET.get("area", "")[:32], request.user
    )
    return render(request, "deliberation/issue_report.html#similar", {"similar": similar})


ACTIONS = {
    "merge",
    "mediator",
    "outcome",
    "accept",
    "reject",
    "assign",
    "start",
    "resolve",
    "escalate",
    "summon",
    "check-in",
    "support",
    "rate",
    "reopen",
}


@login_required
@require_POST
def issue_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One endpoint per step; each hands the cleaned form to its service."""
    if action not in ACTIONS:
        raise Http404
    issue = get_object_or_404(Issue.objects.visible_to(request.user), pk=pk)
    user = request.user
    note = ReasonForm(request.POST)
    note.is_valid()
    text = note.cleaned_data.get("note", "")
    try:
        if action == "accept":
            services.accept_issue(issue=issue, by=user, note=text)
        elif action == "reject":
            services.reject_issue(issue=issue, by=user, reason=text)
        elif action == "assign":
            form = AssignForm(request.POST, issue=issue)
            if not form.is_valid():
                return _refuse(request, issue, form)
            services.assign_issue(
                issue=issue, organization=form.cleaned_data["organization"], by=user, note=text
            )
        elif action == "start":
            services.start_work(issue=issue, by=user, note=text)
        elif action == "resolve":
            form = ResolveForm(request.POST, request.FILES)
            if not form.is_valid():
                return _refuse(request, issue, form)
            services.resolve_issue(
                issue=issue,
                by=user,
                note=form.cleaned_data["note"],
                photos=form.cleaned_data["photos"],
            )
        elif action == "escalate":
            services.escalate_issue(issue=issue, by=user, reason=text)
        elif action == "summon":
            department = get_object_or_404(
                Organization,
                pk=_posted_id(request, "department"),
                kind=Organization.Kind.DEPARTMENT,
            )
            services.summon_department(issue=issue, department=department, by=user, reason=text)
        elif action == "check-in":
            services.check_in(issue=issue, by=user, note=text)
        elif action == "support":
            services.support_issue(issue=issue, by=user)
        elif action == "rate":
            form = RatingForm(request.POST)
            if not form.is_valid():
                return _refuse(request, issue, form)
            services.rate_issue(
                issue=issue,
                by=user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        elif action == "merge":
            into = get_object_or_404(Issue.objects.visible_to(user), pk=_posted_id(request, "into"))
            services.merge_issue(issue=issue, into=into, by=user)
        elif action == "reopen":
            services.reopen_issue(issue=issue, by=user, evidence=text)
        elif action == "mediator":
            mediator = get_object_or_404(User, pk=_posted_id(request, "mediator"))
            services.assign_mediator(issue=issue, mediator=mediator, by=user)
        elif action == "outcome":
            services.record_mediation_outcome(
                issue=issue, outcome=request.POST.get("outcome", ""), by=user, note=text
            )
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You may not do this with this issue."))
        return redirect(issue)
    except ValidationError as error:
        errors_to_messages(request, error)
        return redirect(issue)
    messages.success(request, _("Done."))
    return redirect(issue)


@login_required
@require_POST
def issue_reveal_reporter(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(Issue.objects.visible_to(request.user), pk=pk)
    try:
        services.reveal_reporter(issue=issue, by=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect(issue)


def _posted_id(request, name: str) -> int:
    """A posted primary key, or 0 (which matches nothing, so the lookup is a 404)."""
    value = request.POST.get(name, "")
    return int(value) if value.isdecimal() and len(value) < 19 else 0


def _refuse(request, issue, form) -> HttpResponse:
    form_errors_to_messages(request, form)
    return redirect(issue)


def area_issues(request: HttpRequest, code: str) -> HttpResponse:
    """Each area's public issues, with search in Chinese. The rows are the same for everyone:
    a plain list (a status and a page, no search) comes from the shared cache when it is there,
    and its query only runs when it is not (`page` is read by the template)."""
    area = get_object_or_404(Area, code=code)
    issues = Issue.objects.public().under(area).select_related("category", "area")
    issue_filter = PublicIssueFilter(request.GET, queryset=issues)
    page = SimpleLazyObject(
        lambda: page_without_count(
            issue_filter.qs.order_by("-submitted_at"), request.GET.get("page"), PAGE_SIZE
        )
    )
    rows_key = None
    number = request.GET.get("page", "1")
    if (
        listing_cache.cache_seconds()
        and set(request.GET) <= {"status", "page"}
        and number.isdigit()
        and 0 < int(number) <= CACHED_PAGES
        and issue_filter.is_valid()
    ):
        status = issue_filter.form.cleaned_data.get("status") or ""
        rows_key = f"{listing_cache.generation()}:{status}:{int(number)}"
    return render(
        request,
        "deliberation/area_issues.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "filter": issue_filter,
            "page": page,
            "query_string": query_without_page(request),
            "rows_key": rows_key,
            "rows_cache_seconds": listing_cache.cache_seconds(),
        },
    )


@login_required
def staff_queue(request: HttpRequest) -> HttpResponse:
    """Everything under my areas, filtered and sorted; bulk assign; CSV for Excel."""
    base = Issue.objects.handled_by(request.user).select_related(
        "category", "area", "handling_area", "assigned_to"
    )
    if (
        not reach.acting_paths(request.user)
        and not reach.managed_paths(request.user)
        and not request.user.is_superuser
    ):
        raise PermissionDenied
    queue = StaffQueueFilter(request.GET, queryset=base)
    issues = queue.qs
    needs_action_only = not request.GET.getlist("status")
    if needs_action_only:
        # What staff must act on: not yet resolved, not closed. Other statuses on request.
        issues = issues.needs_action()
    if not request.GET.get("order"):
        issues = issues.order_by("deadline")
    if request.GET.get("format") == "csv":
        return _csv(issues)
    page = page_without_count(issues, request.GET.get("page"), PAGE_SIZE)
    roots = set(reach.acting_paths(request.user)) | set(reach.managed_paths(request.user))
    organizations = (
        Organization.objects.filter(
            subtree_q(roots, "area__path") | subtree_q(roots, "served_areas__path")
        )
        .distinct()
        .order_by("name")
        .values_list("pk", "name")[:200]
    )
    return render(
        request,
        "deliberation/staff_queue.html",
        {
            "filter": queue,
            "page": page,
            "organizations": organizations,
            "query_string": query_without_page(request),
            "now": timezone.now(),
            "needs_action_only": needs_action_only,
        },
    )


@login_required
@require_POST
def staff_bulk_assign(request: HttpRequest) -> HttpResponse:
    handled = Issue.objects.handled_by(request.user)
    form = BulkAssignForm(request.POST, issues=handled, organizations=Organization.objects.all())
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect("deliberation:staff_queue")
    done, refused = 0, []
    for issue in form.cleaned_data["issues"]:
        try:
            services.assign_issue(
                issue=issue, organization=form.cleaned_data["organization"], by=request.user
            )
            done += 1
        except (ValidationError, PermissionDenied) as error:
            refused.append(f"#{issue.pk}: {' '.join(getattr(error, 'messages', [str(error)]))}")
    if done:
        messages.success(request, _("%(count)s issues assigned.") % {"count": done})
    for line in refused:
        messages.error(request, line)
    return redirect("deliberation:staff_queue")


def _csv(issues) -> HttpResponse:
    header = [
        _("Number"),
        _("Title"),
        _("Kind of problem"),
        _("Where"),
        _("Handled at"),
        _("Status"),
        _("Lane"),
        _("Responsible organisation"),
        _("Reported at"),
        _("Deadline"),
        _("Channel"),
    ]
    rows = (
        [
            issue.pk,
            issue.title,
            issue.category.name,
            issue.area.name,
            issue.handling_area.name,
            issue.get_status_display(),
            issue.get_lane_display(),
            issue.assigned_to.name if issue.assigned_to else "",
            timezone.localtime(issue.submitted_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(issue.deadline).strftime("%Y-%m-%d %H:%M"),
            issue.get_channel_display(),
        ]
        for issue in issues.iterator(chunk_size=2000)
    )
    return csv_for_excel("issues.csv", header, rows)


def area_poster(request: HttpRequest, code: str) -> HttpResponse:
    """An A4 poster for the board downstairs: scan to report a problem here."""
    area = get_object_or_404(Area, code=code, level__in=[Area.Level.COMPOUND, Area.Level.BUILDING])
    link = request.build_absolute_uri(
        reverse("deliberation:report_issue") + f"?area={area.code}&via=qr"
    )
    qr = segno.make(link, error="m")
    return render(
        request,
        "deliberation/area_poster.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "link": link,
            "qr_svg": qr.svg_data_uri(scale=10, border=2),
        },
    )


def area_funnel(request: HttpRequest, code: str) -> HttpResponse:
    """Collected → accepted → committed → resolved for an area and its children, side by side."""
    area = get_object_or_404(Area, code=code)
    period = selectors.Period.from_request(request.GET.get("period"))
    return render(
        request,
        "deliberation/area_funnel.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "period": period,
            "periods": selectors.Period.recent(),
            "total": selectors.funnel(area, period),
            "children": selectors.funnel_of_children(area, period),
            "median_hours": selectors.median_hours_to_resolve(area, period),
        },
    )


@login_required
def household_visits(request: HttpRequest) -> HttpResponse:
    """入户走访: a grid worker logs visits to the households of their grid, then reports the
    problems heard there; each issue links back to the visit."""
    roots = set(reach.grid_paths(request.user)) | set(reach.acting_paths(request.user))
    if not roots and not request.user.is_superuser:
        raise PermissionDenied
    households = (
        Household.objects.filter(subtree_q(roots, "building__path"))
        .select_related("building")
        .order_by("building__path", "unit", "room")
    )
    form = HouseholdVisitForm(request.POST or None, households=households)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.record_household_visit(visitor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The visit was recorded. Report the problems you heard from it.")
            )
            return redirect(f"{reverse('deliberation:report_issue')}?visit={visit.pk}")
    visits = Paginator(
        HouseholdVisit.objects.filter(visitor=request.user)
        .select_related("household__building")
        .prefetch_related("issues"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "deliberation/household_visits.html",
        {"form": form, "page": visits},
        status=400 if form.errors else 200,
    )
