from django.urls import path

from deliberation.views import commitments, issues

app_name = "deliberation"

urlpatterns = [
    path("issues/report/", issues.report_issue, name="report_issue"),
    path("issues/similar/", issues.similar_issues, name="similar_issues"),
    path("issues/<int:pk>/", issues.issue_detail, name="issue_detail"),
    path(
        "issues/<int:pk>/reveal-reporter/",
        issues.issue_reveal_reporter,
        name="issue_reveal_reporter",
    ),
    path("issues/<int:pk>/<slug:action>/", issues.issue_act, name="issue_act"),
    path("commitments/<int:pk>/", commitments.commitment_detail, name="commitment_detail"),
    path("areas/<slug:code>/issues/", issues.area_issues, name="area_issues"),
    path("areas/<slug:code>/poster/", issues.area_poster, name="area_poster"),
    path("areas/<slug:code>/funnel/", issues.area_funnel, name="area_funnel"),
    path("staff/issues/", issues.staff_queue, name="staff_queue"),
    path("staff/visits/", issues.household_visits, name="household_visits"),
    path("staff/issues/assign/", issues.staff_bulk_assign, name="staff_bulk_assign"),
]
