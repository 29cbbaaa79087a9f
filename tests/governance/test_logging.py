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
        # Every spelling communities.phones accepts is masked too.
        ("login １３８１２３４５６７８ failed", "login 138****5678 failed"),
        ("tel (138) 1234-5678", "tel 138****5678"),
        ("tel 138.1234.5678", "tel 138****5678"),
        ("tel +86 (138) 1234 5678", "tel 138****5678"),
        ("X-Api-Key: ngp_abcdef", "X-Api-Key: ***"),
        ("GET /me/invitation/?code=K7Q2M9X4PZ", "GET /me/invitation/?code=***"),
        ("service_code=lamp status code 404", "service_code=lamp status code 404"),
        ("csrftoken=abc; sessionid=def", "csrftoken=***; sessionid=***"),
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


def test_a_request_that_fails_logs_no_number_and_no_secret(client, db, caplog):
    """Django's own request logging, for a page refused with a number and a code in its query."""
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/me/invitation/?code=K7Q2M9X4PZ&phone=13812345678")
        client.get("/issues/999999/?phone=13812345678&password=hunter2")
    handler_filter = RedactPersonalData()
    lines = []
    for record in caplog.records:
        handler_filter.filter(record)
        lines.append(record.getMessage() + (record.exc_text or ""))
    assert lines, "the refusals were logged"
    text = "\n".join(lines)
    assert "13812345678" not in text and "hunter2" not in text and "K7Q2M9X4PZ" not in text
