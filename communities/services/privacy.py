"""Staff see a resident's full phone number only by asking, and every time is recorded."""

from __future__ import annotations

from django.db import transaction

from communities.models import PersonalDataAccess, Residency, User
from communities.rules import require


@transaction.atomic
def record_personal_data_access(*, by: User, person: User, context: str) -> PersonalDataAccess:
    """The audit row behind every reveal. Callers check first that `by` may see the data there
    (a claim they decide, an issue whose reporter they may see); this only records."""
    return PersonalDataAccess.objects.create(viewer=by, person=person, context=context[:120])


@transaction.atomic
def reveal_claimant(*, residency: Residency, by: User) -> PersonalDataAccess:
    """Staff deciding a claim may call the claimant to check it: they see the number, recorded."""
    require(by, "communities.decide_residency", residency)
    return record_personal_data_access(
        by=by, person=residency.user, context=f"claim {residency.pk}"
    )
