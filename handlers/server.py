"""Serving Bolt over HTTP with waitress, a production-grade threaded WSGI server.

Bolt's built-in development server drops requests under concurrent load; a
panel votes all at once just before a meeting. Every Slack request arrives at
POST /slack/events. Binding port 0 picks a free port (tests, demo, benchmarks).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import create_server

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack payloads are far smaller; refuse anything huge early
DEFAULT_THREADS = 16


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
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # type: ignore[attr-defined]
        self.thread.join(timeout=5)
        server.task_dispatcher.shutdown()  # type: ignore[attr-defined]


def make_server(app: App, host: str, port: int, threads: int = DEFAULT_THREADS) -> object:
    return create_server(
        SlackRequestHandler(app, path=EVENTS_PATH),
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
