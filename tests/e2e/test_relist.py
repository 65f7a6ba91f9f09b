"""Re-listing an undecided case into a later meeting, with its history for the chair."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Settings
from bot.models import Category, VoteOption
from handlers import ids
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

from .helpers import ballot, close_voting, sample_variant, vote


def _later_meeting(tmp_path: Path) -> Path:
    return sample_variant(
        tmp_path,
        "2025-12-stalking",
        ["SH-07"],
        date="2025-12-10",
        voting_closes="2025-12-08T17:00:00+00:00",
    )


def test_undecided_case_is_relisted_with_history(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    service = local.bot.runtime.service
    members = settings.panel.members
    split = [VoteOption.MET, VoteOption.NOT_MET, VoteOption.MET, VoteOption.NOT_MET]
    channel = settings.panel.channel
    for member, option in zip(members, split, strict=False):
        assert vote(slack, member, channel, "SH-06", ballot(r6=option.value)).status == 200
    chair, secretariat = settings.panel.chair[0], settings.panel.secretariat[0]
    refused = slack.slash_command(secretariat, "relist SH-06 2025-12-stalking")
    assert "No meeting" in refused.shown_text  # the later meeting does not exist yet
    service.meetings.import_meeting(_later_meeting(tmp_path))
    early = slack.slash_command(chair, "relist SH-06 2025-12-stalking")
    assert "still being voted on" in early.shown_text
    close_voting(slack, chair, opened)
    tally = next(c for c in service.tallying.meeting_tally(opened).cases if c.ref == "SH-06")
    assert tally.category is Category.NO_DECISION

    outsider = slack.slash_command(members[0], "relist SH-06 2025-12-stalking")
    assert "chair or the secretariat" in outsider.shown_text
    clock.set(dt.datetime(2025, 11, 1, 9, 0, tzinfo=dt.UTC))
    assert slack.slash_command(secretariat, "open 2025-12-stalking").status == 200
    done = slack.slash_command(secretariat, "relist SH-06 2025-12-stalking")
    assert "re-listed" in done.shown_text
    relisted = service.meetings.get_case("2025-12-stalking", "SH-06")
    assert relisted.relisted_from == opened
    assert (
        service.messages.post_for("2025-12-stalking", "SH-06") is not None
    )  # posted to the channel
    assert service.repo.count_votes("2025-12-stalking") == 0  # a fresh vote
    again = slack.slash_command(secretariat, "relist SH-06 2025-12-stalking")
    assert "already has a case" in again.shown_text

    slack.slash_command(chair, "tally 2025-12-stalking")
    modal = slack.open_modal(chair)
    assert modal is not None
    text = str(modal.blocks)
    assert "Re-listed. Earlier: Panel failed to reach a decision" in text
    slack.click_button(
        chair, ids.RESOLVE_OPEN, ids.case_key("2025-12-stalking", "SH-06"), view_id=modal.id
    )
    resolve = slack.open_modal(chair)
    assert resolve is not None and resolve.callback_id == ids.RESOLVE_SUBMIT
    slack.submit_view(
        chair,
        resolve.id,
        {
            ids.RESOLVE_RIGHT: "6",
            ids.RESOLVE_FINDING: "Met",
            ids.RESOLVE_REASON: "Updates were given on time at the second meeting.",
        },
    )
    refreshed = slack.workspace.view(modal.id)
    assert "Re-listed. Earlier: Panel failed to reach a decision" in str(refreshed.blocks)
    assert "Resolved by the chair: Right 6 Met" in str(refreshed.blocks)
    assert [e.action for e in service.repo.audit_entries("2025-12-stalking")].count(
        "case.relist"
    ) == 1


def test_a_purged_meeting_cannot_relist_its_cases(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    service = local.bot.runtime.service
    chair = settings.panel.chair[0]
    assert (
        vote(slack, settings.panel.members[0], settings.panel.channel, "SH-06", ballot()).status
        == 200
    )
    close_voting(slack, chair, opened)
    service.meetings.purge_meeting(opened, chair)
    service.meetings.import_meeting(_later_meeting(tmp_path))
    refused = slack.slash_command(chair, "relist SH-06 2025-12-stalking")
    assert "was purged" in refused.shown_text
    assert service.repo.get_case("2025-12-stalking", "SH-06") is None
