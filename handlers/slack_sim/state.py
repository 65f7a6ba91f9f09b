"""The simulated workspace: users, channels, messages, views, files and the call log.

All state sits behind one re-entrant lock (:attr:`Workspace.lock`).  The Web
API server holds it for the whole of each method call, so every API method is
atomic exactly as it is in Slack, and the test thread can read consistent
snapshots.  Readers return deep copies for the same reason.

The workspace knows nothing about HTTP; :mod:`.methods` turns API parameters
into calls on it and :mod:`.web_api` turns HTTP requests into those.
"""

from __future__ import annotations

import copy
import itertools
import logging
import secrets
import threading
from collections.abc import Iterable
from typing import Any

from . import limits
from .blockkit import fill_missing_ids
from .clock import Clock, SystemClock
from .errors import ApiError
from .models import (
    CallRecord,
    Channel,
    Ephemeral,
    FileRecord,
    Message,
    MessageVersion,
    ResponseUrlGrant,
    Surface,
    TriggerGrant,
    User,
    ViewRecord,
    ViewType,
)

logger = logging.getLogger(__name__)

DEFAULT_BOT_TOKEN = "xoxb-sim-token"
#: The app-level token (scope ``connections:write``) that opens Socket Mode connections.
DEFAULT_APP_TOKEN = "xapp-1-A0SIM00001-sim-app-token"
#: The bot scopes the app's manifest asks for; a test removes one to plant a fault.
DEFAULT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "files:write",
    "files:read",
    "im:history",
    "channels:read",
    "groups:read",
)


