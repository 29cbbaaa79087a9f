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

__all__ = [
    "Area",
    "AreaRole",
    "Grid",
    "Household",
    "ImportJob",
    "ImportRow",
    "Invitation",
    "Membership",
    "Notice",
    "NoticeQuerySet",
    "Notification",
    "NotificationQuerySet",
    "Organization",
    "PartyRegistration",
    "PrivateUploadStorage",
    "Residency",
    "User",
    "ancestor_paths",
    "new_invitation_code",
    "subtree_q",
]
