"""A resident's own data, across every app: download it all, or ask for it to be erased.

Floor 3 is the only place that sees every app, so it composes what each app keeps about a
person (each app's `selectors.personal_data`) and carries out an erasure through each app's
own service, in one transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from communities import selectors as community_selectors
from communities import services as community_services
from communities.models import ErasureRequest, User
from deliberation import selectors as issue_selectors
from deliberation import services as deliberation_services
from volunteers import selectors as volunteer_selectors
from volunteers import services as volunteer_services


def personal_data(user: User) -> dict:
    return {
        "exported_at": timezone.now(),
        **community_selectors.personal_data(user),
        **issue_selectors.personal_data(user),
        **volunteer_selectors.personal_data(user),
    }


def erase_due_requests(*, now=None) -> int:
    """Carry out every erasure whose grace period has passed; each one whole or not at all."""
    erased = 0
    for request_id in ErasureRequest.objects.due(now).values_list("pk", flat=True):
        with transaction.atomic():
            request = (
                ErasureRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .due(now)
                .filter(pk=request_id)
                .select_related("user")
                .first()
            )
            if request is None:
                continue
            volunteer_services.erase_volunteer(user=request.user)
            deliberation_services.forget_commenter(user=request.user)
            community_services.erase_person(user=request.user)
            request.erased_at = timezone.now()
            request.save(update_fields=["erased_at"])
            erased += 1
    return erased
