"""A local Slack workspace simulator for end-to-end tests, the demo and benchmarks.

Two halves, both real HTTP on 127.0.0.1 ephemeral ports:

* :class:`WebApiServer` plays ``slack.com/api`` for the bot's ``WebClient``
  (plus upload URLs and response URLs), backed by a thread-safe
  :class:`Workspace` that records everything shown to every member;
* :class:`SimulatedSlack` plays Slack's servers calling the bot: signed slash
  commands, button clicks, modal submissions and events, over HTTP or as
  Socket Mode envelopes on the WebSocket :class:`SocketModeServer` serves
  (``apps.connections.open`` hands the bot its URL).

Typical wiring::

    workspace = Workspace()
    workspace.add_user("U1", "alice")
    with WebApiServer(workspace) as api:
        bot = make_bot(slack_api_url=api.base_url, token="xoxb-sim-token", ...)
        slack = SimulatedSlack(api, request_url=bot.url, signing_secret=SECRET)
        slack.slash_command("U1", "help")
"""

from .blockkit import BlockKitError, validate_message_blocks, validate_view
from .client import (
    ActionResult,
    BotResponse,
    EventResult,
    SimulatedSlack,
    SlashCommandResult,
    SubmissionResult,
    Transport,
)
from .clock import Clock, ManualClock, SystemClock
from .errors import ApiError, SimulationError
from .faults import DOWNLOAD_METHOD, RESPONSE_URL_METHOD, UPLOAD_METHOD, Fault, FaultInjector
from .models import (
    CallRecord,
    Channel,
    Ephemeral,
    FileRecord,
    Message,
    MessageVersion,
    Surface,
    User,
    ViewRecord,
)
from .ratelimit import RateLimiter
from .signing import Forgery, compute_signature, sign_request
from .socket_mode import SocketAck, SocketModeServer
from .state import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, DEFAULT_SCOPES, Workspace
from .web_api import WebApiServer

__all__ = [
    "DEFAULT_APP_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "DEFAULT_SCOPES",
    "DOWNLOAD_METHOD",
    "RESPONSE_URL_METHOD",
    "UPLOAD_METHOD",
    "ActionResult",
    "ApiError",
    "BlockKitError",
    "BotResponse",
    "CallRecord",
    "Channel",
    "Clock",
    "Ephemeral",
    "EventResult",
    "Fault",
    "FaultInjector",
    "FileRecord",
    "Forgery",
    "ManualClock",
    "Message",
    "MessageVersion",
    "RateLimiter",
    "SimulatedSlack",
    "SimulationError",
    "SlashCommandResult",
    "SocketAck",
    "SocketModeServer",
    "SubmissionResult",
    "Surface",
    "SystemClock",
    "Transport",
    "User",
    "ViewRecord",
    "WebApiServer",
    "Workspace",
    "compute_signature",
    "sign_request",
    "validate_message_blocks",
    "validate_view",
]
