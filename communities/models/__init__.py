"""Places, people, organisations and roles: the floor everything else stands on.

One module per concept; every model is importable from here, as Django and callers expect.
"""

from communities.models.inbox import Notification, NotificationQuerySet
from communities.models.notices import Notice, NoticeQuerySet
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

__all__ = [
    "Area",
    "AreaRole",
    "Booking",
    "BookingQuerySet",
    "ErasureRequest",
    "Grid",
    "Household",
    "Membership",
    "Notice",
    "NoticeQuerySet",
    "Notification",
    "NotificationQuerySet",
    "Organization",
    "PartyRegistration",
    "PersonalDataAccess",
    "Residency",
    "Space",
    "SpaceQuerySet",
    "User",
    "ancestor_paths",
    "subtree_q",
]
