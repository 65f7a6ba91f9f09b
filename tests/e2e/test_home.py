"""App Home (app_home_opened → views.publish): a member's open cases, the chair's matrix."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.models import VoteOption
from bot.services import PanelService
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


def test_member_sees_open_cases_marked_voted_or_not_with_vote_buttons(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    member, channel = settings.panel.members[0], settings.panel.channel
    assert vote(slack, member, channel, "SH-02", ballot()).status == 200
    publishes = len(local.workspace.calls("views.publish"))
    home = _home(slack, member)
    assert len(local.workspace.calls("views.publish")) == publishes + 1
    rows = _case_rows(home)
    assert list(rows) == [f"SH-0{n}" for n in range(1, 7)]
    for ref, block in rows.items():
        text = block["text"]["text"]
        if ref == "SH-02":
            assert "voted" in text and "not voted" not in text
        else:
            assert "not voted" in text
        accessory = block["accessory"]
        assert accessory["text"]["text"] == "Vote" and accessory["value"].endswith(f"|{ref}")
    assert not COUNT.search("\n".join(mrkdwn_texts(home.blocks)))

    # Vote straight from App Home: the button opens the same modal.
    click = slack.click_button(member, "vote_open", f"{opened}|SH-03", view_id=home.id)
    assert click.status == 200
    modal = slack.open_modal(member)
    assert modal is not None and modal.callback_id == "vote_submit"
    assert slack.submit_view(member, modal.id, ballot()).status == 200
    rows = _case_rows(_home(slack, member))
    assert "not voted" not in rows["SH-03"]["text"]["text"]


def test_chair_sees_the_tally_matrix_with_disputed_rights_flagged(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelService
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
    texts = list(mrkdwn_texts(home.blocks))
    matrix = next(t for t in texts if t.startswith("```"))
    lines = matrix.strip("`\n").splitlines()
    assert lines[0].split()[:4] == ["Case", "R1", "R2", "R3"]
    sh01 = next(line for line in lines if line.startswith("SH-01"))
    cells = sh01.split()
    assert cells[1:3] == ["M", "M"]
    assert cells[3] == "U!"  # Right 3: undecided, flagged as disputed
    assert "Panel failed to reach a decision" in sh01
    disputed = [t for t in texts if t.startswith("*SH-01:")]
    assert len(disputed) == 1
    assert "Right 3" in disputed[0] and "5 of 5 voted" in disputed[0]
    # The chair does not vote, so App Home offers no Vote buttons.
    assert not any(e.get("action_id") == "vote_open" for e in iter_elements(home.blocks))

    # Resolve straight from App Home: a home tab is not a modal, so the form opens afresh.
    click = slack.click_button(chair, "resolve_open", f"{opened}|SH-01", view_id=home.id)
    assert click.status == 200
    resolve = slack.open_modal(chair)
    assert resolve is not None and resolve.callback_id == "resolve_submit"
    done = slack.submit_view(
        chair,
        resolve.id,
        {"resolve_right": "3", "resolve_finding": "Not met", "resolve_reason": "No letter."},
    )
    assert done.status == 200 and done.closed and not done.problems, done
    assert len(service.resolutions(opened)) == 1
    sh01 = next(
        line
        for line in next(t for t in mrkdwn_texts(_home(slack, chair).blocks) if "```" in t)
        .strip("`\n")
        .splitlines()
        if line.startswith("SH-01")
    )
    assert sh01.split()[3] == "NM*"  # resolved by the chair


def test_secretariat_and_outsiders_get_no_vote_buttons(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    secretariat = _home(slack, settings.panel.secretariat[0])
    assert len(_case_rows(secretariat)) == 6
    assert not any(e.get("action_id") == "vote_open" for e in iter_elements(secretariat.blocks))
    assert not any("```" in t for t in mrkdwn_texts(secretariat.blocks))  # no matrix
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
    assert local.slack is not None
    first = local.slack.app_home_opened(member)
    assert first.status == 200
    local.restart_bot()  # the seen event ids are in the database, not in the old process
    assert local.slack is not None
    retry = local.slack.app_home_opened(member, event_id=first.event_id, retry_num=1)
    assert retry.status == 200
    published = [c for c in local.workspace.calls("views.publish") if c.params["user_id"] == member]
    assert len(published) == 1
