"""Optional enforcement of Slack's rate limits.

A bot that loops over 30 panel members calling ``chat.postMessage`` works
against a mock and gets 429s in production.  When enforcement is switched on,
the server consults a :class:`RateLimiter` before every call and answers
``429 Too Many Requests`` with ``Retry-After`` exactly as Slack does, so retry
handling is exercised by real traffic patterns instead of only by injected
faults.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from .clock import Clock
from .limits import RATE_RULES, RateRule


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by method (and channel, for per-channel rules)."""

    def __init__(self, clock: Clock, rules: Mapping[str, RateRule] = RATE_RULES) -> None:
        self._clock = clock
        self._rules = dict(rules)
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, method: str, channel: str | None = None) -> int | None:
        """Spend a token for this call; return ``Retry-After`` seconds if none is left.

        ``channel`` is only used by rules scoped per channel (chat.postMessage).
        """
        rule = self._rules.get(method)
        if rule is None:
            return None
        key = (method, (channel or "") if rule.scope == "channel" else "")
        now = self._clock.now()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=float(rule.burst), updated=now)
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(rule.burst), bucket.tokens + elapsed * rule.per_second)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return max(1, math.ceil((1.0 - bucket.tokens) / rule.per_second))

    def reset(self) -> None:
        """Refill every bucket (e.g. between benchmark phases)."""
        with self._lock:
            self._buckets.clear()
