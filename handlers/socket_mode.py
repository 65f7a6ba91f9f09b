"""Serving Bolt over Socket Mode: no public URL, every envelope acknowledged.

slack_sdk's built-in client (no extra package) holds the WebSocket; this
module decides what goes back for each envelope, because Bolt's own adapter
acknowledges only the envelopes a listener answered with a 200:

* an envelope no listener handles, or one Bolt cannot read, is still
  acknowledged, so Slack neither retries it nor shows the member a timeout;
* a listener failure is acknowledged with what the member should see: the
  slash command's reply says it did not work, a modal keeps its form with an
  error under the first input (a vote is only confirmed once it is stored);
* Bolt answers after the listener has run (``process_before_response``), so an
  acknowledgement always follows the commit it confirms.

The app-level token is checked when connecting: a wrong or revoked
``SLACK_APP_TOKEN`` stops the bot with one line naming it, at start-up and if
Slack refuses it later when the client reconnects.
"""

from __future__ import annotations

import json
import logging
import secrets
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.errors import PanelError

logger = logging.getLogger(__name__)

#: What Slack answers apps.connections.open with when the app-level token is the problem.
TOKEN_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_allowed_token_type",
        "missing_scope",
    }
)
#: Seconds between the client's pings; a dead connection is noticed within a few of these.
DEFAULT_PING_INTERVAL = 5.0
CONNECT_TIMEOUT = 10.0
#: Seconds to wait for Slack's answer to the close frame before closing regardless.
CLOSE_TIMEOUT = 2.0
CONNECTED_LINE = "connected to Slack in Socket Mode: %s (app %s); waiting for commands"
FAILED_COMMAND_TEXT = "Sorry, that did not work and nothing was confirmed. Please try again."
FAILED_SUBMISSION_TEXT = "Sorry, this was not saved. Please submit it again."


class AppTokenRefused(PanelError):
    """Slack refused SLACK_APP_TOKEN; retrying cannot help."""


def token_refusal(error: str) -> str:
    """The one line a refused app-level token ends in."""
    return (
        f"SLACK_APP_TOKEN was refused by Slack ({error}): set it to the app-level token "
        "(xapp-…, Basic Information → App-Level Tokens, scope connections:write); "
        "if it was revoked, generate a new one"
    )


def acknowledgement(request: SocketModeRequest, response: BoltResponse) -> dict[str, Any]:
    """The message that acknowledges ``request``, given Bolt's answer to it.

    Pure, so every branch is tested without a socket. Every envelope gets one.
    """
    ack: dict[str, Any] = {"envelope_id": request.envelope_id}
    if request.type == "events_api":
        return ack  # Slack reads nothing but the envelope_id of an event's ack
    if response.status == 200:
        body = response.body or ""
        if not body:
            return ack
        content_type = (response.headers.get("content-type") or [""])[0]
        if content_type.startswith("application/json"):
            ack["payload"] = json.loads(body)
        else:
            ack["payload"] = {"text": body}
        return ack
    if response.status < 500:
        return ack  # no listener for it, or not a shape Slack sends: nothing to show
    if request.type == "slash_commands":
        ack["payload"] = {"text": FAILED_COMMAND_TEXT}
    elif request.payload.get("type") == "view_submission":
        block_id = _first_input(request.payload.get("view"))
        if block_id is not None:
            ack["payload"] = {
                "response_action": "errors",
                "errors": {block_id: FAILED_SUBMISSION_TEXT},
            }
    return ack


def close_frame(code: int = 1000) -> bytes:
    """A masked WebSocket close frame (RFC 6455 §5.5.1), as a client must send it."""
    mask = secrets.token_bytes(4)
    payload = struct.pack("!H", code)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x88, 0x80 | len(payload)]) + mask + masked


def _first_input(view: Any) -> str | None:
    if not isinstance(view, dict):
        return None
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def _retry_headers(request: SocketModeRequest) -> dict[str, str | Sequence[str]]:
    """Retries carry the same headers as over HTTP, so listeners see one shape."""
    headers: dict[str, str | Sequence[str]] = {}
    if request.retry_attempt:
        headers["x-slack-retry-num"] = str(request.retry_attempt)
        headers["x-slack-retry-reason"] = request.retry_reason or ""
    return headers


