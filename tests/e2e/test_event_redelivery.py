"""Slack's redelivery of an event: ignored once handled, run again when handling failed."""

from __future__ import annotations

from typing import Any

from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack


def _reaction(slack: SimulatedSlack, user: str) -> dict[str, Any]:
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": "thumbsup",
        "item": {"type": "message", "channel": "C0PANEL001", "ts": "1.000001"},
        "event_ts": slack.workspace.next_ts(),
    }


def test_an_event_whose_handling_failed_is_handled_again_on_slacks_retry(
    local: LocalWorkspace, slack: SimulatedSlack
) -> None:
    handled: list[int] = []

    def flaky(event: dict[str, Any]) -> None:
        handled.append(len(handled) + 1)
        if len(handled) == 1:
            raise RuntimeError("the first attempt fails")

    local.bot.app.event("reaction_added")(flaky)
    user = local.settings.panel.members[0]

    first = slack.send_event(_reaction(slack, user))
    retry = slack.send_event(first.payload["event"], event_id=first.event_id, retry_num=1)
    again = slack.send_event(first.payload["event"], event_id=first.event_id, retry_num=2)

    assert handled == [1, 2]  # the retry ran; the one after a success did not
    assert retry.status == 200 and again.status == 200
