"""Fetching a file a member sent the bot, from Slack's ``url_private_download``.

The bot token goes in the Authorization header, so it may only ever be sent
to Slack itself: the URL must be on a Slack files host, or on the same host as
the Web API base URL (a local workspace). The download is capped, so a file
whose real size is larger than its event said is still never read past the cap.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from bot.errors import PanelError

logger = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_S = 20


class DownloadError(PanelError):
    """The file could not be fetched from Slack; the message is safe to show."""


def trusted_file_url(url: str, api_base_url: str) -> bool:
    """Whether ``url`` is Slack's (or the configured local workspace's) own."""
    parts = urlsplit(url)
    api = urlsplit(api_base_url)
    if parts.scheme == api.scheme and parts.netloc == api.netloc:
        return True
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com"))


def download_file(url: str, token: str, api_base_url: str, limit: int) -> bytes:
    """The file's bytes, at most ``limit`` of them (more is refused, not truncated)."""
    if not trusted_file_url(url, api_base_url):
        logger.warning("refused to fetch a file from a host that is not Slack's")
        raise DownloadError("The file's address is not Slack's, so the bot did not fetch it.")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
            data: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        logger.warning("downloading a shared file failed: HTTP %s", exc.code)
        raise DownloadError(
            "Slack did not let the bot fetch the file; send it again in a moment."
        ) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        logger.warning("downloading a shared file failed: %s", type(exc).__name__)
        raise DownloadError("The file could not be fetched from Slack; send it again.") from exc
    if len(data) > limit:
        raise DownloadError(
            f"The file is larger than {limit / (1024 * 1024):.1f} MB, the most accepted."
        )
    return data
