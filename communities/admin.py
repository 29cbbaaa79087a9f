from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from communities.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline
from communities.models import (
    ApiToken,
    Area,
    AreaRole,
    Booking,
    DigestSend,
    ErasureRequest,
    FinanceLine,
    Grid,
    Household,
    ImportJob,
    ImportRow,
    Invitation,
    Membership,
    Notice,
    NoticeAttachment,
    NoticeDelivery,
    Notification,
    NotificationPreference,
    Organization,
    PartyRegistration,
    PersonalDataAccess,
    Residency,
    Space,
    User,
)
from communities.services import check_level_fits, revoke_api_token


class AreaAdminForm(MoveNodeForm):
    """Treebeard's form, held to the tree's rule: a place sits exactly one level below its parent.

    Only "child of" is offered: treebeard places a sibling by adding a child first and moving it,
    which the level == depth constraint rightly refuses half-way.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["treebeard_position"].choices = [("first-child", _("Child of"))]
        self.fields["treebeard_ref_node"].label = _("Parent")
        self.fields["treebeard_ref_node"].empty_label = _("-- none: a district --")

    def clean(self):
        cleaned = super().clean()
        level = cleaned.get("level")
        if level is not None:
            check_level_fits(level=level, parent=cleaned.get("treebeard_ref_node"))
        return cleaned


@admin.register(Area)
class AreaAdmin(TreeAdmin):
    form = movenodeform_factory(Area, form=AreaAdminForm)
    list_display = ["name", "code", "level", "numchild"]
    list_filter = ["level"]
    search_fields = ["name", "code", "address"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["building", "unit", "room", "floor_area"]
    list_filter = ["building__level"]
    search_fields = ["building__name", "building__code", "room"]
    raw_id_fields = ["building"]
    list_select_related = ["building"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("full_name", "phone", "large_text", "high_contrast")}),
    )
    list_display = ["username", "full_name", "masked_phone", "email", "is_staff", "is_active"]
    search_fields = ["username", "full_name", "email", "phone"]


@admin.register(Residency)
class ResidencyAdmin(admin.ModelAdmin):
    list_display = ["user", "household", "relation", "status", "claimed_at", "decided_by"]
    list_filter = ["status", "relation"]
    search_fields = ["user__username", "user__full_name", "household__building__name"]
    raw_id_fields = ["user", "household", "decided_by"]
    list_select_related = ["user", "household__building", "decided_by"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "parent"]
    list_filter = ["kind", "area__level"]
    search_fields = ["name", "area__name", "area__code"]
    raw_id_fields = ["area", "parent"]
    filter_horizontal = ["served_areas"]
    inlines = [MembershipInline]
    list_select_related = ["area", "parent"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "position", "title", "starts_on", "ends_on"]
    list_filter = ["position", "organization__kind"]
    search_fields = ["user__username", "user__full_name", "organization__name", "title"]
    raw_id_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(AreaRole)
class AreaRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "area", "starts_on", "ends_on"]
    list_filter = ["kind", "area__level"]
    search_fields = ["user__username", "user__full_name", "area__name", "area__code"]
    raw_id_fields = ["user", "area"]
    list_select_related = ["user", "area"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "area", "worker"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "area__name", "worker__full_name"]
    raw_id_fields = ["area", "worker", "covered_areas"]
    list_select_related = ["area", "worker"]


@admin.register(PartyRegistration)
class PartyRegistrationAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "home_organization", "status", "show_publicly"]
    list_filter = ["status", "show_publicly", "lead_household"]
    search_fields = ["user__username", "user__full_name", "home_organization"]
    raw_id_fields = ["user", "community", "confirmed_by"]
    list_select_related = ["user", "community"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "user", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", "read_at", "emailed_at"]
    search_fields = ["title", "user__username", "key"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]


class NoticeAttachmentInline(ReadOnlyInline):
    model = NoticeAttachment
    fields = ["name", "kind", "size", "added_at"]


class FinanceLineInline(ReadOnlyInline):
    model = FinanceLine
    fields = ["position", "direction", "item", "amount"]
    show_change_link = False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Published through communities.services, which checks who may publish where; the admin
    reads the record."""

    list_display = ["title", "kind", "area", "organization", "publish_at", "unpublish_at", "pinned"]
    list_filter = ["kind", "pinned"]
    search_fields = ["title", "body", "area__name", "area__code"]
    list_select_related = ["area", "organization"]
    date_hierarchy = "publish_at"
    inlines = [NoticeAttachmentInline, FinanceLineInline]


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox of notice deliveries: what is due, what ran, how many it reached."""

    list_display = ["notice", "due_at", "attempts", "started_at", "finished_at", "outcome"]
    list_filter = ["outcome", "finished_at"]
    search_fields = ["notice__title", "notice__area__name"]
    list_select_related = ["notice"]
    date_hierarchy = "due_at"


@admin.register(NoticeAttachment)
class NoticeAttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "size", "notice", "added_at"]
    list_filter = ["kind"]
    search_fields = ["name", "notice__title"]
    list_select_related = ["notice"]


@admin.register(FinanceLine)
class FinanceLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["notice", "position", "direction", "item", "amount"]
    list_filter = ["direction"]
    search_fields = ["item", "notice__title"]
    list_select_related = ["notice"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each person chooses on their own settings page; the admin reads."""

    list_display = ["user", "daily_digest", "updated_at"]
    list_filter = ["daily_digest"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(DigestSend)
class DigestSendAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The send log of daily digests, one row per person and day."""

    list_display = ["user", "day", "sent_at", "messages"]
    list_filter = ["day"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Started, checked and imported through communities.services; the admin reads the record
    (the report row by row is on the job's page)."""

    list_display = ["original_name", "area", "created_by", "created_at", "status", "rows_total"]
    list_filter = ["status"]
    search_fields = ["original_name", "area__name", "area__code", "created_by__username"]
    list_select_related = ["area", "created_by"]
    exclude = ["file"]
    date_hierarchy = "created_at"


@admin.register(ImportRow)
class ImportRowAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["job", "sheet", "number", "outcome", "label", "message"]
    list_filter = ["outcome", "sheet"]
    search_fields = ["job__original_name", "label", "message"]
    list_select_related = ["job"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Made by imports of residents and claimed through communities.services.claim_invitation."""

    list_display = ["code", "household", "relation", "expires_at", "claimed_by", "claimed_at"]
    list_filter = ["relation", "claimed_at"]
    search_fields = ["code", "household__building__code", "household__room"]
    list_select_related = ["household__building", "claimed_by"]
    exclude = ["full_name", "phone"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail of who saw whose contact details: read here, written only by services."""

    list_display = ["at", "viewer", "person", "context"]
    list_filter = ["at"]
    search_fields = ["viewer__username", "person__username", "context"]
    list_select_related = ["viewer", "person"]
    date_hierarchy = "at"


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "requested_at", "erase_after", "cancelled_at", "erased_at"]
    list_filter = ["erased_at", "cancelled_at"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


class SpaceAdminForm(forms.ModelForm):
    class Meta:
        model = Space
        fields = [
            "area",
            "name",
            "description",
            "location",
            "capacity",
            "opens_at",
            "closes_at",
            "open_days",
            "book_ahead_days",
            "requires_approval",
            "managed_by",
            "active",
        ]

    def clean(self):
        cleaned = super().clean()
        area, managed_by = cleaned.get("area"), cleaned.get("managed_by")
        if area is not None and managed_by is not None and not managed_by.reaches(area):
            self.add_error(
                "managed_by",
                _("%(name)s does not serve %(area)s.") % {"name": managed_by, "area": area},
            )
        return cleaned


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    """Rooms are configuration, edited here with the checks of `services.create_space`; the
    database keeps capacity positive and closing after opening."""

    form = SpaceAdminForm
    list_display = ["name", "area", "capacity", "opens_at", "closes_at", "open_days", "active"]
    list_filter = ["active", "requires_approval", "area__level"]
    search_fields = ["name", "area__name", "area__code", "managed_by__name"]
    raw_id_fields = ["area", "managed_by"]
    list_select_related = ["area"]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Booked, moved, approved and cancelled through communities.services, which keep bookings
    from overlapping; the admin reads the record."""

    list_display = ["space", "starts_at", "ends_at", "status", "organization", "booked_by"]
    list_filter = ["status"]
    search_fields = ["space__name", "purpose", "organization__name"]
    list_select_related = ["space", "organization", "booked_by"]
    date_hierarchy = "starts_at"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tokens are made by their owners on /me/tokens/ (the secret is shown only there, once);
    administrators read the list and revoke one that leaked, through the service."""

    list_display = ["name", "prefix", "owner", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "last_used_at"]
    search_fields = ["name", "prefix", "owner__username"]
    list_select_related = ["owner"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_api_token(token=token, by=request.user)
        self.message_user(request, _("The tokens were revoked; they no longer work."))
