from django.urls import path

from deliberation import views

app_name = "deliberation"

urlpatterns = [
    path("issues/report/", views.report_issue, name="report_issue"),
    path("issues/similar/", views.similar_issues, name="similar_issues"),
    path("issues/<int:pk>/", views.issue_detail, name="issue_detail"),
    path("issues/<int:pk>/<slug:action>/", views.issue_act, name="issue_act"),
    path("areas/<slug:code>/issues/", views.area_issues, name="area_issues"),
    path("areas/<slug:code>/poster/", views.area_poster, name="area_poster"),
    path("areas/<slug:code>/funnel/", views.area_funnel, name="area_funnel"),
    path("staff/issues/", views.staff_queue, name="staff_queue"),
    path("staff/visits/", views.household_visits, name="household_visits"),
    path("staff/issues/assign/", views.staff_bulk_assign, name="staff_bulk_assign"),
]
