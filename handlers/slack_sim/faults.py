"""Fault injection for the Web API: 429s, 5xx, stalls and scripted API errors.

Slack's failure modes are what break bots in production: a burst answered
with ``429 Retry-After``, a transient 500, a request that hangs until the
client's timeout fires (after which Slack may or may not have acted).  Tests
queue faults here; the server consumes them in order, one per matching call.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Literal

logger = logging.getLogger(__name__)

FaultKind = Literal["rate_limited", "server_error", "stall", "api_error"]

#: Pseudo-method names for the non-``/api/`` endpoints, usable as fault targets.
UPLOAD_METHOD = "upload_url"
RESPONSE_URL_METHOD = "response_url"
#: The call-log name of a ``url_private`` / ``url_private_download`` fetch.
DOWNLOAD_METHOD = "files.download"


@dataclass
class Fault:
    """One queued fault.  ``method=None`` matches any call."""

    kind: FaultKind
    method: str | None
    remaining: int
    retry_after: int = 1
    status: int = 500
    seconds: float = 0.0
    error: str = "fatal_error"

    def matches(self, method: str) -> bool:
        """True when this fault applies to ``method``."""
        return self.method is None or self.method == method


class FaultInjector:
    """A queue of faults consumed by the server, first matching fault first."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def _add(self, fault: Fault) -> Fault:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(fault)
        logger.debug("queued fault %s", fault)
        return fault

    def rate_limit(
        self, method: str | None = None, *, times: int = 1, retry_after: int = 1
    ) -> Fault:
        """Answer the next ``times`` matching calls with HTTP 429 and ``Retry-After``."""
        return self._add(Fault("rate_limited", method, times, retry_after=retry_after))

    def server_error(
        self, method: str | None = None, *, times: int = 1, status: int = 500
    ) -> Fault:
        """Answer the next ``times`` matching calls with an HTTP 5xx (nothing is done)."""
        return self._add(Fault("server_error", method, times, status=status))

    def stall(self, method: str | None = None, *, times: int = 1, seconds: float = 5.0) -> Fault:
        """Hold the next ``times`` matching calls for ``seconds`` before handling them.

        The call is still carried out afterwards, as Slack does when only the
        client gave up: a bot that retries on timeout will post twice.
        """
        return self._add(Fault("stall", method, times, seconds=seconds))

    def api_error(
        self, method: str | None = None, *, error: str = "fatal_error", times: int = 1
    ) -> Fault:
        """Answer the next ``times`` matching calls with ``{"ok": false, "error": error}``."""
        return self._add(Fault("api_error", method, times, error=error))

    def take(self, method: str) -> Fault | None:
        """Consume one use of the first fault matching ``method``, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        """Faults not yet fully consumed."""
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()
