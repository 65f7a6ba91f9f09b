"""The vote receipt, written as plain JSON: still exactly what Slack accepts."""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

import pytest
from slack_sdk.models.views import View

from bot.models import VoteOption
from bot.voting import BallotReceipt
from handlers import ids
from handlers.receipt_view import vote_receipt_modal
from handlers.slack_sim.blockkit import validate_view, view_size_exceeded

if TYPE_CHECKING:
    from conftest import Panel

HOSTILE_REF = "<!channel>&*bold*_" + "X" * 40


def _receipt(panel: Panel, ref: str, next_ref: str | None) -> BallotReceipt:
    options = list(VoteOption)
    return BallotReceipt(
        meeting_id=panel.MEETING_ID,
        case_ref=ref,
        member=panel.members[0],
        changed=True,
        voters=3,
        members=len(panel.members),
        choices={n: options[n % len(options)] for n in panel.settings.rights.numbers},
        next_ref=next_ref,
    )


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


@pytest.mark.parametrize("ref", ["BG-01", HOSTILE_REF])
@pytest.mark.parametrize("next_ref", ["BG-02", None])
def test_the_receipt_json_passes_slack_sdk_and_the_local_workspaces_block_kit_checks(
    panel: Panel, ref: str, next_ref: str | None
) -> None:
    view = vote_receipt_modal(_receipt(panel, ref, next_ref), panel.settings.rights)

    as_model = View(**copy.deepcopy(view))
    as_model.validate_json()
    assert as_model.to_dict() == view
    assert validate_view(view, expected_type="modal") == []
    assert not view_size_exceeded(view)


def test_the_receipt_shows_the_members_own_answers_and_the_next_case_never_the_panels_counts(
    panel: Panel,
) -> None:
    receipt = _receipt(panel, "BG-01", "BG-03")

    view = vote_receipt_modal(receipt, panel.settings.rights)

    text = "\n".join(_texts(view))
    for right in panel.settings.rights.items:
        assert f"*{right.label}:* {receipt.choices[right.number].value}" in text
    assert f"3 of {len(panel.members)} members have voted" in text
    options = "|".join(re.escape(option.value) for option in VoteOption)
    assert re.search(rf"\d+\s*(?:×\s*)?(?:{options})", text) is None  # no count beside an answer
    (actions,) = [b for b in view["blocks"] if b["type"] == "actions"]
    (button,) = actions["elements"]
    assert (button["action_id"], button["value"]) == (
        ids.VOTE_NEXT,
        ids.case_key(panel.MEETING_ID, "BG-03"),
    )
    assert view["callback_id"] == ids.VOTE_RECEIPT


def test_the_receipt_of_the_last_case_says_every_case_is_voted_and_offers_no_next(
    panel: Panel,
) -> None:
    view = vote_receipt_modal(_receipt(panel, "BG-03", None), panel.settings.rights)

    assert [b["type"] for b in view["blocks"]] == ["section", "section", "context", "section"]
    assert "You have voted on every case of this meeting." in _texts(view)[-1]


def test_a_hostile_case_ref_is_escaped_in_the_receipt_and_its_title_fits(panel: Panel) -> None:
    view = vote_receipt_modal(_receipt(panel, HOSTILE_REF, "BG-02"), panel.settings.rights)

    assert "<!channel>" not in view["blocks"][0]["text"]["text"]
    assert "&lt;!channel&gt;" in view["blocks"][0]["text"]["text"]
    assert len(view["title"]["text"]) <= 24
