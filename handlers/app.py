"""Assembling the Bolt app: signature verification, the runtime, listeners.

Over HTTP, signature verification is always on: Bolt checks X-Slack-Signature
against SLACK_SIGNING_SECRET and answers 401 before any listener runs. Over
Socket Mode there is nothing to sign (the bot opened the connection with its
app-level token), so there is no signing secret.

An event Slack delivers again (same ``event_id``) runs its listener once: the
ids are claimed in the database, so this holds across a restart too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from handlers import action_listeners, actions, commands, home, meeting_files, panel_notes, views
from handlers.runtime import CONTEXT_KEY, SlackRuntime

logger = logging.getLogger(__name__)


class _BuiltFromTheToken(logging.Filter):
    """Drops Bolt's warning that SLACK_BOT_TOKEN goes unused: its client is built from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _quiet_bolt_logger() -> logging.Logger:
    bolt_logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _BuiltFromTheToken) for f in bolt_logger.filters):
        bolt_logger.addFilter(_BuiltFromTheToken())
    return bolt_logger


def unreadable(error: Exception) -> bool:
    """Whether a listener failed because the request is not a shape Slack ever sends.

    Either one of our payload models refused it, or Bolt's own routing tripped
    over it (a ``KeyError`` deep in slack_bolt for an action without an
    ``action_id``…). Such a request gets a 400 and a one-line warning; any other
    failure is ours, and stays a 500 with its traceback in the log.
    """
    if isinstance(error, ValidationError):
        return True
    if not isinstance(error, KeyError | IndexError | TypeError | AttributeError | ValueError):
        return False
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and "slack_bolt" in Path(frame.tb_frame.f_code.co_filename).parts


def _event_id(body: object) -> str | None:
    event_id = body.get("event_id") if isinstance(body, dict) else None
    return event_id if isinstance(event_id, str) and event_id else None


class RuntimeInjection(Middleware):
    """Puts the runtime into every request's context, and runs each event delivery once.

    A ``Middleware`` rather than a decorated function: Bolt builds the full set of
    listener arguments (``say``, ``respond``, ``client``…) for a function middleware on
    every request, a cost every vote's acknowledgement would wait behind. A delivery
    whose listener fails is released by the app's error handler, so Slack's retry runs.
    """

    def __init__(self, runtime: SlackRuntime) -> None:
        self.runtime = runtime

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse | None:
        event_id = _event_id(req.body)
        if event_id is not None and not self.runtime.events.first_delivery(event_id):
            logger.info("ignoring a repeated delivery of event %s", event_id)
            return BoltResponse(status=200, body="")
        req.context[CONTEXT_KEY] = self.runtime
        return next()


def create_app(
    runtime: SlackRuntime,
    client: WebClient,
    signing_secret: str | None,
) -> App:
    """A Bolt app wired to the panel's services; the caller serves it.

    ``signing_secret`` is None only for Socket Mode, which has no signed requests.
    """
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        process_before_response=True,
        request_verification_enabled=signing_secret is not None,
        token_verification_enabled=True,
        logger=_quiet_bolt_logger(),
    )

    app.use(RuntimeInjection(runtime))

    @app.error
    def log_error(error: Exception, request: BoltRequest) -> BoltResponse | None:
        event_id = _event_id(request.body)
        if event_id is not None:
            runtime.events.handling_failed(event_id)  # Slack's retry is handled afresh
        if unreadable(error):
            logger.warning("refused a request the bot cannot read: %s", type(error).__name__)
            return BoltResponse(status=400, body="")
        logger.error("listener failed: %s", error, exc_info=error)
        return None

    # Bolt tries listeners in the order they are registered; the vote submission, the
    # request that comes in bursts, is tried first.
    views.register(app)
    commands.register(app)
    actions.register(app)
    panel_notes.register(app)
    home.register(app)
    meeting_files.register(app)
    action_listeners.register(app)
    return app
