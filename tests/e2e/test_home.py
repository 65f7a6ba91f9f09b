"""App Home (app_home_opened → views.publish): a member's cases to vote on, the chair's view."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.models import VoteOption
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack, ViewRecord

from .conftest import TRANSPORTS
from .helpers import COUNT, ballot, iter_elements, mrkdwn_texts, vote

#: Each test runs over HTTP and over Socket Mode.
pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)


def _home(slack: SimulatedSlack, user: str) -> ViewRecord:
    assert slack.app_home_opened(user).status == 200
    home = slack.home_view(user)
    assert home is not None and home.type == "home"
    return home


def _case_rows(home: ViewRecord) -> dict[str, dict]:
    """Section blocks that start with a case ref, by ref."""
    rows: dict[str, dict] = {}
    for block in home.blocks:
        text = block.get("text", {}).get("text", "") if block.get("type") == "section" else ""
        if text.startswith("*SH-"):
            rows.setdefault(text[1:6], block)
    return rows


def _row_buttons(home: ViewRecord, ref: str) -> list[dict]:
    """The buttons beside a case's row: the actions block right after its section."""
    for index, block in enumerate(home.blocks):
        text = block.get("text", {}).get("text", "") if block.get("type") == "section" else ""
        if text.startswith(f"*{ref}*") and index + 1 < len(home.blocks):
            follower = home.blocks[index + 1]
            if follower.get("type") == "actions":
                return list(follower["elements"])
    return []


def _order(home: ViewRecord) -> list[str]:
    return [b["text"]["text"] for b in home.blocks if b.get("type") == "section"]


