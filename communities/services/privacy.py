"""Staff see a resident's full phone number only by asking, and every time is recorded."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from communities import reach
from communities.models import (
    ApiToken,
    AreaRole,
    DigestSend,
    ErasureRequest,
    Grid,
    Invitation,
    Membership,
    Notification,
    NotificationPreference,
    PartyRegistration,
    PersonalDataAccess,
    Residency,
    User,
)
from communities.rules import require

# Time to change one's mind before the erasure is carried out.
ERASURE_GRACE = datetime.timedelta(days=7)


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


@transaction.atomic
def request_erasure(*, user: User) -> ErasureRequest:
    """The person asks for their personal data to be erased; it is done after ERASURE_GRACE
    unless they cancel. Asking twice gives back the open request."""
    existing = ErasureRequest.objects.open().filter(user=user).first()
    if existing:
        return existing
    now = timezone.now()
    return ErasureRequest.objects.create(
        user=user, requested_at=now, erase_after=now + ERASURE_GRACE
    )


@transaction.atomic
def cancel_erasure(*, user: User) -> int:
    return ErasureRequest.objects.open().filter(user=user).update(cancelled_at=timezone.now())


@transaction.atomic
def erase_person(*, user: User) -> User:
    """Communities' part of an erasure: the account keeps its row (issues, ledgers and audit
    trails point at it) but loses every personal detail and can no longer log in; homes,
    posts and roles end; the inbox, its mail settings and the party registration go; API
    tokens are revoked."""
    user = User.objects.select_for_update().get(pk=user.pk)
    today = timezone.localdate()
    Residency.objects.filter(
        user=user, status__in=[Residency.Status.PENDING, Residency.Status.VERIFIED]
    ).update(status=Residency.Status.ENDED, decision_note=_("erased at the person's request"))
    Membership.objects.filter(user=user, ends_on__isnull=True).update(ends_on=today)
    Membership.objects.filter(user=user, ends_on__gt=today).update(ends_on=today)
    AreaRole.objects.filter(user=user, ends_on__isnull=True).update(ends_on=today)
    Grid.objects.filter(worker=user).update(worker=None)
    PartyRegistration.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    DigestSend.objects.filter(user=user).delete()
    ApiToken.objects.active().filter(owner=user).update(revoked_at=timezone.now())
    # What staff imported about the person: the invitation they claimed, or one still waiting
    # under their number.
    invited = Q(claimed_by=user) | (Q(phone=user.phone) if user.phone else Q(pk__in=[]))
    Invitation.objects.filter(invited).update(full_name="", phone=None)
    user.username = f"erased-{user.pk}"
    user.full_name = ""
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.phone = None
    user.is_active = False
    user.set_unusable_password()
    user.save()
    EmailAddress = _allauth_email_model()
    if EmailAddress is not None:
        EmailAddress.objects.filter(user=user).delete()
    reach.forget(user)
    return user


def _allauth_email_model():
    from django.apps import apps

    return (
        apps.get_model("account", "EmailAddress") if apps.is_installed("allauth.account") else None
    )
