"""The WSGI guard answers requests Slack never sends with 401/400 instead of Bolt's 500."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from handlers.server import RequestGuard


class Response:
    """What a WSGI server would send back, captured from start_response."""

    def __init__(self) -> None:
        self.status = ""
        self.headers: list[tuple[str, str]] = []

    def start_response(self, status: str, headers: list[tuple[str, str]]) -> None:
        self.status, self.headers = status, headers


def environ(timestamp: str | None = "1767225600") -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "wsgi.input": io.BytesIO(b"payload=%7B%7D"),
    }
    if timestamp is not None:
        env["HTTP_X_SLACK_REQUEST_TIMESTAMP"] = timestamp
    return env


def passing_handler(env: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def crashing_handler(env: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    raise AttributeError("'str' object has no attribute 'get'")


def test_a_readable_request_reaches_the_handler_untouched() -> None:
    response = Response()
    body = RequestGuard(passing_handler)(environ(), response.start_response)
    assert response.status == "200 OK" and list(body) == [b"ok"]


def test_a_request_without_a_timestamp_is_left_to_bolts_signature_check() -> None:
    response = Response()
    RequestGuard(passing_handler)(environ(timestamp=None), response.start_response)
    assert response.status == "200 OK"


def test_a_timestamp_that_is_not_whole_seconds_is_refused_with_401() -> None:
    for bad in ("1767225600.5", "soon", "", "1e9", "-1"):
        response = Response()
        body = RequestGuard(passing_handler)(environ(timestamp=bad), response.start_response)
        assert response.status == "401 Unauthorized", bad
        assert b"invalid request" in b"".join(body)


def test_a_body_bolt_cannot_read_is_answered_400_not_500() -> None:
    response = Response()
    body = b"".join(RequestGuard(crashing_handler)(environ(), response.start_response))
    assert response.status == "400 Bad Request"
    assert ("Content-Length", str(len(body))) in response.headers
    assert b"AttributeError" not in body
