"""Time as a dependency, so deadline logic is tested without sleeping."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Protocol
from zoneinfo import ZoneInfo


def local_time(moment: dt.datetime, zone: ZoneInfo) -> str:
    """A moment as the panel reads it: its own timezone, with the zone named."""
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class MonotonicClock:
    """UTC time that only moves forward: for measuring gaps and rates, not for deadlines.

    It starts at the wall time of its creation and then follows the monotonic clock, so a
    correction of the system clock never makes an interval negative or huge.
    """

    def __init__(self) -> None:
        self._origin = dt.datetime.now(dt.UTC)
        self._started = time.monotonic()

    def now(self) -> dt.datetime:
        return self._origin + dt.timedelta(seconds=time.monotonic() - self._started)


class ManualClock:
    """A clock the caller moves by hand: used by tests and the demo's fast-forward."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(dt.UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(dt.UTC)

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        with self._lock:
            self._now += delta
            return self._now
