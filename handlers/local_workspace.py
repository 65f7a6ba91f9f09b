"""The bot running against the built-in local Slack workspace.

One harness serves `vcop demo`, the end-to-end tests and the benchmarks: the
simulated Web API on a free port, the real bot pointed at it through
SLACK_API_URL, and the simulated Slack client that sends the bot what members
click and type. The bot is reached over either of Slack's transports:

* ``"http"`` (the default): Bolt over waitress, signed requests, signatures verified;
* ``"socket"``: Socket Mode; the bot opens its WebSocket with the app-level
  token through ``apps.connections.open`` and acknowledges envelopes on it.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from types import TracebackType

from bot.clock import Clock
from bot.config import Settings, SlackCredentials
from handlers.bootstrap import Bot, build_bot
from handlers.pacing import NoPace, PostingPace
from handlers.runtime import SlackRuntime
from handlers.server import RunningServer, start_in_background
from handlers.slack_sim import (
    DEFAULT_APP_TOKEN,
    DEFAULT_BOT_TOKEN,
    SimulatedSlack,
    Transport,
    WebApiServer,
    Workspace,
)
from handlers.socket_mode import SocketModeRunner

#: Ping interval of the bot's Socket Mode client here: a dropped connection is
#: noticed within about four of these, and tests should not wait forty seconds.
LOCAL_PING_INTERVAL = 0.5

logger = logging.getLogger(__name__)


class LocalWorkspace:
    """Simulated Slack + the real bot over HTTP or Socket Mode; use as a context manager."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        inline_after_ack: bool = True,
        progress_min_gap: float = 0.0,
        enforce_rate_limits: bool = False,
        outsiders: tuple[str, ...] = ("U0OUTSIDE1",),
        threads: int = 16,
        transport: Transport = "http",
    ) -> None:
        self.settings = settings
        self.signing_secret = secrets.token_hex(16)
        self.workspace = Workspace()
        panel = settings.panel
        self.workspace.add_channel(panel.channel, "vcop-panel")
        people = {*panel.members, *panel.chair, *panel.secretariat, *outsiders}
        for user in sorted(people):
            self.workspace.add_user(user, user.lower())
        self.api = WebApiServer(self.workspace, enforce_rate_limits=enforce_rate_limits)
        self._clock = clock
        self._inline = inline_after_ack
        self._gap = progress_min_gap
        self._threads = threads
        self.transport: Transport = transport
        self._bot: Bot | None = None
        self.server: RunningServer | None = None
        self.socket: SocketModeRunner | None = None
        self._slack: SimulatedSlack | None = None

    @property
    def running(self) -> bool:
        """Whether a bot is running now (between ``start`` and ``stop_bot``)."""
        return self._bot is not None

    @property
    def bot(self) -> Bot:
        """The running bot; an error that says so when none is running."""
        if self._bot is None:
            raise RuntimeError("no bot is running in this local workspace: call start() first")
        return self._bot

    @property
    def runtime(self) -> SlackRuntime:
        """The running bot's runtime: its service, scheduler, publisher and progress."""
        return self.bot.runtime

    @property
    def slack(self) -> SimulatedSlack:
        """The Slack client that acts for members; it exists once ``start`` has run."""
        if self._slack is None:
            raise RuntimeError("the local workspace has not started: call start() first")
        return self._slack

    @property
    def bot_url(self) -> str:
        """Where Slack reaches the bot: its HTTP address, or the Socket Mode connection."""
        if self.server is not None:
            return self.server.url
        return "Socket Mode (the bot's own WebSocket)"

    def start(self) -> LocalWorkspace:
        """Start Slack (if not yet running) and a bot; idempotent for Slack."""
        self.api.start()
        socket_mode = self.transport == "socket"
        credentials = SlackCredentials(
            bot_token=DEFAULT_BOT_TOKEN,
            signing_secret=None if socket_mode else self.signing_secret,
            app_token=DEFAULT_APP_TOKEN if socket_mode else None,
            api_url=self.api.base_url,
        )
        bot = self._bot = build_bot(
            self.settings,
            credentials,
            clock=self._clock,
            inline_after_ack=self._inline,
            progress_min_gap=self._gap,
            scheduler_paused=self._clock is not None,
            # Pace posts as in service only where this workspace enforces Slack's limits;
            # elsewhere the tests and the demo would wait for nothing.
            pace=PostingPace() if self.api.enforce_rate_limits else NoPace(),
            socket_mode=socket_mode,
        )
        bot.start()
        if socket_mode:
            self.socket = SocketModeRunner(
                bot.app,
                DEFAULT_APP_TOKEN,
                ping_interval=LOCAL_PING_INTERVAL,
                concurrency=self._threads,
            )
            self.socket.connect()
            self._slack = SimulatedSlack(self.api, transport="socket")
        else:
            bot.slack_auth = True  # Bolt's own auth.test passed when the app was built
            self.server = start_in_background(bot.app, threads=self._threads, health=bot.health)
            self._slack = SimulatedSlack(
                self.api, request_url=self.server.url, signing_secret=self.signing_secret
            )
        return self

    def stop_bot(self) -> None:
        """Stop the bot and its server or socket; the simulated Slack keeps its state."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.socket is not None:
            self.socket.close()
            self.socket = None
        if self._bot is not None:
            self._bot.stop()
            self._bot = None

    def restart_bot(self) -> LocalWorkspace:
        """A fresh bot process's worth of objects on the same database and Slack."""
        self.stop_bot()
        return self.start()

    def stop(self) -> None:
        self.stop_bot()
        self.api.stop()

    def __enter__(self) -> LocalWorkspace:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def database(self) -> Path:
        return Path(self.settings.storage.database)
