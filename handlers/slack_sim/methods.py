"""Slack Web API method semantics, independent of HTTP.

Each handler takes the decoded parameters of one call and either returns the
success body (without ``ok``) or raises :class:`~.errors.ApiError` with the
error code Slack documents for that situation.  The HTTP layer in
:mod:`.web_api` owns authentication, faults and rate limits and holds the
workspace lock around :meth:`WebApiMethods.call`, so handlers can read-check-
write without further locking.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from . import limits
from .blockkit import (
    SurfaceKind,
    message_block_text_length,
    validate_message_blocks,
    validate_view,
    view_size_exceeded,
)
from .errors import ApiError
from .models import ResponseUrlGrant, TriggerGrant
from .state import Workspace

logger = logging.getLogger(__name__)

Params = dict[str, Any]
Handler = Callable[["WebApiMethods", Params], dict[str, Any]]


# -- parameter decoding ------------------------------------------------------------------


def _opt_str(params: Params, name: str) -> str | None:
    """A string parameter; numbers are accepted as Slack does, ``""`` counts as absent."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise ApiError("invalid_arguments", messages=[f"{name} must be a string"])
    return value


def _req_str(params: Params, name: str, *, error: str = "invalid_arguments") -> str:
    value = _opt_str(params, name)
    if value is None:
        raise ApiError(error, messages=[f"missing required field: {name}"])
    return value


