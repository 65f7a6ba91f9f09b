"""Learning points and observations become actions in one click, over HTTP: from the chair's
tally modal (the form is pushed over it, Record returns to it) and from App Home; the
action is stored through the same form and screen as `/vcop action add`, and shows in
App Home and in the agency's feedback pack. App Home never cuts its action list silently.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.actions import NewAction
from bot.config import Settings
from bot.models import VoteOption
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack, ViewRecord

from .helpers import ballot, buttons, case_messages, close_voting, mrkdwn_texts, vote, wait_for

LEARNING = "Tell victims about the Victim Contact Scheme at the first contact"
OBSERVATION = "The CPS letter about right 6 came late"
MAKE = "vcop_action_from_learning"


def _texts(node: Any) -> str:
    return "\n".join(mrkdwn_texts(node))


def _closed_with_notes(slack: SimulatedSlack, settings: Settings, meeting: str) -> None:
    """Three members find right 4 of SH-01 not met and leave a learning point and an
    observation; then the chair closes voting."""
    channel = settings.panel.channel
    wait_for(lambda: len(case_messages(slack, channel)) == 6)
    notes = {"note_learning": LEARNING, "note_observations": OBSERVATION}
    for member in settings.panel.members[:3]:
        values = {**ballot(VoteOption.MET, r4="Not met"), **notes}
        assert vote(slack, member, channel, "SH-01", values).status == 200
    assert close_voting(slack, settings.panel.chair[0], meeting).status == 200


def _point_buttons(view: ViewRecord) -> dict[str, dict[str, Any]]:
    """The points' "Make an action" buttons by the words they carry."""
    return {
        json.loads(b["value"])["t"]: b for b in buttons(view.blocks) if b.get("action_id") == MAKE
    }


def _initial(form: ViewRecord) -> dict[str, Any]:
    """Each input's prefilled value in the action form."""
    found: dict[str, Any] = {}
    for block in form.blocks:
        element = block.get("element") or {}
        option = element.get("initial_option") or {}
        found[block.get("block_id", "")] = (
            option.get("value") or element.get("initial_value") or element.get("initial_date")
        )
    return found


