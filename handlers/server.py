"""Serving Bolt over HTTP with waitress, a production-grade threaded WSGI server.

Bolt's built-in development server drops requests under concurrent load; a
panel votes all at once just before a meeting. Every Slack request arrives at
POST /slack/events. Binding port 0 picks a free port (tests, demo, benchmarks).

Bolt is wrapped in :class:`RequestGuard`, which answers two kinds of request
Bolt itself would answer with a 500 (and waitress would log as a crash):

* an ``X-Slack-Request-Timestamp`` that is not a number: Bolt's signature check
  calls ``int()`` on it and the ValueError escapes, so a forged request got a
  500 instead of the 401 every other forgery gets. Slack always sends whole
  seconds, so anything else is refused with 401 before Bolt sees it;
* a body Bolt cannot parse or route (not JSON, ``payload`` not an object,
  ``actions`` not a list …): Bolt parses the body and matches listeners before
  its error handling starts, so those exceptions escape it. Slack never sends
  such a body, so it is answered 400, logged in one line, and nothing runs.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import create_server

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
#: A health probe: (healthy, small JSON-able report).
HealthProbe = Callable[[], tuple[bool, dict[str, Any]]]
MAX_BODY_BYTES = 1_000_000  # Slack payloads are far smaller; refuse anything huge early
DEFAULT_THREADS = 16
_TIMESTAMP = re.compile(r"[0-9]{1,20}")


class RequestGuard:
    """A WSGI wrapper around Bolt's SlackRequestHandler (see the module docstring)."""

    def __init__(
        self, handler: Callable[..., Iterable[bytes]], health: HealthProbe | None = None
    ) -> None:
        self.handler = handler
        self.health = health

    @staticmethod
    def _answer(start_response: Any, status: str, body: bytes) -> list[bytes]:
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]

    def _health(self, start_response: Any) -> list[bytes]:
        """``GET /healthz``: 200 when every check passes, else 503; never a stack trace."""
        assert self.health is not None
        try:
            healthy, report = self.health()
        except Exception as exc:
            logger.warning("the health check itself failed: %s", type(exc).__name__)
            healthy, report = False, {"error": type(exc).__name__}
        body = json.dumps({"ok": healthy, **report}).encode("utf-8")
        status = "200 OK" if healthy else "503 Service Unavailable"
        return self._answer(start_response, status, body)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self.health is not None and environ.get("PATH_INFO") == HEALTH_PATH:
            if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
                return self._health(start_response)
            return self._answer(start_response, "405 Method Not Allowed", b'{"error": "use GET"}')
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        if timestamp is not None and not _TIMESTAMP.fullmatch(timestamp):
            logger.info("refused a request whose timestamp is not a number")
            return self._answer(start_response, "401 Unauthorized", b'{"error": "invalid request"}')
        try:
            return self.handler(environ, start_response)
        except Exception as exc:  # Bolt could not parse or route the body: see above
            logger.warning("refused a request Bolt could not read: %s", type(exc).__name__)
            logger.debug("unreadable request", exc_info=exc)
            return self._answer(start_response, "400 Bad Request", b'{"error": "bad request"}')


class WaitressServer(Protocol):
    """The parts of a waitress server this module drives.

    waitress ships no type hints, so its ``create_server`` result is untyped;
    naming what is used here lets the type checker see every access. The loop
    internals (``trigger``, ``task_dispatcher``, ``_map``) have no public API,
    so they stay ``Any``.
    """

    effective_port: int
    trigger: Any
    task_dispatcher: Any
    _map: dict[Any, Any]

    def run(self) -> None: ...


