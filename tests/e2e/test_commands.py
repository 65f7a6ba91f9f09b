"""`/vcop` itself: help, unknown subcommands, defaults and replies only the invoker sees."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.panel import PanelServices
from handlers.slack_sim import SimulatedSlack

from .conftest import TRANSPORTS

#: Each test runs over HTTP and over Socket Mode.
pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)


@pytest.mark.parametrize("text", ["", "help", "HELP"])
def test_help_is_shown_without_a_subcommand(
    text: str, imported: str, slack: SimulatedSlack, settings: Settings
) -> None:
    member = settings.panel.members[0]
    result = slack.slash_command(member, text)
    assert result.status == 200
    shown = result.shown
    assert shown is not None and getattr(shown, "user", None) == member
    assert "/vcop status" in shown.text
    assert "MEETING defaults to" in shown.text
    # A member is not offered the chair's commands.
    assert "/vcop tally" not in shown.text and "/vcop close" not in shown.text


def test_help_lists_what_each_role_may_run(
    imported: str, slack: SimulatedSlack, settings: Settings
) -> None:
    chair = slack.slash_command(settings.panel.chair[0]).shown
    secretariat = slack.slash_command(settings.panel.secretariat[0]).shown
    assert chair is not None and secretariat is not None
    for command in ("open", "status", "tally", "close", "summary"):
        assert f"/vcop {command}" in chair.text
    for command in ("open", "status", "summary"):
        assert f"/vcop {command}" in secretariat.text
    assert "/vcop tally" not in secretariat.text and "/vcop close" not in secretariat.text


def test_unknown_subcommand_points_to_help(
    imported: str, slack: SimulatedSlack, settings: Settings
) -> None:
    result = slack.slash_command(settings.panel.members[0], "frobnicate now")
    assert result.status == 200 and result.shown is not None
    assert "frobnicate" in result.shown_text and "/vcop help" in result.shown_text


def test_open_reports_back_to_the_invoker_only(
    imported: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    secretariat, channel = settings.panel.secretariat[0], settings.panel.channel
    result = slack.slash_command(secretariat, "open", channel_id=channel)
    assert result.status == 200
    texts = [e.text for e in slack.ephemerals_for(secretariat)]
    assert any("Posting the cases of Stalking or harassment" in t for t in texts)
    assert any("posted 6 cases" in t for t in texts)
    assert len(slack.messages(channel)) == 7
    actions = [e.action for e in service.repo.audit_entries(imported)]
    assert "meeting.open" in actions


def test_missing_meetings_are_explained(slack: SimulatedSlack, settings: Settings) -> None:
    chair = settings.panel.chair[0]
    for text in ("status", "tally", "open", "summary"):
        result = slack.slash_command(chair, text)
        assert result.status == 200 and result.shown is not None, text
        assert "No meeting is open" in result.shown_text, text
        assert slack.open_modal(chair) is None
    named = slack.slash_command(chair, "close 2099-nope").shown
    assert named is not None and "No meeting '2099-nope'" in named.text


def test_close_twice_is_harmless(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    chair, channel = settings.panel.chair[0], settings.panel.channel
    assert slack.slash_command(chair, f"close {opened}").status == 200
    confirm = slack.open_modal(chair)
    assert confirm is not None and confirm.callback_id == "close_confirm"
    first = slack.submit_view(chair, confirm.id)
    assert first.response_action == "update"
    shown = slack.open_modal(chair)
    assert shown is not None and "is closed" in str(shown.blocks)
    notices = len(slack.messages(channel))
    second = slack.slash_command(chair, f"close {opened}").shown
    assert second is not None and "already closed" in second.text
    assert len(slack.messages(channel)) == notices
    closes = [e for e in service.repo.audit_entries(opened) if e.action == "meeting.close"]
    assert len(closes) == 1
