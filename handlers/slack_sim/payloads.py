"""Builders for the requests Slack sends to a bot, in Slack's exact shapes.

Kept apart from the HTTP client so the shapes can be read (and compared with
Slack's reference pages) in one place: slash-command forms, ``block_actions``,
``view_submission`` / ``view_closed`` and Events API envelopes, plus the
``view.state.values`` entries for each kind of input element.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from .blockkit import all_options, iter_elements
from .errors import SimulationError
from .models import Message, ViewRecord
from .state import Workspace

Answer = str | Sequence[str] | None

_TEXT_INPUTS = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})
_SINGLE_OPTION = frozenset({"static_select", "external_select", "radio_buttons"})
_MULTI_OPTION = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
#: Element type -> (state key, initial key) for elements whose state is a plain value.
_PLAIN_VALUE_KEYS: dict[str, tuple[str, str]] = {
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
}


# -- identities --------------------------------------------------------------------------


def user_ref(ws: Workspace, user_id: str) -> dict[str, Any]:
    """The ``user`` object of interaction payloads."""
    user = ws.user(user_id)
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": ws.team_id}


def team_ref(ws: Workspace) -> dict[str, Any]:
    """The ``team`` object of interaction payloads."""
    return {"id": ws.team_id, "domain": ws.team_domain}


# -- view state ----------------------------------------------------------------------------


def find_option(element: dict[str, Any], value: str) -> dict[str, Any]:
    """The exact option object whose ``value`` is ``value`` (Slack echoes it verbatim)."""
    for option in all_options(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    offered = [o.get("value") for o in all_options(element)]
    raise SimulationError(
        f"no option with value {value!r} in {element.get('action_id')!r}; offered: {offered}"
    )


def _rich_text(text: str) -> dict[str, Any]:
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }


def element_state(element: dict[str, Any], answer: Answer) -> dict[str, Any]:
    """The ``state.values[block_id][action_id]`` entry for ``answer`` (``None`` = left blank)."""
    kind = str(element.get("type"))
    state: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        state["value"] = None if answer is None else str(answer)
    elif kind in _SINGLE_OPTION:
        state["selected_option"] = None if answer is None else find_option(element, str(answer))
    elif kind in _MULTI_OPTION:
        values = [] if answer is None else ([answer] if isinstance(answer, str) else list(answer))
        state["selected_options"] = [find_option(element, v) for v in values]
    elif kind == "rich_text_input":
        state["rich_text_value"] = None if answer is None else _rich_text(str(answer))
    elif kind == "file_input":
        state["files"] = []
    elif kind in _PLAIN_VALUE_KEYS:
        key = _PLAIN_VALUE_KEYS[kind][0]
        if kind.startswith("multi_"):
            state[key] = (
                [] if answer is None else ([answer] if isinstance(answer, str) else list(answer))
            )
        elif kind == "datetimepicker":
            state[key] = None if answer is None else int(str(answer))
        else:
            state[key] = answer
    else:
        raise SimulationError(f"cannot enter a value into a {kind!r} element")
    return state


def initial_state(element: dict[str, Any]) -> dict[str, Any]:
    """The state entry for an untouched element: its ``initial_*`` value, if any."""
    kind = str(element.get("type"))
    if kind in _TEXT_INPUTS:
        initial = element.get("initial_value")
        return {"type": kind, "value": initial if initial not in ("", None) else None}
    if kind == "rich_text_input":
        return {"type": kind, "rich_text_value": copy.deepcopy(element.get("initial_value"))}
    if kind in _SINGLE_OPTION:
        return {"type": kind, "selected_option": copy.deepcopy(element.get("initial_option"))}
    if kind in _MULTI_OPTION:
        return {
            "type": kind,
            "selected_options": copy.deepcopy(element.get("initial_options") or []),
        }
    if kind in _PLAIN_VALUE_KEYS:
        state_key, initial_key = _PLAIN_VALUE_KEYS[kind]
        default: Any = [] if kind.startswith("multi_") else None
        return {"type": kind, state_key: copy.deepcopy(element.get(initial_key, default))}
    if kind == "file_input":
        return {"type": kind, "files": []}
    return {"type": kind}


def is_blank(state: dict[str, Any]) -> bool:
    """True when a state entry holds no answer (what Slack's required-field check tests)."""
    values = [v for k, v in state.items() if k != "type"]
    return all(v in (None, "", []) for v in values)


def input_blocks(view: ViewRecord) -> list[dict[str, Any]]:
    """The view's ``input`` blocks, in order."""
    return [b for b in view.blocks if isinstance(b, dict) and b.get("type") == "input"]


def build_submission_state(view: ViewRecord, answers: dict[str, Answer]) -> dict[str, Any]:
    """``view.state`` for a submission: every input block, answered or not.

    Precedence: ``answers`` (keyed by block_id), then what the user already
    selected in the view, then each element's ``initial_*`` value.
    """
    inputs = {str(b.get("block_id")): b for b in input_blocks(view)}
    unknown = sorted(set(answers) - set(inputs))
    if unknown:
        raise SimulationError(
            f"view {view.id} has no input block(s) {unknown}; inputs are {sorted(inputs)}"
        )
    current = view.state.get("values", {})
    values: dict[str, Any] = {}
    for block_id, block in inputs.items():
        element = block["element"]
        action_id = str(element.get("action_id"))
        if block_id in answers:
            entry = element_state(element, answers[block_id])
        elif action_id in current.get(block_id, {}):
            entry = copy.deepcopy(current[block_id][action_id])
        else:
            entry = initial_state(element)
        values[block_id] = {action_id: entry}
    # Non-input stateful elements the user touched (e.g. selects in actions blocks).
    for block_id, entries in current.items():
        values.setdefault(block_id, copy.deepcopy(entries))
    return {"values": values}


def client_side_errors(view: ViewRecord, state: dict[str, Any]) -> dict[str, str]:
    """What the Slack client refuses to submit: blank required inputs and length violations."""
    errors: dict[str, str] = {}
    for block in input_blocks(view):
        block_id = str(block.get("block_id"))
        element = block["element"]
        entry = state["values"].get(block_id, {}).get(str(element.get("action_id")), {})
        if is_blank(entry):
            if not block.get("optional", False):
                errors[block_id] = "Please complete this required field."
            continue
        value = entry.get("value")
        if isinstance(value, str):
            lo, hi = element.get("min_length"), element.get("max_length")
            if isinstance(lo, int) and len(value) < lo:
                errors[block_id] = f"Please enter at least {lo} characters."
            elif isinstance(hi, int) and len(value) > hi:
                errors[block_id] = f"Please enter no more than {hi} characters."
    return errors


# -- locating interactive elements ---------------------------------------------------------


def find_element(
    blocks: list[dict[str, Any]],
    action_id: str,
    *,
    types: frozenset[str],
    value: str | None = None,
    where: str,
    block_id: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Find ``(block, element)`` by action_id (and button value or block_id when ambiguous).

    Raises :class:`SimulationError` listing what *is* on screen, because a
    missing button is almost always a test/bot mismatch worth reading about.
    """
    candidates = [
        (block, el)
        for block, el in iter_elements(blocks)
        if el.get("type") in types and el.get("action_id") == action_id
    ]
    if value is not None:
        candidates = [(b, e) for b, e in candidates if e.get("value") == value]
    if block_id is not None:
        candidates = [(b, e) for b, e in candidates if b.get("block_id") == block_id]
    if len(candidates) == 1:
        return candidates[0]
    on_screen = [
        f"{el.get('type')}:{el.get('action_id')}"
        + (f"={el.get('value')}" if el.get("value") is not None else "")
        for _, el in iter_elements(blocks)
    ]
    if not candidates:
        raise SimulationError(
            f"no {'/'.join(sorted(types))} {action_id!r} (value={value!r}, "
            f"block_id={block_id!r}) in {where}; "
            f"on screen: {on_screen}"
        )
    raise SimulationError(
        f"{len(candidates)} elements match {action_id!r} in {where}; "
        f"pass value= to pick one: {on_screen}"
    )


# -- payloads ------------------------------------------------------------------------------


def slash_command_form(
    ws: Workspace,
    *,
    user_id: str,
    channel_id: str,
    command: str,
    text: str,
    token: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form fields of a slash-command request."""
    channel = ws.channel(channel_id)
    return {
        "token": token,
        "team_id": ws.team_id,
        "team_domain": ws.team_domain,
        "channel_id": channel.id,
        "channel_name": channel.name,
        "user_id": user_id,
        "user_name": ws.user(user_id).name,
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions_payload(
    ws: Workspace,
    *,
    user_id: str,
    token: str,
    trigger_id: str,
    action: dict[str, Any],
    message: Message | None = None,
    ephemeral_ts: str | None = None,
    channel_id: str | None = None,
    response_url: str | None = None,
    view: ViewRecord | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload from a message, an ephemeral or a view."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user_ref(ws, user_id),
        "api_app_id": ws.app_id,
        "token": token,
        "trigger_id": trigger_id,
        "team": team_ref(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.id}
        payload["view"] = ws.view_to_slack(view)
        payload["state"] = copy.deepcopy(view.state)
        return payload
    assert channel_id is not None
    channel = ws.channel(channel_id)
    ts = message.ts if message is not None else ephemeral_ts
    payload["container"] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel_id,
        "is_ephemeral": message is None,
    }
    payload["channel"] = {"id": channel.id, "name": channel.name}
    if message is not None:
        payload["message"] = message.to_slack()
    payload["state"] = {"values": {}}
    payload["response_url"] = response_url
    return payload


def view_submission_payload(
    ws: Workspace, *, user_id: str, token: str, trigger_id: str, view: ViewRecord
) -> dict[str, Any]:
    """A ``view_submission`` payload for ``view`` (whose state must already be set)."""
    return {
        "type": "view_submission",
        "team": team_ref(ws),
        "user": user_ref(ws, user_id),
        "api_app_id": ws.app_id,
        "token": token,
        "trigger_id": trigger_id,
        "view": ws.view_to_slack(view),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed_payload(
    ws: Workspace, *, user_id: str, token: str, view: ViewRecord, is_cleared: bool
) -> dict[str, Any]:
    """A ``view_closed`` payload (sent only for views with ``notify_on_close``)."""
    return {
        "type": "view_closed",
        "team": team_ref(ws),
        "user": user_ref(ws, user_id),
        "api_app_id": ws.app_id,
        "token": token,
        "view": ws.view_to_slack(view),
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_envelope(
    ws: Workspace, event: dict[str, Any], *, token: str, event_id: str, event_time: int
) -> dict[str, Any]:
    """An Events API ``event_callback`` envelope around ``event``."""
    return {
        "token": token,
        "team_id": ws.team_id,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-sim-{event_id}",
    }
