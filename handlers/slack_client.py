"""The bot's Web API client: Slack's base URL (or SLACK_API_URL) and retries.

Retries use slack_sdk's own handlers: a 429 waits for Retry-After, a 5xx or
a dropped connection is tried again. Votes are committed before any Slack
call, so a Slack outage can delay a progress line but never lose a vote.
"""

from __future__ import annotations

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


def make_client(
    token: str | None, api_url: str | None = None, timeout: int = DEFAULT_TIMEOUT_S
) -> WebClient:
    """A WebClient honouring SLACK_API_URL, with retry handlers for 429, 5xx and timeouts."""
    base_url = api_url or SLACK_API_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
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