class _QuietOnceRefused(logging.Filter):
    """Silences the client's own error lines once the token is refused: one line says it."""

    def __init__(self, refused: threading.Event) -> None:
        super().__init__()
        self._refused = refused

    def filter(self, record: logging.LogRecord) -> bool:
        return not self._refused.is_set()


class _Client(SocketModeClient):
    """slack_sdk's built-in client, where a refused app token is final, not retried."""

    def __init__(self, *, on_refused: Callable[[str], None], **kwargs: Any) -> None:
        self._on_refused = on_refused
        super().__init__(**kwargs)

    def issue_new_wss_url(self) -> str:
        try:
            response = self.web_client.apps_connections_open(app_token=self.app_token)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "unknown_error")
            if error == "ratelimited":
                delay = int(exc.response.headers.get("Retry-After", "30"))
                logger.info("apps.connections.open is rate limited; retrying in %d s", delay)
                time.sleep(delay)
                return self.issue_new_wss_url()
            if error in TOKEN_ERRORS:
                self._on_refused(error)
                raise AppTokenRefused(token_refusal(error)) from None
            raise
        return str(response["url"])

    def close(self) -> None:
        self.closed = True
        # The message processor waits up to a second on the queue; wake it to see `closed`.
        self.message_queue.put(None)
        super().close()


