"""Every write to places, people and organisations goes through one of these functions.

Each runs in one transaction, checks the permission of the person acting, and raises
`ValidationError` with a message a person understands when the input cannot be accepted, so
nothing is half-written. The modules group them by what they change; callers import them from
here.
"""

from communities.services.imports import (
    cancel_import,
    check_import,
    confirm_import,
    run_import,
    start_import,
)
from communities.services.inbox import mark_notifications_read, notify, notify_many
from communities.services.notices import publish_notice, unpublish_notice
from communities.services.people import (
    add_membership,
    assign_area_role,
    claim_household,
    claim_invitation,
    confirm_party_registration,
    end_membership,
    normalize_invitation_code,
    register_party_member,
    reject_residency,
    set_display_preferences,
    set_mobile_number,
    verify_residency,
)
from communities.services.places import (
    check_level_fits,
    create_area,
    create_household,
    move_area,
    rename_area,
)

__all__ = [
    "add_membership",
    "assign_area_role",
    "cancel_import",
    "check_import",
    "check_level_fits",
    "claim_household",
    "claim_invitation",
    "confirm_import",
    "confirm_party_registration",
    "create_area",
    "create_household",
    "end_membership",
    "mark_notifications_read",
    "move_area",
    "normalize_invitation_code",
    "notify",
    "notify_many",
    "publish_notice",
    "register_party_member",
    "reject_residency",
    "rename_area",
    "run_import",
    "set_display_preferences",
    "set_mobile_number",
    "start_import",
    "unpublish_notice",
    "verify_residency",
]
