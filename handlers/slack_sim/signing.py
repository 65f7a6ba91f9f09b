"""Request signing as Slack does it, plus deliberate forgeries for security tests.

Slack signs each request to the bot with
``v0=hex(HMAC-SHA256(signing_secret, "v0:{timestamp}:{raw_body}"))`` and the bot
must reject anything unsigned, mis-signed, altered or older than five minutes.
A signature check that is never fed a bad request is never tested, so every
request helper on the client accepts a :class:`Forgery`.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import time

from .limits import SIGNATURE_MAX_AGE_SECONDS

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
RETRY_NUM_HEADER = "X-Slack-Retry-Num"
RETRY_REASON_HEADER = "X-Slack-Retry-Reason"


class Forgery(enum.Enum):
    """How to (mis)sign a request."""

    #: A correct signature with a current timestamp.
    NONE = "none"
    #: No signature or timestamp headers at all.
    UNSIGNED = "unsigned"
    #: Signed with a different secret.
    WRONG_SECRET = "wrong_secret"
    #: Correctly signed, but the timestamp is six minutes old (a replay).
    STALE_TIMESTAMP = "stale_timestamp"
    #: Correctly signed, then the body is changed (a trailing space is appended,
    #: so it still parses: only the signature check can catch it).
    TAMPERED_BODY = "tampered_body"
    #: The signature header is not ``v0=<64 hex digits>``.
    MALFORMED_SIGNATURE = "malformed_signature"
    #: The timestamp header is not a number.
    MALFORMED_TIMESTAMP = "malformed_timestamp"


def compute_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` value for ``body`` sent at ``timestamp``."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def sign_request(
    secret: str,
    body: bytes,
    *,
    forgery: Forgery = Forgery.NONE,
    now: float | None = None,
) -> tuple[dict[str, str], bytes]:
    """Return the signing headers and the body actually to send.

    The body is returned because :attr:`Forgery.TAMPERED_BODY` changes it after
    signing.  ``now`` defaults to the real clock: the bot verifies against its
    own wall clock, not the workspace's simulated one.
    """
    timestamp = str(int(time.time() if now is None else now))
    if forgery is Forgery.UNSIGNED:
        return {}, body
    if forgery is Forgery.STALE_TIMESTAMP:
        timestamp = str(int(timestamp) - SIGNATURE_MAX_AGE_SECONDS - 60)
    signing_secret = secret + "-wrong" if forgery is Forgery.WRONG_SECRET else secret
    signature = compute_signature(signing_secret, timestamp, body)
    if forgery is Forgery.MALFORMED_SIGNATURE:
        signature = "v1=" + signature[3:35]
    if forgery is Forgery.MALFORMED_TIMESTAMP:
        timestamp = "not-a-timestamp"
    sent_body = body + b" " if forgery is Forgery.TAMPERED_BODY else body
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature}, sent_body
