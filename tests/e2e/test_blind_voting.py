"""Blind voting, audited over everything each member could ever have seen in Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.models import Category, VoteOption
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack, Surface

from .conftest import BEFORE_DEADLINE, ROOT, SAMPLE
from .helpers import (
    COUNT,
    ballot,
    case_messages,
    click_vote,
    close_voting,
    input_blocks,
    mrkdwn_texts,
    surface_text,
    vote,
)

SECRET_NOTE = "Only reviewer A wrote this"


def _look_everywhere(slack: SimulatedSlack, user: str, channel: str, meeting: str) -> None:
    """Everything a curious member can do without voting on SH-01."""
    assert slack.app_home_opened(user).status == 200
    assert slack.slash_command(user, "status").status == 200
    assert slack.slash_command(user, f"status {meeting}").status == 200
    assert slack.slash_command(user, "tally").status == 200  # refused: not the chair
    _, modal = click_vote(slack, user, channel, "SH-01")
    assert modal is not None and modal.callback_id == "vote_submit"
    # Another member's choices are never preselected for them.
    assert all("initial_option" not in b["element"] for b in input_blocks(modal))
    assert all(not b["element"].get("initial_value") for b in input_blocks(modal))
    slack.close_view(user, modal.id)
    message = case_messages(slack, channel)["SH-01"]
    slack.click_button(user, "case_read", message=(channel, message.ts))
    slack.close_view(user)


def _shows_counts(surface: Surface) -> bool:
    return bool(COUNT.search(surface_text(surface)))


def test_no_member_sees_the_panels_counts_until_voting_closes(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    channel = settings.panel.channel
    a, b, c = settings.panel.members[:3]
    dne = ballot(VoteOption.DID_NOT_ENGAGE)
    assert vote(slack, a, channel, "SH-01", {**dne, "note_observations": SECRET_NOTE}).status == 200
    assert vote(slack, a, channel, "SH-02", ballot(VoteOption.NOT_APPLICABLE)).status == 200
    assert vote(slack, b, channel, "SH-02", ballot(VoteOption.MET)).status == 200
    for user in (b, c):
        _look_everywhere(slack, user, channel, opened)

    # Voting or not, no member sees the panel's counts anywhere while voting is open:
    # B's receipt for SH-02 shows B's own answers only.
    for user in (a, b, c):
        assert [
            surface_text(s)[:200] for s in slack.surfaces_seen_by(user) if _shows_counts(s)
        ] == []
    receipts = [v for v in slack.workspace.views_for(b) if v.callback_id == "vote_receipt"]
    assert len(receipts) == 1
    mine = "\n".join(mrkdwn_texts(receipts[0].blocks))
    assert "*Right 1 · Understand and be understood:* Met" in mine
    assert VoteOption.NOT_APPLICABLE.value not in mine  # A's answer on the same case
    for user in (b, c):
        for surface in slack.surfaces_seen_by(user):
            text = surface_text(surface)
            assert VoteOption.DID_NOT_ENGAGE.value not in text, (user, surface.kind, text[:300])
            assert SECRET_NOTE not in surface.all_strings(), (user, surface.kind)

    # After close, everyone sees the final tally in the channel.
    assert close_voting(slack, settings.panel.chair[0], opened).status == 200
    notice = [
        s
        for s in slack.surfaces_seen_by(c)
        if s.kind == "message" and "has closed" in surface_text(s)
    ]
    assert len(notice) == 1
    for ref in ("SH-01", "SH-02", "SH-03"):
        assert f"{ref}: " in surface_text(notice[0])
    assert Category.NO_DECISION.value in surface_text(notice[0])
    # ... and every member, voter or not, now sees the counts: App Home keeps the results.
    for user in (a, b, c):
        assert slack.app_home_opened(user).status == 200
        home = slack.home_view(user)
        assert home is not None
        results = "\n".join(mrkdwn_texts(home.blocks))
        assert COUNT.search(results), results[:300]
        assert "Rights 1–12: Undecided (Met 1, Not applicable 1)" in results


@pytest.fixture
def chair_votes_too(tmp_path: Path) -> Iterator[LocalWorkspace]:
    """A panel whose chair is also a voting member (small panels do this)."""
    config = tmp_path / "app.yaml"
    text = (ROOT / "app.yaml").read_text()
    members = "members: [U0POLICE1, U0CPS0001, U0COURTS1, U0PROBAT1, U0YJS0001]"
    assert members in text
    config.write_text(text.replace(members, members.replace("[", "[U0CHAIR01, ")))
    settings: Settings = load_settings(config, env={"VCOP_DB": str(tmp_path / "vcop.db")})
    with LocalWorkspace(settings, clock=ManualClock(BEFORE_DEADLINE)) as running:
        running.bot.runtime.service.meetings.import_meeting(SAMPLE)
        assert running.slack.slash_command("U0SECRET1", "open").status == 200
        yield running


def test_a_chair_who_votes_sees_a_case_tally_only_after_voting_on_it(
    chair_votes_too: LocalWorkspace,
) -> None:
    slack = chair_votes_too.slack
    assert slack is not None
    settings = chair_votes_too.settings
    chair, channel = settings.panel.chair[0], settings.panel.channel
    assert vote(slack, "U0POLICE1", channel, "SH-01", ballot(VoteOption.NOT_MET)).status == 200

    assert slack.slash_command(chair, "tally").status == 200
    tally = slack.open_modal(chair)
    assert tally is not None
    assert not any(t.startswith("*SH-01:") for t in mrkdwn_texts(tally.blocks))
    slack.close_view(chair)
    assert slack.app_home_opened(chair).status == 200
    for surface in slack.surfaces_seen_by(chair):
        assert VoteOption.NOT_MET.value + " 1" not in surface_text(surface), surface.kind

    assert vote(slack, chair, channel, "SH-01", ballot(VoteOption.MET)).status == 200
    assert slack.slash_command(chair, "tally").status == 200
    tally = slack.open_modal(chair)
    assert tally is not None
    sh01 = next(t for t in mrkdwn_texts(tally.blocks) if t.startswith("*SH-01:"))
    assert "2 of 6 voted" in sh01 and "Waiting for more votes: Rights 1–12" in sh01
