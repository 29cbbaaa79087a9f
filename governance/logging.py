"""No full phone number and no secret in any log line.

A filter on every handler rewrites the formatted message (and the traceback, which may quote
a form's data) before it is written: mainland mobile numbers become 138****1234 and the value
after a password, token, key or session word becomes ***. It is the last guard; code should not
log personal data in the first place.
"""

from __future__ import annotations

import logging
import re

# Any spelling a form accepts (communities.phones): spaces, hyphens, dots or brackets between
# the groups, a +86/0086/86 prefix; full-width digits are read as ASCII ones first.
_MOBILE = re.compile(
    r"(?<![0-9])(?:(?:\+|00)?86[\s\-.]?)?\(?(1[3-9][0-9])\)?[\s\-.]?[0-9]{4}[\s\-.]?([0-9]{4})"
    r"(?![0-9])"
)
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９＋", "0123456789+")
_SECRET = re.compile(
    r"(?i)(password\d?|passwd|secret|token|api[-_]?key|authorization|sessionid|csrftoken"
    r"|calendar_key|claim_code)"
    r"(\"?'?\s*[:=]\s*\"?'?(?:(?:Token|Bearer|Basic)\s+)?|\s+)"
    r"(?!\*\*\*)([^\s&'\",;)]+)"
)

# An invitation code claims a household: the QR link on the slip carries it as ?code=...
_INVITATION_CODE = re.compile(r"(?i)(?<![a-z_])(code=)([a-z0-9]{8,})")


def redact(text: str) -> str:
    text = _MOBILE.sub(r"\1****\2", text.translate(_FULL_WIDTH_DIGITS))
    text = _INVITATION_CODE.sub(r"\1***", text)
    return _SECRET.sub(r"\1\2***", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
