"""The vote modal: its shape, preselected earlier choices, validation and refusals after close."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.models import VoteOption
from bot.panel import PanelServices
from handlers.slack_sim import SimulatedSlack

from .conftest import TRANSPORTS
from .helpers import (
    OPTION_LABELS,
    RIGHTS,
    ballot,
    click_vote,
    close_voting,
    input_blocks,
    iter_elements,
    mrkdwn_texts,
    vote,
)

#: Each test runs over HTTP and over Socket Mode.
pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)


def test_vote_modal_has_one_select_per_right_and_optional_notes(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    member, channel = settings.panel.members[0], settings.panel.channel
    status, modal = click_vote(slack, member, channel, "SH-01")
    assert status == 200 and modal is not None
    assert modal.callback_id == "vote_submit"
    title = modal.view["title"]["text"]
    assert 0 < len(title) <= 24 and "SH-01" in title
    inputs = input_blocks(modal)
    rights = [b for b in inputs if b["label"]["text"].startswith("Right ")]
    assert len(rights) == 12
    for block, right in zip(rights, settings.rights.items, strict=True):
        assert block["label"]["text"].startswith(f"Right {right.number} ")
        assert right.short in block["label"]["text"]
        assert block["hint"]["text"] == right.checks  # what a reviewer checks
        assert not block.get("optional")
        element = block["element"]
        assert element["type"] == "static_select"
        assert [o["text"]["text"] for o in element["options"]] == OPTION_LABELS
        assert "initial_option" not in element  # nothing chosen yet
    assert OPTION_LABELS == [
        "Met",
        "Partially met",
        "Not met",
        "Victim did not engage",
        "Information not recorded",
        "Not applicable",
        "Abstain",
    ]
    others = [b for b in inputs if b not in rights]
    assert [b["label"]["text"] for b in others] == [
        "Good practice",
        "Gaps or observations",
        "Learning",
    ]
    assert all(b.get("optional") for b in others)
    assert all(b["element"]["type"] == "plain_text_input" for b in others)


def test_a_vote_is_acked_fast_and_stored_in_full(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member, channel = settings.panel.members[1], settings.panel.channel
    values = ballot(VoteOption.MET, r2=VoteOption.ABSTAIN.value, r7=VoteOption.NOT_MET.value)
    notes = {
        "note_good_practice": "Prompt needs assessment",
        "note_observations": "No written confirmation",
        "note_learning": "Use the letter template",
    }
    result = vote(slack, member, channel, "SH-01", {**values, **notes}, done=False)
    assert result.status == 200 and not result.problems, result
    assert result.response is not None and result.response.elapsed < 3.0
    receipt = slack.open_modal(member)
    assert receipt is not None and receipt.callback_id == "vote_receipt"
    assert "recorded" in " ".join(mrkdwn_texts(receipt.blocks))
    votes = {v.right: v.option for v in service.repo.member_votes(opened, "SH-01", member)}
    assert votes == {n: VoteOption(values[f"right_{n}"]) for n in RIGHTS}
    stored = service.repo.member_notes(opened, "SH-01", member)
    assert stored is not None
    assert (stored.good_practice, stored.observations, stored.learning) == tuple(notes.values())
    assert [e.action for e in service.repo.audit_entries(opened)].count("vote.cast") == 1


def test_earlier_choices_are_preselected_and_can_be_changed(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member, channel = settings.panel.members[2], settings.panel.channel
    first = ballot(VoteOption.MET, r4=VoteOption.PARTIALLY_MET.value)
    assert vote(slack, member, channel, "SH-02", {**first, "note_learning": "First"}).status == 200

    _, modal = click_vote(slack, member, channel, "SH-02")
    assert modal is not None
    preselected = {
        b["block_id"]: b["element"]["initial_option"]["value"]
        for b in input_blocks(modal)
        if b["block_id"].startswith("right_")
    }
    assert preselected == first
    learning = next(b for b in input_blocks(modal) if b["label"]["text"] == "Learning")
    assert learning["element"]["initial_value"] == "First"

    # Change one right and keep the rest as preselected.
    changed = slack.submit_view(member, modal.id, {"right_4": VoteOption.NOT_MET.value})
    assert changed.status == 200 and not changed.problems, changed
    votes = service.repo.member_votes(opened, "SH-02", member)
    assert len(votes) == 12  # one row per member and right, never a second ballot
    assert {v.right: v.option for v in votes}[4] is VoteOption.NOT_MET
    assert {v.right: v.option for v in votes}[1] is VoteOption.MET
    assert service.repo.count_votes(opened) == 12
    actions = [e.action for e in service.repo.audit_entries(opened) if e.case_ref == "SH-02"]
    assert actions == ["vote.cast", "vote.change"]


def test_a_missing_answer_is_an_error_on_that_right(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member, channel = settings.panel.members[3], settings.panel.channel
    _, modal = click_vote(slack, member, channel, "SH-03")
    assert modal is not None
    values = {**ballot(), "right_5": None}
    # Slack's own client refuses to send a form with a required select left blank ...
    local_check = slack.submit_view(member, modal.id, values)
    assert not local_check.sent and set(local_check.errors) == {"right_5"}
    # ... and a client that sends it anyway gets the bot's error on that right's block.
    crafted = slack.submit_view(member, modal.id, values, enforce_required=False)
    assert crafted.status == 200 and not crafted.problems, crafted
    assert crafted.response_action == "errors"
    assert set(crafted.errors) == {"right_5"}
    assert "Abstain" in crafted.errors["right_5"]
    assert service.repo.count_votes(opened) == 0
    assert slack.open_modal(member) is not None  # the form stays open to be fixed


def test_votes_after_close_are_refused_clearly(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member, channel = settings.panel.members[0], settings.panel.channel
    assert slack.app_home_opened(member).status == 200
    stale_home = slack.home_view(member)
    assert stale_home is not None
    _, modal = click_vote(slack, member, channel, "SH-04")
    assert modal is not None
    assert close_voting(slack, settings.panel.chair[0], opened).status == 200

    late = slack.submit_view(member, modal.id, ballot())
    assert late.status == 200 and late.response_action == "errors", late
    message = " ".join(late.errors.values())
    assert "closed" in message and "not recorded" in message
    assert service.repo.count_votes(opened) == 0
    slack.close_view(member)

    # A Vote button still on screen from before the close is refused, to that member only.
    click = slack.click_button(member, "vote_open", f"{opened}|SH-04", view_id=stale_home.id)
    assert click.status == 200
    refusal = slack.open_modal(member)
    assert refusal is not None and refusal.view.get("submit") is None
    assert "has closed" in " ".join(mrkdwn_texts(refusal.blocks))
    assert service.repo.count_votes(opened) == 0
    # Re-opened, App Home offers no Vote buttons any more.
    assert slack.app_home_opened(member).status == 200
    home = slack.home_view(member)
    assert home is not None
    assert not any(e.get("action_id") == "vote_open" for e in iter_elements(home.blocks))


def test_votes_after_the_deadline_are_refused(
    opened: str,
    slack: SimulatedSlack,
    settings: Settings,
    service: PanelServices,
    clock: ManualClock,
) -> None:
    member, channel = settings.panel.members[4], settings.panel.channel
    _, modal = click_vote(slack, member, channel, "SH-05")
    assert modal is not None
    deadline = service.meetings.get_meeting(opened).voting_closes
    clock.set(deadline + dt.timedelta(minutes=1))
    late = slack.submit_view(member, modal.id, ballot())
    assert late.response_action == "errors" and "closed" in " ".join(late.errors.values())
    slack.close_view(member)
    status, refusal = click_vote(slack, member, channel, "SH-05")
    assert status == 200 and refusal is not None
    assert refusal.callback_id != "vote_submit" and refusal.view.get("submit") is None
    assert "has closed" in " ".join(mrkdwn_texts(refusal.blocks))
    assert service.repo.count_votes(opened) == 0