class SocketModeRunner:
    """The bot's Socket Mode connection: connect, serve until stopped, close."""

    def __init__(
        self,
        app: App,
        app_token: str,
        *,
        ping_interval: float = DEFAULT_PING_INTERVAL,
        concurrency: int = 16,
        who: str = "the bot",
    ) -> None:
        self.app = app
        self.who = who
        self.connected = threading.Event()
        self.stopped = threading.Event()
        self.refused = threading.Event()
        self.refusal: str | None = None
        self.hellos = 0
        # slack_sdk's own logger name: its chatter follows the log level, not the connected line's.
        client_logger = logging.getLogger("slack_sdk.socket_mode.builtin.client")
        self._quiet = _QuietOnceRefused(self.refused)
        self._client_logger = client_logger
        client_logger.addFilter(self._quiet)
        self.client = _Client(
            on_refused=self._token_refused,
            app_token=app_token,
            logger=client_logger,
            web_client=app.client,
            ping_interval=ping_interval,
            concurrency=concurrency,
        )
        self.client.message_listeners.append(self._on_message)
        self.client.socket_mode_request_listeners.append(self._handle)

    # -- lifecycle -------------------------------------------------------------------

    def connect(self, timeout: float = CONNECT_TIMEOUT) -> None:
        """Open the first connection and wait for Slack's ``hello``.

        A refused token raises :class:`AppTokenRefused`; any other failure a
        PanelError; both in one line, with the client closed.
        """
        try:
            self.client.connect()
        except AppTokenRefused:
            self.close()
            raise
        except Exception as exc:
            logger.debug("Socket Mode connection failed", exc_info=exc)
            self.close()
            reason = getattr(exc, "reason", None) or exc
            raise PanelError(
                f"could not open a Socket Mode connection to Slack: {reason}"
            ) from None
        if not self.connected.wait(timeout):
            self.close()
            raise PanelError(
                f"Slack did not answer the Socket Mode connection within {timeout:g} s"
            )

    def serve_until_stopped(self) -> None:
        """Block until :meth:`close` or SIGTERM, or until Slack refuses the app token (raised)."""
        self.stopped.wait()
        if self.refusal is not None:
            raise AppTokenRefused(token_refusal(self.refusal))

    def close(self) -> None:
        """Stop taking envelopes, let those being handled finish and send their acks, close.

        Envelopes already received but not yet handed to a listener are left
        unacknowledged: Slack retries an event, and shows a member their
        command or submission failed, so nothing is acked that was not done.
        The socket is shut down before the client closes: its receiving thread
        holds a lock for as long as a read waits (seconds), and closing would
        wait for that lock.
        """
        client = self.client
        client.auto_reconnect_enabled = False
        client.closed = True
        client.message_queue.put(None)  # wake the processor, which then sees `closed`
        if client.message_processor.is_alive():
            client.message_processor.shutdown()
        client.message_workers.shutdown(wait=True)  # listeners under way finish and ack
        self._say_goodbye()
        sock = getattr(self.client.current_session, "sock", None)
        if isinstance(sock, socket.socket):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                logger.debug("the Socket Mode socket was already closed")
        self.client.close()
        self.stopped.set()
        self._client_logger.removeFilter(self._quiet)

    def _say_goodbye(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """WebSocket's closing handshake, which slack_sdk's client does not do itself.

        Closing the socket outright can reset the connection, and a reset
        discards what Slack has not read yet: the last acks. After a close
        frame, Slack reads everything before it, answers with its own, and the
        client's receiving thread then closes the socket.
        """
        session = self.client.current_session
        sock = getattr(session, "sock", None)
        lock = getattr(session, "sock_send_lock", None)
        if session is None or not isinstance(sock, socket.socket) or lock is None:
            return
        try:
            with lock:
                sock.sendall(close_frame())
        except OSError:
            return
        deadline = time.monotonic() + timeout
        while session.is_active() and time.monotonic() < deadline:
            time.sleep(0.01)

    def _token_refused(self, error: str) -> None:
        self.refusal = error
        self.refused.set()
        if self.connected.is_set():
            # Refused on a reconnect: nothing can be received any more, so stop.
            self.stopped.set()

    # -- messages --------------------------------------------------------------------

    def _on_message(self, client: BaseSocketModeClient, message: dict, raw: str | None) -> None:
        if message.get("type") != "hello":
            return
        self.hellos += 1
        if not self.connected.is_set():
            app_id = (message.get("connection_info") or {}).get("app_id", "?")
            logger.info(CONNECTED_LINE, self.who, app_id)
            self.connected.set()
        else:
            logger.debug("Socket Mode connection renewed (%d so far)", self.hellos)

    def _handle(self, client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        try:
            response = self.app.dispatch(
                BoltRequest(
                    mode="socket_mode", body=request.payload, headers=_retry_headers(request)
                )
            )
        except Exception as exc:
            logger.error(
                "an envelope of type %s could not be dispatched", request.type, exc_info=exc
            )
            response = BoltResponse(status=500, body="")
        if response.status == 404:
            logger.info("acknowledged an envelope no listener handles (%s)", _describe(request))
        try:
            client.send_socket_mode_response(acknowledgement(request, response))
        except Exception as exc:
            # The connection went away: Slack retries an event, and shows the
            # member an error for anything else, so they can try again.
            logger.warning(
                "could not acknowledge an envelope of type %s: %s",
                request.type,
                type(exc).__name__,
            )


def _describe(request: SocketModeRequest) -> str:
    payload = request.payload
    kind = payload.get("type")
    if request.type == "events_api":
        event = payload.get("event")
        kind = event.get("type") if isinstance(event, dict) else kind
    elif request.type == "slash_commands":
        kind = payload.get("command")
    return f"{request.type}: {kind}"


def serve_socket_mode(app: App, app_token: str, who: str = "the bot") -> None:
    """Connect, say so in one line, and serve until stopped (Ctrl-C) or refused.

    The connected line is logged whatever the log level (``vcop serve``
    without ``-v`` shows warnings only), since it is how an operator knows
    the bot is reachable.
    """
    runner = SocketModeRunner(app, app_token, who=who)
    if not logger.isEnabledFor(logging.INFO):
        logger.setLevel(logging.INFO)
        logger.addFilter(_ConnectedLineOnly())
    runner.connect()
    previous = _on_sigterm(runner.stopped.set)
    try:
        runner.serve_until_stopped()
    finally:
        runner.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_sigterm(stop: Callable[[], None]) -> Any:
    """SIGTERM (a service manager stopping the bot) ends serving as Ctrl-C does.

    Returns the handler it replaced, or None when not on the main thread
    (where Python allows no signal handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda signum, frame: stop())


class _ConnectedLineOnly(logging.Filter):
    """Below WARNING, let only the connected line through."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.msg == CONNECTED_LINE
