"""Admin pieces for records that are written only by services (timelines, ledgers): they are
read in the admin, never added, edited or deleted there."""

from django.contrib import admin


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        # Every field shown is read-only. A non-editable field (a timeline's `seq`) listed in
        # `fields` but not here makes the admin build a form for it, and the parent's change
        # page fails with a FieldError.
        return [*super().get_readonly_fields(request, obj), *(self.fields or ())]
