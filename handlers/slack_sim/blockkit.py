"""Block Kit validation: what Slack rejects, and where.

Slack validates every message and view server-side and answers with JSON
pointers to the offending field.  A bot that only ever talks to mocks never
learns that its 76-character button label or 101st option would be rejected in
production, so the simulator runs the same kind of check on every message,
ephemeral, response_url post and view.

The check is deliberately strict about the limits in :mod:`.limits` and about
the required fields of each block/element, and deliberately lenient about
rarely used optional fields (it does not try to be a full JSON schema).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from . import limits

SurfaceKind = Literal["message", "modal", "home"]

KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "video",
    }
)

#: Elements allowed inside an ``input`` block.
INPUT_ELEMENT_TYPES = frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "file_input",
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "checkboxes",
        "radio_buttons",
        "datepicker",
        "timepicker",
        "datetimepicker",
    }
)

#: Elements allowed in an ``actions`` block.
ACTIONS_ELEMENT_TYPES = frozenset(
    {
        "button",
        "overflow",
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "checkboxes",
        "radio_buttons",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "rich_text_input",
        "workflow_button",
    }
)

#: Elements allowed as a section ``accessory``.
ACCESSORY_ELEMENT_TYPES = (ACTIONS_ELEMENT_TYPES - {"rich_text_input"}) | {"image"}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^\d{2}:\d{2}$")


@dataclass(frozen=True)
class BlockKitError:
    """One validation failure, located by a JSON pointer into the request."""

    pointer: str
    message: str

    def slack_message(self) -> str:
        """Format like Slack's ``response_metadata.messages`` entries."""
        return f"[ERROR] {self.message} [json-pointer:{self.pointer}]"

    def __str__(self) -> str:
        return f"{self.pointer}: {self.message}"


