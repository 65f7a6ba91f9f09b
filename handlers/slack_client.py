"""The bot's Web API client: Slack's base URL (or SLACK_API_URL) and retries.

Retries use slack_sdk's own handlers: a 429 waits for Retry-After, a 5xx or
a dropped connection is tried again. Votes are committed before any Slack
call, so a Slack outage can delay a progress line but never lose a vote.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from http.client import RemoteDisconnected
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_TIMEOUT_S = 10
#: Seconds before a Web API call is abandoned (and retried); tests of a stalled Slack
#: set it low so they need not wait ten seconds per stall.
TIMEOUT_ENV = "VCOP_SLACK_TIMEOUT_S"


def client_timeout(env: Mapping[str, str] | None = None) -> float:
    """The Web API timeout: $VCOP_SLACK_TIMEOUT_S if it is a positive number, else 10 s."""
    raw = (os.environ if env is None else env).get(TIMEOUT_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return value if 0 < value <= 300 else DEFAULT_TIMEOUT_S


def make_client(
    token: str | None, api_url: str | None = None, timeout: float | None = None
) -> WebClient:
    """A WebClient honouring SLACK_API_URL, with retry handlers for 429, 5xx and timeouts."""
    if timeout is None:
        timeout = client_timeout()
    base_url = api_url or SLACK_API_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,  # type: ignore[arg-type]  # urllib takes float seconds
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=3),
            ConnectionErrorRetryHandler(
                max_retry_count=2,
                error_types=[
                    URLError,
                    ConnectionResetError,
                    RemoteDisconnected,
                    TimeoutError,
                ],
            ),
        ],
    )
