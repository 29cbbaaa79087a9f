"""The API's URLs: every app's endpoints under /api/v1/, the OpenAPI schema and its reference.

Floor 3 mounts what the apps offer; the apps never import this module.
"""

from django.shortcuts import render
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from communities import api as communities_api
from deliberation import api as deliberation_api

router = DefaultRouter()
router.register("areas", communities_api.AreaViewSet, basename="area")
router.register("notices", communities_api.NoticeViewSet, basename="notice")
router.register("tokens", communities_api.ApiTokenViewSet, basename="token")
router.register("categories", deliberation_api.CategoryViewSet, basename="category")
router.register("issues", deliberation_api.IssueViewSet, basename="issue")
router.register("commitments", deliberation_api.CommitmentViewSet, basename="commitment")
router.register("meetings", deliberation_api.MeetingViewSet, basename="meeting")
router.register("funnel", deliberation_api.FunnelViewSet, basename="funnel")


def reference(request):
    """The schema, readable: Swagger UI served from our own static files, started by an
    external script (the CSP allows no inline one)."""
    return render(request, "governance/api_reference.html")


urlpatterns = [
    path("v1/", include((router.urls, "api"))),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("", reference, name="api_reference"),
]