def test_member_sees_cases_to_vote_on_first_then_voted_ones_with_change_vote(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    member, channel = settings.panel.members[0], settings.panel.channel
    assert vote(slack, member, channel, "SH-02", ballot()).status == 200
    publishes = len(local.workspace.calls("views.publish"))
    home = _home(slack, member)
    assert len(local.workspace.calls("views.publish")) == publishes + 1
    rows = _case_rows(home)
    assert list(rows) == ["SH-01", "SH-03", "SH-04", "SH-05", "SH-06", "SH-02"]
    sections = _order(home)
    assert sections.index("*Still to vote on (5)*") < sections.index(
        "*Voted (1)* — you can change a vote until voting closes"
    )
    for ref in rows:
        found = _row_buttons(home, ref)
        texts = [b["text"]["text"] for b in found]
        assert texts == (["Change vote", "Read case"] if ref == "SH-02" else ["Vote", "Read case"])
        # Several rows of the same buttons: each names its case for a screen reader.
        assert [b["accessibility_label"] for b in found] == [
            f"{texts[0]} on {ref}",
            f"Read case {ref}",
        ]
        assert all(b["value"] == f"{opened}|{ref}" for b in found)
        assert not any(b.get("style") == "primary" for b in found)
    assert not COUNT.search("\n".join(mrkdwn_texts(home.blocks)))

    # Vote straight from App Home: the button opens the same modal.
    click = slack.click_button(member, "vote_open", f"{opened}|SH-03", view_id=home.id)
    assert click.status == 200
    modal = slack.open_modal(member)
    assert modal is not None and modal.callback_id == "vote_submit"
    assert slack.submit_view(member, modal.id, ballot()).status == 200
    home = _home(slack, member)
    assert next(b["text"]["text"] for b in _row_buttons(home, "SH-03")) == "Change vote"

    # Read case from App Home opens the whole case.
    slack.workspace.close_all_modals(member)
    slack.click_button(member, "case_read", f"{opened}|SH-04", view_id=home.id)
    case = slack.open_modal(member)
    assert case is not None and case.callback_id == "case_view"


def test_chair_home_opens_with_what_needs_a_decision_and_resolves_in_place(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    members, channel = settings.panel.members, settings.panel.channel
    splits = [
        ballot(),
        ballot(),
        ballot(r3=VoteOption.NOT_MET.value),
        ballot(r3=VoteOption.NOT_MET.value),
        ballot(r3=VoteOption.PARTIALLY_MET.value),
    ]
    for member, values in zip(members, splits, strict=True):
        assert vote(slack, member, channel, "SH-01", values).status == 200
    chair = settings.panel.chair[0]
    home = _home(slack, chair)
    headers = [b["text"]["text"] for b in home.blocks if b["type"] == "header"]
    assert headers[1:4] == ["Needs your decision (1)", "Split, worth discussing", "Each case"]
    undecided = next(
        b for b in home.blocks if b.get("text", {}).get("text", "").startswith("*SH-01 · Right 3")
    )
    assert "Met 2, Partially met 1, Not met 2" in undecided["text"]["text"]
    assert undecided["accessory"]["text"]["text"] == "Resolve"
    assert undecided["accessory"]["accessibility_label"] == "Resolve SH-01 Right 3"
    # No monospace grid for a screen reader to spell out letter by letter.
    assert not any("```" in t for t in mrkdwn_texts(home.blocks))
    # The chair does not vote, so App Home offers no Vote buttons.
    assert not any(e.get("action_id") == "vote_open" for e in iter_elements(home.blocks))

    # Resolve straight from App Home: a home tab is not a modal, so the form opens afresh.
    click = slack.click_button(chair, "resolve_right_open", f"{opened}|SH-01|3", view_id=home.id)
    assert click.status == 200
    resolve = slack.open_modal(chair)
    assert resolve is not None and resolve.callback_id == "resolve_submit"
    right = next(b for b in resolve.blocks if b.get("block_id") == "resolve_right")
    assert right["element"]["initial_option"]["value"] == "3"
    done = slack.submit_view(
        chair,
        resolve.id,
        {"resolve_right": "3", "resolve_finding": "Not met", "resolve_reason": "No letter."},
    )
    assert done.status == 200 and done.closed and not done.problems, done
    assert len(service.resolutions.for_meeting(opened)) == 1
    refreshed = slack.home_view(chair)
    assert refreshed is not None
    texts = list(mrkdwn_texts(refreshed.blocks))
    assert any("Resolved SH-01 Right 3 as Not met." in t for t in texts)  # confirmed in place
    headers = [b["text"]["text"] for b in refreshed.blocks if b["type"] == "header"]
    assert "Needs your decision (0)" in headers
    sh01 = next(t for t in texts if t.startswith("*SH-01:"))
    assert "Resolved by the chair: Right 3 Not met" in sh01


def test_secretariat_and_outsiders_get_no_vote_buttons(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    secretariat = _home(slack, settings.panel.secretariat[0])
    assert len(_case_rows(secretariat)) == 6
    assert not any(e.get("action_id") == "vote_open" for e in iter_elements(secretariat.blocks))
    assert not any(
        b["type"] == "header" and "decision" in b["text"]["text"] for b in secretariat.blocks
    )
    outsider = _home(slack, "U0OUTSIDE1")
    assert _case_rows(outsider) == {}
    assert not any(e.get("action_id") for e in iter_elements(outsider.blocks))


def test_a_retried_app_home_event_is_handled_once(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    member = settings.panel.members[0]
    first = slack.app_home_opened(member)
    assert first.status == 200
    retry = slack.app_home_opened(member, event_id=first.event_id, retry_num=1)
    assert retry.status == 200
    published = [c for c in local.workspace.calls("views.publish") if c.params["user_id"] == member]
    assert len(published) == 1


def test_a_retried_app_home_event_arriving_after_a_restart_is_handled_once(
    local: LocalWorkspace, opened: str, settings: Settings
) -> None:
    member = settings.panel.members[0]
    first = local.slack.app_home_opened(member)
    assert first.status == 200
    local.restart_bot()  # the seen event ids are in the database, not in the old process
    retry = local.slack.app_home_opened(member, event_id=first.event_id, retry_num=1)
    assert retry.status == 200
    published = [c for c in local.workspace.calls("views.publish") if c.params["user_id"] == member]
    assert len(published) == 1
