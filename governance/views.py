import logging
import sys

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults

from communities import reach
from communities import services as community_services
from communities.models import Area, ErasureRequest, Residency
from deliberation.models import Issue
from governance import privacy

logger = logging.getLogger(__name__)

# While the database is unreachable (a failover, a restart) every request fails the same way;
# telling the client to come back shortly is truer than "server error".
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: a plain page, except when the database is unreachable, which is a 503
    with Retry-After (the page renders without the database, like 500.html)."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNREACHABLE):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return defaults.server_error(request)


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        # Districts and their streets, in tree order: one query.
        "top_areas": Area.objects.filter(depth__lte=Area.Level.STREET)[:200],
    }
    if user.is_authenticated:
        context["homes"] = (
            Residency.objects.filter(user=user)
            .exclude(status=Residency.Status.ENDED)
            .select_related("household__building")
        )
        context["home_areas"] = Area.objects.filter(path__in=_home_chain(user))
        context["managed_areas"] = Area.objects.filter(path__in=reach.managed_paths(user))
        context["my_issues"] = (
            Issue.objects.filter(Q(reporter=user) | Q(supports__user=user))
            .distinct()
            .order_by("-submitted_at")[:5]
        )
        context["pending_claims"] = (
            Residency.objects.visible_to(user).pending().exclude(user=user).count()
            if reach.managed_paths(user)
            else 0
        )
    return render(request, "governance/home.html", context)


def _home_chain(user) -> set[str]:
    """The compound and community of each home: the places a resident looks at first."""
    chain = set()
    for path in reach.home_paths(user):
        chain.update({path[: 4 * Area.Level.COMPOUND], path[: 4 * Area.Level.COMMUNITY]})
    return chain


def health(request: HttpRequest) -> JsonResponse:
    """For the load balancer. Only the database decides 503: without Redis the portal still
    serves (the cache degrades, tasks wait for the sweep), so a Redis outage must not take every
    server out of rotation at once. The body says what is degraded."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # any failure means "not healthy", said plainly
        checks["database"] = f"error: {error.__class__.__name__}"
    try:
        cache.set("health-check", "ok", 5)
        checks["cache"] = "ok" if cache.get("health-check") == "ok" else "error: no value"
    except Exception as error:
        checks["cache"] = f"error: {error.__class__.__name__}"
    return JsonResponse(checks, status=200 if checks["database"] == "ok" else 503)


class ErasureForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy(
            "So that nobody else can erase your account from a phone left unlocked."
        ),
    )
    understood = forms.BooleanField(
        label=gettext_lazy(
            "I understand that my name, number, homes and messages will be erased for good."
        )
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """What the portal keeps about me: download it, or ask for it to be erased (and cancel)."""
    user = request.user
    form = ErasureForm(request.POST or None, user=user)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        community_services.cancel_erasure(user=user)
        messages.success(request, _("Your request was cancelled. Nothing will be erased."))
        return redirect("my_data")
    if request.method == "POST" and form.is_valid():
        erasure = community_services.request_erasure(user=user)
        messages.success(
            request,
            _("Your personal data will be erased on %(day)s unless you cancel before then.")
            % {"day": date_format(timezone.localtime(erasure.erase_after), "Y-m-d")},
        )
        return redirect("my_data")
    return render(
        request,
        "governance/my_data.html",
        {"form": form, "erasure": ErasureRequest.objects.open().filter(user=user).first()},
        status=400 if form.errors else 200,
    )


@login_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(
        privacy.personal_data(request.user),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{day}.json"'
    return response