@dataclass
class RunningServer:
    """A waitress server on a background thread; ``url`` is where Slack should post."""

    server: WaitressServer
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{EVENTS_PATH}"

    def stop(self) -> None:
        """Close every socket from inside waitress's own loop thread, then join it.

        Closing from another thread races the loop's select() on the same
        descriptors; a trigger thunk runs in the loop, and once its map is
        empty the loop returns by itself.
        """
        server = self.server
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # The loop has already lost its trigger (it is shutting down on its
            # own); closing from here can no longer race a select() that uses it.
            wasyncore.close_all(server._map)
        self.thread.join(timeout=5)
        server.task_dispatcher.shutdown()

    def in_flight(self) -> int:
        """Requests received and not yet answered in full (being read, run or written)."""
        server = self.server
        busy = server.task_dispatcher.active_count + len(server.task_dispatcher.queue)
        for channel in list(server._map.values()):
            if hasattr(channel, "requests") and (
                channel.requests or channel.request is not None or channel.total_outbufs_len
            ):
                busy += 1
        return busy

    def drain(self, timeout: float) -> int:
        """Stop accepting connections, let every request in flight finish, then stop.

        The listening socket is closed from waitress's loop thread, so no new
        request gets in; requests already received run to completion and their
        responses (acks included) are written before the connections close.
        Returns how many requests were still unfinished at ``timeout``.
        """
        server = self.server

        def stop_listening() -> None:
            # The dispatcher's own close: the listener goes, the loop's trigger stays.
            wasyncore.dispatcher.close(server)

        try:
            server.trigger.pull_trigger(stop_listening)
        except OSError:
            logger.debug("the server loop has already stopped")
        deadline = time.monotonic() + timeout
        while (left := self.in_flight()) and time.monotonic() < deadline:
            time.sleep(0.02)
        if left:
            logger.warning("%d requests were still running when the grace period ended", left)
        self.stop()
        return left


def make_server(
    app: App,
    host: str,
    port: int,
    threads: int = DEFAULT_THREADS,
    health: HealthProbe | None = None,
) -> WaitressServer:
    server: WaitressServer = create_server(
        RequestGuard(SlackRequestHandler(app, path=EVENTS_PATH), health),
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY_BYTES,
        expose_tracebacks=False,
        ident="vcop",
        channel_timeout=30,
        connection_limit=500,
    )
    return server


def start_in_background(
    app: App,
    host: str = "127.0.0.1",
    port: int = 0,
    threads: int = DEFAULT_THREADS,
    health: HealthProbe | None = None,
) -> RunningServer:
    """Start serving on a daemon thread and return once the port is bound."""
    server = make_server(app, host, port, threads, health)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    bound_port = int(server.effective_port)
    logger.info("serving Slack requests on http://%s:%d%s", host, bound_port, EVENTS_PATH)
    return RunningServer(server=server, thread=thread, host=host, port=bound_port)


def serve_until_signalled(
    app: App,
    host: str,
    port: int,
    threads: int = DEFAULT_THREADS,
    health: HealthProbe | None = None,
    grace: float = 7.0,
    on_ready: Callable[[int], None] | None = None,
) -> None:
    """Serve until SIGTERM or Ctrl-C, then shut down gracefully (see ``drain``).

    ``on_ready`` gets the bound port once requests can arrive (the start-up line).

    Must run on the main thread (signal handlers live there). The grace
    period leaves the caller time to stop the scheduler and close the
    database within the ten seconds a service manager usually allows.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        logger.info(
            "received %s: finishing requests in flight, then stopping", signal.Signals(signum).name
        )
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        running = start_in_background(app, host, port, threads, health)
        if on_ready is not None:
            on_ready(running.port)
        while not stop.wait(0.5):
            if not running.thread.is_alive():
                logger.error("the HTTP server stopped on its own")
                break
        running.drain(grace)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve_forever(app: App, host: str, port: int, threads: int = DEFAULT_THREADS) -> None:
    """Serve on the calling thread until the process ends (the benchmarks' bare app)."""
    server = make_server(app, host, port, threads)
    logger.info("serving Slack requests on http://%s:%d%s", host, port, EVENTS_PATH)
    server.run()
