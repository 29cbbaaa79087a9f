"""Each person's inbox: messages, marking them read, and what also goes by e-mail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import services
from communities.filters import NotificationFilter
from communities.forms import NotificationPreferenceForm, add_service_errors
from communities.models import Notification, NotificationPreference
from communities.pagination import query_without_page

PAGE_SIZE = 50


def _kind(request: HttpRequest) -> str:
    """The kind a mark-read button was pressed under, if it is one."""
    kind = request.POST.get("kind", "")
    return kind if kind in Notification.Kind.values else ""


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The person's messages, newest first, of one kind when asked. Reading the page marks
    nothing: a message is read when its link is followed or the person says so."""
    notifications = NotificationFilter(request.GET, queryset=request.user.notifications.all())
    page = Paginator(notifications.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    kind = request.GET.get("kind", "")
    return render(
        request,
        "communities/inbox.html",
        {
            "page": page,
            "kind": kind if kind in Notification.Kind.values else "",
            "filter": notifications,
            "query_string": query_without_page(request),
            "unread_here": any(notification.read_at is None for notification in page),
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one message read; with `open`, go on to what it is about."""
    notification = get_object_or_404(request.user.notifications, pk=pk)
    services.mark_notification_read(user=request.user, notification=notification)
    if request.POST.get("open") and notification.url.startswith("/"):
        return redirect(notification.url)
    if request.htmx:
        return render(
            request, "communities/inbox.html#notification", {"notification": notification}
        )
    return redirect(_inbox_url(request))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_notifications_read(user=request.user, kind=_kind(request) or None)
    if count:
        messages.success(request, _("%(count)s messages marked as read.") % {"count": count})
    return redirect(_inbox_url(request))


def _inbox_url(request: HttpRequest) -> str:
    kind = _kind(request)
    return reverse("communities:inbox") + (f"?kind={kind}" if kind else "")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Which kinds also go by e-mail, and the daily digest."""
    preference = NotificationPreference.objects.filter(user=request.user).first()
    if preference is None:  # never chosen: every kind by e-mail, no digest
        initial = {"email_kinds": Notification.Kind.values, "daily_digest": False}
    else:
        initial = {"email_kinds": preference.email_kinds, "daily_digest": preference.daily_digest}
    form = NotificationPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_notification_preferences(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your choices were saved."))
            return redirect("communities:notification_settings")
    return render(
        request,
        "communities/notification_settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
