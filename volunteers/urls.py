from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("volunteering/", views.activity_list, name="activity_list"),
    path("volunteering/activities/new/", views.activity_create, name="activity_create"),
    path("volunteering/activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path(
        "volunteering/activities/<int:pk>/sign-up/",
        views.activity_sign_up,
        name="activity_sign_up",
    ),
    path(
        "volunteering/activities/<int:pk>/cancel/",
        views.activity_cancel_sign_up,
        name="activity_cancel_sign_up",
    ),
    path("volunteering/activities/<int:pk>/scan/", views.activity_scan, name="activity_scan"),
    path(
        "volunteering/activities/<int:pk>/sign-ups/<int:sign_up_pk>/check-in/",
        views.sign_up_check_in,
        name="sign_up_check_in",
    ),
    path(
        "volunteering/activities/<int:pk>/sign-ups/<int:sign_up_pk>/hours/",
        views.sign_up_confirm_hours,
        name="sign_up_confirm_hours",
    ),
    path("volunteering/me/", views.my_volunteering, name="my_volunteering"),
    path("volunteering/me/listing/", views.my_listing, name="my_listing"),
    path("volunteering/rewards/", views.reward_list, name="reward_list"),
    path("volunteering/rewards/<int:pk>/redeem/", views.reward_redeem, name="reward_redeem"),
    path("volunteering/rewards/redemptions/", views.redemption_queue, name="redemption_queue"),
    path(
        "volunteering/rewards/redemptions/<int:pk>/hand-over/",
        views.redemption_hand_over,
        name="redemption_hand_over",
    ),
    path(
        "volunteering/rewards/redemptions/<int:pk>/cancel/",
        views.redemption_cancel,
        name="redemption_cancel",
    ),
    path("volunteering/leaderboard/<slug:code>/", views.leaderboard, name="leaderboard"),
    path("volunteering/skills/", views.skill_list, name="skill_list"),
    path("volunteering/skills/invite/", views.skill_invite, name="skill_invite"),
    path("volunteering/skills/<int:pk>/remove/", views.skill_remove, name="skill_remove"),
    path("volunteering/good-neighbours/", views.good_neighbours, name="good_neighbours"),
    path(
        "volunteering/good-neighbours/<int:pk>/decide/",
        views.nomination_decide,
        name="nomination_decide",
    ),
    path("volunteering/areas/<slug:code>/", views.area_volunteering, name="area_volunteering"),
]
