"""No full phone number and no secret in any log line (issue #8, hardening)."""

import logging

import pytest

from governance.logging import RedactPersonalData, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("login failed for 13812345678", "login failed for 138****5678"),
        ("phone=+8613812345678&next=/", "phone=138****5678&next=/"),
        ("call 138 1234 5678 or 0086-139-0000-0001", "call 138****5678 or 139****0001"),
        ("password=hunter2 user=li", "password=*** user=li"),
        ('{"token": "abc123def"}', '{"token": "***"}'),
        ("Authorization: Token 9f8e7d", "Authorization: Token ***"),
        ("order 20261201123456789 shipped", "order 20261201123456789 shipped"),
    ],
)
def test_numbers_and_secrets_are_masked_and_other_digits_left_alone(line, expected):
    assert redact(line) == expected


def test_the_filter_masks_the_formatted_message_and_the_traceback(caplog):
    logger = logging.getLogger("tests.redaction")
    logger.addFilter(RedactPersonalData())
    try:
        try:
            raise ValueError("bad phone 13912345678")
        except ValueError:
            logger.exception("claim by %s", "13800001111")
    finally:
        logger.filters.clear()
    record = caplog.records[-1]
    assert record.getMessage() == "claim by 138****1111"
    assert "13912345678" not in record.exc_text
    assert "139****5678" in record.exc_text


def test_every_configured_handler_carries_the_filter(settings):
    for handler in settings.LOGGING["handlers"].values():
        assert "redact" in handler["filters"]
