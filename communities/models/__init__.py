"""Places, people, organisations and roles: the floor everything else stands on.

One module per concept; every model is importable from here, as Django and callers expect.
"""

from communities.models.imports import (
    ImportJob,
    ImportRow,
    Invitation,
    PrivateUploadStorage,
    new_invitation_code,
)
from communities.models.inbox import (
    DigestSend,
    Notification,
    NotificationPreference,
    NotificationQuerySet,
    wants_email,
)
from communities.models.notices import (
    FinanceLine,
    FinanceStatement,
    Notice,
    NoticeAttachment,
    NoticeDelivery,
    NoticeQuerySet,
)
from communities.models.people import (
    AreaRole,
    Grid,
    Membership,
    Organization,
    PartyRegistration,
    Residency,
    User,
)
from communities.models.places import Area, Household, ancestor_paths, subtree_q
from communities.models.privacy import ErasureRequest, PersonalDataAccess
from communities.models.spaces import Booking, BookingQuerySet, Space, SpaceQuerySet
from communities.models.tokens import ApiToken, ApiTokenQuerySet, hash_secret

__all__ = [
    "ApiToken",
    "ApiTokenQuerySet",
    "Area",
    "AreaRole",
    "Booking",
    "BookingQuerySet",
    "DigestSend",
    "ErasureRequest",
    "FinanceLine",
    "FinanceStatement",
    "Grid",
    "Household",
    "ImportJob",
    "ImportRow",
    "Invitation",
    "Membership",
    "Notice",
    "NoticeAttachment",
    "NoticeDelivery",
    "NoticeQuerySet",
    "Notification",
    "NotificationPreference",
    "NotificationQuerySet",
    "Organization",
    "PartyRegistration",
    "PersonalDataAccess",
    "PrivateUploadStorage",
    "Residency",
    "Space",
    "SpaceQuerySet",
    "User",
    "ancestor_paths",
    "hash_secret",
    "new_invitation_code",
    "subtree_q",
    "wants_email",
]
