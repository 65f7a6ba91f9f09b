"""Pydantic models for the slices of Slack payloads the bot reads.

Parsing at the boundary means a crafted or malformed payload fails here,
with a message naming the field, instead of deep inside a service.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.models import VOTE_OPTION_BY_LABEL, MemberNotes, VoteOption
from bot.plain_errors import plain_message
from handlers import ids

_LOOSE = ConfigDict(extra="ignore", frozen=True)


class SlashCommand(BaseModel):
    model_config = _LOOSE

    user_id: str = Field(min_length=1, max_length=40)
    channel_id: str = Field(default="", max_length=40)
    text: str = Field(default="", max_length=4000)
    trigger_id: str = Field(default="", max_length=200)

    @property
    def words(self) -> list[str]:
        return self.text.split()

    @property
    def subcommand(self) -> str:
        return self.words[0].lower() if self.words else "help"

    @property
    def arguments(self) -> list[str]:
        return self.words[1:]


class _User(BaseModel):
    model_config = _LOOSE
    id: str = Field(min_length=1, max_length=40)


class _Action(BaseModel):
    model_config = _LOOSE
    action_id: str = Field(max_length=255)
    value: str = Field(default="", max_length=2000)


class _Container(BaseModel):
    model_config = _LOOSE
    type: str = ""
    channel_id: str | None = None
    view_id: str | None = None
    message_ts: str | None = None


class _ClickedMessage(BaseModel):
    model_config = _LOOSE
    ts: str = Field(default="", max_length=40)
    thread_ts: str | None = Field(default=None, max_length=40)


class _ViewState(BaseModel):
    model_config = _LOOSE
    values: dict[str, dict[str, dict[str, Any]]] = {}


class _ClickedIn(BaseModel):
    """The view a button was pressed in: enough to update it in place."""

    model_config = _LOOSE
    type: str = Field(default="", max_length=20)
    id: str = Field(default="", max_length=40)
    hash: str = Field(default="", max_length=200)
    callback_id: str = Field(default="", max_length=255)
    private_metadata: str = Field(default="", max_length=3000)
    state: _ViewState = _ViewState()
    blocks: list[dict[str, Any]] = Field(default_factory=list, max_length=100)


class ButtonClick(BaseModel):
    """A block_actions payload for one button."""

    model_config = _LOOSE

    user: _User
    trigger_id: str = Field(min_length=1, max_length=200)
    actions: list[_Action] = Field(min_length=1, max_length=5)
    container: _Container = _Container()
    view: _ClickedIn | None = None
    message: _ClickedMessage | None = None

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def value(self) -> str:
        return self.actions[0].value

    def thread(self) -> tuple[str, str] | None:
        """The (channel, thread ts) a reply to a clicked message belongs in."""
        channel = self.container.channel_id
        ts = (self.message.thread_ts or self.message.ts) if self.message else None
        ts = ts or self.container.message_ts
        return (channel, ts) if channel and ts else None

    def case_key(self) -> tuple[str, str]:
        return ids.parse_case_key(self.actions[0].value)

    def right_key(self) -> tuple[str, str, int]:
        return ids.parse_right_key(self.actions[0].value)

    def view_metadata(self) -> dict[str, str]:
        """The case of the modal the button sits in (its private_metadata)."""
        return _metadata(self.view.private_metadata if self.view else "")

    def vote_form(self, rights: list[int]) -> VoteForm:
        """What the vote modal shows right now: the member's selections, else its preselections.

        Slack puts every input in a view's state; an input the member has not
        touched carries the answer it was opened with, so that is the fallback.
        """
        view = self.view or _ClickedIn()
        return read_vote_form(view.state.values, view.blocks, rights, fall_back_to_initial=True)

    @property
    def in_modal(self) -> bool:
        """Clicked inside a modal, so a new view is pushed onto it.

        App Home is a view too (its container type is also ``view``), but
        nothing can be pushed onto a home tab: there the click opens a modal.
        """
        in_view = self.container.type == "view" and self.container.view_id is not None
        return in_view and self.view is not None and self.view.type == "modal"


class SubmittedView(BaseModel):
    model_config = _LOOSE

    id: str = Field(default="", max_length=40)
    root_view_id: str | None = None
    callback_id: str = Field(default="", max_length=255)
    private_metadata: str = Field(default="", max_length=3000)
    state: _ViewState = _ViewState()
    # Only ever searched for a block_id, by readers that skip anything not a dict: left
    # unvalidated, as copying every block of every submitted vote form is half the parse.
    blocks: list[Any] = Field(default_factory=list, max_length=100)


class ViewSubmission(BaseModel):
    model_config = _LOOSE

    user: _User
    view: SubmittedView

    @property
    def user_id(self) -> str:
        return self.user.id

    def metadata(self) -> dict[str, str]:
        """The case the modal was opened for; anything else is a tampered form."""
        return _metadata(self.view.private_metadata)

    def element(self, block_id: str) -> dict[str, Any]:
        block = self.view.state.values.get(block_id) or {}
        element = next(iter(block.values()), None) if block else None
        return element if isinstance(element, dict) else {}

    def selected(self, block_id: str) -> str | None:
        option = self.element(block_id).get("selected_option")
        value = option.get("value") if isinstance(option, dict) else None
        return value if isinstance(value, str) else None

    def text(self, block_id: str) -> str:
        value = self.element(block_id).get("value")
        return value if isinstance(value, str) else ""

    def vote_choices(
        self, rights: list[int]
    ) -> tuple[dict[int, VoteOption | None], dict[int, str]]:
        """The answer per right, and per right any answer that is not an option label."""
        form = read_vote_form(self.view.state.values, self.view.blocks, rights)
        return form.choices, form.problems

    def right_block_ids(self, rights: list[int]) -> dict[int, str]:
        """Where each right's answer sits in this form, to show an error under it."""
        return right_block_ids(self.view.blocks, rights)

    def notes(self) -> MemberNotes:
        return MemberNotes(
            good_practice=self.text(ids.note_block("good_practice")),
            observations=self.text(ids.note_block("observations")),
            learning=self.text(ids.note_block("learning")),
        )


