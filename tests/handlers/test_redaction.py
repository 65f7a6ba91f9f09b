"""Tokens and secrets never reach a log line, whichever logger or handler writes it."""

from __future__ import annotations

import logging

import pytest

from handlers.redaction import REDACTED, install_redaction, redact

BOT_TOKEN = "xoxb-1234567890-abcdefghijkl"
APP_TOKEN = "xapp-1-A0123-456789-abcdef"


def test_token_shaped_text_is_redacted_without_being_registered() -> None:
    text = f"calling chat.postMessage with {BOT_TOKEN} and {APP_TOKEN}"
    assert redact(text) == f"calling chat.postMessage with {REDACTED} and {REDACTED}"


def test_text_without_secrets_is_unchanged() -> None:
    assert redact("voting on SH-01 closes Tue 08 Jan") == "voting on SH-01 closes Tue 08 Jan"


def test_a_registered_secret_is_redacted_from_any_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "signing-secret-f00d"
    install_redaction([secret, None])
    with caplog.at_level(logging.INFO):
        logging.getLogger("slack_bolt.any").info("verifying with %s", secret)
        logging.getLogger("waitress").warning("body echoed: %s", BOT_TOKEN)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [f"verifying with {REDACTED}", f"body echoed: {REDACTED}"]
    assert secret not in caplog.text and BOT_TOKEN not in caplog.text


def test_a_secret_too_short_to_be_distinctive_is_not_registered() -> None:
    install_redaction(["abc"])
    assert redact("abc appears in ordinary words like abcde") == (
        "abc appears in ordinary words like abcde"
    )
