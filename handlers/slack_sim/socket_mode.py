"""The simulated Socket Mode endpoint: Slack's side of the app's WebSocket.

Slack's Socket Mode works like this, and so does this server:

* the app calls ``apps.connections.open`` with its app-level token (``xapp-…``)
  and gets a one-use ``wss://…/link/?ticket=…`` URL (here ``ws://127.0.0.1:PORT``);
* on connecting, Slack sends ``{"type": "hello", …}``;
* each slash command, interaction and event arrives as an envelope
  ``{"envelope_id", "type", "payload", "accepts_response_payload"}`` (events
  also carry ``retry_attempt`` and ``retry_reason``); the app acknowledges it by
  sending ``{"envelope_id": …}`` back, with a ``payload`` where Slack takes one
  (a slash command's reply, a view submission's ``response_action``);
* before Slack recycles a connection it sends ``{"type": "disconnect",
  "reason": "refresh_requested"}``; the app opens a new connection, and Slack
  closes the old one once the new one is up.

Acknowledgements are matched by ``envelope_id`` on whichever connection they
arrive, as Slack's own client may answer on the connection that replaced the
one an envelope came in on. :meth:`SocketModeServer.drop` cuts every
connection without a close frame, as a network failure would.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

logger = logging.getLogger(__name__)

EnvelopeType = Literal["slash_commands", "interactive", "events_api"]

#: How long a connection that was asked to refresh stays open once its replacement is up,
#: so acknowledgements of envelopes already sent on it can still arrive.
REFRESH_GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class SocketAck:
    """What came back for one envelope: the acknowledgement, or why there was none."""

    envelope_id: str
    acked: bool
    elapsed: float
    #: The acknowledgement's ``payload`` (``None`` for a bare ``{"envelope_id"}``).
    payload: dict[str, Any] | None = None
    timed_out: bool = False
    error: str | None = None


@dataclass
class _Pending:
    done: threading.Event = field(default_factory=threading.Event)
    message: dict[str, Any] | None = None
    lost: bool = False


@dataclass
class _Link:
    """One open WebSocket connection from the app."""

    number: int
    connection: ServerConnection
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    refreshing: bool = False
    closed: threading.Event = field(default_factory=threading.Event)
    envelopes: set[str] = field(default_factory=set)


class SocketModeServer:
    """Slack's Socket Mode endpoint on ``127.0.0.1:<ephemeral port>``.

    :meth:`issue_url` is what ``apps.connections.open`` returns; :meth:`deliver`
    sends one envelope and waits for its acknowledgement.
    """

    def __init__(self, app_id: str, *, refresh_grace: float = REFRESH_GRACE_SECONDS) -> None:
        self.app_id = app_id
        self.refresh_grace = refresh_grace
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._tickets: set[str] = set()
        self._links: list[_Link] = []
        self._pending: dict[str, _Pending] = {}
        self._numbers = itertools.count(1)
        self._envelope_ids = itertools.count(1)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        #: Every connection the app opened (hello sent), in order.
        self.connections_opened = 0
        #: Every envelope sent, as sent, for tests to inspect.
        self.sent: list[dict[str, Any]] = []
        #: Every message the app sent that was not an acknowledgement of a pending envelope.
        self.unmatched: list[Any] = []
        #: Acknowledgements read in time for the envelope they answer.
        self.acks_received = 0

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> SocketModeServer:
        with self._lock:
            if self._server is not None:
                return self
            self._server = serve(
                self._handle,
                "127.0.0.1",
                0,
                process_request=self._check_ticket,
                compression=None,
                logger=logging.getLogger(f"{__name__}.websockets"),
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="slack-sim-socket-mode", daemon=True
            )
            self._thread.start()
        logger.info("simulated Socket Mode listening on port %d", self.port)
        return self

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            thread, self._thread = self._thread, None
        if server is None:
            return
        self.drop()
        server.shutdown()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Socket Mode server is not started")
        return int(self._server.socket.getsockname()[1])

    # -- apps.connections.open -------------------------------------------------------

    def issue_url(self) -> str:
        """A fresh one-use WebSocket URL, as ``apps.connections.open`` returns."""
        self.start()
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
        with self._lock:
            valid = parts.path == "/link/" and ticket in self._tickets
            self._tickets.discard(ticket)
        if valid:
            return None
        logger.info("refused a Socket Mode connection with an unknown or used ticket")
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")

    # -- connections -----------------------------------------------------------------

    def _handle(self, connection: ServerConnection) -> None:
        link = _Link(number=next(self._numbers), connection=connection)
        hello = {
            "type": "hello",
            "num_connections": 0,
            "debug_info": {
                "host": f"applink-sim-{link.number}",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }
        with self._lock:
            self._links.append(link)
            hello["num_connections"] = len(self._links)
            self.connections_opened += 1
            self._changed.notify_all()
        try:
            self._send(link, hello)
            for raw in connection:
                self._receive(raw)
        except ConnectionClosed:
            pass
        except OSError as exc:
            logger.debug("connection %d failed: %s", link.number, exc)
        finally:
            self._forget(link)

    def _receive(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            self.unmatched.append(raw)
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._lock:
            pending = self._pending.get(envelope_id) if isinstance(envelope_id, str) else None
            if pending is None or pending.done.is_set():
                self.unmatched.append(message)
                return
            pending.message = message
            pending.done.set()
            self.acks_received += 1

    def _forget(self, link: _Link) -> None:
        with self._lock:
            if link in self._links:
                self._links.remove(link)
            link.closed.set()
            # An ack may come back on any open connection (the app answers on the one
            # that replaced a refreshed connection); with none left open, envelopes sent
            # on this one and not acknowledged can no longer be.
            orphans = () if self._links else link.envelopes
            for envelope_id in orphans:
                pending = self._pending.get(envelope_id)
                if pending is not None and not pending.done.is_set():
                    pending.lost = True
                    pending.done.set()
            self._changed.notify_all()

    def _send(self, link: _Link, message: dict[str, Any]) -> None:
        with link.send_lock:
            link.connection.send(json.dumps(message))

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._links)

    def wait_for_connection(self, timeout: float = 10.0, *, fresh_after: int = 0) -> bool:
        """Wait until a connection that is not being refreshed is open.

        With ``fresh_after``, wait for one opened after that many connections in all.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if self.connections_opened > fresh_after and any(
                    not link.refreshing for link in self._links
                ):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)

    # -- envelopes -------------------------------------------------------------------

    def _pick_link(self, timeout: float) -> _Link | None:
        """The newest connection not being refreshed; a refreshing one only if none is
        within ``timeout``; None at once when no connection is open at all."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                fresh = [link for link in self._links if not link.refreshing]
                if fresh:
                    return fresh[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._links:
                    return self._links[-1] if self._links else None
                self._changed.wait(remaining)

    def deliver(
        self,
        envelope_type: EnvelopeType,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        ack_deadline: float,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        envelope_id: str | None = None,
    ) -> SocketAck:
        """Send one envelope and wait up to ``ack_deadline`` for its acknowledgement.

        With no connection open the delivery fails at once, as Slack's does
        (the member sees an error). ``envelope_id`` may be reused to redeliver.
        """
        started = time.monotonic()
        envelope_id = envelope_id or f"sim-{next(self._envelope_ids):06d}-{secrets.token_hex(4)}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ("timeout" if retry_attempt else "")
        elif retry_attempt:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or "timeout"
        # While a connection is being refreshed, wait (within the deadline) for its
        # replacement rather than send on a connection the app is about to close.
        link = self._pick_link(ack_deadline)
        if link is None:
            return SocketAck(envelope_id, False, time.monotonic() - started, error="no_connection")
        pending = _Pending()
        with self._lock:
            self._pending[envelope_id] = pending
            link.envelopes.add(envelope_id)
            self.sent.append(envelope)
        try:
            self._send(link, envelope)
        except (ConnectionClosed, OSError) as exc:
            with self._lock:
                self._pending.pop(envelope_id, None)
            return SocketAck(envelope_id, False, time.monotonic() - started, error=str(exc))
        answered = pending.done.wait(max(0.0, ack_deadline - (time.monotonic() - started)))
        with self._lock:
            self._pending.pop(envelope_id, None)
            link.envelopes.discard(envelope_id)
            self._changed.notify_all()
        elapsed = time.monotonic() - started
        if not answered:
            return SocketAck(envelope_id, False, elapsed, timed_out=True, error="timeout")
        if pending.message is None:
            return SocketAck(envelope_id, False, elapsed, error="connection_lost")
        ack_payload = pending.message.get("payload")
        return SocketAck(
            envelope_id,
            True,
            elapsed,
            payload=ack_payload if isinstance(ack_payload, dict) else None,
        )

    # -- Slack recycling and losing connections -------------------------------------

    def request_refresh(self) -> int:
        """Send ``disconnect`` (``refresh_requested``) on every open connection.

        Each is closed once a newer connection is open and its envelopes are
        answered, or after ``refresh_grace`` seconds. Returns how many were asked.
        """
        with self._lock:
            links = [link for link in self._links if not link.refreshing]
            for link in links:
                link.refreshing = True
            opened = self.connections_opened
            self._changed.notify_all()
        for link in links:
            message = {
                "type": "disconnect",
                "reason": "refresh_requested",
                "debug_info": {"host": f"applink-sim-{link.number}"},
            }
            try:
                self._send(link, message)
            except (ConnectionClosed, OSError):
                continue
            threading.Thread(
                target=self._retire,
                args=(link, opened),
                name=f"slack-sim-retire-{link.number}",
                daemon=True,
            ).start()
        return len(links)

    def _retire(self, link: _Link, opened_before: int) -> None:
        deadline = time.monotonic() + self.refresh_grace
        with self._lock:
            while time.monotonic() < deadline and not link.closed.is_set():
                replaced = self.connections_opened > opened_before
                if replaced and not link.envelopes:
                    break
                self._changed.wait(min(0.05, max(0.0, deadline - time.monotonic())))
        link.connection.close(1000, "refresh")

    def drop(self) -> int:
        """Cut every connection at the TCP level, with no close frame. Returns how many."""
        with self._lock:
            links = list(self._links)
        for link in links:
            with contextlib.suppress(OSError):  # already gone is as good as dropped
                link.connection.socket.shutdown(socket.SHUT_RDWR)
            link.connection.close_socket()
        return len(links)
