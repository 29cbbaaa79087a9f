from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from communities.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline
from volunteers import services
from volunteers.models import (
    Activity,
    LedgerEntry,
    Nomination,
    PointsAccount,
    Redemption,
    Reminder,
    Reward,
    SignUp,
    Skill,
)


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fk_name = "account"
    fields = ["at", "kind", "points", "reason", "by"]
    readonly_fields = fields
    ordering = ["-at", "-pk"]


@admin.register(PointsAccount)
class PointsAccountAdmin(admin.ModelAdmin):
    """The balance and hours are caches the services keep; here only the listing choice changes.
    Corrections go through an adjustment (volunteers.services.adjust_points), never an edit."""

    list_display = ["user", "balance", "hours", "listed"]
    list_filter = ["listed"]
    search_fields = ["user__username", "user__full_name"]
    readonly_fields = ["user", "balance", "hours", "check_in_token"]
    list_select_related = ["user"]
    inlines = [LedgerEntryInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only: an entry is never added, edited or deleted here, only read."""

    list_display = ["at", "account", "kind", "points", "reason", "by"]
    list_filter = ["kind", "at"]
    search_fields = ["account__user__username", "account__user__full_name", "reason"]
    date_hierarchy = "at"
    list_select_related = ["account__user", "by"]


class SignUpInline(ReadOnlyInline):
    model = SignUp
    fields = ["user", "status", "signed_up_at", "checked_in_at", "hours"]
    readonly_fields = fields


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "organization", "area", "starts_at", "capacity", "status"]
    list_filter = ["status", "kind", "starts_at"]
    search_fields = ["title", "place", "organization__name", "area__name", "area__code"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["organization", "area"]
    list_select_related = ["organization", "area"]
    inlines = [SignUpInline]


@admin.register(SignUp)
class SignUpAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: sign-up, check-in and hours go through volunteers.services, which keep the
    waiting list, the reminders and the points in step."""

    list_display = ["activity", "user", "status", "signed_up_at", "checked_in_at", "hours"]
    list_filter = ["status", "activity__kind"]
    search_fields = ["activity__title", "user__username", "user__full_name"]
    list_select_related = ["activity", "user"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sign_up", "due_at", "sent_at"]
    list_filter = ["sent_at", "due_at"]
    search_fields = ["sign_up__activity__title", "sign_up__user__username"]
    list_select_related = ["sign_up__activity", "sign_up__user"]


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "area", "cost", "stock", "active"]
    list_filter = ["active"]
    search_fields = ["name", "organization__name", "area__name", "area__code"]
    raw_id_fields = ["organization", "area"]
    list_select_related = ["organization", "area"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only but for the cancel action, which returns the points and the item together."""

    list_display = ["reward", "user", "points", "status", "redeemed_at", "handed_over_at"]
    list_filter = ["status", "redeemed_at"]
    search_fields = ["reward__name", "user__username", "user__full_name", "pickup_code"]
    list_select_related = ["reward", "user"]
    actions = ["cancel"]

    @admin.action(description=_("Cancel the selected redemptions (points and item go back)"))
    def cancel(self, request, queryset):
        for redemption in queryset:
            try:
                services.cancel_redemption(redemption=redemption, by=request.user)
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{redemption}: {text}", messages.ERROR)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "visibility"]
    list_filter = ["visibility"]
    search_fields = ["name", "description", "user__username", "user__full_name"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]


@admin.register(Nomination)
class NominationAdmin(admin.ModelAdmin):
    list_display = ["nominee", "area", "year", "status", "nominated_by", "decided_by"]
    list_filter = ["status", "year"]
    search_fields = ["nominee__username", "nominee__full_name", "reason", "area__name"]
    raw_id_fields = ["nominee", "nominated_by", "area", "decided_by"]
    list_select_related = ["nominee", "area", "nominated_by", "decided_by"]
