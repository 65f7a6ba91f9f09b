"""What the bot sends back for each Socket Mode envelope, whatever Bolt answered."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import BoltResponse
from slack_sdk.socket_mode.request import SocketModeRequest

from handlers.socket_mode import (
    FAILED_COMMAND_TEXT,
    FAILED_SUBMISSION_TEXT,
    acknowledgement,
    close_frame,
    token_refusal,
)

VIEW = {
    "type": "modal",
    "blocks": [
        {"type": "section", "block_id": "intro", "text": {"type": "mrkdwn", "text": "x"}},
        {"type": "input", "block_id": "right_1", "element": {"type": "static_select"}},
        {"type": "input", "block_id": "right_2", "element": {"type": "static_select"}},
    ],
}


def _request(envelope_type: str, payload: dict[str, Any]) -> SocketModeRequest:
    return SocketModeRequest(type=envelope_type, envelope_id="env-1", payload=payload)


def _json(status: int, body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=status, body=body)


def test_an_empty_answer_is_a_bare_ack_with_the_envelope_id() -> None:
    ack = acknowledgement(
        _request("interactive", {"type": "block_actions"}), BoltResponse(status=200)
    )
    assert ack == {"envelope_id": "env-1"}


def test_a_json_answer_becomes_the_ack_payload() -> None:
    answer = {"response_action": "update", "view": VIEW}
    request = _request("interactive", {"type": "view_submission", "view": VIEW})
    assert acknowledgement(request, _json(200, answer)) == {
        "envelope_id": "env-1",
        "payload": answer,
    }


def test_a_plain_text_answer_to_a_slash_command_becomes_its_text() -> None:
    request = _request("slash_commands", {"command": "/vcop", "text": "help"})
    ack = acknowledgement(request, BoltResponse(status=200, body="Try `/vcop help`."))
    assert ack == {"envelope_id": "env-1", "payload": {"text": "Try `/vcop help`."}}


@pytest.mark.parametrize("status", [400, 404])
def test_an_envelope_no_listener_handles_or_bolt_cannot_read_is_still_acked(status: int) -> None:
    for request in (
        _request("events_api", {"type": "event_callback", "event": {"type": "reaction_added"}}),
        _request("interactive", {"type": "shortcut", "callback_id": "nope"}),
        _request("slash_commands", {"command": "/other"}),
    ):
        assert acknowledgement(request, BoltResponse(status=status, body="")) == {
            "envelope_id": "env-1"
        }


def test_an_event_ack_never_carries_a_payload() -> None:
    request = _request("events_api", {"type": "event_callback", "event_id": "Ev1"})
    assert acknowledgement(request, _json(200, {"ok": True})) == {"envelope_id": "env-1"}


def test_a_failed_slash_command_is_acked_with_words_saying_it_did_not_work() -> None:
    ack = acknowledgement(
        _request("slash_commands", {"command": "/vcop"}), BoltResponse(status=500)
    )
    assert ack["payload"] == {"text": FAILED_COMMAND_TEXT}


def test_a_failed_submission_keeps_the_modal_open_with_an_error_under_its_first_input() -> None:
    request = _request("interactive", {"type": "view_submission", "view": VIEW})
    ack = acknowledgement(request, BoltResponse(status=500))
    assert ack["payload"] == {
        "response_action": "errors",
        "errors": {"right_1": FAILED_SUBMISSION_TEXT},
    }


def test_a_failed_submission_of_a_view_without_inputs_gets_a_bare_ack() -> None:
    request = _request("interactive", {"type": "view_submission", "view": {"blocks": []}})
    assert acknowledgement(request, BoltResponse(status=500)) == {"envelope_id": "env-1"}


def test_the_refusal_line_names_slack_app_token_and_what_to_do() -> None:
    line = token_refusal("token_revoked")
    assert line.startswith("SLACK_APP_TOKEN was refused by Slack (token_revoked)")
    assert "xapp-" in line and "connections:write" in line and "\n" not in line


def test_the_close_frame_is_a_masked_normal_closure() -> None:
    frame = close_frame()
    assert frame[0] == 0x88  # FIN, opcode close
    assert frame[1] == 0x80 | 2  # masked, two bytes of payload
    mask, payload = frame[2:6], frame[6:]
    assert bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) == (1000).to_bytes(2, "big")
