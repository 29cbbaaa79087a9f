"""Writes to API tokens: making one (its secret shown once), revoking it, noting its use."""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import ApiToken, User, hash_secret
from communities.rules import require

# Recognisable in logs and secret scanners; the random part is 32 bytes.
SECRET_PREFIX = "ngp_"
MAX_ACTIVE_TOKENS = 10
# Stamping every request would make each API call a write; a minute is precise enough.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


@transaction.atomic
def create_api_token(*, owner: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the owner's integrations. Returns the token and its secret, which is
    never stored and cannot be shown again: only its SHA-256 is kept. Names are unique among a
    person's active tokens, so a form posted twice makes one token (the second is refused)."""
    require(owner, "communities.create_api_token")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Say what will use the token.")})
    User.objects.select_for_update().filter(pk=owner.pk).first()
    if ApiToken.objects.active().filter(owner=owner).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(count)s active tokens. Revoke one you no longer use first.")
            % {"count": MAX_ACTIVE_TOKENS}
        )
    if ApiToken.objects.active().filter(owner=owner, name=name).exists():
        raise ValidationError({"name": _("You already have an active token with this name.")})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                owner=owner, name=name, prefix=secret[:12], key_hash=hash_secret(secret)
            )
    except IntegrityError:
        raise ValidationError(
            {"name": _("You already have an active token with this name.")}
        ) from None
    return token, secret


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User) -> ApiToken:
    """The token stops working at once; the row stays, with the time it was revoked."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    require(by, "communities.revoke_api_token", token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def use_api_token(*, secret: str) -> ApiToken | None:
    """The active token with this secret, its owner loaded, or None. Notes when it was last
    used (at most once a minute, with one UPDATE that needs no lock)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("owner")
        .filter(key_hash=hash_secret(secret), owner__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
