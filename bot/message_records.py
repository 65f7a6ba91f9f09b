"""Whether each channel message shows what it should, as Slack has confirmed.

The transport renders a message and records a digest of the rendering as the
message's desired state before sending it (or when Slack refuses it), then
records the digest Slack confirmed. A message whose update failed (Slack down
after the client's retries) stays owed; a periodic job, and the bot at
start-up, re-render it from the database and send it again until Slack takes
it. That is how a close that met an outage still ends with every case message
showing voting closed, even across a restart.

Only digests are stored: the rendering is always rebuilt from the database,
so a retention purge leaves no copy of a narrative here. This module never
looks inside a rendering, so it stays free of Slack.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from storage.repo import Repository

logger = logging.getLogger(__name__)


def digest_of(rendering: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(rendering, sort_keys=True).encode("utf-8")).hexdigest()


class MessageRecords:
    """The desired and confirmed state of every message the bot keeps current."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    def post_for(self, meeting_id: str, ref: str) -> tuple[str, str] | None:
        """(channel, ts) of a meeting's message, recorded so /vcop open never posts twice."""
        return self.repo.get_post(meeting_id, ref)

    def record_post(self, meeting_id: str, ref: str, channel: str, ts: str) -> None:
        with self.repo.unit_of_work():
            self.repo.save_post(meeting_id, ref, channel, ts)

    def want(self, meeting_id: str, ref: str, rendering: dict[str, Any]) -> str:
        """Record ``rendering`` as what the message should show; returns its digest."""
        digest = digest_of(rendering)
        with self.repo.unit_of_work():
            self.repo.want_post(meeting_id, ref, digest)
        return digest

    def owed(self, meeting_id: str, ref: str) -> bool:
        """True while Slack has not confirmed the message's desired rendering."""
        return self.repo.post_owed(meeting_id, ref)

    def confirmed(self, meeting_id: str, ref: str, digest: str) -> None:
        """Slack took ``digest``; the message is settled if that is still what it should show."""
        with self.repo.unit_of_work():
            self.repo.confirm_post(meeting_id, ref, digest)

    def settled(self, meeting_id: str, ref: str, digest: str) -> None:
        """Slack took a fresh rendering, ``digest``, of what the message should show."""
        with self.repo.unit_of_work():
            self.repo.settle_post(meeting_id, ref, digest)

    def pending(self) -> list[tuple[str, str]]:
        """(meeting, case ref) of every message still owed an update."""
        return self.repo.owed_posts()
