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

__all__ = [
    "Area",
    "AreaRole",
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
    "User",
    "ancestor_paths",
    "subtree_q",
]
