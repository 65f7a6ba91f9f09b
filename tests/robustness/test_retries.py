"""Item 3: Slack's redeliveries and double clicks never double-count or double-post.

Counts are read from the database (votes, notes, audit entries) and from the
simulator's record of every Web API call the bot made.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from e2e.helpers import open_vote_form, pattern, values_for

from bot.config import Settings
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

from .conftest import REFS, count_rows
from .helpers import ack_body, submission_payload


def _audit_votes(db: Path, member: str, ref: str) -> int:
    return count_rows(
        db,
        "audit",
        "action in ('vote.cast', 'vote.change') and actor = ? and case_ref = ?",
        (member, ref),
    )


def test_the_same_view_submission_delivered_twice_counts_once(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
) -> None:
    """Once in sequence and, for another member, twice at the same moment (a double click)."""
    db = local.database
    channel = settings.panel.channel
    messages_before = len(slack.messages(channel))
    first, second = settings.panel.members[:2]
    deliveries: list[tuple[str, dict[str, Any]]] = []
    for member in (first, second):
        modal = open_vote_form(slack, member, channel, REFS[0])
        values = values_for(pattern(len(deliveries)), {"observations": f"note of {member}"})
        deliveries.append((member, submission_payload(slack, member, modal, values)))
    # First member: the same payload three times, one after another.
    member, payload = deliveries[0]
    statuses = [slack.send_payload(payload) for _ in range(3)]
    # Second member: the same payload four times at once.
    member2, payload2 = deliveries[1]
    barrier = threading.Barrier(4)
    concurrent: list[int] = []

    def send() -> None:
        barrier.wait(timeout=5)
        response = slack.send_payload(payload2)
        concurrent.append(response.status)
        assert ack_body(response).get("response_action") == "update"

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert [r.status for r in statuses] == [200] * 3 and concurrent == [200] * 4
    for who in (member, member2):
        assert count_rows(db, "votes", "member = ? and case_ref = ?", (who, REFS[0])) == 12
        assert count_rows(db, "notes", "member = ? and case_ref = ?", (who, REFS[0])) == 1
        assert _audit_votes(db, who, REFS[0]) == 1  # one cast, no phantom "change"
    assert count_rows(db, "votes") == 24
    # No message was posted twice: the channel still has the header and one per case.
    assert len(slack.messages(channel)) == messages_before == 1 + len(REFS)
    assert len(slack.workspace.calls("chat.postMessage")) == messages_before


def test_events_api_retries_run_the_listener_once(
    opened: str, local: LocalWorkspace, slack: SimulatedSlack, settings: Settings
) -> None:
    """app_home_opened, then Slack's retries 1, 2 and 3 of the same event_id."""
    members = settings.panel.members
    for member in members:
        first = slack.app_home_opened(member)
        assert first.status == 200
        for retry in (1, 2, 3):
            again = slack.app_home_opened(member, event_id=first.event_id, retry_num=retry)
            assert again.status == 200
    publishes = slack.workspace.calls("views.publish")
    assert len(publishes) == len(members) == 5
    assert sorted(call.params["user_id"] for call in publishes) == sorted(members)
    # A new event (new event_id) is not a retry: it runs.
    assert slack.app_home_opened(members[0]).status == 200
    assert len(slack.workspace.calls("views.publish")) == 6


def test_open_twice_posts_each_case_once(
    imported: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
) -> None:
    """`/vcop open` run twice in a row, twice at once, and again after a restart."""
    secretariat, chair = settings.panel.secretariat[0], settings.panel.chair[0]
    first = slack.slash_command(secretariat, f"open {imported}")
    second = slack.slash_command(secretariat, f"open {imported}")
    assert first.status == second.status == 200
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def run(user: str) -> None:
        barrier.wait(timeout=5)
        statuses.append(slack.slash_command(user, f"open {imported}").status)

    threads = [threading.Thread(target=run, args=(u,)) for u in (secretariat, chair)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    local.restart_bot()
    assert local.slack.slash_command(chair, f"open {imported}").status == 200
    assert statuses == [200, 200]
    messages = slack.messages(settings.panel.channel)
    assert len(messages) == 1 + len(REFS)
    assert len(slack.workspace.calls("chat.postMessage")) == 1 + len(REFS)
    texts = [m.text for m in messages[1:]]
    assert [t.split(":")[0] for t in texts] == [f"Case {ref}" for ref in REFS]
    # Each later run told its invoker that the cases were already there.
    replies = [e.text for e in slack.ephemerals_for(secretariat) if "already there" in e.text]
    assert len(replies) >= 1
