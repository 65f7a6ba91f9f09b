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

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import create_server

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack payloads are far smaller; refuse anything huge early
DEFAULT_THREADS = 16
_TIMESTAMP = re.compile(r"[0-9]{1,20}")


class RequestGuard:
    """A WSGI wrapper around Bolt's SlackRequestHandler (see the module docstring)."""

    def __init__(self, handler: Callable[..., Iterable[bytes]]) -> None:
        self.handler = handler

    @staticmethod
    def _answer(start_response: Any, status: str, body: bytes) -> list[bytes]:
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
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


@dataclass
class RunningServer:
    """A waitress server on a background thread; ``url`` is where Slack should post."""

    server: object
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
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # type: ignore[attr-defined]
        except OSError:
            # The loop has already lost its trigger (it is shutting down on its
            # own); closing from here can no longer race a select() that uses it.
            wasyncore.close_all(server._map)  # type: ignore[attr-defined]
        self.thread.join(timeout=5)
        server.task_dispatcher.shutdown()  # type: ignore[attr-defined]


def make_server(app: App, host: str, port: int, threads: int = DEFAULT_THREADS) -> object:
    return create_server(
        RequestGuard(SlackRequestHandler(app, path=EVENTS_PATH)),
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY_BYTES,
        expose_tracebacks=False,
        ident="vcop",
        channel_timeout=30,
        connection_limit=500,
    )


def start_in_background(
    app: App, host: str = "127.0.0.1", port: int = 0, threads: int = DEFAULT_THREADS
) -> RunningServer:
    """Start serving on a daemon thread and return once the port is bound."""
    server = make_server(app, host, port, threads)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)  # type: ignore[attr-defined]
    thread.start()
    bound_port = int(server.effective_port)  # type: ignore[attr-defined]
    logger.info("serving Slack requests on http://%s:%d%s", host, bound_port, EVENTS_PATH)
    return RunningServer(server=server, thread=thread, host=host, port=bound_port)


def serve_forever(app: App, host: str, port: int, threads: int = DEFAULT_THREADS) -> None:
    server = make_server(app, host, port, threads)
    logger.info("serving Slack requests on http://%s:%d%s", host, port, EVENTS_PATH)
    server.run()  # type: ignore[attr-defined]