class Workspace:
    """One Slack workspace with one installed app (the bot under test)."""

    def __init__(
        self,
        *,
        team_id: str = "T0SIM00001",
        team_domain: str = "vcop-sim",
        team_name: str = "VCOP Simulated Workspace",
        app_id: str = "A0SIM00001",
        bot_user_id: str = "U0BOT00001",
        bot_id: str = "B0BOT00001",
        bot_name: str = "vcop-panel",
        bot_tokens: Iterable[str] = (DEFAULT_BOT_TOKEN,),
        app_tokens: Iterable[str] = (DEFAULT_APP_TOKEN,),
        scopes: Iterable[str] = DEFAULT_SCOPES,
        clock: Clock | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.app_id = app_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.bot_tokens: set[str] = set(bot_tokens)
        #: App-level tokens Slack accepts for ``apps.connections.open``; remove one to revoke it.
        self.app_tokens: set[str] = set(app_tokens)
        #: Scopes granted to the bot token: sent in ``X-OAuth-Scopes`` as Slack does.
        self.scopes: list[str] = list(scopes)
        self.clock: Clock = clock or SystemClock()
        #: Set by the server once it knows its port; used for file URLs.
        self.public_base_url = "http://127.0.0.1/"

        self._users: dict[str, User] = {}
        self._channels: dict[str, Channel] = {}
        self._dm_by_user: dict[str, str] = {}
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._views: dict[str, ViewRecord] = {}
        self._modal_stacks: dict[str, list[str]] = {}
        self._home_by_user: dict[str, str] = {}
        self._files: dict[str, FileRecord] = {}
        self._calls: list[CallRecord] = []
        self._triggers: dict[str, TriggerGrant] = {}
        self._used_triggers: set[str] = set()
        self._response_urls: dict[str, ResponseUrlGrant] = {}
        #: Who has left (or was never in) each public channel; everyone else is a member.
        self._not_in_channel: dict[str, set[str]] = {}
        self._counter = itertools.count(1)
        self._last_ts_us = 0

        self._users[bot_user_id] = User(bot_user_id, bot_name, bot_name, is_bot=True)

    # -- identifiers -----------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        """Slack-looking ids (uppercase alphanumerics) that never collide within a run."""
        return f"{prefix}0S{next(self._counter):07X}"

    def generated_id(self) -> str:
        """A short id for blocks/actions the bot left unnamed (Slack fills these in)."""
        return f"sim{next(self._counter):x}"

    def next_ts(self) -> str:
        """A unique, strictly increasing message timestamp like ``1700000000.000100``."""
        with self.lock:
            now_us = int(self.clock.now() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _new_hash(self) -> str:
        return f"{int(self.clock.now())}.{next(self._counter):08x}"

    # -- users and channels ------------------------------------------------------------

    def add_user(
        self, user_id: str, name: str, *, real_name: str | None = None, tz: str = "Europe/London"
    ) -> User:
        """Register a member; ``real_name`` defaults to ``name``."""
        with self.lock:
            user = User(user_id, name, real_name or name, tz=tz)
            self._users[user_id] = user
            return copy.deepcopy(user)

    def user(self, user_id: str) -> User:
        """A copy of a member (or the bot user), or raise ``user_not_found``."""
        with self.lock:
            found = self._users.get(user_id)
            if found is None:
                raise ApiError("user_not_found")
            return copy.deepcopy(found)

    def users(self) -> list[User]:
        """All members except the bot."""
        with self.lock:
            return [copy.deepcopy(u) for u in self._users.values() if not u.is_bot]

    def add_channel(self, channel_id: str, name: str) -> Channel:
        """Register a public channel (visible to every member)."""
        with self.lock:
            channel = Channel(channel_id, name.lstrip("#"))
            self._channels[channel_id] = channel
            self._messages.setdefault(channel_id, [])
            return copy.deepcopy(channel)

    def leave_channel(self, channel_id: str, user_id: str) -> None:
        """``user_id`` (the bot included) is no longer a member of a public channel."""
        with self.lock:
            self.channel(channel_id)
            self._not_in_channel.setdefault(channel_id, set()).add(user_id)

    def join_channel(self, channel_id: str, user_id: str) -> None:
        with self.lock:
            self.channel(channel_id)
            self._not_in_channel.get(channel_id, set()).discard(user_id)

    def is_member(self, channel_id: str, user_id: str) -> bool:
        """Public channels: everyone who has not left; DMs: their user and the bot."""
        with self.lock:
            channel = self.channel(channel_id)
            if channel.is_im:
                return user_id in (channel.user, self.bot_user_id)
            return user_id not in self._not_in_channel.get(channel_id, set())

    def channel_members(self, channel_id: str) -> list[str]:
        """Member ids of a channel, the bot included when it is in it."""
        with self.lock:
            return [
                user.id
                for user in self._users.values()
                if not user.deleted and self.is_member(channel_id, user.id)
            ]

    def dm_channel_for(self, user_id: str) -> str:
        """The stable DM channel id between the bot and ``user_id`` (created on first use)."""
        with self.lock:
            self.user(user_id)
            existing = self._dm_by_user.get(user_id)
            if existing is not None:
                return existing
            dm_id = self._new_id("D")
            self._channels[dm_id] = Channel(dm_id, "directmessage", is_im=True, user=user_id)
            self._dm_by_user[user_id] = dm_id
            self._messages[dm_id] = []
            return dm_id

    def has_dm(self, user_id: str) -> bool:
        """True once a DM with ``user_id`` exists (conversations.open's ``already_open``)."""
        with self.lock:
            return user_id in self._dm_by_user

    def channel(self, channel_id: str) -> Channel:
        """A copy of a channel by id, or raise ``channel_not_found``."""
        with self.lock:
            found = self._channels.get(channel_id)
            if found is None:
                raise ApiError("channel_not_found")
            return copy.deepcopy(found)

    def resolve_channel(self, ref: str) -> Channel:
        """Resolve what chat.* accepts as ``channel``: an id, a ``#name``, or a user id (→ DM)."""
        with self.lock:
            if ref in self._channels:
                return self.channel(ref)
            if ref in self._users and not self._users[ref].is_bot:
                return self.channel(self.dm_channel_for(ref))
            name = ref.lstrip("#")
            for channel in self._channels.values():
                if not channel.is_im and channel.name == name:
                    return copy.deepcopy(channel)
            raise ApiError("channel_not_found")

    # -- messages --------------------------------------------------------------------

    def post_message(
        self,
        channel_id: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        files: list[dict[str, Any]] | None = None,
        source: str = "chat.postMessage",
    ) -> Message:
        """Append a bot message to a channel and return a copy of it."""
        with self.lock:
            self.channel(channel_id)
            message = Message(
                channel=channel_id,
                ts=self.next_ts(),
                user=self.bot_user_id,
                bot_id=self.bot_id,
                text=text,
                blocks=fill_missing_ids(copy.deepcopy(blocks or []), self.generated_id),
                thread_ts=thread_ts,
                files=copy.deepcopy(files or []),
                source=source,
            )
            self._messages[channel_id].append(message)
            logger.debug("message %s posted in %s via %s", message.ts, channel_id, source)
            return copy.deepcopy(message)

    def _live_message(self, channel_id: str, ts: str) -> Message:
        for message in self._messages.get(channel_id, []):
            if message.ts == ts and not message.deleted:
                return message
        raise ApiError("message_not_found")

    def update_message(
        self,
        channel_id: str,
        ts: str,
        *,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> Message:
        """Edit a message, keeping the previous version; ``None`` fields are left as they were."""
        with self.lock:
            message = self._live_message(channel_id, ts)
            message.history.append(
                MessageVersion(
                    message.text,
                    copy.deepcopy(message.blocks),
                    copy.deepcopy(message.files),
                    self.clock.now(),
                )
            )
            if text is not None:
                message.text = text
            if blocks is not None:
                message.blocks = fill_missing_ids(copy.deepcopy(blocks), self.generated_id)
            return copy.deepcopy(message)

    def delete_message(self, channel_id: str, ts: str) -> None:
        """Mark a message deleted (kept for audits, hidden from :meth:`messages`)."""
        with self.lock:
            self._live_message(channel_id, ts).deleted = True

    def message(self, channel_id: str, ts: str) -> Message:
        """A copy of one live message, or raise ``message_not_found``."""
        with self.lock:
            return copy.deepcopy(self._live_message(channel_id, ts))

    def messages(self, channel_id: str, *, include_deleted: bool = False) -> list[Message]:
        """Copies of the messages in a channel, oldest first."""
        with self.lock:
            return [
                copy.deepcopy(m)
                for m in self._messages.get(channel_id, [])
                if include_deleted or not m.deleted
            ]

    # -- ephemerals --------------------------------------------------------------------

    def add_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        source: str,
        thread_ts: str | None = None,
    ) -> Ephemeral:
        """Record a message only ``user_id`` can see."""
        with self.lock:
            eph = Ephemeral(
                channel=channel_id,
                user=user_id,
                text=text,
                blocks=fill_missing_ids(copy.deepcopy(blocks or []), self.generated_id),
                ts=self.next_ts(),
                source=source,
                thread_ts=thread_ts,
            )
            self._ephemerals.append(eph)
            return copy.deepcopy(eph)

    def _live_ephemeral(self, user_id: str, ts: str) -> Ephemeral | None:
        for eph in self._ephemerals:
            if eph.user == user_id and eph.ts == ts and not (eph.replaced or eph.deleted):
                return eph
        return None

    def ephemeral(self, user_id: str, ts: str) -> Ephemeral | None:
        """A copy of a still-visible ephemeral of ``user_id``, if any."""
        with self.lock:
            found = self._live_ephemeral(user_id, ts)
            return copy.deepcopy(found) if found is not None else None

    def retire_ephemeral(self, user_id: str, ts: str, *, deleted: bool = False) -> None:
        """Take an ephemeral off screen (``replace_original`` / ``delete_original``)."""
        with self.lock:
            eph = self._live_ephemeral(user_id, ts)
            if eph is not None:
                eph.replaced = not deleted
                eph.deleted = deleted

    def ephemerals_for(self, user_id: str, *, include_retired: bool = False) -> list[Ephemeral]:
        """Copies of the ephemerals shown to ``user_id``, oldest first."""
        with self.lock:
            return [
                copy.deepcopy(e)
                for e in self._ephemerals
                if e.user == user_id and (include_retired or not (e.replaced or e.deleted))
            ]

    # -- views -----------------------------------------------------------------------

    def _prepare_view(self, view: dict[str, Any]) -> dict[str, Any]:
        stored = copy.deepcopy(view)
        stored["blocks"] = fill_missing_ids(list(stored.get("blocks") or []), self.generated_id)
        return stored

    def _external_id_taken(
        self, external_id: str | None, *, except_view: str | None = None
    ) -> bool:
        if not external_id:
            return False
        return any(
            v.external_id == external_id and v.id != except_view and v.is_open
            for v in self._views.values()
        )

    def _create_view(
        self,
        user_id: str,
        view: dict[str, Any],
        *,
        root_view_id: str | None,
        previous_view_id: str | None,
    ) -> ViewRecord:
        external_id = view.get("external_id") or None
        if self._external_id_taken(external_id):
            raise ApiError("duplicate_external_id")
        stored = self._prepare_view(view)
        view_id = self._new_id("V")
        kind: ViewType = "home" if stored.get("type") == "home" else "modal"
        record = ViewRecord(
            id=view_id,
            user_id=user_id,
            type=kind,
            view=stored,
            hash=self._new_hash(),
            root_view_id=root_view_id or view_id,
            previous_view_id=previous_view_id,
            external_id=external_id,
        )
        record.versions.append(copy.deepcopy(stored))
        record.revision = next(self._counter)
        self._views[view_id] = record
        return record

    def open_modal_stack(self, user_id: str, view: dict[str, Any]) -> ViewRecord:
        """``views.open``: start a new modal for ``user_id`` (closing any modal still open)."""
        with self.lock:
            for view_id in self._modal_stacks.pop(user_id, []):
                logger.warning("views.open replaced modal %s still open for %s", view_id, user_id)
                self._views[view_id].is_open = False
            record = self._create_view(user_id, view, root_view_id=None, previous_view_id=None)
            self._modal_stacks[user_id] = [record.id]
            return copy.deepcopy(record)

    def push_modal(self, user_id: str, view: dict[str, Any]) -> ViewRecord:
        """``views.push`` or ``response_action: push``: add a view on top of the user's modal."""
        with self.lock:
            stack = self._modal_stacks.get(user_id)
            if not stack:
                raise ApiError(
                    "invalid_arguments", messages=["no modal is open for this user to push onto"]
                )
            if len(stack) >= limits.MODAL_STACK_MAX:
                raise ApiError("push_limit_reached")
            record = self._create_view(
                user_id, view, root_view_id=stack[0], previous_view_id=stack[-1]
            )
            stack.append(record.id)
            return copy.deepcopy(record)

    def find_view(
        self, *, view_id: str | None = None, external_id: str | None = None
    ) -> ViewRecord:
        """A copy of the open view with this id or external_id, or raise ``not_found``."""
        with self.lock:
            return copy.deepcopy(self._find_view(view_id=view_id, external_id=external_id))

    def _find_view(
        self, *, view_id: str | None = None, external_id: str | None = None
    ) -> ViewRecord:
        with self.lock:
            record: ViewRecord | None = None
            if view_id:
                record = self._views.get(view_id)
            elif external_id:
                record = next(
                    (v for v in self._views.values() if v.external_id == external_id and v.is_open),
                    None,
                )
            if record is None or not record.is_open:
                raise ApiError("not_found")
            return record

    def update_view(
        self, record_id: str, view: dict[str, Any], *, expected_hash: str | None = None
    ) -> ViewRecord:
        """Replace a view's definition in place (``views.update`` / ``response_action: update``)."""
        with self.lock:
            record = self._find_view(view_id=record_id)
            if expected_hash and expected_hash != record.hash:
                raise ApiError("hash_conflict")
            new_external = view.get("external_id") or record.external_id
            if self._external_id_taken(new_external, except_view=record.id):
                raise ApiError("duplicate_external_id")
            stored = self._prepare_view(view)
            record.state = {"values": _preserved_inputs(record.view, stored, record.state)}
            record.view = stored
            record.external_id = new_external
            record.hash = self._new_hash()
            record.errors = {}
            record.versions.append(copy.deepcopy(stored))
            record.revision = next(self._counter)
            return copy.deepcopy(record)

    def publish_home(
        self, user_id: str, view: dict[str, Any], *, expected_hash: str | None = None
    ) -> ViewRecord:
        """``views.publish``: one App Home per user, same view id across publishes."""
        with self.lock:
            self.user(user_id)
            existing_id = self._home_by_user.get(user_id)
            if existing_id is None:
                record = self._create_view(user_id, view, root_view_id=None, previous_view_id=None)
                self._home_by_user[user_id] = record.id
                return copy.deepcopy(record)
            return self.update_view(existing_id, view, expected_hash=expected_hash)

    def close_top_modal(self, user_id: str) -> None:
        """Pop the top view of ``user_id``'s modal (empty ack to a view_submission, or "Back")."""
        with self.lock:
            stack = self._modal_stacks.get(user_id) or []
            if stack:
                self._views[stack.pop()].is_open = False
            if not stack:
                self._modal_stacks.pop(user_id, None)

    def close_all_modals(self, user_id: str) -> None:
        """Close every view of ``user_id``'s modal (``response_action: clear`` or the X)."""
        with self.lock:
            for view_id in self._modal_stacks.pop(user_id, []):
                self._views[view_id].is_open = False

    def set_view_errors(self, view_id: str, errors: dict[str, str]) -> None:
        """Remember ``response_action: errors`` so tests can see what the user was told."""
        with self.lock:
            record = self._views[view_id]
            record.errors = dict(errors)
            record.error_history.append(dict(errors))

    def set_view_state(self, view_id: str, state: dict[str, Any]) -> None:
        """Store what the user has typed/selected so far (sent in later payloads)."""
        with self.lock:
            self._views[view_id].state = copy.deepcopy(state)

    def view(self, view_id: str) -> ViewRecord:
        """A copy of any view ever created (open or not), or raise ``not_found``."""
        with self.lock:
            record = self._views.get(view_id)
            if record is None:
                raise ApiError("not_found")
            return copy.deepcopy(record)

    def view_to_slack(self, record: ViewRecord) -> dict[str, Any]:
        """Render a view record in Slack's JSON shape for this workspace."""
        return record.to_slack(team_id=self.team_id, app_id=self.app_id, bot_id=self.bot_id)

    def modal_stack(self, user_id: str) -> list[ViewRecord]:
        """Copies of the open views of ``user_id``'s modal, root first."""
        with self.lock:
            return [copy.deepcopy(self._views[v]) for v in self._modal_stacks.get(user_id, [])]

    def open_modal(self, user_id: str) -> ViewRecord | None:
        """The topmost open modal view of ``user_id``, if any."""
        stack = self.modal_stack(user_id)
        return stack[-1] if stack else None

    def home_view(self, user_id: str) -> ViewRecord | None:
        """The App Home of ``user_id``, if one was ever published."""
        with self.lock:
            view_id = self._home_by_user.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def latest_view_for(self, user_id: str) -> ViewRecord | None:
        """The view (modal or home, open or not) most recently shown to/changed for ``user_id``."""
        with self.lock:
            mine = [v for v in self._views.values() if v.user_id == user_id]
            return copy.deepcopy(max(mine, key=lambda v: v.revision)) if mine else None

    def views_for(self, user_id: str) -> list[ViewRecord]:
        """Every view ever created for ``user_id`` (modals and home), in creation order."""
        with self.lock:
            return [copy.deepcopy(v) for v in self._views.values() if v.user_id == user_id]

    # -- files -----------------------------------------------------------------------

    def reserve_file(self, name: str, length: int) -> FileRecord:
        """``files.getUploadURLExternal``: allocate an id awaiting its bytes."""
        with self.lock:
            record = FileRecord(self._new_id("F"), name, length, self.bot_user_id, self.clock.now())
            self._files[record.id] = record
            return copy.deepcopy(record)

    def store_file_bytes(self, file_id: str, content: bytes) -> None:
        """The upload step: attach bytes to a reserved file."""
        with self.lock:
            record = self._files.get(file_id)
            if record is None:
                raise ApiError("file_not_found")
            record.content = content

    def complete_file(self, file_id: str, *, title: str | None) -> FileRecord:
        """``files.completeUploadExternal`` for one file; sharing is :meth:`share_file`."""
        with self.lock:
            record = self._files.get(file_id)
            if record is None or record.content is None:
                raise ApiError("file_not_found")
            record.completed = True
            if title:
                record.title = title
            return copy.deepcopy(record)

    def share_file(self, file_id: str, channel_id: str) -> FileRecord:
        """Note that a completed file is now shared into ``channel_id``."""
        with self.lock:
            record = self._files[file_id]
            if channel_id not in record.channels:
                record.channels.append(channel_id)
            return copy.deepcopy(record)

    def share_user_file(
        self, user_id: str, name: str, content: bytes
    ) -> tuple[FileRecord, Message]:
        """A member uploads a file into their DM with the app: the file and its message."""
        with self.lock:
            self.user(user_id)
            channel_id = self.dm_channel_for(user_id)
            record = FileRecord(
                self._new_id("F"), name, len(content), user_id, self.clock.now(), content=content
            )
            record.completed = True
            record.channels.append(channel_id)
            self._files[record.id] = record
            message = Message(
                channel=channel_id,
                ts=self.next_ts(),
                user=user_id,
                bot_id="",
                text="",
                blocks=[],
                files=[self.file_to_slack(record)],
                source="user upload",
            )
            self._messages[channel_id].append(message)
            return copy.deepcopy(record), copy.deepcopy(message)

    def file(self, file_id: str) -> FileRecord:
        """A copy of a file record, or raise ``file_not_found``."""
        with self.lock:
            record = self._files.get(file_id)
            if record is None or not record.completed:
                raise ApiError("file_not_found")
            return copy.deepcopy(record)

    def files(self) -> list[FileRecord]:
        """Copies of every completed file."""
        with self.lock:
            return [copy.deepcopy(f) for f in self._files.values() if f.completed]

    def file_to_slack(self, record: FileRecord) -> dict[str, Any]:
        """Render a file record with URLs pointing back at the simulator."""
        return record.to_slack(base_url=self.public_base_url)

    # -- interactivity grants ----------------------------------------------------------

    def issue_trigger(self, user_id: str, *, view_id: str | None = None) -> str:
        """Mint a trigger_id for an interaction by ``user_id`` (3 s, single use)."""
        with self.lock:
            now = self.clock.now()
            trigger_id = f"{int(now)}.{next(self._counter)}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = TriggerGrant(trigger_id, user_id, now, view_id)
            return trigger_id

    def check_trigger(self, trigger_id: str | None) -> TriggerGrant:
        """Validate a trigger_id without spending it (views.open/push call this first)."""
        with self.lock:
            if not trigger_id:
                raise ApiError("invalid_arguments", messages=["missing required field: trigger_id"])
            if trigger_id in self._used_triggers:
                raise ApiError("exchanged_trigger_id")
            grant = self._triggers.get(trigger_id)
            if grant is None:
                raise ApiError("invalid_trigger_id")
            if self.clock.now() - grant.issued_at > limits.TRIGGER_TTL_SECONDS:
                raise ApiError("expired_trigger_id")
            return grant

    def spend_trigger(self, trigger_id: str) -> None:
        """Mark a checked trigger as exchanged."""
        with self.lock:
            self._triggers.pop(trigger_id, None)
            self._used_triggers.add(trigger_id)

    def issue_response_url_id(
        self,
        user_id: str,
        channel_id: str,
        *,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
    ) -> str:
        """Mint the id part of a response_url (the server turns it into a URL)."""
        with self.lock:
            grant_id = f"{self.team_id}{next(self._counter)}{secrets.token_hex(12)}"
            self._response_urls[grant_id] = ResponseUrlGrant(
                grant_id, user_id, channel_id, self.clock.now(), message_ts, is_ephemeral
            )
            return grant_id

    def use_response_url(self, grant_id: str) -> ResponseUrlGrant:
        """Spend one of a response_url's five uses, or raise ``expired_url`` / ``used_url``."""
        with self.lock:
            grant = self._response_urls.get(grant_id)
            if grant is None:
                raise ApiError("invalid_url")
            if self.clock.now() - grant.issued_at > limits.RESPONSE_URL_TTL_SECONDS:
                raise ApiError("expired_url")
            if grant.uses >= limits.RESPONSE_URL_MAX_USES:
                raise ApiError("used_url")
            grant.uses += 1
            return copy.deepcopy(grant)

    # -- call log --------------------------------------------------------------------

    def record_call(
        self, method: str, params: dict[str, Any], *, http_status: int, ok: bool, error: str | None
    ) -> None:
        """Append to the call log (tokens are never recorded)."""
        with self.lock:
            safe = {k: v for k, v in params.items() if k != "token"}
            self._calls.append(CallRecord(method, safe, http_status, ok, error, self.clock.now()))

    def calls(self, method: str | None = None) -> list[CallRecord]:
        """The call log, optionally filtered by method, oldest first."""
        with self.lock:
            return [c for c in self._calls if method is None or c.method == method]

    # -- audits ----------------------------------------------------------------------

    def surfaces_seen_by(self, user_id: str) -> list[Surface]:
        """Everything ``user_id`` could ever have seen, including superseded versions.

        Public channels count as visible to every member, DMs only to their user;
        deleted messages and replaced ephemerals are included because they were on
        screen before they went away.  Used to audit blind voting.
        """
        with self.lock:
            surfaces: list[Surface] = []
            for channel_id, messages in self._messages.items():
                if not self._channels[channel_id].visible_to(user_id):
                    continue
                for m in messages:
                    for old in m.history:
                        surfaces.append(
                            Surface(
                                "message_version",
                                old.text,
                                copy.deepcopy(old.blocks),
                                channel=channel_id,
                                ts=m.ts,
                                files=copy.deepcopy(old.files),
                            )
                        )
                    surfaces.append(
                        Surface(
                            "message",
                            m.text,
                            copy.deepcopy(m.blocks),
                            channel=channel_id,
                            ts=m.ts,
                            files=copy.deepcopy(m.files),
                        )
                    )
            for e in self._ephemerals:
                if e.user == user_id:
                    surfaces.append(
                        Surface(
                            "ephemeral", e.text, copy.deepcopy(e.blocks), channel=e.channel, ts=e.ts
                        )
                    )
            for v in self._views.values():
                if v.user_id != user_id:
                    continue
                for version in v.versions:
                    surfaces.append(
                        Surface(
                            v.type,
                            "",
                            copy.deepcopy(list(version.get("blocks") or [])),
                            view_id=v.id,
                            view=copy.deepcopy(version),
                        )
                    )
                for errors in v.error_history:
                    text = "\n".join(str(e) for e in errors.values())
                    surfaces.append(Surface(v.type, text, [], view_id=v.id))
            return surfaces


def _preserved_inputs(
    old: dict[str, Any], new: dict[str, Any], state: dict[str, Any]
) -> dict[str, Any]:
    """What the user's inputs hold after ``views.update``, as Slack keeps it.

    Slack's "preserving input entry": an input whose ``block_id`` and
    ``action_id`` are unchanged keeps what it held (what the user entered, or
    else the initial value it was shown with), and a new ``initial_*`` on it is
    not applied. Only an input with a new ``block_id`` starts from its
    ``initial_*``. Entries of blocks the new view no longer has are dropped.
    """
    from .payloads import initial_state  # payloads builds on this module

    values = state.get("values", {})
    old_inputs = {
        str(b.get("block_id")): b["element"]
        for b in old.get("blocks") or []
        if isinstance(b, dict) and b.get("type") == "input" and isinstance(b.get("element"), dict)
    }
    kept: dict[str, Any] = {}
    for block in new.get("blocks") or []:
        if not isinstance(block, dict):
            continue
        block_id = str(block.get("block_id"))
        if block_id in values:
            kept[block_id] = copy.deepcopy(values[block_id])
        element = block.get("element")
        previous = old_inputs.get(block_id)
        if block.get("type") != "input" or not isinstance(element, dict) or previous is None:
            continue
        action_id = str(element.get("action_id"))
        if action_id == str(previous.get("action_id")) and action_id not in kept.get(block_id, {}):
            kept.setdefault(block_id, {})[action_id] = initial_state(previous)
    return kept
