"""Slack's edges: message size, fresh block ids, and a close that meets an outage.

Slack refuses a message whose blocks carry more than about 12,000 characters
(``msg_blocks_too_long``); the local workspace refuses it too, so a 50-case
meeting's reminder and the chair's deadline DM must arrive as several messages
listing every case. Slack's clients re-render an edited block only when its
block_id changes. And a case message whose closing update fails after the
client's retries is sent again from the database until it shows voting closed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError

from bot.clock import ManualClock
from bot.config import Settings
from bot.panel import PanelServices
from handlers import ids
from handlers.bootstrap import RESYNC_JOB
from handlers.local_workspace import LocalWorkspace
from handlers.slack_client import make_client
from handlers.slack_sim import DEFAULT_BOT_TOKEN, Message, SimulatedSlack
from handlers.slack_sim.blockkit import message_block_text_length
from storage.repo import Repository

from .conftest import MEETING_ID, SAMPLE
from .helpers import (
    ballot,
    button_texts,
    case_messages,
    close_voting,
    healthz,
    mrkdwn_texts,
    run_due_at,
    vote,
    wait_for,
    write_meeting,
)

REFS = [f"BG-{n:02d}" for n in range(1, 51)]
LONG_OFFENCE = (
    "Burglary of a dwelling with a further allegation of criminal damage to the rear door, "
    "the victim's car and the garden shed, reported by a neighbour and later by the victim "
    "herself, with a related allegation of harassment by text message over the following weeks"
)
SLACK_LIMIT = 12_000


def _fifty_case_meeting(tmp_path: Path, service: PanelServices) -> str:
    cases = [
        {
            "ref": ref,
            "offence": LONG_OFFENCE,
            "outcome": "Charged; guilty plea; community order",
            "summary": "The victim reported a break-in. The OIC attended the same day.",
        }
        for ref in REFS
    ]
    path = write_meeting(tmp_path / "big.yaml", cases)
    return service.meetings.import_meeting(path).meeting.id


def _listed_refs(messages: list[Message]) -> list[str]:
    """Case refs in the order the messages show them (each once per mention)."""
    text = "\n".join(t for m in messages for t in mrkdwn_texts(m.blocks))
    return re.findall(r"\*(BG-\d\d)[*:]", text)


def test_the_local_workspace_refuses_blocks_over_12000_characters_as_slack_does(
    local: LocalWorkspace, settings: Settings
) -> None:
    client = make_client(DEFAULT_BOT_TOKEN, local.api.base_url)
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2_900}}
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel=settings.panel.channel, text="t", blocks=[section] * 5)
    assert refused.value.response["error"] == "msg_blocks_too_long"
    posted = client.chat_postMessage(channel=settings.panel.channel, text="t", blocks=[section] * 4)
    assert posted["ok"]


def test_fifty_case_reminder_and_chair_dm_list_every_case_in_messages_slack_accepts(
    local: LocalWorkspace,
    tmp_path: Path,
    settings: Settings,
    service: PanelServices,
    slack: SimulatedSlack,
    clock: ManualClock,
) -> None:
    meeting = _fifty_case_meeting(tmp_path, service)
    panel = settings.panel
    assert slack.slash_command(panel.secretariat[0], f"open {meeting}").status == 200
    assert vote(slack, panel.members[0], panel.channel, "BG-50", ballot()).status == 200
    runtime = local.bot.runtime
    first_reminder = runtime.deadlines.pending(meeting)[0]
    run_due_at(local, clock, first_reminder.due_at + dt.timedelta(seconds=1))

    member = panel.members[1]
    reminders = [m for m in slack.dms_for(member) if m.text.startswith("Reminder")]
    assert len(reminders) == 2
    assert [m.text.endswith(f"(part {i} of 2)") for i, m in enumerate(reminders, 1)] == [True] * 2
    buttons = [b for m in reminders for b in button_texts(m.blocks) if b == "Vote"]
    assert len(buttons) == 50
    assert _listed_refs(reminders) == REFS
    assert "You have not yet voted on 50 cases" in str(reminders[0].blocks)
    voted = [m for m in slack.dms_for(panel.members[0]) if m.text.startswith("Reminder")]
    assert _listed_refs(voted) == REFS[:49]  # exactly the cases without their vote

    run_due_at(
        local, clock, service.meetings.get_meeting(meeting).voting_closes + dt.timedelta(seconds=1)
    )
    chair_dm = [m for m in slack.dms_for(panel.chair[0]) if "your tally" in m.text]
    # What needs a decision fits one message; the list of who did not vote runs on.
    assert len(chair_dm) >= 2
    assert _listed_refs(chair_dm) == REFS
    non_voters = "\n".join(t for m in chair_dm for t in mrkdwn_texts(m.blocks))
    for other in panel.members[1:]:
        assert f"<@{other}>: {', '.join(REFS)}" in non_voters
    assert f"<@{panel.members[0]}>: {', '.join(REFS[:49])}" in non_voters
    assert "`/vcop tally` opens the full tally" in non_voters

    every_message = [
        m for user in (*panel.members, *panel.chair) for m in slack.dms_for(user)
    ] + slack.messages(panel.channel)
    assert max(message_block_text_length(m.blocks) for m in every_message) <= SLACK_LIMIT
    assert [(c.method, c.error) for c in local.workspace.calls() if not c.ok] == []


def test_an_updated_case_message_gets_fresh_block_ids_only_where_its_blocks_change(
    opened: str, local: LocalWorkspace, settings: Settings, slack: SimulatedSlack
) -> None:
    channel = settings.panel.channel
    before = case_messages(slack, channel)["SH-01"]
    assert vote(slack, settings.panel.members[0], channel, "SH-01", ballot()).status == 200

    # The progress line is refreshed by the ProgressUpdater's thread.
    def updated() -> Message | None:
        message = slack.workspace.message(channel, before.ts)
        return message if message.blocks != before.blocks else None

    after = wait_for(updated)
    old = {b["block_id"]: b for b in before.blocks}
    for block in after.blocks:
        unchanged = {k: v for k, v in block.items() if k != "block_id"} in [
            {k: v for k, v in b.items() if k != "block_id"} for b in before.blocks
        ]
        assert (block["block_id"] in old) == unchanged, block
    assert any(b["block_id"] not in old for b in after.blocks)  # the progress line
    assert after.blocks[0]["block_id"] == before.blocks[0]["block_id"]  # the header


def _shows_closed(message: Message) -> bool:
    return "Vote" not in button_texts(message.blocks) and "Voting closed" in str(message.blocks)


@pytest.fixture
def background(settings: Settings, clock: ManualClock) -> Iterator[LocalWorkspace]:
    """A bot whose after-ack work runs on its pool, as in production: a slow close
    (the client's retries) must not hold up the chair's slash command."""
    importer = PanelServices(settings, Repository(settings.storage.database), clock)
    importer.meetings.import_meeting(SAMPLE)
    importer.repo.close()
    with LocalWorkspace(settings, clock=clock, inline_after_ack=False) as running:
        yield running


def test_a_close_during_a_slack_outage_is_retried_until_every_case_message_shows_closed(
    background: LocalWorkspace, settings: Settings
) -> None:
    local = background
    slack = local.slack
    channel = settings.panel.channel
    assert slack.slash_command(settings.panel.secretariat[0], f"open {MEETING_ID}").status == 200
    wait_for(lambda: len(case_messages(slack, channel)) == 6)
    runtime = local.bot.runtime
    assert RESYNC_JOB in runtime.scheduler.housekeeping_jobs()  # the retry runs by itself
    # Slack answers 503 to the first two case messages' updates, every retry included.
    local.api.faults.server_error("chat.update", times=8, status=503)
    assert close_voting(slack, settings.panel.chair[0], MEETING_ID).status == 200

    def failed() -> list[object]:
        return [c for c in local.workspace.calls("chat.update") if c.http_status == 503]

    def still_open() -> list[str]:
        return [ref for ref, m in case_messages(slack, channel).items() if not _shows_closed(m)]

    wait_for(lambda: len(failed()) == 8 and still_open() == ["SH-01", "SH-02"], timeout=30)

    # Slack is still down at the first retry: nothing is lost, both stay owed.
    local.api.faults.server_error("chat.update", times=8, status=503)
    runtime.scheduler.run_housekeeping(RESYNC_JOB)
    assert len(failed()) == 16
    assert still_open() == ["SH-01", "SH-02"]
    # Slack is back: the next run brings both messages to the state the database records.
    runtime.scheduler.run_housekeeping(RESYNC_JOB)
    assert still_open() == []
    updates = len(local.workspace.calls("chat.update"))
    runtime.scheduler.run_housekeeping(RESYNC_JOB)  # nothing owed, nothing sent
    assert len(local.workspace.calls("chat.update")) == updates


def test_a_restarted_bot_finishes_a_close_the_outage_interrupted(
    opened: str, local: LocalWorkspace, settings: Settings, slack: SimulatedSlack
) -> None:
    channel = settings.panel.channel
    local.api.faults.api_error("chat.update", error="service_unavailable", times=6)
    assert close_voting(slack, settings.panel.chair[0], opened).status == 200
    assert not any(_shows_closed(m) for m in case_messages(slack, channel).values())
    local.api.faults.clear()
    local.restart_bot()  # the start-up resync sends what the database says is owed
    assert all(_shows_closed(m) for m in case_messages(slack, channel).values())
    assert ids.VOTE_OPEN not in str([m.blocks for m in case_messages(slack, channel).values()])


def _healthz(local: LocalWorkspace) -> tuple[int, dict[str, object]]:
    assert local.server is not None
    return healthz(local.server.host, local.server.port)


def test_healthz_answers_503_naming_the_scheduler_once_it_has_stopped(
    local: LocalWorkspace,
) -> None:
    assert _healthz(local) == (
        200,
        {"ok": True, "database_writable": True, "scheduler_running": True, "slack_auth": True},
    )
    local.bot.runtime.scheduler.shutdown()
    assert _healthz(local) == (
        503,
        {"ok": False, "database_writable": True, "scheduler_running": False, "slack_auth": True},
    )


@pytest.fixture
def twenty_members(settings: Settings, clock: ManualClock) -> Iterator[LocalWorkspace]:
    """The shipped panel with 20 members: a long agenda's status outgrows one message."""
    members = tuple(f"U0MEMBER{n:03d}" for n in range(20))
    panel = settings.panel.model_validate({**settings.panel.model_dump(), "members": members})
    big = Settings.model_validate({**settings.model_dump(), "panel": panel.model_dump()})
    with LocalWorkspace(big, clock=clock) as running:
        yield running


def test_status_of_fifty_cases_for_twenty_members_lists_every_case_in_messages_slack_accepts(
    twenty_members: LocalWorkspace, tmp_path: Path
) -> None:
    local = twenty_members
    service, slack = local.bot.runtime.service, local.slack
    meeting = _fifty_case_meeting(tmp_path, service)
    member = local.settings.panel.members[0]
    result = slack.slash_command(member, f"status {meeting}")
    assert result.status == 200
    shown = slack.workspace.ephemerals_for(member)
    assert len(shown) >= 2
    assert [e.text.endswith(f"(part {i} of {len(shown)})") for i, e in enumerate(shown, 1)] == [
        True
    ] * len(shown)
    text = "\n".join(t for e in shown for t in mrkdwn_texts(e.blocks))
    assert re.findall(r"\*(BG-\d\d)\*: 0 of 20 members have voted", text) == REFS
    assert max(message_block_text_length(e.blocks) for e in shown) <= SLACK_LIMIT
    assert [(c.method, c.error) for c in local.workspace.calls() if not c.ok] == []
