"""What a panel member does in Slack, reduced to what the robustness tests need.

Everything goes through :class:`SimulatedSlack` (signed HTTP requests to the
bot); payloads are taken from what the simulator really sent, then tampered
with, so a crafted request differs from a genuine one only where a test says.
"""

from __future__ import annotations

import copy
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from bot.models import VoteOption
from bot.panel import PanelServices
from handlers import ids
from handlers.slack_sim import SimulatedSlack, SubmissionResult, ViewRecord
from handlers.slack_sim.payloads import build_submission_state, view_submission_payload

from .conftest import RIGHTS

OPTIONS = [option.value for option in VoteOption]
#: "Met 3", "Not met 1": how any surface shows vote counts.
COUNT = re.compile(r"\b(?:" + "|".join(re.escape(label) for label in OPTIONS) + r") \d+\b")


def values_for(choices: dict[int, str], notes: dict[str, str] | None = None) -> dict[str, Any]:
    """Submission values: one option label per right, plus optional notes."""
    values: dict[str, Any] = {ids.right_block(n): choices[n] for n in RIGHTS}
    for field, text in (notes or {}).items():
        values[ids.note_block(field)] = text
    return values


def uniform(option: VoteOption | str) -> dict[int, str]:
    return dict.fromkeys(RIGHTS, str(getattr(option, "value", option)))


def pattern(seed: int) -> dict[int, str]:
    """A ballot that differs from member to member: right n gets option (seed + n) mod 7."""
    return {n: OPTIONS[(seed + n) % len(OPTIONS)] for n in RIGHTS}


def open_vote_modal(
    slack: SimulatedSlack, service: PanelServices, member: str, meeting_id: str, ref: str
) -> ViewRecord:
    """Press Vote under the case's channel message; the vote modal now on the member's screen."""
    post = service.messages.post_for(meeting_id, ref)
    assert post is not None, f"{ref} was never posted"
    click = slack.click_button(member, ids.VOTE_OPEN, ids.case_key(meeting_id, ref), message=post)
    assert click is not None and click.status == 200, click
    modal = slack.open_modal(member)
    assert modal is not None and modal.callback_id == ids.VOTE_SUBMIT, modal
    return modal


def vote(
    slack: SimulatedSlack,
    service: PanelServices,
    member: str,
    meeting_id: str,
    ref: str,
    choices: dict[int, str],
    notes: dict[str, str] | None = None,
) -> SubmissionResult:
    """Press Vote, fill in the modal, submit it, then close the receipt."""
    modal = open_vote_modal(slack, service, member, meeting_id, ref)
    result = slack.submit_view(member, modal.id, values_for(choices, notes))
    slack.workspace.close_all_modals(member)
    return result


def acked(result: SubmissionResult) -> bool:
    """Slack received a 200 and the bot replaced the form with its receipt."""
    return result.status == 200 and result.response_action == "update"


def refused(result: SubmissionResult) -> bool:
    """The bot answered 200 with errors shown on the form: nothing was stored."""
    return result.status == 200 and result.response_action == "errors" and bool(result.errors)


def submission_payload(
    slack: SimulatedSlack, member: str, view: ViewRecord, values: dict[str, Any]
) -> dict[str, Any]:
    """The view_submission payload Slack would send for ``view`` filled with ``values``."""
    ws = slack.workspace
    ws.set_view_state(view.id, build_submission_state(view, values))
    trigger = slack.server.issue_trigger_id(member, view_id=view.id)
    return view_submission_payload(
        ws,
        user_id=member,
        token=slack.verification_token,
        trigger_id=trigger,
        view=ws.view(view.id),
    )


def crafted(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``payload`` with dotted paths replaced, e.g. ``view__private_metadata``."""
    result = copy.deepcopy(payload)
    for path, value in changes.items():
        node = result
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return result


def metadata(meeting_id: str, ref: str) -> str:
    return json.dumps({"m": meeting_id, "r": ref})


def ack_body(response: Any) -> dict[str, Any]:
    data = response.json
    return data if isinstance(data, dict) else {}


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn text object's text in a block tree: what Slack parses for <!channel>."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found.extend(mrkdwn_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(mrkdwn_texts(item))
    return found


def stored_votes(db: Path) -> dict[tuple[str, str], dict[int, str]]:
    """Every stored vote, read straight from the file: (member, ref) → right → option."""
    conn = sqlite3.connect(db)
    try:
        stored: dict[tuple[str, str], dict[int, str]] = {}
        for ref, member, right, option in conn.execute(
            "select case_ref, member, right, option from votes"
        ):
            stored.setdefault((member, ref), {})[right] = option
        return stored
    finally:
        conn.close()
