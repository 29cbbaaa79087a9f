"""The notice board (公示栏): an area's board, each notice and its print view, and the staff
pages that write, change and take down notices."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import documents, services
from communities.filters import NoticeFilter
from communities.forms import FinanceLineFormSet, NoticeForm, add_service_errors, finance_items
from communities.models import (
    Area,
    FinanceStatement,
    Membership,
    Notice,
    NoticeAttachment,
    NoticeDelivery,
    Organization,
    PartyRegistration,
)
from communities.pagination import query_without_page

PAGE_SIZE = 20


def area_notices(request: HttpRequest, code: str) -> HttpResponse:
    """The board a resident of this area reads: its own notices and those of every area above,
    pinned first; filtered by kind."""
    area = get_object_or_404(Area, code=code)
    notices = NoticeFilter(
        request.GET,
        queryset=Notice.objects.visible_to(request.user)
        .on_board_of(area)
        .select_related("area", "organization"),
    )
    page = Paginator(notices.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/notice_board.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area),
            "page": page,
            "filter": notices,
            "query_string": query_without_page(request),
            "may_publish": request.user.has_perm("communities.publish_notice", area),
        },
    )


def _visible_notice(request: HttpRequest, pk: int) -> Notice:
    return get_object_or_404(
        Notice.objects.visible_to(request.user)
        .select_related("area", "organization")
        .prefetch_related("attachments", "finance_lines"),
        pk=pk,
    )


def _notice_context(request: HttpRequest, notice: Notice) -> dict:
    party_members = None
    if notice.kind == Notice.Kind.PARTY_DISPLAY and request.user.has_perm(
        "communities.see_party_board", notice.area
    ):
        party_members = PartyRegistration.objects.displayed_in(notice.area).select_related("user")
    return {
        "notice": notice,
        "ancestors": Area.objects.above(notice.area),
        "statement": FinanceStatement.of(notice.finance_lines.all()),
        "party_members": party_members,
    }


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _visible_notice(request, pk)
    context = _notice_context(request, notice)
    may_publish = request.user.has_perm("communities.publish_notice", notice.area)
    context.update(
        may_publish=may_publish,
        delivery=NoticeDelivery.objects.filter(notice=notice).first() if may_publish else None,
    )
    return render(request, "communities/notice_detail.html", context)


def notice_print(request: HttpRequest, pk: int) -> HttpResponse:
    """A4 in large type for the board downstairs, with a QR code back to the notice."""
    notice = _visible_notice(request, pk)
    link = request.build_absolute_uri(notice.get_absolute_url())
    context = _notice_context(request, notice)
    context.update(link=link, qr_svg=segno.make(link, error="m").svg_data_uri(scale=8, border=2))
    return render(request, "communities/notice_print.html", context)


def notice_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Documents are always downloaded, never shown in the portal's own origin."""
    attachment = get_object_or_404(
        NoticeAttachment.objects.filter(notice__in=Notice.objects.visible_to(request.user)),
        pk=pk,
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=documents.CONTENT_TYPES[attachment.kind],
    )


def _organizations_for(user, area: Area) -> list[Organization]:
    """The organisations the person belongs to that reach the area: whom they may publish for."""
    memberships = Membership.objects.active().filter(user=user)
    candidates = (
        Organization.objects.filter(memberships__in=memberships)
        .distinct()
        .select_related("area")
        .prefetch_related("served_areas")
    )
    return [organization for organization in candidates if organization.reaches(area)]


def _choices(organizations: list[Organization]):
    return Organization.objects.filter(pk__in=[organization.pk for organization in organizations])


@login_required
def notice_create(request: HttpRequest, code: str) -> HttpResponse:
    """Write a notice for this area's board: now or scheduled, with documents, and the lines of
    a finance disclosure."""
    area = get_object_or_404(Area, code=code)
    if not request.user.has_perm("communities.publish_notice", area):
        raise PermissionDenied
    organizations = _choices(_organizations_for(request.user, area))
    form = NoticeForm(request.POST or None, request.FILES or None, organizations=organizations)
    lines = FinanceLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        try:
            notice = services.publish_notice(
                area=area,
                by=request.user,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                organization=data.get("organization"),
                pinned=data["pinned"],
                publish_at=data["publish_at"],
                unpublish_at=data["unpublish_at"],
                attachments=data["attachments"],
                finance_lines=finance_items(lines),
                source_key=f"form-{data['submission_key']}",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("organization", str(error))
        else:
            if notice.publish_at > timezone.now():
                messages.success(request, _("The notice is scheduled; residents get it then."))
            else:
                messages.success(request, _("The notice is published; residents are told now."))
            return redirect(notice)
    return render(
        request,
        "communities/notice_form.html",
        {"area": area, "ancestors": Area.objects.above(area), "form": form, "lines": lines},
        status=400 if form.errors or lines.total_error_count() else 200,
    )


@login_required
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a notice that is still scheduled."""
    notice = _visible_notice(request, pk)
    if not request.user.has_perm("communities.publish_notice", notice.area):
        raise PermissionDenied
    if not notice.is_scheduled:
        messages.error(
            request,
            _("A published notice is not changed: take it down and publish a corrected one."),
        )
        return redirect(notice)
    organizations = _organizations_for(request.user, notice.area)
    if notice.organization is not None:
        organizations.append(notice.organization)
    form = NoticeForm(
        request.POST or None,
        request.FILES or None,
        organizations=_choices(organizations),
        initial={
            "organization": notice.organization_id,
            "kind": notice.kind,
            "title": notice.title,
            "body": notice.body,
            "publish_at": timezone.localtime(notice.publish_at),
            "unpublish_at": notice.unpublish_at and timezone.localtime(notice.unpublish_at),
            "pinned": notice.pinned,
        },
    )
    lines = FinanceLineFormSet(
        request.POST or None,
        prefix="lines",
        initial=[
            {"direction": line.direction, "item": line.item, "amount": line.amount}
            for line in notice.finance_lines.all()
        ],
    )
    attachments = list(notice.attachments.all())
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        removed = set(request.POST.getlist("remove_attachment"))
        try:
            notice = services.change_notice(
                notice=notice,
                by=request.user,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                organization=data.get("organization"),
                pinned=data["pinned"],
                publish_at=data["publish_at"] or timezone.now(),
                unpublish_at=data["unpublish_at"],
                attachments=data["attachments"],
                remove_attachments=[a for a in attachments if str(a.pk) in removed],
                finance_lines=finance_items(lines),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("organization", str(error))
        else:
            messages.success(request, _("The notice was changed."))
            return redirect(notice)
    return render(
        request,
        "communities/notice_form.html",
        {
            "area": notice.area,
            "ancestors": Area.objects.above(notice.area),
            "notice": notice,
            "attachments": attachments,
            "form": form,
            "lines": lines,
        },
        status=400 if form.errors or lines.total_error_count() else 200,
    )


@login_required
@require_POST
def notice_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _visible_notice(request, pk)
    try:
        services.unpublish_notice(notice=notice, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("The notice was taken down. It stays in the record."))
    return redirect(notice)