class _Validator:
    """Walks one surface and collects :class:`BlockKitError` values."""

    def __init__(self) -> None:
        self.errors: list[BlockKitError] = []

    # -- primitives --------------------------------------------------------------

    def fail(self, pointer: str, message: str) -> None:
        self.errors.append(BlockKitError(pointer, message))

    def string(
        self,
        value: Any,
        pointer: str,
        *,
        max_len: int,
        required: bool = False,
        min_len: int = 0,
    ) -> None:
        if value is None:
            if required:
                self.fail(pointer, "required field is missing")
            return
        if not isinstance(value, str):
            self.fail(pointer, "must be a string")
            return
        if len(value) < min_len:
            self.fail(pointer, f"must be more than {min_len - 1} characters")
        if len(value) > max_len:
            self.fail(pointer, f"must be less than {max_len + 1} characters")

    def text_object(
        self,
        obj: Any,
        pointer: str,
        *,
        max_len: int,
        required: bool = True,
        plain_only: bool = False,
    ) -> None:
        if obj is None:
            if required:
                self.fail(pointer, "required field is missing")
            return
        if not isinstance(obj, dict):
            self.fail(pointer, "must be a text object")
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.fail(f"{pointer}/type", "must be either plain_text or mrkdwn")
        elif plain_only and kind != "plain_text":
            self.fail(f"{pointer}/type", "must be plain_text")
        self.string(obj.get("text"), f"{pointer}/text", max_len=max_len, required=True, min_len=1)

    def items(
        self,
        value: Any,
        pointer: str,
        *,
        max_items: int,
        min_items: int = 1,
        required: bool = True,
    ) -> list[Any]:
        if value is None:
            if required:
                self.fail(pointer, "required field is missing")
            return []
        if not isinstance(value, list):
            self.fail(pointer, "must be an array")
            return []
        if len(value) < min_items:
            self.fail(pointer, f"must provide at least {min_items} items")
        if len(value) > max_items:
            self.fail(pointer, f"must be less than {max_items + 1} items")
        return value

    def boolean(self, value: Any, pointer: str) -> None:
        if value is not None and not isinstance(value, bool):
            self.fail(pointer, "must be a boolean")

    # -- composition objects -------------------------------------------------------

    def option(self, obj: Any, pointer: str, *, plain_only: bool) -> None:
        if not isinstance(obj, dict):
            self.fail(pointer, "must be an option object")
            return
        self.text_object(
            obj.get("text"),
            f"{pointer}/text",
            max_len=limits.OPTION_TEXT_MAX,
            plain_only=plain_only,
        )
        self.string(
            obj.get("value"),
            f"{pointer}/value",
            max_len=limits.OPTION_VALUE_MAX,
            required=True,
            min_len=1,
        )
        self.text_object(
            obj.get("description"),
            f"{pointer}/description",
            max_len=limits.OPTION_DESCRIPTION_MAX,
            required=False,
            plain_only=True,
        )

    def options(
        self, value: Any, pointer: str, *, max_items: int, plain_only: bool, required: bool = True
    ) -> list[dict[str, Any]]:
        items = self.items(value, pointer, max_items=max_items, required=required)
        seen: set[str] = set()
        for i, opt in enumerate(items):
            self.option(opt, f"{pointer}/{i}", plain_only=plain_only)
            val = opt.get("value") if isinstance(opt, dict) else None
            if isinstance(val, str):
                if val in seen:
                    self.fail(f"{pointer}/{i}/value", "option values must be unique")
                seen.add(val)
        return [o for o in items if isinstance(o, dict)]

    def confirm(self, obj: Any, pointer: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.fail(pointer, "must be a confirmation dialog object")
            return
        self.text_object(
            obj.get("title"), f"{pointer}/title", max_len=limits.CONFIRM_TITLE_MAX, plain_only=True
        )
        self.text_object(obj.get("text"), f"{pointer}/text", max_len=limits.CONFIRM_TEXT_MAX)
        self.text_object(
            obj.get("confirm"),
            f"{pointer}/confirm",
            max_len=limits.CONFIRM_BUTTON_MAX,
            plain_only=True,
        )
        self.text_object(
            obj.get("deny"), f"{pointer}/deny", max_len=limits.CONFIRM_BUTTON_MAX, plain_only=True
        )

    def placeholder(self, obj: Any, pointer: str) -> None:
        self.text_object(
            obj, pointer, max_len=limits.PLACEHOLDER_MAX, required=False, plain_only=True
        )

    def image_source(self, obj: dict[str, Any], pointer: str) -> None:
        if obj.get("image_url") is None and obj.get("slack_file") is None:
            self.fail(f"{pointer}/image_url", "required field is missing (image_url or slack_file)")
        self.string(
            obj.get("image_url"), f"{pointer}/image_url", max_len=limits.IMAGE_URL_MAX, min_len=1
        )
        self.string(
            obj.get("alt_text"),
            f"{pointer}/alt_text",
            max_len=limits.IMAGE_ALT_TEXT_MAX,
            required=True,
        )

    # -- elements ------------------------------------------------------------------

    def element(self, el: Any, pointer: str, allowed: frozenset[str], action_ids: set[str]) -> None:
        if not isinstance(el, dict):
            self.fail(pointer, "must be an element object")
            return
        kind = el.get("type")
        if kind not in allowed:
            self.fail(f"{pointer}/type", f"element type {kind!r} is not allowed here")
            return
        action_id = el.get("action_id")
        if kind != "image":
            self.string(action_id, f"{pointer}/action_id", max_len=limits.ACTION_ID_MAX, min_len=1)
            if isinstance(action_id, str):
                if action_id in action_ids:
                    self.fail(
                        f"{pointer}/action_id",
                        f"duplicate action_id {action_id!r} within the block",
                    )
                action_ids.add(action_id)
        check = _ELEMENT_CHECKS.get(str(kind))
        if check is not None:
            check(self, el, pointer)
        elif str(kind).endswith("_select"):
            self.placeholder(el.get("placeholder"), f"{pointer}/placeholder")
            self.confirm(el.get("confirm"), f"{pointer}/confirm")

    def button(self, el: dict[str, Any], pointer: str) -> None:
        self.text_object(
            el.get("text"), f"{pointer}/text", max_len=limits.BUTTON_TEXT_MAX, plain_only=True
        )
        self.string(el.get("value"), f"{pointer}/value", max_len=limits.BUTTON_VALUE_MAX)
        self.string(el.get("url"), f"{pointer}/url", max_len=limits.BUTTON_URL_MAX)
        self.string(
            el.get("accessibility_label"),
            f"{pointer}/accessibility_label",
            max_len=limits.BUTTON_ACCESSIBILITY_LABEL_MAX,
        )
        style = el.get("style")
        if style is not None and style not in ("primary", "danger"):
            self.fail(f"{pointer}/style", "must be either primary or danger")
        self.confirm(el.get("confirm"), f"{pointer}/confirm")

    def static_select(self, el: dict[str, Any], pointer: str) -> None:
        self.placeholder(el.get("placeholder"), f"{pointer}/placeholder")
        self.confirm(el.get("confirm"), f"{pointer}/confirm")
        has_options = el.get("options") is not None
        has_groups = el.get("option_groups") is not None
        if has_options == has_groups:
            self.fail(f"{pointer}/options", "exactly one of options or option_groups is required")
            return
        values: set[str] = set()
        if has_options:
            opts = self.options(
                el["options"],
                f"{pointer}/options",
                max_items=limits.SELECT_OPTIONS_MAX,
                plain_only=True,
            )
            values = {str(o.get("value")) for o in opts}
        else:
            groups = self.items(
                el["option_groups"],
                f"{pointer}/option_groups",
                max_items=limits.SELECT_OPTION_GROUPS_MAX,
            )
            for g, group in enumerate(groups):
                gp = f"{pointer}/option_groups/{g}"
                if not isinstance(group, dict):
                    self.fail(gp, "must be an option group object")
                    continue
                self.text_object(
                    group.get("label"),
                    f"{gp}/label",
                    max_len=limits.OPTION_GROUP_LABEL_MAX,
                    plain_only=True,
                )
                opts = self.options(
                    group.get("options"),
                    f"{gp}/options",
                    max_items=limits.SELECT_OPTIONS_MAX,
                    plain_only=True,
                )
                values |= {str(o.get("value")) for o in opts}
        self.initial_options(el, pointer, values)

    def initial_options(self, el: dict[str, Any], pointer: str, values: set[str]) -> None:
        initial = el.get("initial_option")
        if isinstance(initial, dict) and initial.get("value") not in values:
            self.fail(f"{pointer}/initial_option", "must match one of the provided options")
        for i, opt in enumerate(el.get("initial_options") or []):
            if not isinstance(opt, dict) or opt.get("value") not in values:
                self.fail(
                    f"{pointer}/initial_options/{i}", "must match one of the provided options"
                )

    def choice_list(self, el: dict[str, Any], pointer: str, max_items: int) -> None:
        opts = self.options(
            el.get("options"), f"{pointer}/options", max_items=max_items, plain_only=False
        )
        self.initial_options(el, pointer, {str(o.get("value")) for o in opts})
        self.confirm(el.get("confirm"), f"{pointer}/confirm")

    def radio_buttons(self, el: dict[str, Any], pointer: str) -> None:
        self.choice_list(el, pointer, limits.RADIO_OPTIONS_MAX)

    def checkboxes(self, el: dict[str, Any], pointer: str) -> None:
        self.choice_list(el, pointer, limits.CHECKBOX_OPTIONS_MAX)

    def overflow(self, el: dict[str, Any], pointer: str) -> None:
        self.options(
            el.get("options"),
            f"{pointer}/options",
            max_items=limits.OVERFLOW_OPTIONS_MAX,
            plain_only=True,
        )
        self.confirm(el.get("confirm"), f"{pointer}/confirm")

    def plain_text_input(self, el: dict[str, Any], pointer: str) -> None:
        self.placeholder(el.get("placeholder"), f"{pointer}/placeholder")
        self.boolean(el.get("multiline"), f"{pointer}/multiline")
        lo, hi = el.get("min_length"), el.get("max_length")
        for name, value, minimum in (("min_length", lo, 0), ("max_length", hi, 1)):
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(f"{pointer}/{name}", "must be an integer")
            elif not minimum <= value <= limits.PLAIN_TEXT_INPUT_LENGTH_MAX:
                self.fail(
                    f"{pointer}/{name}",
                    f"must be between {minimum} and {limits.PLAIN_TEXT_INPUT_LENGTH_MAX}",
                )
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            self.fail(f"{pointer}/min_length", "must not be greater than max_length")
        initial = el.get("initial_value")
        self.string(
            initial, f"{pointer}/initial_value", max_len=hi if isinstance(hi, int) else 10**9
        )

    def text_like_input(self, el: dict[str, Any], pointer: str) -> None:
        self.placeholder(el.get("placeholder"), f"{pointer}/placeholder")

    def number_input(self, el: dict[str, Any], pointer: str) -> None:
        self.placeholder(el.get("placeholder"), f"{pointer}/placeholder")
        if not isinstance(el.get("is_decimal_allowed"), bool):
            self.fail(f"{pointer}/is_decimal_allowed", "required field is missing")

    def datepicker(self, el: dict[str, Any], pointer: str) -> None:
        self.placeholder(el.get("placeholder"), f"{pointer}/placeholder")
        initial = el.get("initial_date")
        if initial is not None and not (isinstance(initial, str) and _DATE_RE.match(initial)):
            self.fail(f"{pointer}/initial_date", "must be in the format YYYY-MM-DD")
        self.confirm(el.get("confirm"), f"{pointer}/confirm")

    def timepicker(self, el: dict[str, Any], pointer: str) -> None:
        self.placeholder(el.get("placeholder"), f"{pointer}/placeholder")
        initial = el.get("initial_time")
        if initial is not None and not (isinstance(initial, str) and _TIME_RE.match(initial)):
            self.fail(f"{pointer}/initial_time", "must be in the format HH:mm")
        self.confirm(el.get("confirm"), f"{pointer}/confirm")

    def file_input(self, el: dict[str, Any], pointer: str) -> None:
        max_files = el.get("max_files")
        if max_files is not None and not (
            isinstance(max_files, int) and 1 <= max_files <= limits.FILE_INPUT_MAX_FILES
        ):
            self.fail(
                f"{pointer}/max_files", f"must be between 1 and {limits.FILE_INPUT_MAX_FILES}"
            )

    def image_element(self, el: dict[str, Any], pointer: str) -> None:
        self.image_source(el, pointer)

    # -- blocks --------------------------------------------------------------------

    def blocks(self, blocks: Any, pointer: str, *, max_blocks: int) -> None:
        items = self.items(blocks, pointer, max_items=max_blocks, min_items=0)
        block_ids: set[str] = set()
        for i, block in enumerate(items):
            self.block(block, f"{pointer}/{i}", block_ids)

    def block(self, block: Any, pointer: str, block_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.fail(pointer, "must be a block object")
            return
        kind = block.get("type")
        if kind not in KNOWN_BLOCK_TYPES:
            self.fail(f"{pointer}/type", f"unknown block type {kind!r}")
            return
        block_id = block.get("block_id")
        self.string(block_id, f"{pointer}/block_id", max_len=limits.BLOCK_ID_MAX, min_len=1)
        if isinstance(block_id, str):
            if block_id in block_ids:
                self.fail(f"{pointer}/block_id", f"duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        _BLOCK_CHECKS[str(kind)](self, block, pointer)

    def section(self, block: dict[str, Any], pointer: str) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.fail(f"{pointer}/text", "one of text or fields is required")
        self.text_object(
            block.get("text"), f"{pointer}/text", max_len=limits.SECTION_TEXT_MAX, required=False
        )
        fields = self.items(
            block.get("fields"),
            f"{pointer}/fields",
            max_items=limits.SECTION_FIELDS_MAX,
            required=False,
        )
        for i, field in enumerate(fields):
            self.text_object(field, f"{pointer}/fields/{i}", max_len=limits.SECTION_FIELD_TEXT_MAX)
        accessory = block.get("accessory")
        if accessory is not None:
            self.element(accessory, f"{pointer}/accessory", ACCESSORY_ELEMENT_TYPES, set())

    def actions(self, block: dict[str, Any], pointer: str) -> None:
        elements = self.items(
            block.get("elements"), f"{pointer}/elements", max_items=limits.ACTIONS_ELEMENTS_MAX
        )
        action_ids: set[str] = set()
        for i, el in enumerate(elements):
            self.element(el, f"{pointer}/elements/{i}", ACTIONS_ELEMENT_TYPES, action_ids)

    def context(self, block: dict[str, Any], pointer: str) -> None:
        elements = self.items(
            block.get("elements"), f"{pointer}/elements", max_items=limits.CONTEXT_ELEMENTS_MAX
        )
        for i, el in enumerate(elements):
            ep = f"{pointer}/elements/{i}"
            if isinstance(el, dict) and el.get("type") == "image":
                self.image_source(el, ep)
            else:
                self.text_object(el, ep, max_len=limits.SECTION_TEXT_MAX)

    def divider(self, block: dict[str, Any], pointer: str) -> None:
        """Dividers have no fields to check."""

    def header(self, block: dict[str, Any], pointer: str) -> None:
        self.text_object(
            block.get("text"), f"{pointer}/text", max_len=limits.HEADER_TEXT_MAX, plain_only=True
        )

    def image_block(self, block: dict[str, Any], pointer: str) -> None:
        self.image_source(block, pointer)
        self.text_object(
            block.get("title"), f"{pointer}/title", max_len=limits.IMAGE_TITLE_MAX, required=False
        )

    def input(self, block: dict[str, Any], pointer: str) -> None:
        self.text_object(
            block.get("label"), f"{pointer}/label", max_len=limits.INPUT_LABEL_MAX, plain_only=True
        )
        self.text_object(
            block.get("hint"),
            f"{pointer}/hint",
            max_len=limits.INPUT_HINT_MAX,
            required=False,
            plain_only=True,
        )
        self.boolean(block.get("optional"), f"{pointer}/optional")
        self.boolean(block.get("dispatch_action"), f"{pointer}/dispatch_action")
        if block.get("element") is None:
            self.fail(f"{pointer}/element", "required field is missing")
        else:
            self.element(block["element"], f"{pointer}/element", INPUT_ELEMENT_TYPES, set())

    def file_block(self, block: dict[str, Any], pointer: str) -> None:
        self.string(
            block.get("external_id"),
            f"{pointer}/external_id",
            max_len=255,
            required=True,
            min_len=1,
        )
        if block.get("source") != "remote":
            self.fail(f"{pointer}/source", "must be remote")

    def rich_text(self, block: dict[str, Any], pointer: str) -> None:
        self.items(block.get("elements"), f"{pointer}/elements", max_items=10**6, min_items=0)

    def markdown(self, block: dict[str, Any], pointer: str) -> None:
        self.string(
            block.get("text"),
            f"{pointer}/text",
            max_len=limits.MARKDOWN_BLOCK_TEXT_MAX,
            required=True,
            min_len=1,
        )

    def video(self, block: dict[str, Any], pointer: str) -> None:
        for name in ("alt_text", "thumbnail_url", "video_url"):
            self.string(
                block.get(name), f"{pointer}/{name}", max_len=3000, required=True, min_len=1
            )
        self.text_object(block.get("title"), f"{pointer}/title", max_len=200, plain_only=True)


_ELEMENT_CHECKS: dict[str, Callable[[_Validator, dict[str, Any], str], None]] = {
    "button": _Validator.button,
    "workflow_button": _Validator.button,
    "static_select": _Validator.static_select,
    "multi_static_select": _Validator.static_select,
    "radio_buttons": _Validator.radio_buttons,
    "checkboxes": _Validator.checkboxes,
    "overflow": _Validator.overflow,
    "plain_text_input": _Validator.plain_text_input,
    "email_text_input": _Validator.text_like_input,
    "url_text_input": _Validator.text_like_input,
    "rich_text_input": _Validator.text_like_input,
    "number_input": _Validator.number_input,
    "datepicker": _Validator.datepicker,
    "timepicker": _Validator.timepicker,
    "datetimepicker": _Validator.text_like_input,
    "file_input": _Validator.file_input,
    "image": _Validator.image_element,
}

_BLOCK_CHECKS: dict[str, Callable[[_Validator, dict[str, Any], str], None]] = {
    "section": _Validator.section,
    "actions": _Validator.actions,
    "context": _Validator.context,
    "divider": _Validator.divider,
    "header": _Validator.header,
    "image": _Validator.image_block,
    "input": _Validator.input,
    "file": _Validator.file_block,
    "rich_text": _Validator.rich_text,
    "markdown": _Validator.markdown,
    "video": _Validator.video,
}


def validate_message_blocks(blocks: Any, *, pointer: str = "/blocks") -> list[BlockKitError]:
    """Check the ``blocks`` of a message (chat.*, response_url, command acks)."""
    v = _Validator()
    v.blocks(blocks, pointer, max_blocks=limits.MESSAGE_MAX_BLOCKS)
    return v.errors


def validate_view(
    view: Any, *, pointer: str = "/view", expected_type: SurfaceKind | None = None
) -> list[BlockKitError]:
    """Check a modal or App Home view definition, including its blocks.

    ``view_too_large`` is reported separately by :func:`view_size_exceeded`
    because Slack uses a distinct error code for it.
    """
    v = _Validator()
    if not isinstance(view, dict):
        v.fail(pointer, "must be a view object")
        return v.errors
    kind = view.get("type")
    if kind not in ("modal", "home"):
        v.fail(f"{pointer}/type", "must be either modal or home")
        return v.errors
    if expected_type is not None and kind != expected_type:
        v.fail(f"{pointer}/type", f"must be {expected_type}")
    if kind == "modal":
        v.text_object(
            view.get("title"), f"{pointer}/title", max_len=limits.MODAL_TITLE_MAX, plain_only=True
        )
        v.text_object(
            view.get("close"),
            f"{pointer}/close",
            max_len=limits.MODAL_CLOSE_MAX,
            required=False,
            plain_only=True,
        )
        v.text_object(
            view.get("submit"),
            f"{pointer}/submit",
            max_len=limits.MODAL_SUBMIT_MAX,
            required=False,
            plain_only=True,
        )
        v.boolean(view.get("clear_on_close"), f"{pointer}/clear_on_close")
        v.boolean(view.get("notify_on_close"), f"{pointer}/notify_on_close")
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            v.fail(
                f"{pointer}/submit",
                "submit is required when an input block is within the blocks array",
            )
    v.string(
        view.get("private_metadata"),
        f"{pointer}/private_metadata",
        max_len=limits.PRIVATE_METADATA_MAX,
    )
    v.string(view.get("callback_id"), f"{pointer}/callback_id", max_len=limits.CALLBACK_ID_MAX)
    v.string(view.get("external_id"), f"{pointer}/external_id", max_len=limits.EXTERNAL_ID_MAX)
    v.blocks(view.get("blocks"), f"{pointer}/blocks", max_blocks=limits.VIEW_MAX_BLOCKS)
    return v.errors


def view_size_exceeded(view: Any) -> bool:
    """True when the serialised view is over Slack's 250 kB limit."""
    return len(json.dumps(view, ensure_ascii=False).encode("utf-8")) > limits.VIEW_MAX_BYTES


def message_block_text_length(node: Any) -> int:
    """Characters of text a message's blocks carry: every text object's ``text``."""
    if isinstance(node, list):
        return sum(message_block_text_length(item) for item in node)
    if not isinstance(node, dict):
        return 0
    total = 0
    if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
        total += len(node["text"])
    for value in node.values():
        if isinstance(value, dict | list):
            total += message_block_text_length(value)
    return total


def fill_missing_ids(blocks: list[Any], new_id: Callable[[], str]) -> list[Any]:
    """Give every block a ``block_id`` and every element an ``action_id``.

    Slack does this server-side and echoes the generated ids back in stored
    messages, views and interaction payloads; doing the same keeps payloads
    built by the simulated client identical to what a bot sees in production.
    Returns the same (mutated) list for convenience.
    """
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block.setdefault("block_id", new_id())
        for element in _block_elements(block):
            if element.get("type") not in ("image", None) and element.get("type") in (
                ACTIONS_ELEMENT_TYPES | INPUT_ELEMENT_TYPES
            ):
                element.setdefault("action_id", new_id())
    return blocks


def _block_elements(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield the interactive elements directly owned by ``block``."""
    kind = block.get("type")
    if kind == "actions":
        yield from (e for e in block.get("elements") or [] if isinstance(e, dict))
    elif kind == "section" and isinstance(block.get("accessory"), dict):
        yield block["accessory"]
    elif kind == "input" and isinstance(block.get("element"), dict):
        yield block["element"]


def iter_elements(blocks: Iterable[Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield ``(block, element)`` for every interactive element in ``blocks``."""
    for block in blocks:
        if isinstance(block, dict):
            for element in _block_elements(block):
                yield block, element


def all_options(element: dict[str, Any]) -> list[dict[str, Any]]:
    """Every option object of a select/radio/checkbox/overflow element, groups flattened."""
    options = [o for o in element.get("options") or [] if isinstance(o, dict)]
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            options.extend(o for o in group.get("options") or [] if isinstance(o, dict))
    return options
