"""The simulated ``slack.com`` side: a real HTTP server for the bot's Web API calls.

It speaks HTTP so that the bot under test uses its real ``slack_sdk.WebClient``
(retry handlers, timeouts, JSON vs form encoding, ``files_upload_v2``'s three
steps) rather than a patched one.  Three URL spaces are served:

* ``/api/<method>`` — Web API methods (form, JSON or multipart bodies, query strings);
* ``/upload/<file_id>`` — the ``upload_url`` handed out by ``files.getUploadURLExternal``;
* ``/response/<id>`` — the ``response_url`` values handed to the bot with interactions;
* ``/files/<file_id>/...`` — ``url_private`` downloads of uploaded files.

Faults and optional rate limits are applied before a method runs; every
request, including rejected ones, lands in the workspace call log.
"""

from __future__ import annotations

import json
import logging
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .errors import ApiError
from .faults import DOWNLOAD_METHOD, RESPONSE_URL_METHOD, UPLOAD_METHOD, Fault, FaultInjector
from .methods import WebApiMethods
from .ratelimit import RateLimiter
from .socket_mode import SocketModeServer
from .state import Workspace

logger = logging.getLogger(__name__)

#: The one Web API method that takes the app-level token instead of the bot token.
CONNECTIONS_OPEN = "apps.connections.open"


class _UndecodableBodyError(Exception):
    """The body could not be decoded; carries the Slack error code to answer with."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_api_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Decode a Web API request body the ways Slack accepts: JSON, form or multipart."""
    if not body:
        return {}
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _UndecodableBodyError("invalid_json") from exc
        if not isinstance(data, dict):
            raise _UndecodableBodyError("invalid_json")
        return data
    if mime == "multipart/form-data":
        return _parse_multipart(content_type, body)
    if mime in ("application/x-www-form-urlencoded", "text/plain", ""):
        try:
            return dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise _UndecodableBodyError("invalid_form_data") from exc
    raise _UndecodableBodyError("invalid_post_type")


#: Parameters whose form-encoded value is a JSON document.
JSON_VALUED_PARAMS = frozenset({"blocks", "attachments", "view", "files", "metadata"})


def decode_json_params(params: dict[str, Any]) -> dict[str, Any]:
    """Decode JSON-valued form fields in place, so handlers and the call log see one shape.

    Undecodable values are left as strings: the method then answers with the
    error Slack uses for that field (e.g. ``invalid_blocks_format``).
    """
    for name in JSON_VALUED_PARAMS & params.keys():
        value = params[name]
        if isinstance(value, str) and value:
            try:
                params[name] = json.loads(value)
            except json.JSONDecodeError:
                logger.debug(
                    "parameter %s is not valid JSON; leaving it for the method to reject", name
                )
    return params


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Multipart fields as strings, file parts as bytes."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise _UndecodableBodyError("invalid_form_data")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        if part.get_filename() is not None:
            fields[name] = payload
        else:
            fields[name] = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return fields


