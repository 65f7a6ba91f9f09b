"""User-supplied text (case fields, the meeting title, notes) never pings anyone or disguises
a link: `<!channel>`, `<@U123>` and `<http://x|y>` are shown escaped on every surface."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

from .conftest import ROOT
from .helpers import (
    RAW_CONTROLS,
    ballot,
    case_messages,
    click_vote,
    close_voting,
    mrkdwn_texts,
    parsed_texts,
    plain_case,
    vote,
    write_meeting,
)

CONTROLS = " ".join(RAW_CONTROLS)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shipped app.yaml; the tests' fake user id is let past the anonymity screen."""
    config = tmp_path / "app.yaml"
    text = (ROOT / "app.yaml").read_text()
    assert "allow: []" in text
    config.write_text(text.replace("allow: []", 'allow: ["@U123"]'))
    return load_settings(config, env={"VCOP_DB": str(tmp_path / "vcop.db")})


HOSTILE_NARRATIVE = (
    f"The victim went to A&E twice. She typed {CONTROLS} into the portal form. "
    + " ".join(f"Visit {n} to A&E & the GP <{n}> was logged." for n in range(1, 250))
)


NOTES = {
    "note_good_practice": f"Good {CONTROLS}",
    "note_observations": f"Gap {CONTROLS}",
    "note_learning": f"Learn {CONTROLS}",
}


def _hostile_meeting(tmp_path: Path, service: PanelServices, title: str) -> None:
    hostile = plain_case(
        "HX-01",
        offence=f"Harassment {CONTROLS}",
        outcome=f"Caution {CONTROLS}",
        summary=HOSTILE_NARRATIVE,
        timeline=[{"day": 0, "agency": "Police <!here>", "entry": f"Report {CONTROLS}"}],
    )
    path = write_meeting(tmp_path / "hostile.yaml", [hostile, plain_case("HX-02")], title=title)
    service.meetings.import_meeting(path)


def _use_every_surface(slack: SimulatedSlack, settings: Settings) -> None:
    """Open, vote with notes, read, look at App Home, status, tally, close and summary."""
    panel = settings.panel
    chair, secretariat, member = panel.chair[0], panel.secretariat[0], panel.members[0]
    channel = panel.channel
    assert slack.slash_command(secretariat, "open").status == 200
    message = case_messages(slack, channel)["HX-01"]
    for voter in panel.members[:3]:
        result = vote(slack, voter, channel, "HX-01", {**ballot(), **NOTES})
        assert result.status == 200 and not result.problems, result
    _, modal = click_vote(slack, member, channel, "HX-01")
    assert modal is not None
    slack.close_view(member, modal.id)
    assert slack.click_button(member, "case_read", message=(channel, message.ts)).status == 200
    read = slack.open_modal(member)
    assert read is not None and read.callback_id == "case_view"
    slack.close_view(member)
    slack.app_home_opened(member)
    slack.app_home_opened(chair)
    slack.slash_command(member, "status")
    slack.slash_command(chair, "tally")
    slack.close_view(chair)
    close_voting(slack, chair, "2025-10-custom")
    slack.slash_command(secretariat, "summary 2025-10-custom")


def _raw_controls_seen(
    slack: SimulatedSlack, settings: Settings, kinds: tuple[str, ...] | None = None
) -> list[tuple[str, str, str]]:
    """(user, surface kind, text) for every parsed text that still holds a control sequence."""
    panel = settings.panel
    found: list[tuple[str, str, str]] = []
    for user in (*panel.chair, *panel.secretariat, *panel.members, "U0OUTSIDE1"):
        for surface in slack.surfaces_seen_by(user):
            if kinds is not None and surface.kind not in kinds:
                continue
            for text in parsed_texts(surface):
                if any(raw in text for raw in (*RAW_CONTROLS, "<!here>")):
                    found.append((user, surface.kind, text[:200]))
    return found


def test_case_text_and_notes_are_escaped_on_every_surface(
    local: LocalWorkspace, tmp_path: Path, settings: Settings, service: PanelServices
) -> None:
    slack: SimulatedSlack = local.slack
    _hostile_meeting(tmp_path, service, "Harassment")
    _use_every_surface(slack, settings)
    assert _raw_controls_seen(slack, settings) == []
    message = case_messages(slack, settings.panel.channel)["HX-01"]
    shown = "\n".join(mrkdwn_texts(message.blocks))
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;http://x|y&gt;" in shown  # visible, not parsed
    # Slack accepted every surface: escaping never pushed a block past its limit.
    failed = [(c.method, c.error) for c in local.workspace.calls() if not c.ok]
    assert failed == []


def test_notes_come_back_verbatim_for_editing(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    """Notes are edited in plain-text inputs, which Slack never parses: kept as typed."""
    member, channel = settings.panel.members[0], settings.panel.channel
    assert vote(slack, member, channel, "SH-01", {**ballot(), **NOTES}).status == 200
    stored = service.repo.member_notes(opened, "SH-01", member)
    assert stored is not None and stored.observations == NOTES["note_observations"]
    _, modal = click_vote(slack, member, channel, "SH-01")
    assert modal is not None
    initial = {
        b["block_id"]: b["element"].get("initial_value")
        for b in modal.blocks
        if b.get("block_id", "").startswith("note_")
    }
    assert initial == NOTES


def test_meeting_title_is_escaped_in_what_the_bot_posts(
    local: LocalWorkspace, tmp_path: Path, settings: Settings, service: PanelServices
) -> None:
    slack: SimulatedSlack = local.slack
    _hostile_meeting(tmp_path, service, f"Harassment {CONTROLS}")
    _use_every_surface(slack, settings)
    posted = ("message", "message_version", "modal", "home")
    assert _raw_controls_seen(slack, settings, posted) == []


def test_meeting_title_is_escaped_in_command_replies(
    local: LocalWorkspace, tmp_path: Path, settings: Settings, service: PanelServices
) -> None:
    slack: SimulatedSlack = local.slack
    _hostile_meeting(tmp_path, service, f"Harassment {CONTROLS}")
    _use_every_surface(slack, settings)
    assert _raw_controls_seen(slack, settings, ("ephemeral",)) == []
