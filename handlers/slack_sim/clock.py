"""Time sources for the simulator.

Trigger ids expire after 3 s, response URLs after 30 min and rate-limit buckets
refill over minutes.  Tests must be able to cross those boundaries without
sleeping, so every time-dependent rule reads the workspace clock instead of
calling :func:`time.time` directly.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current Unix time in seconds."""

    def now(self) -> float:
        """Return the current time as Unix seconds."""
        ...


class SystemClock:
    """The real wall clock; the default for demos and benchmarks."""

    def now(self) -> float:
        """Return :func:`time.time`."""
        return time.time()


class ManualClock:
    """A clock that only moves when told to, for deterministic expiry tests.

    It starts at a fixed, realistic epoch (Nov 2023) so that generated ``ts``
    values look like Slack's.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the current simulated time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("a ManualClock cannot go backwards")
        with self._lock:
            self._now += seconds
            return self._now
