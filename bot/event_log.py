"""Which Events API deliveries the bot has already acted on.

Slack retries an event it thinks was not acknowledged, with the same
``event_id``; over Socket Mode it may also redeliver after a reconnect. The ids
live in the database, not in memory, so a retry that arrives after the bot
restarted is still recognised. A day is far longer than Slack retries for
(three attempts within minutes), so older ids are forgotten.
"""

from __future__ import annotations

import datetime as dt

from bot.clock import Clock, SystemClock
from storage.repo import Repository

KEEP_FOR = dt.timedelta(days=1)


class EventLog:
    """Claims event ids once; a claim whose handling failed is released for the retry."""

    def __init__(self, repo: Repository, clock: Clock | None = None) -> None:
        self.repo = repo
        self.clock = clock or SystemClock()

    def first_delivery(self, event_id: str) -> bool:
        """True the first time ``event_id`` is seen (within a day), and records it."""
        now = self.clock.now()
        with self.repo.unit_of_work():
            self.repo.forget_events_before(now - KEEP_FOR)
            return self.repo.claim_event(event_id, now)

    def handling_failed(self, event_id: str) -> None:
        """Forget a claim whose handling failed, so Slack's retry runs it again."""
        with self.repo.unit_of_work():
            self.repo.release_event(event_id)

    def seen(self) -> list[str]:
        """The ids still remembered, oldest first."""
        return self.repo.seen_event_ids()
