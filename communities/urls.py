from django.urls import path

from communities.views import imports, inbox, notices, people, places, spaces, tokens

app_name = "communities"

urlpatterns = [
    path("areas/<slug:code>/", places.area_detail, name="area_detail"),
    path("areas/<slug:code>/all/", places.area_everything, name="area_everything"),
    path("areas/<slug:code>/add/", places.area_add_child, name="area_add_child"),
    path("areas/<slug:code>/households/", places.household_list, name="household_list"),
    path("areas/<slug:code>/households/add/", places.household_add, name="household_add"),
    path("areas/<slug:code>/notices/", notices.area_notices, name="area_notices"),
    path("areas/<slug:code>/imports/", imports.area_imports, name="area_imports"),
    path(
        "areas/<slug:code>/export/<slug:kind>.<slug:fmt>",
        imports.area_export,
        name="area_export",
    ),
    path("imports/templates/<slug:kind>.xlsx", imports.import_template, name="import_template"),
    path("imports/<int:pk>/", imports.import_job, name="import_job"),
    path("imports/<int:pk>/progress/", imports.import_job_progress, name="import_job_progress"),
    path("imports/<int:pk>/confirm/", imports.import_job_confirm, name="import_job_confirm"),
    path("imports/<int:pk>/cancel/", imports.import_job_cancel, name="import_job_cancel"),
    path(
        "imports/<int:pk>/invitations/",
        imports.import_job_invitations,
        name="import_job_invitations",
    ),
    path("areas/<slug:code>/rooms/", spaces.area_spaces, name="area_spaces"),
    path("rooms/<int:pk>/", spaces.space_detail, name="space_detail"),
    path("bookings/<int:pk>/cancel/", spaces.booking_cancel, name="booking_cancel"),
    path("areas/<slug:code>/notices/new/", notices.notice_create, name="notice_create"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/print/", notices.notice_print, name="notice_print"),
    path("notices/<int:pk>/edit/", notices.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/take-down/", notices.notice_unpublish, name="notice_unpublish"),
    path("notices/attachments/<int:pk>/", notices.notice_attachment, name="notice_attachment"),
    path("me/", people.profile, name="profile"),
    path("me/messages/", inbox.inbox, name="inbox"),
    path("me/messages/read/", inbox.notifications_read_all, name="notifications_read_all"),
    path("me/messages/<int:pk>/read/", inbox.notification_read, name="notification_read"),
    path("me/messages/settings/", inbox.notification_settings, name="notification_settings"),
    path("me/household/", people.household_claim, name="household_claim"),
    path("me/invitation/", people.invitation_claim, name="invitation_claim"),
    path("me/party/", people.party_register, name="party_register"),
    path("me/bookings/", spaces.my_bookings, name="my_bookings"),
    path("me/tokens/", tokens.api_tokens, name="api_tokens"),
    path("me/tokens/<int:pk>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
    path("staff/claims/", people.residency_queue, name="residency_queue"),
    path("staff/claims/<int:pk>/reveal/", people.residency_reveal, name="residency_reveal"),
    path(
        "staff/claims/<int:pk>/<slug:decision>/", people.residency_decide, name="residency_decide"
    ),
    path("staff/bookings/", spaces.booking_queue, name="booking_queue"),
    path(
        "staff/bookings/<int:pk>/<slug:decision>/",
        spaces.booking_decide,
        name="booking_decide",
    ),
    path("staff/party/", people.party_queue, name="party_queue"),
    path("staff/party/<int:pk>/confirm/", people.party_confirm, name="party_confirm"),
    path("display/", people.display_preferences, name="display_preferences"),
]
