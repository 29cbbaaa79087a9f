from django.urls import path

from deliberation.views import commitments, issues, meeting_session, polls, topics

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
    path("commitments/new/", commitments.commitment_new, name="commitment_new"),
    path("commitments/<int:pk>/", commitments.commitment_detail, name="commitment_detail"),
    path(
        "commitments/<int:pk>/remarks/<int:remark>/answer/",
        commitments.remark_answer,
        name="remark_answer",
    ),
    path("commitments/<int:pk>/<slug:action>/", commitments.commitment_act, name="commitment_act"),
    path(
        "organizations/<int:pk>/commitments/",
        commitments.organization_commitments,
        name="organization_commitments",
    ),
    path(
        "organizations/<int:pk>/commitments/new/",
        commitments.organization_commitment_new,
        name="organization_commitment_new",
    ),
    path("areas/<slug:code>/issues/", issues.area_issues, name="area_issues"),
    path("areas/<slug:code>/poster/", issues.area_poster, name="area_poster"),
    path("areas/<slug:code>/funnel/", issues.area_funnel, name="area_funnel"),
    path("areas/<slug:code>/commitments/", commitments.area_commitments, name="area_commitments"),
    path("areas/<slug:code>/register/", commitments.area_register, name="area_register"),
    path("polls/<int:pk>/", polls.poll_detail, name="poll_detail"),
    path("polls/<int:pk>/vote/", polls.poll_vote, name="poll_vote"),
    path("polls/<int:pk>/close/", polls.poll_close, name="poll_close"),
    path("topics/<int:pk>/", topics.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/comment/", topics.topic_comment, name="topic_comment"),
    path(
        "topics/<int:pk>/comments/<int:comment_pk>/hide/",
        topics.comment_hide,
        name="comment_hide",
    ),
    path("topics/<int:pk>/close/", topics.topic_close, name="topic_close"),
    path("topics/<int:pk>/issue/", topics.topic_issue, name="topic_issue"),
    path("areas/<slug:code>/polls/", polls.area_polls, name="area_polls"),
    path("areas/<slug:code>/polls/new/", polls.poll_create, name="poll_create"),
    path("areas/<slug:code>/topics/", topics.area_topics, name="area_topics"),
    path("areas/<slug:code>/topics/new/", topics.topic_create, name="topic_create"),
    path("meetings/<int:pk>/session/", meeting_session.meeting_session, name="meeting_session"),
    path(
        "meetings/<int:pk>/session/attendance/",
        meeting_session.session_attendance,
        name="meeting_session_attendance",
    ),
    path(
        "meetings/<int:pk>/session/attendance/<int:attendance_pk>/<slug:action>/",
        meeting_session.session_attendance_act,
        name="meeting_session_attendance_act",
    ),
    path(
        "meetings/<int:pk>/session/agenda/<int:item_pk>/motions/",
        meeting_session.motion_new,
        name="motion_new",
    ),
    path(
        "meetings/<int:pk>/session/<slug:action>/",
        meeting_session.session_act,
        name="meeting_session_act",
    ),
    path("motions/<int:pk>/", meeting_session.motion_detail, name="motion_detail"),
    path("motions/<int:pk>/vote/", meeting_session.motion_vote, name="motion_vote"),
    path("motions/<int:pk>/paper/", meeting_session.motion_paper, name="motion_paper"),
    path("motions/<int:pk>/<slug:action>/", meeting_session.motion_act, name="motion_act"),
    path("meetings/<int:pk>/minutes/", meeting_session.minutes_detail, name="minutes_detail"),
    path(
        "meetings/<int:pk>/minutes/resolutions/",
        meeting_session.minutes_resolution,
        name="minutes_resolution",
    ),
    path(
        "meetings/<int:pk>/minutes/<slug:action>/",
        meeting_session.minutes_act,
        name="minutes_act",
    ),
    path("staff/issues/", issues.staff_queue, name="staff_queue"),
    path("staff/visits/", issues.household_visits, name="household_visits"),
    path("staff/issues/assign/", issues.staff_bulk_assign, name="staff_bulk_assign"),
    path("staff/commitments/", commitments.staff_commitments, name="staff_commitments"),
]