class _Handler(BaseHTTPRequestHandler):
    """Routes raw HTTP requests to the owning :class:`WebApiServer`."""

    server: _HttpServer
    server_version = "SlackSim/1.0"

    def do_POST(self) -> None:
        self.server.owner._route(self, "POST")

    def do_GET(self) -> None:
        self.server.owner._route(self, "GET")

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (typically a timeout after a stall); nothing to tell it.
            logger.debug("client went away before the response was written")

    def send_json(
        self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self.send(
            status, json.dumps(data).encode("utf-8"), "application/json; charset=utf-8", headers
        )


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: WebApiServer


class WebApiServer:
    """A Slack Web API on ``127.0.0.1:<ephemeral port>`` backed by a :class:`Workspace`.

    Use as a context manager, or call :meth:`start` / :meth:`stop`.  Point the
    bot's ``WebClient(base_url=server.base_url)`` at it.
    """

    def __init__(
        self, workspace: Workspace | None = None, *, enforce_rate_limits: bool = False
    ) -> None:
        self.workspace = workspace or Workspace()
        self.faults = FaultInjector()
        self.rate_limiter = RateLimiter(self.workspace.clock)
        #: When true, Slack's published rate limits answer 429 + Retry-After.
        self.enforce_rate_limits = enforce_rate_limits
        self.methods = WebApiMethods(self.workspace, upload_url=self.upload_url)
        #: Slack's Socket Mode endpoint; it starts when the app first asks for a URL.
        self.socket_mode = SocketModeServer(self.workspace.app_id)
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> WebApiServer:
        """Bind an ephemeral port on 127.0.0.1 and serve on a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HttpServer(("127.0.0.1", 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self.workspace.public_base_url = self.root_url
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-sim-web-api",
            daemon=True,
        )
        self._thread.start()
        logger.info("simulated Slack Web API listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving; stalled requests are released immediately."""
        self.socket_mode.stop()
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> WebApiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (only valid once started)."""
        if self._httpd is None:
            raise RuntimeError("WebApiServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/`` — pass as ``WebClient(base_url=...)``."""
        return f"{self.root_url}api/"

    def upload_url(self, file_id: str) -> str:
        """The URL ``files.getUploadURLExternal`` hands out for ``file_id``."""
        return f"{self.root_url}upload/{file_id}"

    # -- interactivity grants (used by the client side) --------------------------------

    def issue_trigger_id(self, user_id: str, *, view_id: str | None = None) -> str:
        """A fresh trigger_id for an interaction by ``user_id``."""
        return self.workspace.issue_trigger(user_id, view_id=view_id)

    def issue_response_url(
        self,
        user_id: str,
        channel_id: str,
        *,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
    ) -> str:
        """A fresh response_url that posts back into ``channel_id`` for ``user_id``."""
        grant_id = self.workspace.issue_response_url_id(
            user_id, channel_id, message_ts=message_ts, is_ephemeral=is_ephemeral
        )
        return f"{self.root_url}response/{grant_id}"

    # -- request handling --------------------------------------------------------------

    def _route(self, handler: _Handler, verb: str) -> None:
        parts = urlsplit(handler.path)
        path = parts.path
        try:
            body = handler.read_body()
            if path.startswith("/api/"):
                self._handle_api(handler, path[len("/api/") :], parts.query, body)
            elif path.startswith("/upload/") and verb == "POST":
                self._handle_upload(handler, path[len("/upload/") :], body)
            elif path.startswith("/response/") and verb == "POST":
                self._handle_response_url(handler, path[len("/response/") :], body)
            elif path.startswith("/files/") and verb == "GET":
                self._handle_download(handler, path[len("/files/") :])
            else:
                handler.send(404, b"not found", "text/plain")
        except Exception:
            logger.exception("simulated Slack crashed on %s %s", verb, path)
            handler.send_json(500, {"ok": False, "error": "fatal_error"})

    def _apply_fault(self, handler: _Handler, method: str, params: dict[str, Any]) -> bool:
        """Apply a queued fault; True when the response has already been sent."""
        fault: Fault | None = self.faults.take(method)
        if fault is None:
            return False
        logger.info("injecting %s into %s", fault.kind, method)
        if fault.kind == "stall":
            self._stopping.wait(fault.seconds)
            return False
        if fault.kind == "rate_limited":
            self._reject_rate_limited(handler, method, params, fault.retry_after)
        elif fault.kind == "server_error":
            self.workspace.record_call(
                method, params, http_status=fault.status, ok=False, error="internal_error"
            )
            handler.send_json(fault.status, {"ok": False, "error": "internal_error"})
        else:
            self.workspace.record_call(method, params, http_status=200, ok=False, error=fault.error)
            handler.send_json(200, {"ok": False, "error": fault.error})
        return True

    def _reject_rate_limited(
        self, handler: _Handler, method: str, params: dict[str, Any], retry_after: int
    ) -> None:
        self.workspace.record_call(method, params, http_status=429, ok=False, error="ratelimited")
        handler.send_json(
            429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        )

    def _answer(
        self, handler: _Handler, method: str, params: dict[str, Any], body: dict[str, Any]
    ) -> None:
        ok = bool(body.get("ok"))
        self.workspace.record_call(
            method, params, http_status=200, ok=ok, error=None if ok else body.get("error")
        )
        # Slack names the token's scopes on every Web API answer; `vcop doctor` reads them.
        handler.send_json(200, body, {"X-OAuth-Scopes": ",".join(self.workspace.scopes)})

    def _handle_api(self, handler: _Handler, method: str, query: str, raw: bytes) -> None:
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        try:
            params.update(parse_api_body(handler.headers.get("Content-Type", ""), raw))
            decode_json_params(params)
        except _UndecodableBodyError as exc:
            self._answer(handler, method, params, {"ok": False, "error": exc.code})
            return
        auth = handler.headers.get("Authorization", "")
        token = (
            auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else params.get("token")
        )
        params.pop("token", None)
        if method == CONNECTIONS_OPEN:
            self._open_connection(handler, params, token)
            return
        if method not in self.methods.names():
            self._answer(handler, method, params, {"ok": False, "error": "unknown_method"})
            return
        if self._apply_fault(handler, method, params):
            return
        if not token:
            self._answer(handler, method, params, {"ok": False, "error": "not_authed"})
            return
        if token not in self.workspace.bot_tokens:
            self._answer(handler, method, params, {"ok": False, "error": "invalid_auth"})
            return
        if self.enforce_rate_limits:
            channel = params.get("channel")
            retry_after = self.rate_limiter.check(
                method, channel if isinstance(channel, str) else None
            )
            if retry_after is not None:
                self._reject_rate_limited(handler, method, params, retry_after)
                return
        with self.workspace.lock:
            try:
                body = {"ok": True, **self.methods.call(method, params)}
            except ApiError as exc:
                body = exc.to_body()
        self._answer(handler, method, params, body)

    def _open_connection(
        self, handler: _Handler, params: dict[str, Any], token: str | None
    ) -> None:
        """``apps.connections.open``: only an app-level token gets a Socket Mode URL."""
        if self._apply_fault(handler, CONNECTIONS_OPEN, params):
            return
        if not token:
            body: dict[str, Any] = {"ok": False, "error": "not_authed"}
        elif token in self.workspace.bot_tokens or not token.startswith("xapp-"):
            body = {"ok": False, "error": "not_allowed_token_type"}
        elif token not in self.workspace.app_tokens:
            body = {"ok": False, "error": "invalid_auth"}
        else:
            body = {"ok": True, "url": self.socket_mode.issue_url()}
        self._answer(handler, CONNECTIONS_OPEN, params, body)

    def _handle_upload(self, handler: _Handler, file_id: str, raw: bytes) -> None:
        params = {"file_id": file_id, "bytes": len(raw)}
        if self._apply_fault(handler, UPLOAD_METHOD, params):
            return
        content = raw
        content_type = handler.headers.get("Content-Type", "")
        if content_type.lower().startswith("multipart/form-data"):
            try:
                fields = _parse_multipart(content_type, raw)
            except _UndecodableBodyError:
                fields = {}
            content = next((v for v in fields.values() if isinstance(v, bytes)), raw)
        try:
            with self.workspace.lock:
                self.workspace.store_file_bytes(file_id, content)
        except ApiError:
            self.workspace.record_call(
                UPLOAD_METHOD, params, http_status=404, ok=False, error="file_not_found"
            )
            handler.send(404, b"file_not_found", "text/plain")
            return
        self.workspace.record_call(UPLOAD_METHOD, params, http_status=200, ok=True, error=None)
        handler.send(200, f"OK - {len(content)}".encode(), "text/plain")

    def _handle_response_url(self, handler: _Handler, grant_id: str, raw: bytes) -> None:
        try:
            payload = parse_api_body(handler.headers.get("Content-Type", "application/json"), raw)
            if isinstance(payload.get("payload"), str):  # the legacy form-encoded shape
                payload = json.loads(payload["payload"])
            if not isinstance(payload, dict):
                raise _UndecodableBodyError("invalid_json")
            decode_json_params(payload)
        except (_UndecodableBodyError, json.JSONDecodeError) as exc:
            code = exc.code if isinstance(exc, _UndecodableBodyError) else "invalid_json"
            self.workspace.record_call(
                RESPONSE_URL_METHOD, {}, http_status=400, ok=False, error=code
            )
            handler.send_json(400, {"ok": False, "error": code})
            return
        params = {"response_url_id": grant_id, **payload}
        if self._apply_fault(handler, RESPONSE_URL_METHOD, params):
            return
        with self.workspace.lock:
            try:
                grant = self.workspace.use_response_url(grant_id)
            except ApiError as exc:
                self.workspace.record_call(
                    RESPONSE_URL_METHOD, params, http_status=404, ok=False, error=exc.code
                )
                handler.send_json(404, exc.to_body())
                return
            try:
                self.methods.respond(grant, payload)
            except ApiError as exc:
                self.workspace.record_call(
                    RESPONSE_URL_METHOD, params, http_status=400, ok=False, error=exc.code
                )
                handler.send_json(400, exc.to_body())
                return
        self.workspace.record_call(
            RESPONSE_URL_METHOD, params, http_status=200, ok=True, error=None
        )
        handler.send_json(200, {"ok": True})

    def _handle_download(self, handler: _Handler, rest: str) -> None:
        """``url_private(_download)``: the file's bytes, only with a bot token as Bearer."""
        file_id = rest.split("/", 1)[0]
        params = {"file": file_id}
        auth = handler.headers.get("Authorization", "")
        if (
            not auth.startswith("Bearer ")
            or auth[len("Bearer ") :].strip() not in self.workspace.bot_tokens
        ):
            self.workspace.record_call(
                DOWNLOAD_METHOD, params, http_status=403, ok=False, error="not_authed"
            )
            handler.send(403, b"forbidden", "text/plain")
            return
        if self._apply_fault(handler, DOWNLOAD_METHOD, params):
            return
        try:
            record = self.workspace.file(file_id)
        except ApiError:
            self.workspace.record_call(
                DOWNLOAD_METHOD, params, http_status=404, ok=False, error="file_not_found"
            )
            handler.send(404, b"not found", "text/plain")
            return
        self.workspace.record_call(DOWNLOAD_METHOD, params, http_status=200, ok=True, error=None)
        handler.send(200, record.content or b"", "application/octet-stream")
