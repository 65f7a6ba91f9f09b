"""Records held by the simulated workspace.

They are plain dataclasses so tests can inspect them directly; the
``to_slack`` methods render them in the exact JSON shape Slack uses in API
responses and interaction payloads, so there is one place that knows each shape.
Readers on :class:`~.state.Workspace` hand out deep copies, so a test holding a
record never races with the server thread mutating it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

ViewType = Literal["modal", "home"]
SurfaceKind = Literal["message", "message_version", "ephemeral", "modal", "home"]


@dataclass
class User:
    """A workspace member (or the bot user itself)."""

    id: str
    name: str
    real_name: str
    tz: str = "Europe/London"
    is_bot: bool = False
    deleted: bool = False

    def to_slack(self, team_id: str, now: float) -> dict[str, Any]:
        """Render as in ``users.info``; tz offset is computed for ``now`` (BST vs GMT)."""
        zone = ZoneInfo(self.tz)
        offset = datetime.fromtimestamp(now, zone).utcoffset()
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": datetime.fromtimestamp(now, zone).tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "team": team_id,
            },
        }


@dataclass
class Channel:
    """A public channel (``C…``) or a bot↔user direct message (``D…``)."""

    id: str
    name: str
    is_im: bool = False
    #: For DMs, the human on the other side.
    user: str | None = None

    def visible_to(self, user_id: str) -> bool:
        """Public channels are treated as visible to everyone, DMs to their user only."""
        return not self.is_im or self.user == user_id

    def to_slack(self, now: float) -> dict[str, Any]:
        """Render as in ``conversations.info`` / ``conversations.open``."""
        if self.is_im:
            return {
                "id": self.id,
                "created": int(now),
                "is_im": True,
                "is_org_shared": False,
                "user": self.user,
            }
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_private": False,
            "is_archived": False,
            "is_member": True,
            "created": int(now),
        }


@dataclass
class MessageVersion:
    """What a message looked like before an edit (kept for audits)."""

    text: str
    blocks: list[dict[str, Any]]
    files: list[dict[str, Any]]
    replaced_at: float


@dataclass
class Message:
    """A message in a channel or DM: the bot's, or (``bot_id`` empty) a member's file share."""

    channel: str
    ts: str
    user: str
    bot_id: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    #: Previous versions, oldest first; the current content is on the record itself.
    history: list[MessageVersion] = field(default_factory=list)
    deleted: bool = False
    #: Which API produced it: chat.postMessage, response_url, command_ack,
    #: files.completeUploadExternal …
    source: str = "chat.postMessage"

    def to_slack(self) -> dict[str, Any]:
        """Render as Slack does in API responses and in ``block_actions.message``."""
        data: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message" if self.bot_id else "file_share",
            "user": self.user,
            "text": self.text,
            "blocks": copy.deepcopy(self.blocks),
            "ts": self.ts,
            "team": None,
        }
        if self.bot_id:
            data["bot_id"] = self.bot_id
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.files:
            data["files"] = copy.deepcopy(self.files)
            data["upload"] = False
        if self.history:
            data["edited"] = {"user": self.user, "ts": self.ts}
        return data


@dataclass
class Ephemeral:
    """A message only one user can see (postEphemeral, response_url, command ack)."""

    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    ts: str
    source: str
    thread_ts: str | None = None
    #: Set when a later ``replace_original``/``delete_original`` took it off screen.
    replaced: bool = False
    deleted: bool = False

    def to_slack(self) -> dict[str, Any]:
        """Render as a message dict (Slack never sends ephemerals back to bots)."""
        return {
            "type": "message",
            "text": self.text,
            "blocks": copy.deepcopy(self.blocks),
            "ts": self.ts,
        }


@dataclass
class ViewRecord:
    """A modal or App Home view and everything that ever happened to it."""

    id: str
    user_id: str
    type: ViewType
    #: The current definition (title/blocks/private_metadata/…) with ids filled in.
    view: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    external_id: str | None = None
    #: Slack's ``state`` object: ``{"values": {block_id: {action_id: {...}}}}``.
    state: dict[str, Any] = field(default_factory=lambda: {"values": {}})
    is_open: bool = True
    #: Every definition ever shown, oldest first (the current one is the last).
    versions: list[dict[str, Any]] = field(default_factory=list)
    #: Errors from the last ``response_action: errors`` (block_id -> message).
    errors: dict[str, str] = field(default_factory=dict)
    #: Workspace-wide sequence number of the last change, to find the latest view.
    revision: int = 0
    #: Every set of errors ever shown under the inputs, oldest first.
    error_history: list[dict[str, str]] = field(default_factory=list)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """Shortcut to the current blocks."""
        return list(self.view.get("blocks") or [])

    @property
    def callback_id(self) -> str:
        """Shortcut to the current callback_id ("" when unset, as Slack renders it)."""
        return str(self.view.get("callback_id") or "")

    @property
    def private_metadata(self) -> str:
        """Shortcut to the current private_metadata ("" when unset)."""
        return str(self.view.get("private_metadata") or "")

    def to_slack(self, *, team_id: str, app_id: str, bot_id: str) -> dict[str, Any]:
        """Render the full view object as in ``views.*`` responses and payloads."""
        data: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "type": self.type,
            "blocks": copy.deepcopy(self.view.get("blocks") or []),
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": copy.deepcopy(self.state),
            "hash": self.hash,
            "clear_on_close": bool(self.view.get("clear_on_close", False)),
            "notify_on_close": bool(self.view.get("notify_on_close", False)),
            "root_view_id": self.root_view_id,
            "previous_view_id": self.previous_view_id,
            "app_id": app_id,
            "external_id": self.external_id or "",
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        }
        for key in ("title", "submit", "close"):
            if self.view.get(key) is not None:
                data[key] = copy.deepcopy(self.view[key])
        return data


@dataclass
class FileRecord:
    """An uploaded file, from ``files.getUploadURLExternal`` to sharing."""

    id: str
    name: str
    length: int
    user: str
    created: float
    title: str = ""
    content: bytes | None = None
    channels: list[str] = field(default_factory=list)
    completed: bool = False

    def to_slack(self, *, base_url: str) -> dict[str, Any]:
        """Render as in ``files.info`` and in a message's ``files``."""
        ext = self.name.rsplit(".", 1)[-1].lower() if "." in self.name else "binary"
        return {
            "id": self.id,
            "created": int(self.created),
            "timestamp": int(self.created),
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": _MIMETYPES.get(ext, "application/octet-stream"),
            "filetype": ext,
            "pretty_type": ext.upper(),
            "user": self.user,
            "mode": "hosted",
            "is_external": False,
            "is_public": bool(self.channels),
            "size": len(self.content) if self.content is not None else self.length,
            "url_private": f"{base_url}files/{self.id}/{self.name}",
            "url_private_download": f"{base_url}files/{self.id}/download/{self.name}",
            "channels": list(self.channels),
            "groups": [],
            "ims": [],
        }


_MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
    "txt": "text/plain",
    "json": "application/json",
    "png": "image/png",
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "yaml": "application/x-yaml",
    "yml": "application/x-yaml",
}


@dataclass(frozen=True)
class CallRecord:
    """One request the bot made to the simulated Slack (Web API, upload or response_url)."""

    method: str
    params: dict[str, Any]
    http_status: int
    ok: bool
    error: str | None
    time: float


@dataclass(frozen=True)
class TriggerGrant:
    """A ``trigger_id`` handed to the bot with an interaction."""

    id: str
    user_id: str
    issued_at: float
    #: The modal the interaction happened in (views.push needs one).
    view_id: str | None = None


@dataclass
class ResponseUrlGrant:
    """A ``response_url`` handed to the bot, and what it points back at."""

    id: str
    user_id: str
    channel_id: str
    issued_at: float
    #: The message the interaction came from, for replace_original/delete_original.
    message_ts: str | None = None
    is_ephemeral: bool = False
    uses: int = 0


@dataclass(frozen=True)
class Surface:
    """One thing a user could have seen: a message (version), ephemeral or view version.

    Used by blind-voting audits: "did member X ever see how member Y voted?"
    """

    kind: SurfaceKind
    text: str
    blocks: list[dict[str, Any]]
    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None
    view: dict[str, Any] | None = None
    files: list[dict[str, Any]] = field(default_factory=list)

    def visible_text(self) -> str:
        """Everything rendered on screen: texts, labels, placeholders, option texts, file names.

        Hidden fields (``value``, ``action_id``, ``block_id``, ``private_metadata``)
        are excluded; use :meth:`all_strings` for those.
        """
        parts = [self.text]
        parts.extend(_rendered_strings(self.blocks))
        if self.view is not None:
            parts.extend(
                _rendered_strings(
                    {k: v for k, v in self.view.items() if k in ("title", "submit", "close")}
                )
            )
        for f in self.files:
            parts.extend(str(f.get(k) or "") for k in ("name", "title"))
        return "\n".join(p for p in parts if p)

    def all_strings(self) -> str:
        """Every string in the surface, including ones the client receives but does not render."""
        parts = [self.text, *_all_strings(self.blocks), *_all_strings(self.files)]
        if self.view is not None:
            parts.extend(_all_strings(self.view))
        return "\n".join(p for p in parts if p)


_RENDERED_KEYS = frozenset({"text", "alt_text"})


def _rendered_strings(node: Any) -> Iterator[str]:
    """Strings under ``text``/``alt_text`` keys, i.e. what Slack draws."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _RENDERED_KEYS and isinstance(value, str):
                yield value
            elif key not in ("private_metadata", "state"):
                yield from _rendered_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _rendered_strings(item)


def _all_strings(node: Any) -> Iterator[str]:
    """Every string value anywhere in ``node``."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _all_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _all_strings(item)