def _feedback_md(tmp_path: Path, settings: Settings, meeting: str) -> str:
    """`vcop feedback MEETING --agency Police --format md`, run as a real process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VCOP_", "SLACK_"))}
    env.update(VCOP_CONFIG=str(tmp_path / "app.yaml"), VCOP_DB=settings.storage.database)
    command = ["feedback", meeting, "--agency", "Police", "--format", "md"]
    done = subprocess.run(
        [sys.executable, "-m", "handlers.cli", *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_learning_point_in_the_chairs_tally_becomes_an_action_in_one_click(
    local: LocalWorkspace,
    opened: str,
    slack: SimulatedSlack,
    settings: Settings,
    tmp_path: Path,
) -> None:
    chair = settings.panel.chair[0]
    _closed_with_notes(slack, settings, opened)
    assert slack.slash_command(chair, f"tally {opened}").status == 200
    tally = slack.open_modal(chair)
    assert tally is not None and tally.callback_id == "tally_view"
    assert f"*Learning* · SH-01: {LEARNING}" in _texts(tally.blocks)
    assert f"*Observation* · SH-01: {OBSERVATION}" in _texts(tally.blocks)

    button = _point_buttons(tally)[LEARNING]
    assert slack.click_button(chair, MAKE, button["value"], view_id=tally.id).status == 200

    stack = local.workspace.modal_stack(chair)
    assert [v.callback_id for v in stack] == ["tally_view", "vcop_action_add"]
    form = stack[-1]
    prefilled = _initial(form)
    assert prefilled["action_meeting"] == opened
    assert prefilled["action_description"] == LEARNING
    assert prefilled["action_case"] == "SH-01"
    assert prefilled["action_right"] == "4"
    assert prefilled["action_agency"] == "Police"  # right 4's lead agency
    assert prefilled["action_due"] == "2025-11-05"  # eight weeks after 10 September

    recorded = slack.submit_view(chair, form.id)

    assert recorded.closed, recorded.errors
    back = slack.open_modal(chair)
    assert back is not None and back.id == tally.id
    assert _texts(back.blocks).startswith(":white_check_mark: Action 1 recorded for Police.")
    assert LEARNING not in _point_buttons(back)
    assert OBSERVATION in _point_buttons(back)
    assert local.bot is not None
    [action] = local.bot.runtime.actions.owed()
    assert (action.agency, action.case_ref, action.right, action.description) == (
        "Police",
        "SH-01",
        4,
        LEARNING,
    )
    assert "Action 1 recorded for *Police*" in slack.dms_for(chair)[-1].text
    assert slack.app_home_opened(chair).status == 200
    home = slack.home_view(chair)
    assert home is not None
    assert "*Police*: 1 open" in _texts(home.blocks)
    assert LEARNING in _texts(home.blocks)
    assert LEARNING in _feedback_md(tmp_path, settings, opened).split("Actions", 1)[1]


def test_an_observation_in_app_home_becomes_an_action_with_its_named_agency(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    chair = settings.panel.chair[0]
    _closed_with_notes(slack, settings, opened)
    assert slack.app_home_opened(chair).status == 200
    home = slack.home_view(chair)
    assert home is not None

    button = _point_buttons(home)[OBSERVATION]
    assert slack.click_button(chair, MAKE, button["value"], view_id=home.id).status == 200
    form = slack.open_modal(chair)
    assert form is not None and form.callback_id == "vcop_action_add"
    assert len(local.workspace.modal_stack(chair)) == 1  # opened, not pushed
    prefilled = _initial(form)
    assert (prefilled["action_right"], prefilled["action_agency"]) == (
        "6",
        "Crown Prosecution Service",
    )
    assert slack.submit_view(chair, form.id).closed

    assert local.bot is not None
    [action] = local.bot.runtime.actions.owed()
    assert (action.agency, action.right, action.description) == (
        "Crown Prosecution Service",
        6,
        OBSERVATION,
    )


def test_an_action_made_from_the_tally_is_screened_like_any_other(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    chair = settings.panel.chair[0]
    _closed_with_notes(slack, settings, opened)
    slack.slash_command(chair, f"tally {opened}")
    tally = slack.open_modal(chair)
    assert tally is not None
    slack.click_button(chair, MAKE, _point_buttons(tally)[LEARNING]["value"], view_id=tally.id)
    form = slack.open_modal(chair)
    assert form is not None and form.callback_id == "vcop_action_add"

    refused = slack.submit_view(
        chair, form.id, {"action_description": f"{LEARNING}; call her on 07700 900123"}
    )

    assert "personal data" in refused.errors["action_description"]
    assert local.bot is not None
    assert local.bot.runtime.actions.owed() == []


def test_app_home_with_150_open_actions_counts_those_it_leaves_out_and_sends_them_all(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    chair = settings.panel.chair[0]
    _closed_with_notes(slack, settings, opened)
    assert local.bot is not None
    actions = local.bot.runtime.actions
    agencies = ["Police", "Crown Prosecution Service", "Witness Care Unit"]
    for n in range(150):
        new = NewAction(
            meeting_id=opened,
            agency=agencies[n % 3],
            description=f"Follow-up number {n + 1:03d}",
            due=dt.date(2025, 12, 1) + dt.timedelta(days=n),
        )
        actions.add(chair, new)

    assert slack.app_home_opened(chair).status == 200  # the workspace checks Slack's limits
    home = slack.home_view(chair)
    assert home is not None
    assert len(home.blocks) <= 100
    text = _texts(home.blocks)
    shown = sum(f"Follow-up number {n:03d}" in text for n in range(1, 151))
    assert f"…and {150 - shown} more open actions (150 in all)" in text
    assert 10 <= shown < 150
    assert LEARNING in text  # the points still have their place

    list_all = [b for b in buttons(home.blocks) if b["action_id"] == "vcop_action_list_all"]
    assert [b["text"]["text"] for b in list_all] == ["Send me all 150 open actions"]
    assert slack.click_button(chair, "vcop_action_list_all", view_id=home.id).status == 200
    sent = _texts([block for m in slack.dms_for(chair) for block in m.blocks])
    assert all(f"Follow-up number {n:03d}" in sent for n in range(1, 151))
    assert slack.dms_for(chair)[-1].text == "Open actions: 150 (part 4 of 4)"

    before = len(slack.dms_for(chair))
    listed = slack.slash_command(chair, "action list")
    assert "Sending you every open action in a DM." in listed.shown_text
    again = slack.dms_for(chair)[before:]
    assert len(again) >= 2  # more than one message holds
    assert all(
        f"Follow-up number {n:03d}" in _texts([b for m in again for b in m.blocks])
        for n in range(1, 151)
    )
