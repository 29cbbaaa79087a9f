from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from governance import dashboards, views

handler500 = "governance.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/download/", views.my_data_download, name="my_data_download"),
    path("areas/<slug:code>/dashboard/", dashboards.area_dashboard, name="area_dashboard"),
    path(
        "areas/<slug:code>/dashboard.csv", dashboards.area_dashboard_csv, name="area_dashboard_csv"
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("governance.api")),
    path("open311/v2/", include("deliberation.open311")),
    path("", include("communities.urls")),
    path("", include("deliberation.urls")),
    path("", include("volunteers.urls")),
]

if settings.SERVE_MEDIA:
    # Locally and in tests Django serves uploads; in production nginx (or object storage) does.
    from django.urls import re_path
    from django.views.static import serve

    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
