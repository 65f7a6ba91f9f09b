"""The case message in the panel channel: content, the Vote button, the live progress line,
long narratives, and text that must never ping or disguise a link."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.config import Settings
from bot.models import VoteOption
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

from .helpers import (
    RAW_CONTROLS,
    ballot,
    button_texts,
    buttons,
    case_messages,
    click_vote,
    close_voting,
    context_texts,
    mrkdwn_texts,
    plain_case,
    progress_of,
    vote,
    wait_for,
    write_meeting,
)

CONTROLS = " ".join(RAW_CONTROLS)


def _updates_of(local: LocalWorkspace, ts: str) -> int:
    return sum(1 for call in local.workspace.calls("chat.update") if call.params.get("ts") == ts)


def test_case_message_shows_the_case_and_a_vote_button(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    channel = settings.panel.channel
    messages = slack.messages(channel)
    assert len(messages) == 7  # the header, then one message per case
    assert "Stalking or harassment" in messages[0].text
    posts = case_messages(slack, channel)
    for case in service.meetings.cases(opened):
        message = posts[case.ref]
        header = message.blocks[0]
        assert header["type"] == "header"
        assert header["text"]["text"] == f"{case.ref} · {case.offence}"
        body = "\n".join(mrkdwn_texts(message.blocks))
        assert case.offence not in body  # the offence appears once, in the header
        assert case.outcome.replace("'", "'") in body
        first_sentence = case.summary.split(". ")[0]
        assert first_sentence.replace("\n", " ") in body.replace("\n", " ")
        vote_buttons = [b for b in buttons(message.blocks) if b["action_id"] == "vote_open"]
        assert len(vote_buttons) == 1
        assert vote_buttons[0]["text"]["text"] == "Vote"
        assert progress_of(message).startswith("0 of 5 members have voted")
        assert case.ref in message.text  # the notification text names the case


def test_progress_line_follows_votes_through_chat_update(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    channel = settings.panel.channel
    members = settings.panel.members
    ts = case_messages(slack, channel)["SH-02"].ts
    for count, member in enumerate(members[:2], start=1):
        assert vote(slack, member, channel, "SH-02", ballot()).status == 200

        def counted(expected: str = f"{count} of 5 members have voted") -> bool:
            return expected in progress_of(slack.workspace.message(channel, ts))

        wait_for(counted)
    assert _updates_of(local, ts) >= 1
    # Only the case voted on was touched.
    others = [m.ts for ref, m in case_messages(slack, channel).items() if ref != "SH-02"]
    assert all(_updates_of(local, other) == 0 for other in others)


def test_a_burst_of_votes_is_coalesced(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    channel = settings.panel.channel
    members = settings.panel.members
    ts = case_messages(slack, channel)["SH-03"].ts
    modals = {}
    for member in members:
        status, modal = click_vote(slack, member, channel, "SH-03")
        assert status == 200 and modal is not None
        modals[member] = modal.id
    results = {}

    def submit(member: str) -> None:
        results[member] = slack.submit_view(member, modals[member], ballot(VoteOption.NOT_MET))

    threads = [threading.Thread(target=submit, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.status == 200 and not r.problems for r in results.values()), results
    wait_for(
        lambda: "5 of 5 members have voted" in progress_of(slack.workspace.message(channel, ts))
    )
    assert 1 <= _updates_of(local, ts) < len(members)
    message = slack.workspace.message(channel, ts)
    assert "Vote" in button_texts(message.blocks)  # still open for changes


def test_open_twice_posts_each_case_once(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    channel = settings.panel.channel
    again = slack.slash_command(settings.panel.chair[0], f"open {opened}")
    assert again.status == 200
    assert len(slack.messages(channel)) == 7
    assert list(case_messages(slack, channel)) == [c.ref for c in service.meetings.cases(opened)]
    replies = slack.ephemerals_for(settings.panel.chair[0])
    assert any("posted 0 cases" in e.text and "6 were already there" in e.text for e in replies)


LONG = " ".join(
    f"On day {day} the officer updated the victim by phone and recorded the call in the log."
    for day in range(1, 120)
)


def test_long_narrative_is_cut_cleanly_and_read_in_full(
    local: LocalWorkspace, tmp_path: Path, settings: Settings, service: PanelServices
) -> None:
    slack: SimulatedSlack = local.slack
    assert len(LONG) > 9000
    path = write_meeting(tmp_path / "long.yaml", [plain_case("LG-01", summary=LONG)])
    service.meetings.import_meeting(path)
    assert slack.slash_command(settings.panel.secretariat[0], "open").status == 200
    channel = settings.panel.channel
    message = case_messages(slack, channel)["LG-01"]
    narrative = next(t for t in mrkdwn_texts(message.blocks) if t.startswith("On day 1 "))
    assert len(narrative) <= 600  # about a phone screen; the rest is behind Read case
    assert narrative.endswith("…")
    kept = narrative.removesuffix("…").rstrip()
    assert LONG.startswith(kept)
    assert kept.endswith(".")  # cut at the end of a sentence, not mid-word
    assert button_texts(message.blocks) == ["Vote", "Read case"]
    assert "Read case" in " ".join(context_texts(message.blocks))

    reader = settings.panel.members[0]
    slack.click_button(reader, "case_read", message=(channel, message.ts))
    modal = slack.open_modal(reader)
    assert modal is not None and modal.callback_id == "case_view"
    full = " ".join(t for t in mrkdwn_texts(modal.blocks) if t.startswith("On day"))
    assert " ".join(full.split()) == LONG
    assert all(len(t) <= 3000 for t in mrkdwn_texts(modal.blocks))


def test_a_slow_progress_update_never_reopens_a_closed_case(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    """The progress thread renders a case while voting is open, Slack is slow to apply it,
    and the chair closes meanwhile: the message must end closed, without a Vote button."""
    channel, member = settings.panel.channel, settings.panel.members[0]
    ts = case_messages(slack, channel)["SH-01"].ts
    local.api.faults.stall("chat.update", seconds=1.0)
    assert vote(slack, member, channel, "SH-01", ballot()).status == 200
    wait_for(lambda: not local.api.faults.pending())  # the progress update is now in flight
    assert close_voting(slack, settings.panel.chair[0], opened).status == 200
    wait_for(lambda: local.running and local.runtime.progress.pending == 0)
    wait_for(lambda: _updates_of(local, ts) >= 2)
    message = slack.workspace.message(channel, ts)
    assert "Vote" not in button_texts(message.blocks)
    assert "Voting closed · 1 of 5 members voted" in " ".join(context_texts(message.blocks))
