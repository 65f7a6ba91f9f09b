"""Keeping each case's "N of M members have voted" line current, cheaply.

Just before a meeting the whole panel votes at once, and chat.update is
limited to about 50 calls a minute. Votes only mark their case as stale; one
background thread brings stale messages up to date, at most once per case per
``min_gap`` and within a global budget, so a burst of votes costs a handful
of calls and the line is still current within seconds. A failed update leaves
the case stale, so the line catches up once Slack is back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot.clock import Clock, MonotonicClock

logger = logging.getLogger(__name__)

Refresh = Callable[[str, str], object]


class TokenBucket:
    """At most ``rate_per_minute`` takes on average, with bursts of ``burst``."""

    def __init__(self, rate_per_minute: float, burst: int, clock: Clock) -> None:
        self.rate = rate_per_minute / 60.0
        self.capacity = float(burst)
        self.tokens = float(burst)
        self._clock = clock
        self.stamp = self._seconds()

    def _seconds(self) -> float:
        return self._clock.now().timestamp()

    def take(self) -> bool:
        now = self._seconds()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class ProgressUpdater:
    """Coalesces progress refreshes for case messages on a background thread.

    Gaps and the budget are measured on ``clock``: a monotonic clock in service, so a change
    of the wall clock neither stalls nor floods Slack; a manual clock in tests, which call
    :meth:`flush` directly instead of waiting on the thread.
    """

    def __init__(
        self,
        refresh: Refresh,
        *,
        clock: Clock | None = None,
        tick: float = 0.5,
        min_gap: float = 3.0,
        rate_per_minute: float = 40,
        burst: int = 10,
    ) -> None:
        self._refresh = refresh
        self._clock = clock or MonotonicClock()
        self._tick = tick
        self._min_gap = min_gap
        self._bucket = TokenBucket(rate_per_minute, burst, self._clock)
        self._stale: dict[tuple[str, str], float] = {}
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.calls = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="progress-updater", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def mark(self, meeting_id: str, ref: str) -> None:
        """Note that a case's progress changed; cheap, never calls Slack.

        Only a case that was not already waiting wakes the updater: one already waiting
        is refreshed by the tick that is coming anyway, and a vote's request thread should
        not hand the CPU to the updater on every vote of a busy minute.
        """
        key = (meeting_id, ref)
        with self._lock:
            fresh = key not in self._stale
            if fresh:
                self._stale[key] = self._seconds()
        if fresh:
            self._wake.set()

    def _seconds(self) -> float:
        return self._clock.now().timestamp()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._stale)

    def flush(self) -> int:
        """Refresh every stale case whose gap has passed, within the budget; returns calls made."""
        now = self._seconds()
        with self._lock:
            due = [
                key
                for key in sorted(self._stale, key=self._stale.__getitem__)
                if now - self._last.get(key, 0.0) >= self._min_gap
            ]
        made = 0
        for key in due:
            if not self._bucket.take():
                break
            with self._lock:
                self._stale.pop(key, None)
                self._last[key] = self._seconds()
            try:
                self._refresh(*key)
                made += 1
            except SlackApiError as exc:
                logger.warning("progress update for %s failed: %s", key[1], exc.response["error"])
                self._restale(key)
            except OSError as exc:
                logger.warning("progress update for %s failed: %s", key[1], exc)
                self._restale(key)
        self.calls += made
        return made

    def _restale(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._stale.setdefault(key, self._seconds())

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self._tick)
            self._wake.clear()
            if self._stop.is_set():
                break
            # Let a burst gather before refreshing. A stop cuts the wait short, so
            # shutting down never waits out a tick, but the gathered votes still
            # get their refresh: nothing would mark those cases stale again.
            stopping = self._stop.wait(self._tick)
            try:
                self.flush()
            except Exception:
                logger.exception("progress updater failed; will retry")
            if stopping:
                break
