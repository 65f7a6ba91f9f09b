"""What the robustness tests add to the e2e helpers: crafted requests and raw reads.

Members act through :mod:`e2e.helpers` (signed HTTP requests to the bot);
payloads here are taken from what the simulator really sent, then tampered
with, so a crafted request differs from a genuine one only where a test says.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

from handlers.slack_sim import SimulatedSlack, SubmissionResult, ViewRecord
from handlers.slack_sim.payloads import build_submission_state, view_submission_payload


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
