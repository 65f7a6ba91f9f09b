"""The simulated Slack *platform* talking to the bot: commands, clicks, submissions, events.

:class:`SimulatedSlack` plays the part of Slack's servers acting for a member:
it signs and sends the same HTTP requests Slack would, then interprets the
bot's acknowledgement the way Slack's client does (a slash-command ack shown as
an ephemeral, ``response_action: errors`` kept under the inputs, an empty ack
closing the modal …).  Tests and the demo drive the bot only through this, so
the bot's HTTP surface is exercised exactly as in production.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from . import payloads
from .errors import ApiError, SimulationError
from .limits import ACK_DEADLINE_SECONDS
from .methods import check_message_content, check_view
from .models import Ephemeral, Message, Surface, ViewRecord
from .payloads import Answer
from .signing import RETRY_NUM_HEADER, RETRY_REASON_HEADER, Forgery, sign_request
from .socket_mode import EnvelopeType, SocketAck
from .web_api import WebApiServer

logger = logging.getLogger(__name__)

#: Builds the ``actions[0]`` entry from the located ``(element, block)``.
ActionBuilder = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]

_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"

#: How Slack reaches the bot: signed HTTP requests, or envelopes over a Socket Mode WebSocket.
Transport = Literal["http", "socket"]
#: Interaction types whose acknowledgement Slack reads a payload from (a response_action).
_RESPONSE_PAYLOAD_TYPES = frozenset({"view_submission", "block_suggestion"})


@dataclass(frozen=True)
class BotResponse:
    """What the bot answered to one request (``status`` 0 when there was no answer)."""

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float
    timed_out: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        """A 200 within the deadline: Slack considers the request acknowledged."""
        return self.status == 200 and not self.timed_out

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", errors="replace")

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body.strip() else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None

    @classmethod
    def from_socket_ack(cls, ack: SocketAck) -> BotResponse:
        """A Socket Mode acknowledgement read as the HTTP answer it stands for.

        An acknowledgement is a 200 whose body is its ``payload``; no
        acknowledgement is no answer at all, as an HTTP timeout is.
        """
        if not ack.acked:
            return cls(0, {}, b"", ack.elapsed, timed_out=ack.timed_out, error=ack.error)
        body = json.dumps(ack.payload).encode("utf-8") if ack.payload else b""
        return cls(200, {"Content-Type": _JSON}, body, ack.elapsed)


@dataclass
class SlashCommandResult:
    """The outcome of :meth:`SimulatedSlack.slash_command`."""

    response: BotResponse
    trigger_id: str
    response_url: str
    channel_id: str
    #: What Slack displayed from the HTTP acknowledgement: an ephemeral, a message, or nothing.
    shown: Ephemeral | Message | None = None

    @property
    def status(self) -> int:
        """HTTP status of the acknowledgement."""
        return self.response.status

    @property
    def shown_text(self) -> str:
        """The text Slack displayed from the acknowledgement ("" when it showed nothing)."""
        return self.shown.text if self.shown is not None else ""


@dataclass
class ActionResult:
    """The outcome of a ``block_actions`` interaction (button click / selection)."""

    response: BotResponse
    trigger_id: str
    payload: dict[str, Any]
    #: Only for interactions in messages; views have none.
    response_url: str | None = None

    @property
    def status(self) -> int:
        """HTTP status of the acknowledgement."""
        return self.response.status


@dataclass
class SubmissionResult:
    """The outcome of :meth:`SimulatedSlack.submit_view`, as the member would see it."""

    view_id: str
    #: False when the Slack client itself refused to submit (blank required field, too long …).
    sent: bool
    response: BotResponse | None = None
    trigger_id: str | None = None
    payload: dict[str, Any] | None = None
    response_action: str | None = None
    #: block_id -> message shown under the input (from the bot or from the client-side check).
    errors: dict[str, str] = field(default_factory=dict)
    #: True when the submitted view is no longer on screen.
    closed: bool = False
    #: Things Slack would have rejected or shown as a generic failure, in words.
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> int | None:
        """HTTP status of the acknowledgement (``None`` when nothing was sent)."""
        return self.response.status if self.response is not None else None


@dataclass
class EventResult:
    """The outcome of an Events API delivery."""

    response: BotResponse
    event_id: str
    payload: dict[str, Any]

    @property
    def status(self) -> int:
        """HTTP status of the acknowledgement."""
        return self.response.status


class SimulatedSlack:
    """Sends Slack's requests to the bot on behalf of simulated members.

    ``request_url`` is the bot's single Bolt endpoint (e.g.
    ``http://127.0.0.1:PORT/slack/events``); separate URLs for commands,
    interactivity and events can be given when the bot splits them.
    ``ack_deadline`` is how long Slack waits for an acknowledgement (3 s in
    production); slow machines may need more, but then timing bugs hide.

    With ``transport="socket"`` the same commands, clicks, submissions and
    events travel as Socket Mode envelopes over the bot's WebSocket (see
    :mod:`.socket_mode`), and the acknowledgement is read exactly as the HTTP
    answer would be; there is then no request URL and nothing is signed.
    """

    def __init__(
        self,
        server: WebApiServer,
        *,
        request_url: str | None = None,
        signing_secret: str = "",
        transport: Transport = "http",
        verification_token: str = "sim-verification-token",
        ack_deadline: float = ACK_DEADLINE_SECONDS,
        commands_url: str | None = None,
        interactivity_url: str | None = None,
        events_url: str | None = None,
    ) -> None:
        if transport == "http" and not (request_url and signing_secret):
            raise SimulationError("the HTTP transport needs request_url and signing_secret")
        self.server = server
        self.workspace = server.workspace
        self.transport: Transport = transport
        self.signing_secret = signing_secret
        self.verification_token = verification_token
        self.ack_deadline = ack_deadline
        self.commands_url = commands_url or request_url or ""
        self.interactivity_url = interactivity_url or request_url or ""
        self.events_url = events_url or request_url or ""
        self._event_ids = itertools.count(1)

    @property
    def socket_mode(self) -> bool:
        """Whether requests travel as Socket Mode envelopes."""
        return self.transport == "socket"

    def send_envelope(
        self,
        envelope_type: EnvelopeType,
        payload: dict[str, Any],
        *,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        envelope_id: str | None = None,
    ) -> SocketAck:
        """Send one Socket Mode envelope and wait for its acknowledgement.

        ``accepts_response_payload`` is set as Slack sets it: for slash commands
        and for the interactions whose acknowledgement can carry a response.
        """
        if envelope_type == "slash_commands":
            accepts = True
        elif envelope_type == "interactive":
            accepts = payload.get("type") in _RESPONSE_PAYLOAD_TYPES
        else:
            accepts = False
        return self.server.socket_mode.deliver(
            envelope_type,
            payload,
            accepts_response_payload=accepts,
            ack_deadline=self.ack_deadline,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            envelope_id=envelope_id,
        )

    def _over_socket(
        self,
        envelope_type: EnvelopeType,
        payload: dict[str, Any] | str,
        *,
        forgery: Forgery,
        retry_num: int | None,
        retry_reason: str | None = None,
    ) -> BotResponse:
        if forgery is not Forgery.NONE:
            raise SimulationError("Socket Mode requests are not signed, so they cannot be forged")
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except json.JSONDecodeError as exc:
                raise SimulationError("Socket Mode carries JSON payloads only") from exc
            if not isinstance(payload, dict):
                raise SimulationError("a Socket Mode payload is a JSON object")
        ack = self.send_envelope(
            envelope_type, payload, retry_attempt=retry_num, retry_reason=retry_reason
        )
        if not ack.acked:
            logger.info("bot did not acknowledge envelope %s: %s", ack.envelope_id, ack.error)
        return BotResponse.from_socket_ack(ack)

    # -- raw transport -----------------------------------------------------------------

    def send_raw(
        self,
        body: bytes,
        content_type: str,
        *,
        url: str | None = None,
        headers: Mapping[str, str] | None = None,
        sign: bool = True,
        forgery: Forgery = Forgery.NONE,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> BotResponse:
        """POST arbitrary bytes to the bot, signed (or forged) like Slack would.

        For hostile-input tests: malformed JSON, oversized bodies, wrong content types.
        """
        if self.socket_mode:
            raise SimulationError("raw request bodies exist only over HTTP, not Socket Mode")
        all_headers = {"Content-Type": content_type, "User-Agent": _USER_AGENT, "Accept": "*/*"}
        if sign:
            signature_headers, body = sign_request(self.signing_secret, body, forgery=forgery)
            all_headers.update(signature_headers)
        if retry_num is not None:
            all_headers[RETRY_NUM_HEADER] = str(retry_num)
            all_headers[RETRY_REASON_HEADER] = retry_reason or "http_timeout"
        all_headers.update(headers or {})
        request = urllib.request.Request(
            url or self.interactivity_url, data=body, headers=all_headers, method="POST"
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.ack_deadline) as resp:
                data = resp.read()
                return BotResponse(
                    resp.status, dict(resp.headers.items()), data, time.monotonic() - started
                )
        except urllib.error.HTTPError as exc:
            data = exc.read()
            return BotResponse(
                exc.code, dict(exc.headers.items()), data, time.monotonic() - started
            )
        except TimeoutError:
            return self._no_answer(started, timed_out=True, error="operation_timeout")
        except urllib.error.URLError as exc:
            timed_out = isinstance(exc.reason, TimeoutError)
            return self._no_answer(started, timed_out=timed_out, error=str(exc.reason))
        except ConnectionError as exc:
            return self._no_answer(started, timed_out=False, error=str(exc))

    @staticmethod
    def _no_answer(started: float, *, timed_out: bool, error: str) -> BotResponse:
        logger.info("bot did not answer: %s", error)
        return BotResponse(0, {}, b"", time.monotonic() - started, timed_out=timed_out, error=error)

    def send_payload(
        self,
        payload: dict[str, Any] | str,
        *,
        forgery: Forgery = Forgery.NONE,
        url: str | None = None,
        retry_num: int | None = None,
    ) -> BotResponse:
        """POST an interaction payload as Slack does: form field ``payload`` holding JSON.

        Over Socket Mode the payload travels in an ``interactive`` envelope instead.
        """
        if self.socket_mode:
            return self._over_socket("interactive", payload, forgery=forgery, retry_num=retry_num)
        text = payload if isinstance(payload, str) else json.dumps(payload)
        body = urlencode({"payload": text}).encode("utf-8")
        return self.send_raw(
            body, _FORM, url=url or self.interactivity_url, forgery=forgery, retry_num=retry_num
        )

    def send_json(
        self,
        data: dict[str, Any],
        *,
        forgery: Forgery = Forgery.NONE,
        url: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> BotResponse:
        """POST a JSON body as the Events API does (``events_api`` envelope over Socket Mode)."""
        if self.socket_mode:
            if data.get("type") != "event_callback":
                raise SimulationError("over Socket Mode only event_callback bodies are delivered")
            return self._over_socket(
                "events_api",
                data,
                forgery=forgery,
                retry_num=retry_num,
                retry_reason=retry_reason,
            )
        body = json.dumps(data).encode("utf-8")
        return self.send_raw(
            body,
            _JSON,
            url=url or self.events_url,
            forgery=forgery,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )

    # -- slash commands ----------------------------------------------------------------

    def slash_command_form(
        self,
        user_id: str,
        text: str = "",
        *,
        command: str = "/vcop",
        channel_id: str | None = None,
    ) -> dict[str, str]:
        """The form fields Slack would post for ``/command text`` typed by ``user_id``.

        Each call issues a fresh trigger_id and response_url, as Slack does per
        command; tests that craft or tamper with a request start from this form.
        """
        ws = self.workspace
        self._require_user(user_id)
        channel_id = channel_id or ws.dm_channel_for(user_id)
        if not ws.channel(channel_id).visible_to(user_id):
            raise SimulationError(f"{user_id} cannot type a command in {channel_id}")
        trigger_id = self.server.issue_trigger_id(user_id)
        response_url = self.server.issue_response_url(user_id, channel_id)
        return payloads.slash_command_form(
            ws,
            user_id=user_id,
            channel_id=channel_id,
            command=command,
            text=text,
            token=self.verification_token,
            response_url=response_url,
            trigger_id=trigger_id,
        )

    def slash_command(
        self,
        user_id: str,
        text: str = "",
        *,
        command: str = "/vcop",
        channel_id: str | None = None,
        forgery: Forgery = Forgery.NONE,
        retry_num: int | None = None,
    ) -> SlashCommandResult:
        """Run ``/command text`` as ``user_id`` (default channel: their DM with the app).

        The acknowledgement body is rendered as Slack does: plain text or
        ``text``/``blocks`` JSON becomes an ephemeral for the invoker (or a channel
        message with ``response_type: in_channel``); a failure or timeout becomes
        Slack's "failed with the error" ephemeral.
        """
        form = self.slash_command_form(user_id, text, command=command, channel_id=channel_id)
        channel_id = form["channel_id"]
        if self.socket_mode:
            response = self._over_socket(
                "slash_commands", dict(form), forgery=forgery, retry_num=retry_num
            )
        else:
            response = self.send_raw(
                urlencode(form).encode("utf-8"),
                _FORM,
                url=self.commands_url,
                forgery=forgery,
                retry_num=retry_num,
            )
        result = SlashCommandResult(response, form["trigger_id"], form["response_url"], channel_id)
        if forgery is Forgery.NONE:
            result.shown = self._show_command_ack(user_id, channel_id, command, response)
        return result

    def _show_command_ack(
        self, user_id: str, channel_id: str, command: str, response: BotResponse
    ) -> Ephemeral | Message | None:
        ws = self.workspace
        if not response.ok:
            reason = "operation_timeout" if response.timed_out else "http_service_error"
            return ws.add_ephemeral(
                channel_id,
                user_id,
                text=f'{command} failed with the error "{reason}"',
                source="slack_error",
            )
        if not response.body.strip():
            return None
        data = response.json
        if not isinstance(data, dict):
            return ws.add_ephemeral(channel_id, user_id, text=response.text, source="command_ack")
        text, blocks = data.get("text"), data.get("blocks")
        try:
            check_message_content(text, blocks, require_content=False)
        except ApiError as exc:
            logger.warning("slash command ack rejected by Slack: %s", exc)
            return ws.add_ephemeral(
                channel_id,
                user_id,
                text=f'{command} failed with the error "{exc.code}"',
                source="slack_error",
            )
        if not text and not blocks:
            return None
        if data.get("response_type") == "in_channel":
            return ws.post_message(channel_id, text=text or "", blocks=blocks, source="command_ack")
        return ws.add_ephemeral(
            channel_id, user_id, text=text or "", blocks=blocks, source="command_ack"
        )

    # -- block actions -----------------------------------------------------------------

    def click_button(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        *,
        message: tuple[str, str] | None = None,
        view_id: str | None = None,
        forgery: Forgery = Forgery.NONE,
    ) -> ActionResult:
        """Click a button the member can see, in a message ``(channel, ts)`` or a view.

        The button is looked up by ``action_id`` (and ``value`` when several share
        it), so the payload carries its real ``block_id`` and ``text``.  The
        message may also be one of the member's ephemerals (by its ts).
        """

        def build(element: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
            action: dict[str, Any] = {
                "type": "button",
                "action_id": element.get("action_id"),
                "block_id": block.get("block_id"),
                "text": element.get("text"),
                "action_ts": self._action_ts(),
            }
            for key in ("value", "style", "url"):
                if element.get(key) is not None:
                    action[key] = element[key]
            return action

        result = self._interact(
            user_id,
            action_id,
            frozenset({"button"}),
            value=value,
            message=message,
            view_id=view_id,
            build_action=build,
            forgery=forgery,
        )
        assert result is not None, "button clicks always send a request"
        return result

    def select_option(
        self,
        user_id: str,
        action_id: str,
        value: str,
        *,
        message: tuple[str, str] | None = None,
        view_id: str | None = None,
        block_id: str | None = None,
        forgery: Forgery = Forgery.NONE,
    ) -> ActionResult | None:
        """Pick an option in a static select / radio group / overflow menu.

        In a view the choice is stored in the view state.  Inside an ``input``
        block without ``dispatch_action`` Slack sends nothing until submission,
        so ``None`` is returned; otherwise a ``block_actions`` request is sent.
        ``block_id`` picks one of several selects sharing an ``action_id``.
        """
        types = frozenset({"static_select", "radio_buttons", "overflow", "external_select"})

        def build(element: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
            action: dict[str, Any] = {
                "type": element.get("type"),
                "action_id": element.get("action_id"),
                "block_id": block.get("block_id"),
                "selected_option": payloads.find_option(element, value),
                "action_ts": self._action_ts(),
            }
            if element.get("placeholder") is not None:
                action["placeholder"] = element["placeholder"]
            return action

        return self._interact(
            user_id,
            action_id,
            types,
            value=None,
            selected=value,
            message=message,
            view_id=view_id,
            build_action=build,
            forgery=forgery,
            block_id=block_id,
        )

    def enter_text(self, user_id: str, view_id: str, block_id: str, text: str) -> None:
        """Type into a text input of an open view; Slack sends nothing until submission.

        The text sits in the view's state, so a later ``block_actions`` payload
        (a button pressed in the same modal) carries it, as in Slack.
        """
        ws = self.workspace
        self._require_user(user_id)
        view = self._visible_view(user_id, view_id)
        inputs = payloads.input_blocks(view)
        block = next((b for b in inputs if b.get("block_id") == block_id), None)
        if block is None:
            raise SimulationError(f"view {view_id} has no input block {block_id!r}")
        element = block["element"]
        state = copy.deepcopy(view.state)
        state.setdefault("values", {}).setdefault(block_id, {})[str(element.get("action_id"))] = (
            payloads.element_state(element, text)
        )
        ws.set_view_state(view.id, state)

    def _interact(
        self,
        user_id: str,
        action_id: str,
        types: frozenset[str],
        *,
        value: str | None,
        message: tuple[str, str] | None,
        view_id: str | None,
        build_action: ActionBuilder,
        forgery: Forgery,
        selected: str | None = None,
        block_id: str | None = None,
    ) -> ActionResult | None:
        ws = self.workspace
        self._require_user(user_id)
        if (message is None) == (view_id is None):
            raise SimulationError("pass exactly one of message=(channel, ts) or view_id=")
        if view_id is not None:
            view = self._visible_view(user_id, view_id)
            block, element = payloads.find_element(
                view.blocks,
                action_id,
                types=types,
                value=value,
                where=f"view {view_id}",
                block_id=block_id,
            )
            if (
                selected is not None and element.get("type") != "overflow"
            ):  # overflows are stateless
                state = copy.deepcopy(view.state)
                entry = payloads.element_state(element, selected)
                state.setdefault("values", {}).setdefault(str(block.get("block_id")), {})[
                    str(element.get("action_id"))
                ] = entry
                ws.set_view_state(view.id, state)
                view = ws.view(view.id)
                if block.get("type") == "input" and not block.get("dispatch_action"):
                    return None
            trigger_id = self.server.issue_trigger_id(user_id, view_id=view.id)
            payload = payloads.block_actions_payload(
                ws,
                user_id=user_id,
                token=self.verification_token,
                trigger_id=trigger_id,
                action=build_action(element, block),
                view=view,
            )
            return ActionResult(self.send_payload(payload, forgery=forgery), trigger_id, payload)
        assert message is not None
        channel_id, ts = message
        found_message, ephemeral = self._visible_message(user_id, channel_id, ts)
        blocks = (
            found_message.blocks
            if found_message is not None
            else ephemeral.blocks
            if ephemeral
            else []
        )
        block, element = payloads.find_element(
            blocks, action_id, types=types, value=value, where=f"message {channel_id}/{ts}"
        )
        trigger_id = self.server.issue_trigger_id(user_id)
        response_url = self.server.issue_response_url(
            user_id, channel_id, message_ts=ts, is_ephemeral=found_message is None
        )
        payload = payloads.block_actions_payload(
            ws,
            user_id=user_id,
            token=self.verification_token,
            trigger_id=trigger_id,
            action=build_action(element, block),
            message=found_message,
            ephemeral_ts=ts,
            channel_id=channel_id,
            response_url=response_url,
        )
        return ActionResult(
            self.send_payload(payload, forgery=forgery), trigger_id, payload, response_url
        )

    # -- views -------------------------------------------------------------------------

    def submit_view(
        self,
        user_id: str,
        view_id: str | None = None,
        values: Mapping[str, Answer] | None = None,
        *,
        enforce_required: bool = True,
        forgery: Forgery = Forgery.NONE,
    ) -> SubmissionResult:
        """Fill in and submit a modal (default: the member's topmost one).

        ``values`` maps input ``block_id`` to the answer: text for text inputs, the
        option ``value`` for selects/radios, a list for multi-selects/checkboxes,
        ``None`` to leave blank.  Unlisted inputs keep what was selected before or
        their initial value.  Like the Slack client, blank required inputs and
        length violations are refused locally (``sent=False``) unless
        ``enforce_required`` is false.
        """
        ws = self.workspace
        self._require_user(user_id)
        view = self._top_modal(user_id, view_id)
        if view.view.get("submit") is None:
            raise SimulationError(f"modal {view.id} has no submit button")
        state = payloads.build_submission_state(view, dict(values or {}))
        if enforce_required:
            client_errors = payloads.client_side_errors(view, state)
            if client_errors:
                return SubmissionResult(view.id, sent=False, errors=client_errors)
        ws.set_view_state(view.id, state)
        view = ws.view(view.id)
        trigger_id = self.server.issue_trigger_id(user_id, view_id=view.id)
        payload = payloads.view_submission_payload(
            ws, user_id=user_id, token=self.verification_token, trigger_id=trigger_id, view=view
        )
        response = self.send_payload(payload, forgery=forgery)
        result = SubmissionResult(
            view.id, sent=True, response=response, trigger_id=trigger_id, payload=payload
        )
        if forgery is Forgery.NONE:
            self._apply_submission_ack(user_id, view, result)
        return result

    def _apply_submission_ack(
        self, user_id: str, view: ViewRecord, result: SubmissionResult
    ) -> None:
        """Do what Slack does with the acknowledgement of a view_submission."""
        ws = self.workspace
        response = result.response
        assert response is not None
        if not response.ok:
            result.problems.append(
                "Slack shows 'We had some trouble connecting': "
                + (
                    "no acknowledgement within the deadline"
                    if response.timed_out
                    else f"HTTP {response.status}"
                )
            )
            return
        if not response.body.strip():
            ws.close_top_modal(user_id)
            result.closed = True
            return
        data = response.json
        if not isinstance(data, dict):
            result.problems.append(f"acknowledgement is not JSON: {response.text[:200]!r}")
            return
        action = data.get("response_action")
        result.response_action = action if isinstance(action, str) else None
        try:
            if action == "errors":
                self._apply_errors(view, data.get("errors"), result)
            elif action == "update":
                ws.update_view(view.id, check_view(data.get("view"), expected_type="modal"))
            elif action == "push":
                ws.push_modal(user_id, check_view(data.get("view"), expected_type="modal"))
            elif action == "clear":
                ws.close_all_modals(user_id)
                result.closed = True
            elif action is None:
                ws.close_top_modal(user_id)
                result.closed = True
            else:
                result.problems.append(f"unknown response_action {action!r}")
        except ApiError as exc:
            result.problems.append(f"Slack rejected response_action {action!r}: {exc}")

    def _apply_errors(self, view: ViewRecord, errors: Any, result: SubmissionResult) -> None:
        if not isinstance(errors, dict) or not errors:
            result.problems.append("response_action errors without an errors object")
            return
        input_ids = {str(b.get("block_id")) for b in payloads.input_blocks(view)}
        unknown = sorted(set(errors) - input_ids)
        if unknown:
            result.problems.append(
                f"errors for non-input block_ids {unknown} are not displayed by Slack"
            )
        shown = {str(k): str(v) for k, v in errors.items() if k in input_ids}
        self.workspace.set_view_errors(view.id, shown)
        result.errors = shown

    def close_view(
        self, user_id: str, view_id: str | None = None, *, all_views: bool = False
    ) -> BotResponse | None:
        """Press "Cancel"/"Back" (pops one view) or the X (``all_views``).

        A ``view_closed`` request is sent only when the view asked for it with
        ``notify_on_close``; the response is returned in that case.
        """
        ws = self.workspace
        view = self._top_modal(user_id, view_id)
        response = None
        if view.view.get("notify_on_close"):
            payload = payloads.view_closed_payload(
                ws, user_id=user_id, token=self.verification_token, view=view, is_cleared=all_views
            )
            response = self.send_payload(payload)
        if all_views:
            ws.close_all_modals(user_id)
        else:
            ws.close_top_modal(user_id)
        return response

    # -- events ------------------------------------------------------------------------

    def send_event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        forgery: Forgery = Forgery.NONE,
    ) -> EventResult:
        """Deliver one Events API event in an ``event_callback`` envelope.

        Reuse ``event_id`` with ``retry_num`` to simulate Slack's redelivery.
        """
        event_id = event_id or f"Ev0S{next(self._event_ids):08X}"
        envelope = payloads.event_envelope(
            self.workspace,
            event,
            token=self.verification_token,
            event_id=event_id,
            event_time=int(self.workspace.clock.now()),
        )
        response = self.send_json(
            envelope, forgery=forgery, retry_num=retry_num, retry_reason=retry_reason
        )
        return EventResult(response, event_id, envelope)

    def app_home_opened(
        self,
        user_id: str,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        forgery: Forgery = Forgery.NONE,
    ) -> EventResult:
        """The member opens the app's Home tab."""
        ws = self.workspace
        self._require_user(user_id)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": ws.dm_channel_for(user_id),
            "tab": "home",
            "event_ts": ws.next_ts(),
        }
        home = ws.home_view(user_id)
        if home is not None:
            event["view"] = ws.view_to_slack(home)
        return self.send_event(
            event,
            event_id=event_id,
            retry_num=retry_num,
            retry_reason=retry_reason,
            forgery=forgery,
        )

    def send_file_to_dm(
        self,
        user_id: str,
        name: str,
        content: bytes,
        *,
        forgery: Forgery = Forgery.NONE,
    ) -> EventResult:
        """The member drops a file into the app's Messages tab: a signed ``message`` event.

        The file lands in the workspace (its ``url_private_download`` served only
        with a bot token) and its message in the DM, then Slack tells the bot, as
        ``message.im`` does, with subtype ``file_share``. Resend the same delivery
        with ``send_event(result.payload["event"], event_id=result.event_id, retry_num=1)``.
        """
        ws = self.workspace
        self._require_user(user_id)
        record, message = ws.share_user_file(user_id, name, content)
        event: dict[str, Any] = {
            "type": "message",
            "subtype": "file_share",
            "channel": message.channel,
            "channel_type": "im",
            "user": user_id,
            "text": "",
            "ts": message.ts,
            "event_ts": message.ts,
            "upload": True,
            "display_as_bot": False,
            "files": [ws.file_to_slack(record)],
        }
        return self.send_event(event, forgery=forgery)

    def url_verification(self, challenge: str = "sim-challenge") -> tuple[BotResponse, bool]:
        """Slack's URL handshake; returns the response and whether the challenge was echoed."""
        payload = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        response = self.send_json(payload)
        data = response.json
        echoed = (
            isinstance(data, dict) and data.get("challenge") == challenge
        ) or response.text.strip() == challenge
        return response, bool(response.ok and echoed)

    # -- readers -----------------------------------------------------------------------

    def messages(self, channel_id: str) -> list[Message]:
        """Live messages in a channel (or DM), oldest first."""
        return self.workspace.messages(channel_id)

    def dms_for(self, user_id: str) -> list[Message]:
        """Messages in the member's DM with the app."""
        return self.workspace.messages(self.workspace.dm_channel_for(user_id))

    def ephemerals_for(self, user_id: str) -> list[Ephemeral]:
        """Ephemerals still on the member's screen."""
        return self.workspace.ephemerals_for(user_id)

    def open_modal(self, user_id: str) -> ViewRecord | None:
        """The member's topmost open modal view."""
        return self.workspace.open_modal(user_id)

    def latest_view_for(self, user_id: str) -> ViewRecord | None:
        """The view most recently opened/updated/published for the member."""
        return self.workspace.latest_view_for(user_id)

    def home_view(self, user_id: str) -> ViewRecord | None:
        """The member's App Home, if published."""
        return self.workspace.home_view(user_id)

    def surfaces_seen_by(self, user_id: str) -> list[Surface]:
        """Everything the member could ever have seen (see :meth:`Workspace.surfaces_seen_by`)."""
        return self.workspace.surfaces_seen_by(user_id)

    # -- helpers -----------------------------------------------------------------------

    def _action_ts(self) -> str:
        return f"{self.workspace.clock.now():.6f}"

    def _require_user(self, user_id: str) -> None:
        try:
            self.workspace.user(user_id)
        except ApiError as exc:
            raise SimulationError(f"{user_id} is not a member of the simulated workspace") from exc

    def _visible_view(self, user_id: str, view_id: str) -> ViewRecord:
        try:
            view = self.workspace.view(view_id)
        except ApiError as exc:
            raise SimulationError(f"there is no view {view_id}") from exc
        if view.user_id != user_id:
            raise SimulationError(f"view {view_id} belongs to {view.user_id}, not {user_id}")
        if view.type == "modal":
            top = self.workspace.open_modal(user_id)
            if top is None or top.id != view_id:
                raise SimulationError(f"modal {view_id} is not the one on {user_id}'s screen")
        return view

    def _top_modal(self, user_id: str, view_id: str | None) -> ViewRecord:
        top = self.workspace.open_modal(user_id)
        if top is None:
            raise SimulationError(f"{user_id} has no modal open")
        if view_id is not None and top.id != view_id:
            raise SimulationError(
                f"modal {view_id} is not the one on {user_id}'s screen (top is {top.id})"
            )
        return top

    def _visible_message(
        self, user_id: str, channel_id: str, ts: str
    ) -> tuple[Message | None, Ephemeral | None]:
        ws = self.workspace
        try:
            channel = ws.channel(channel_id)
        except ApiError as exc:
            raise SimulationError(f"there is no channel {channel_id}") from exc
        if not channel.visible_to(user_id):
            raise SimulationError(f"{user_id} cannot see channel {channel_id}")
        try:
            return ws.message(channel_id, ts), None
        except ApiError:
            pass
        ephemeral = ws.ephemeral(user_id, ts)
        if ephemeral is None or ephemeral.channel != channel_id:
            raise SimulationError(f"no message {ts} visible to {user_id} in {channel_id}")
        return None, ephemeral
