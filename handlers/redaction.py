"""Keeping Slack tokens and the signing secret out of every log line.

Redaction happens when a record's message is built, for every logger and
handler at once, so a library logging a request or an error message that
echoes a token cannot leak it, whatever handlers are attached.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

TOKEN_PATTERN = re.compile(r"\bx(?:ox[abeoprs]|app)-[A-Za-z0-9-]{6,}")
REDACTED = "[redacted]"

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact(text: str) -> str:
    text = TOKEN_PATTERN.sub(REDACTED, text)
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class _RedactingRecord(logging.LogRecord):
    def getMessage(self) -> str:  # noqa: N802 - logging's own name
        return redact(super().getMessage())


def install_redaction(secrets: Iterable[str | None] = ()) -> None:
    """Redact these secrets (and anything token-shaped) from all log messages."""
    global _installed
    with _lock:
        _secrets.update(s for s in secrets if s and len(s) >= 6)
        if not _installed:
            logging.setLogRecordFactory(_RedactingRecord)
            _installed = True
