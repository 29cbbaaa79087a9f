from django.urls import path

from communities import views

app_name = "communities"

urlpatterns = [
    path("areas/<slug:code>/", views.area_detail, name="area_detail"),
    path("areas/<slug:code>/all/", views.area_everything, name="area_everything"),
    path("areas/<slug:code>/add/", views.area_add_child, name="area_add_child"),
    path("areas/<slug:code>/households/", views.household_list, name="household_list"),
    path("areas/<slug:code>/households/add/", views.household_add, name="household_add"),
    path("me/", views.profile, name="profile"),
    path("me/messages/", views.inbox, name="inbox"),
    path("me/household/", views.household_claim, name="household_claim"),
    path("me/party/", views.party_register, name="party_register"),
    path("staff/claims/", views.residency_queue, name="residency_queue"),
    path("staff/claims/<int:pk>/<slug:decision>/", views.residency_decide, name="residency_decide"),
    path("staff/party/", views.party_queue, name="party_queue"),
    path("staff/party/<int:pk>/confirm/", views.party_confirm, name="party_confirm"),
    path("display/", views.display_preferences, name="display_preferences"),
]
