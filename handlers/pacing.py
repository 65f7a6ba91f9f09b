"""Spacing the bot's own posts to one channel at Slack's posting rate.

Slack lets an app post about one message per second to a channel and answers faster posting
with 429 and Retry-After. Opening a 50-case meeting posts 51 messages in a row: leaning on the
client's retry handler for that works, but every 429 costs a round trip and a wait longer than
the rate needs, and a retry budget spent on pacing is not there for a real outage. So the
publisher asks the pace for a slot before each post and sleeps until it comes.

The slots follow the generic cell rate algorithm: each channel keeps a theoretical arrival
time, ``burst`` posts may go at once, then one every ``1 / per_second`` seconds. Sleeping
happens outside the lock, so posts to other channels (DMs) never wait behind a busy one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

SLACK_POSTS_PER_SECOND = 1.0


class Pace(Protocol):
    def wait(self, channel: str) -> float:
        """Sleep until a post to ``channel`` may go; return the seconds slept."""
        ...


class PostingPace:
    """Hands out posting slots per channel; :meth:`wait` sleeps until this post's slot."""

    def __init__(
        self,
        per_second: float = SLACK_POSTS_PER_SECOND,
        burst: int = 1,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("a posting pace needs a positive rate and a burst of at least 1")
        self._interval = 1.0 / per_second
        self._tolerance = (burst - 1) * self._interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, channel: str) -> float:
        """Claim the next slot for ``channel``; return how many seconds to wait for it."""
        with self._lock:
            now = self._monotonic()
            arrival = max(self._next.get(channel, now), now)
            wait = max(0.0, arrival - self._tolerance - now)
            self._next[channel] = arrival + self._interval
            return wait

    def wait(self, channel: str) -> float:
        """Sleep until this post may go to ``channel``; return the seconds slept."""
        delay = self.reserve(channel)
        if delay > 0:
            self._sleep(delay)
        return delay


class NoPace:
    """No spacing: for a local workspace that does not enforce Slack's limits."""

    def wait(self, channel: str) -> float:
        return 0.0
