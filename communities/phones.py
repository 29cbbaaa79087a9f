"""Mainland China mobile numbers: one stored form (+86 and eleven digits), one masked form."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-().]")
_MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")

INVALID_MOBILE_MESSAGE = _(
    "Enter a mainland mobile number of 11 digits starting with 1, such as 138 1234 5678."
)


def normalize_mobile(raw: str) -> str:
    """Return the number as +86 followed by 11 digits, or raise ValidationError."""
    # NFKC turns the full-width digits a Chinese input method types (１３８) into ASCII ones.
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MAINLAND_MOBILE.match(digits):
        raise ValidationError(INVALID_MOBILE_MESSAGE, code="invalid_mobile")
    return f"+86{digits}"


def looks_like_mobile(raw: str) -> bool:
    try:
        normalize_mobile(raw)
    except ValidationError:
        return False
    return True


def mask_mobile(phone: str) -> str:
    """138****1234: enough for a person to recognise their own number, useless to anyone else."""
    if not phone:
        return ""
    local = phone.removeprefix("+86")
    if len(local) != 11:
        return "****"
    return f"{local[:3]}****{local[-4:]}"
