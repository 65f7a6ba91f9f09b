"""What `vcop serve` checks before it serves, and the line it logs once it does.

A service that cannot work should stop at once with one line saying why
(which setting, which port), not start and fail on the first vote, and not
print a traceback at someone who only set an environment variable. A service
that can work says so in one line: which workspace and bot user it is, and
where Slack should send requests.
"""

from __future__ import annotations

import contextlib
import errno
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPException
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import PanelError
from handlers.server import EVENTS_PATH

logger = logging.getLogger(__name__)

#: auth.test errors that mean the token itself is wrong, revoked or of the wrong kind.
_REFUSED_TOKEN = {
    "invalid_auth": "Slack does not recognise it",
    "not_authed": "it is empty",
    "account_inactive": "its app or workspace is deactivated",
    "token_revoked": "it has been revoked",
    "token_expired": "it has expired",
    "not_allowed_token_type": "it is not a bot token",
    "invalid_token": "Slack does not recognise it",
}
WHERE_THE_TOKEN_IS = (
    "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page"
)


class StartupError(PanelError):
    """`vcop serve` cannot start; the message is one line a person can act on."""


@dataclass(frozen=True)
class SlackIdentity:
    """Who the bot token says the bot is."""

    team: str
    team_id: str
    user: str
    user_id: str

    def describe(self) -> str:
        return f"workspace {self.team} ({self.team_id}) as bot user @{self.user} ({self.user_id})"


def check_bot_token(client: WebClient) -> SlackIdentity:
    """Ask Slack who the bot token belongs to (auth.test); refuse in one line if it cannot.

    The token itself is never part of a message.
    """
    try:
        with _quiet(logging.getLogger("slack_sdk.web.base_client")):
            found = client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        why = _REFUSED_TOKEN.get(error)
        if why is not None:
            raise StartupError(
                f"Slack refused SLACK_BOT_TOKEN ({error}: {why}); {WHERE_THE_TOKEN_IS}"
            ) from None
        raise StartupError(
            f"Slack answered the check of SLACK_BOT_TOKEN with the error {error}"
        ) from None
    except (URLError, OSError, HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        reason = getattr(reason, "strerror", None) or reason
        raise StartupError(
            f"cannot reach Slack at {client.base_url} ({reason}); check the network "
            "connection and any proxy, or SLACK_API_URL if it is set"
        ) from None
    return SlackIdentity(
        team=str(found.get("team") or "?"),
        team_id=str(found.get("team_id") or "?"),
        user=str(found.get("user") or "?"),
        user_id=str(found.get("user_id") or "?"),
    )


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextlib.contextmanager
def _quiet(target: logging.Logger) -> Iterator[None]:
    """Silence a logger for a moment: the one-line error below says it all, once."""
    muffle = _DropAll()
    target.addFilter(muffle)
    try:
        yield
    finally:
        target.removeFilter(muffle)


def listen_refusal(exc: OSError, host: str, port: int) -> StartupError:
    """Why the HTTP server cannot listen on host:port, as one line with what to do."""
    if exc.errno == errno.EADDRINUSE:
        return StartupError(
            f"port {port} is already in use on {host}: stop the program using it, "
            "or choose another port with --port"
        )
    if exc.errno == errno.EACCES:
        return StartupError(
            f"not allowed to listen on port {port}: ports below 1024 need special "
            "rights; choose another port with --port (3000 is the default)"
        )
    return StartupError(
        f"cannot listen on {host} port {port}: {exc.strerror or exc}; check --host and --port"
    )


def http_url(host: str, port: int) -> str:
    return f"http://{host}:{port}{EVENTS_PATH}"


def announce(identity: SlackIdentity, where: str) -> None:
    """The one start-up line (`vcop serve` shows this logger at the default verbosity)."""
    logger.info("connected to Slack %s; %s", identity.describe(), where)