def _opt_bool(params: Params, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _json_param(params: Params, name: str, *, error: str) -> Any:
    """Decode a JSON-valued parameter; form bodies carry these as JSON strings."""
    value = params.get(name)
    if isinstance(value, str):
        if value == "":
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ApiError(error, messages=[f"{name} is not valid JSON: {exc.msg}"]) from exc
    return value


# -- content checks shared with response_url and acknowledgements ------------------------


def check_message_content(text: Any, blocks: Any, *, require_content: bool = True) -> None:
    """Apply Slack's message rules: some content, text length and Block Kit limits."""
    if text is not None and not isinstance(text, str):
        raise ApiError("invalid_arguments", messages=["text must be a string"])
    if blocks is not None and not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format", messages=["blocks must be an array"])
    if require_content and not text and not blocks:
        raise ApiError("no_text")
    if text and len(text) > limits.MESSAGE_MAX_TEXT:
        raise ApiError("msg_too_long")
    if blocks and message_block_text_length(blocks) > limits.MESSAGE_MAX_BLOCK_TEXT:
        raise ApiError(
            "msg_blocks_too_long",
            messages=[f"[ERROR] blocks carry more than {limits.MESSAGE_MAX_BLOCK_TEXT} characters"],
        )
    if blocks:
        problems = validate_message_blocks(blocks)
        if problems:
            raise ApiError(
                "invalid_blocks",
                messages=[p.slack_message() for p in problems],
                extra={"errors": [str(p) for p in problems]},
            )


def check_view(view: Any, *, expected_type: SurfaceKind | None) -> dict[str, Any]:
    """Apply Slack's view rules; Slack reports bad views as ``invalid_arguments``."""
    if not isinstance(view, dict):
        raise ApiError(
            "invalid_arguments", messages=["[ERROR] must be a view object [json-pointer:/view]"]
        )
    if view_size_exceeded(view):
        raise ApiError("view_too_large")
    problems = validate_view(view, expected_type=expected_type)
    if problems:
        raise ApiError(
            "invalid_arguments",
            messages=[p.slack_message() for p in problems],
            extra={"errors": [str(p) for p in problems]},
        )
    return view


class WebApiMethods:
    """The implemented Web API methods, dispatched by name."""

    def __init__(self, workspace: Workspace, *, upload_url: Callable[[str], str]) -> None:
        self.workspace = workspace
        self._upload_url = upload_url

    @classmethod
    def names(cls) -> frozenset[str]:
        """Method names this simulator implements (others answer ``unknown_method``)."""
        return frozenset(_HANDLERS)

    def call(self, method: str, params: Params) -> dict[str, Any]:
        """Run one method; returns the success body (``ok`` added by the caller)."""
        handler = _HANDLERS.get(method)
        if handler is None:
            raise ApiError("unknown_method")
        return handler(self, params)

    # -- helpers ---------------------------------------------------------------------

    def _message_params(
        self, params: Params, *, require_content: bool = True
    ) -> tuple[str | None, Any]:
        text = _opt_str(params, "text")
        blocks = _json_param(params, "blocks", error="invalid_blocks_format")
        attachments = _json_param(params, "attachments", error="invalid_attachments")
        if attachments:
            logger.debug("attachments are accepted but not rendered by the simulator")
        check_message_content(text, blocks, require_content=require_content and not attachments)
        return text, blocks

    def _view_param(self, params: Params, *, expected_type: SurfaceKind | None) -> dict[str, Any]:
        view = _json_param(params, "view", error="invalid_arguments")
        if view is None:
            raise ApiError("invalid_arguments", messages=["missing required field: view"])
        return check_view(view, expected_type=expected_type)

    def _view_body(self, record_id: str) -> dict[str, Any]:
        return {"view": self.workspace.view_to_slack(self.workspace.view(record_id))}

    # -- auth / users / conversations ------------------------------------------------------

    def auth_test(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        return {
            "url": f"https://{ws.team_domain}.slack.com/",
            "team": ws.team_name,
            "user": ws.bot_name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": ws.app_id,
            "is_enterprise_install": False,
        }

    def users_info(self, params: Params) -> dict[str, Any]:
        user = self.workspace.user(_req_str(params, "user", error="user_not_found"))
        return {"user": user.to_slack(self.workspace.team_id, self.workspace.clock.now())}

    def conversations_open(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        channel_ref = _opt_str(params, "channel")
        if channel_ref is not None:
            channel = ws.channel(channel_ref)
            already = True
        else:
            users = [
                u.strip()
                for u in _req_str(params, "users", error="users_list_not_supplied").split(",")
            ]
            users = [u for u in users if u]
            if len(users) != 1:
                raise ApiError(
                    "invalid_arguments", messages=["the simulator supports 1:1 DMs only"]
                )
            ws.user(users[0])
            already = ws.has_dm(users[0])
            channel = ws.channel(ws.dm_channel_for(users[0]))
        body: dict[str, Any] = {"no_op": already, "already_open": already}
        if _opt_bool(params, "return_im"):
            body["channel"] = channel.to_slack(ws.clock.now())
        else:
            body["channel"] = {"id": channel.id}
        return body

    def conversations_info(self, params: Params) -> dict[str, Any]:
        channel = self.workspace.channel(_req_str(params, "channel", error="channel_not_found"))
        body = channel.to_slack(self.workspace.clock.now())
        if not channel.is_im:
            body["is_member"] = self.workspace.is_member(channel.id, self.workspace.bot_user_id)
        return {"channel": body}

    def conversations_members(self, params: Params) -> dict[str, Any]:
        """Member ids, paginated with ``cursor``/``limit`` as Slack does (default 100)."""
        ws = self.workspace
        channel = ws.channel(_req_str(params, "channel", error="channel_not_found"))
        needed = "im:read" if channel.is_im else "channels:read"
        if needed not in ws.scopes:
            raise ApiError(
                "missing_scope", extra={"needed": needed, "provided": ",".join(ws.scopes)}
            )
        try:
            limit = int(_opt_str(params, "limit") or 100)
            start = int(_opt_str(params, "cursor") or 0)
        except ValueError as exc:
            raise ApiError("invalid_cursor") from exc
        members = ws.channel_members(channel.id)
        page = members[start : start + max(1, min(limit, 1000))]
        following = start + len(page)
        cursor = str(following) if following < len(members) else ""
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    # -- chat ------------------------------------------------------------------------

    def chat_post_message(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        channel = ws.resolve_channel(_req_str(params, "channel", error="channel_not_found"))
        if not ws.is_member(channel.id, ws.bot_user_id):
            raise ApiError("not_in_channel")  # chat:write without chat:write.public
        text, blocks = self._message_params(params)
        thread_ts = _opt_str(params, "thread_ts")
        if thread_ts and not any(m.ts == thread_ts for m in ws.messages(channel.id)):
            logger.warning(
                "chat.postMessage thread_ts %s does not match a message in %s",
                thread_ts,
                channel.id,
            )
        message = ws.post_message(channel.id, text=text or "", blocks=blocks, thread_ts=thread_ts)
        return {"channel": channel.id, "ts": message.ts, "message": message.to_slack()}

    def chat_update(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        channel = ws.resolve_channel(_req_str(params, "channel", error="channel_not_found"))
        ts = _req_str(params, "ts", error="message_not_found")
        current = ws.message(channel.id, ts)
        text, blocks = self._message_params(params, require_content=False)
        final_text = text if text is not None else current.text
        final_blocks = blocks if blocks is not None else current.blocks
        if not final_text and not final_blocks and not current.files:
            raise ApiError("no_text")
        message = ws.update_message(channel.id, ts, text=text, blocks=blocks)
        return {
            "channel": channel.id,
            "ts": ts,
            "text": message.text,
            "message": message.to_slack(),
        }

    def chat_post_ephemeral(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        channel = ws.resolve_channel(_req_str(params, "channel", error="channel_not_found"))
        user = ws.user(_req_str(params, "user", error="user_not_found"))
        if not channel.visible_to(user.id):
            raise ApiError("user_not_in_channel")
        text, blocks = self._message_params(params)
        eph = ws.add_ephemeral(
            channel.id,
            user.id,
            text=text or "",
            blocks=blocks,
            source="chat.postEphemeral",
            thread_ts=_opt_str(params, "thread_ts"),
        )
        return {"message_ts": eph.ts}

    def chat_delete(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        channel = ws.resolve_channel(_req_str(params, "channel", error="channel_not_found"))
        ts = _req_str(params, "ts", error="message_not_found")
        ws.delete_message(channel.id, ts)
        return {"channel": channel.id, "ts": ts}

    def chat_get_permalink(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        channel = ws.resolve_channel(_req_str(params, "channel", error="channel_not_found"))
        ts = _req_str(params, "message_ts", error="message_not_found")
        ws.message(channel.id, ts)
        link = f"https://{ws.team_domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
        return {"channel": channel.id, "permalink": link}

    # -- views -----------------------------------------------------------------------

    def _trigger(self, params: Params) -> TriggerGrant:
        """Check the trigger first: Slack reports a bad trigger before a bad view."""
        trigger_id = _opt_str(params, "trigger_id") or _opt_str(params, "interactivity_pointer")
        return self.workspace.check_trigger(trigger_id)

    def views_open(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        grant = self._trigger(params)
        view = self._view_param(params, expected_type="modal")
        record = ws.open_modal_stack(grant.user_id, view)
        ws.spend_trigger(grant.id)
        return self._view_body(record.id)

    def views_push(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        grant = self._trigger(params)
        view = self._view_param(params, expected_type="modal")
        record = ws.push_modal(grant.user_id, view)
        ws.spend_trigger(grant.id)
        return self._view_body(record.id)

    def views_update(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        view_id = _opt_str(params, "view_id")
        external_id = _opt_str(params, "external_id")
        if not view_id and not external_id:
            raise ApiError(
                "invalid_arguments", messages=["one of view_id or external_id is required"]
            )
        record = ws.find_view(view_id=view_id, external_id=external_id)
        view = self._view_param(params, expected_type=record.type)
        updated = ws.update_view(record.id, view, expected_hash=_opt_str(params, "hash"))
        return self._view_body(updated.id)

    def views_publish(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        user_id = _req_str(params, "user_id", error="user_not_found")
        ws.user(user_id)
        view = self._view_param(params, expected_type="home")
        record = ws.publish_home(user_id, view, expected_hash=_opt_str(params, "hash"))
        return self._view_body(record.id)

    # -- files -----------------------------------------------------------------------

    def files_get_upload_url_external(self, params: Params) -> dict[str, Any]:
        filename = _req_str(params, "filename")
        length_raw = _req_str(params, "length")
        try:
            length = int(length_raw)
        except ValueError as exc:
            raise ApiError("invalid_arguments", messages=["length must be an integer"]) from exc
        if length <= 0:
            raise ApiError("invalid_arguments", messages=["length must be positive"])
        record = self.workspace.reserve_file(filename, length)
        return {"upload_url": self._upload_url(record.id), "file_id": record.id}

    def files_complete_upload_external(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        files = _json_param(params, "files", error="invalid_arguments")
        if not isinstance(files, list) or not files:
            raise ApiError("invalid_arguments", messages=["files must be a non-empty array"])
        targets: list[str] = []
        channel_id = _opt_str(params, "channel_id")
        if channel_id:
            targets.append(channel_id)
        channels = _opt_str(params, "channels")
        if channels:
            targets.extend(c.strip() for c in channels.split(",") if c.strip())
        resolved = [ws.resolve_channel(t) for t in targets]
        if any(not isinstance(item, dict) or not item.get("id") for item in files):
            raise ApiError("invalid_arguments", messages=["each file needs an id"])
        records = [ws.complete_file(str(item["id"]), title=item.get("title")) for item in files]
        for channel in resolved:
            records = [ws.share_file(r.id, channel.id) for r in records]
            ws.post_message(
                channel.id,
                text=_opt_str(params, "initial_comment") or "",
                files=[ws.file_to_slack(r) for r in records],
                thread_ts=_opt_str(params, "thread_ts"),
                source="files.completeUploadExternal",
            )
        return {"files": [ws.file_to_slack(r) for r in records]}

    def files_info(self, params: Params) -> dict[str, Any]:
        record = self.workspace.file(_req_str(params, "file", error="file_not_found"))
        return {
            "file": self.workspace.file_to_slack(record),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    # -- response_url ------------------------------------------------------------------

    def respond(self, grant: ResponseUrlGrant, payload: dict[str, Any]) -> None:
        """Apply a POST to a response_url the way Slack renders it.

        Ephemeral to the invoker unless ``response_type`` is ``in_channel``;
        ``replace_original``/``delete_original`` act on the message the
        interaction came from (a channel message or an ephemeral).
        """
        ws = self.workspace
        original_ts = grant.message_ts
        if payload.get("delete_original"):
            if original_ts is None:
                raise ApiError(
                    "invalid_arguments", messages=["there is no original message to delete"]
                )
            if grant.is_ephemeral:
                ws.retire_ephemeral(grant.user_id, original_ts, deleted=True)
            else:
                ws.delete_message(grant.channel_id, original_ts)
            return
        text = payload.get("text")
        blocks = payload.get("blocks")
        check_message_content(text, blocks)
        text = text or ""
        thread_ts = payload.get("thread_ts") if isinstance(payload.get("thread_ts"), str) else None
        if payload.get("replace_original") and original_ts is not None:
            if grant.is_ephemeral:
                ws.retire_ephemeral(grant.user_id, original_ts)
                ws.add_ephemeral(
                    grant.channel_id, grant.user_id, text=text, blocks=blocks, source="response_url"
                )
            else:
                ws.update_message(grant.channel_id, original_ts, text=text, blocks=blocks or [])
            return
        if payload.get("response_type") == "in_channel":
            ws.post_message(
                grant.channel_id,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                source="response_url",
            )
        else:
            ws.add_ephemeral(
                grant.channel_id,
                grant.user_id,
                text=text,
                blocks=blocks,
                source="response_url",
                thread_ts=thread_ts,
            )


_HANDLERS: dict[str, Handler] = {
    "auth.test": WebApiMethods.auth_test,
    "users.info": WebApiMethods.users_info,
    "conversations.open": WebApiMethods.conversations_open,
    "conversations.info": WebApiMethods.conversations_info,
    "conversations.members": WebApiMethods.conversations_members,
    "chat.postMessage": WebApiMethods.chat_post_message,
    "chat.update": WebApiMethods.chat_update,
    "chat.postEphemeral": WebApiMethods.chat_post_ephemeral,
    "chat.delete": WebApiMethods.chat_delete,
    "chat.getPermalink": WebApiMethods.chat_get_permalink,
    "views.open": WebApiMethods.views_open,
    "views.push": WebApiMethods.views_push,
    "views.update": WebApiMethods.views_update,
    "views.publish": WebApiMethods.views_publish,
    "files.getUploadURLExternal": WebApiMethods.files_get_upload_url_external,
    "files.completeUploadExternal": WebApiMethods.files_complete_upload_external,
    "files.info": WebApiMethods.files_info,
}