class SharedFile(BaseModel):
    """A file as a ``message`` event carries it; its bytes are fetched separately."""

    model_config = _LOOSE

    id: str = Field(min_length=1, max_length=40)
    name: str = Field(default="", max_length=500)
    size: int = Field(default=0, ge=0)
    url_private_download: str = Field(default="", max_length=2000)
    user: str = Field(default="", max_length=40)


class MessageEvent(BaseModel):
    """A ``message`` event (``message.im``): what a member posted in the app's DM."""

    model_config = _LOOSE

    channel: str = Field(default="", max_length=40)
    channel_type: str = Field(default="", max_length=20)
    subtype: str | None = Field(default=None, max_length=40)
    user: str = Field(default="", max_length=40)
    bot_id: str | None = None
    ts: str = Field(default="", max_length=40)
    thread_ts: str | None = Field(default=None, max_length=40)
    files: list[SharedFile] = Field(default_factory=list, max_length=20)

    @property
    def is_text_in_dm(self) -> bool:
        """A member (not a bot) typed a plain message in their DM with the app."""
        return (
            self.channel_type == "im"
            and self.subtype is None
            and bool(self.user)
            and not self.bot_id
            and not self.files
        )

    @property
    def is_file_share_in_dm(self) -> bool:
        """A member (not a bot) shared files in their DM with the app."""
        return (
            self.channel_type == "im"
            and self.subtype == "file_share"
            and bool(self.user)
            and not self.bot_id
            and bool(self.files)
        )


def _metadata(raw: str) -> dict[str, str]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError("this form's metadata is unreadable") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError("this form's metadata is not what the bot sent")
    return data


class VoteForm(BaseModel):
    """The vote modal's answers and notes as read from a payload."""

    model_config = ConfigDict(frozen=True)

    choices: dict[int, VoteOption | None]
    problems: dict[int, str]
    notes: dict[str, str]


def right_block_ids(blocks: list[Any], rights: list[int]) -> dict[int, str]:
    """Right number → the input block that holds it (``right_N`` when the form lacks one)."""
    found: dict[int, str] = {}
    for block in blocks:
        block_id = block.get("block_id") if isinstance(block, dict) else None
        number = ids.right_from_block(block_id) if isinstance(block_id, str) else None
        if number is not None:
            found.setdefault(number, str(block_id))
    return {number: found.get(number, ids.right_block(number)) for number in rights}


def _initial(blocks: list[Any], block_id: str) -> dict[str, Any]:
    block = next((b for b in blocks if isinstance(b, dict) and b.get("block_id") == block_id), None)
    element = block.get("element") if block else None
    return element if isinstance(element, dict) else {}


def read_vote_form(
    values: dict[str, dict[str, dict[str, Any]]],
    blocks: list[Any],
    rights: list[int],
    *,
    fall_back_to_initial: bool = False,
) -> VoteForm:
    """Answers and notes from a vote modal's state, each right read from its current block."""
    choices: dict[int, VoteOption | None] = {}
    problems: dict[int, str] = {}
    for number, block_id in right_block_ids(blocks, rights).items():
        entries = values.get(block_id) or {}
        entry = next(iter(entries.values()), None) if entries else None
        if entry is not None:
            option = entry.get("selected_option") if isinstance(entry, dict) else None
        elif fall_back_to_initial:
            option = _initial(blocks, block_id).get("initial_option")
        else:
            option = None
        raw = option.get("value") if isinstance(option, dict) else None
        if not isinstance(raw, str):
            choices[number] = None
            continue
        answer = VOTE_OPTION_BY_LABEL.get(raw)
        if answer is None:
            problems[number] = f"{raw[:40]!r} is not one of the answers"
        else:
            choices[number] = answer
    notes: dict[str, str] = {}
    for field in ("good_practice", "observations", "learning"):
        block_id = ids.note_block(field)
        entries = values.get(block_id) or {}
        entry = next(iter(entries.values()), None) if entries else None
        if isinstance(entry, dict):
            text = entry.get("value")
        elif fall_back_to_initial:
            text = _initial(blocks, block_id).get("initial_value")
        else:
            text = None
        notes[field] = text if isinstance(text, str) else ""
    return VoteForm(choices=choices, problems=problems, notes=notes)


def describe_validation_error(error: ValidationError) -> str:
    """A short, user-facing line for a payload that failed validation."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "payload"
    return f"{where}: {plain_message(first)}"
