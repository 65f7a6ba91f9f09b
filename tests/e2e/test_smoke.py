from __future__ import annotations

from bot.config import Settings
from bot.models import VoteOption
from bot.panel import PanelServices
from handlers.slack_sim import SimulatedSlack


def test_open_vote_and_count(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    channel = settings.panel.channel
    messages = slack.messages(channel)
    assert len(messages) == 7
    member = settings.panel.members[0]
    case_msg = messages[1]
    click = slack.click_button(member, "vote_open", message=(channel, case_msg.ts))
    assert click.status == 200, click
    modal = slack.open_modal(member)
    assert modal is not None
    values = {f"right_{n}": VoteOption.MET.value for n in range(1, 13)}
    result = slack.submit_view(member, modal.id, values)
    assert result.status == 200, result
    assert service.repo.count_votes(opened) == 12
