from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from communities import reach
from communities.models import Area, Residency
from deliberation.models import Issue


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
