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
from communities.services.inbox import (
    mark_notification_read,
    mark_notifications_read,
    notify,
    notify_many,
    send_daily_digests,
    send_due_emails,
    set_notification_preferences,
)
from communities.services.notices import (
    FinanceItem,
    change_notice,
    deliver_due_notices,
    deliver_notice,
    notice_recipients,
    publish_notice,
    unpublish_notice,
)
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
from communities.services.privacy import (
    cancel_erasure,
    erase_person,
    record_personal_data_access,
    request_erasure,
    reveal_claimant,
)
from communities.services.spaces import (
    approve_booking,
    book_space,
    booking_organizations,
    cancel_booking,
    create_space,
    reject_booking,
    reschedule_booking,
)
from communities.services.tokens import create_api_token, revoke_api_token, use_api_token

__all__ = [
    "FinanceItem",
    "add_membership",
    "approve_booking",
    "assign_area_role",
    "book_space",
    "booking_organizations",
    "cancel_booking",
    "cancel_erasure",
    "cancel_import",
    "change_notice",
    "check_import",
    "check_level_fits",
    "claim_household",
    "claim_invitation",
    "confirm_import",
    "confirm_party_registration",
    "create_api_token",
    "create_area",
    "create_household",
    "create_space",
    "deliver_due_notices",
    "deliver_notice",
    "end_membership",
    "erase_person",
    "mark_notification_read",
    "mark_notifications_read",
    "move_area",
    "normalize_invitation_code",
    "notice_recipients",
    "notify",
    "notify_many",
    "publish_notice",
    "record_personal_data_access",
    "register_party_member",
    "reject_booking",
    "reject_residency",
    "rename_area",
    "request_erasure",
    "reschedule_booking",
    "reveal_claimant",
    "revoke_api_token",
    "run_import",
    "send_daily_digests",
    "send_due_emails",
    "set_display_preferences",
    "set_mobile_number",
    "set_notification_preferences",
    "start_import",
    "unpublish_notice",
    "use_api_token",
    "verify_residency",
]
