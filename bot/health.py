"""The checks behind /healthz that need the database, free of Slack and HTTP."""

from __future__ import annotations

from bot.clock import Clock
from storage.repo import Repository

#: How long the probe waits for a write lock another process holds before saying no.
WAIT_MS = 2_000


def database_writable(repo: Repository, clock: Clock) -> bool:
    """True when the database takes a real write (one row, rewritten each time)."""
    return repo.touch_health(clock.now(), wait_ms=WAIT_MS)
