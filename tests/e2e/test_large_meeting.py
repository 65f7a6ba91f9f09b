"""A meeting file may list 50 cases: every surface must still show every case within
Block Kit's limits, never silently dropping the last ones."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

from .helpers import (
    ballot,
    case_messages,
    iter_elements,
    mrkdwn_texts,
    plain_case,
    vote,
    write_meeting,
)

REFS = [f"BG-{n:02d}" for n in range(1, 51)]


def test_fifty_cases_fit_every_surface(
    local: LocalWorkspace, tmp_path: Path, settings: Settings, service: PanelServices
) -> None:
    slack: SimulatedSlack = local.slack
    path = write_meeting(tmp_path / "big.yaml", [plain_case(ref) for ref in REFS])
    service.meetings.import_meeting(path)
    panel = settings.panel
    chair, member, channel = panel.chair[0], panel.members[0], panel.channel
    assert slack.slash_command(panel.secretariat[0], "open").status == 200
    assert list(case_messages(slack, channel)) == REFS
    assert vote(slack, member, channel, "BG-50", ballot()).status == 200

    status = slack.slash_command(member, "status").shown
    assert status is not None
    status_text = "\n".join(mrkdwn_texts(status.blocks))
    assert all(f"*{ref}*" in status_text for ref in REFS)
    assert "*BG-50*: 1 of 5 members have voted" in status_text

    assert slack.slash_command(chair, "tally").status == 200
    tally = slack.open_modal(chair)
    assert tally is not None
    titles = [t.split(":")[0] for t in mrkdwn_texts(tally.blocks) if t.startswith("*BG-")]
    assert titles == [f"*{ref}" for ref in REFS]
    slack.close_view(chair)

    assert slack.app_home_opened(chair).status == 200
    home = slack.home_view(chair)
    assert home is not None
    texts = list(mrkdwn_texts(home.blocks))
    assert len(home.blocks) <= 100 and all(len(t) <= 3000 for t in texts)
    lines = [line for t in texts for line in t.splitlines() if line.startswith("*BG-")]
    assert [line.split(":")[0] for line in lines if " voted" in line] == [f"*{r}" for r in REFS]
    assert not any("```" in t for t in texts)

    assert slack.app_home_opened(member).status == 200
    member_home = slack.home_view(member)
    assert member_home is not None
    votes = [
        e["value"] for e in iter_elements(member_home.blocks) if e.get("action_id") == "vote_open"
    ]
    assert [value.partition("|")[2] for value in votes] == REFS

    assert [(c.method, c.error) for c in local.workspace.calls() if not c.ok] == []
