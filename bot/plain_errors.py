"""Validation problems in the words of the person who wrote the file.

Pydantic's messages are written for programmers ("Extra inputs are not
permitted", "String should match pattern '^[CG]…'"); the people who write
app.yaml and meeting files are a secretariat working from Word. This module
turns each pydantic error into one plain line that says what is wrong and
what to do, and never shows a regex. It also knows the common ways a
hand-written YAML file goes wrong: a misspelt key, and a comma inside
unquoted text in a ``{...}`` entry, which YAML silently reads as the start of
another key.

Nothing here echoes a value that could be personal data: keys are named only
when they look like field names, and text values are never quoted.
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.models import PATTERN_DESCRIPTIONS
from bot.yaml_loading import compose_yaml

Loc = tuple[int | str, ...]
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")
#: How every missing key's message begins, so a caller can word it for its own layout
#: (next to a spreadsheet cell, "empty; fill it in" says the same thing).
MISSING = "missing"
_TYPE_MESSAGES = {
    "tuple_type": "should be a list",
    "list_type": "should be a list",
    "dict_type": "should be a section of keys and values",
    "model_type": "should be a section of keys and values",
    "model_attributes_type": "should be a section of keys and values",
    "int_parsing_size": "is too large a number",
    "float_parsing": "should be a number",
    "bool_parsing": "should be true or false",
    "bool_type": "should be true or false",
    "float_type": "should be a number",
    "date_type": "is not a date; dates are written YYYY-MM-DD, e.g. 2025-09-17",
    "datetime_type": "is not a date and time; write it like 2025-09-15 17:00",
    "time_type": "is not a time of day; write it like 17:00",
    "time_parsing": "is not a time of day; write it like 17:00",
    "date_parsing": "is not a date; dates are written YYYY-MM-DD, e.g. 2025-09-17",
    "date_from_datetime_parsing": "is not a date; dates are written YYYY-MM-DD, e.g. 2025-09-17",
    "datetime_parsing": "is not a date and time; write it like 2025-09-15 17:00",
    "datetime_from_date_parsing": "is not a date and time; write it like 2025-09-15 17:00",
    "date_from_datetime_inexact": "has a time of day; give the date alone, e.g. 2025-09-17",
}
#: What a whole number counts, by field name, where the field's name alone does not say.
_COUNTED = {"day": "days"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (a pydantic location) and what to do about it."""

    loc: Loc
    message: str


class YamlSource:
    """The parsed node tree of a YAML text, to find the line a value sits on."""

    def __init__(self, text: str) -> None:
        try:
            self._root: yaml.Node | None = compose_yaml(text)
        except yaml.YAMLError:
            self._root = None

    def node(self, loc: Loc) -> yaml.Node | None:
        node = self._root
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                node = node.value[part] if 0 <= part < len(node.value) else None
            else:
                return None
            if node is None:
                return None
        return node

    def key_line(self, loc: Loc) -> int | None:
        """The 1-based line of the key at ``loc`` (its last part), if it is there."""
        parent = self.node(loc[:-1])
        if isinstance(parent, yaml.MappingNode):
            for key, _ in parent.value:
                if key.value == loc[-1]:
                    return int(key.start_mark.line) + 1
        return None

    def in_flow_mapping(self, loc: Loc) -> bool:
        """Whether the mapping holding ``loc``'s last key was written as ``{...}``."""
        parent = self.node(loc[:-1])
        return isinstance(parent, yaml.MappingNode) and bool(parent.flow_style)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside an annotation such as ``tuple[CaseRecord, ...]`` or ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return None
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model whose keys sit at ``loc`` (list positions are skipped)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        if current is None:
            return None
        field = current.model_fields.get(part)
        if field is None:
            return None
        current = _model_in(field.annotation)
    return current


def known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    owner = model_at(model, loc)
    return list(owner.model_fields) if owner is not None else []


def _unknown_key(
    item: ErrorDetails, model: type[BaseModel], source: YamlSource | None
) -> tuple[Problem, str | None]:
    """A key the model does not have: a misspelling, or text split by a comma."""
    loc = tuple(item["loc"])
    parent, key = loc[:-1], str(loc[-1])
    keys = known_keys(model, parent)
    guess = difflib.get_close_matches(key.lower(), keys, n=1, cutoff=0.6)
    if guess:
        return Problem(loc, f"not a known key; did you mean {guess[0]}?"), guess[0]
    if source is not None and source.in_flow_mapping(loc):
        line = source.key_line(loc)
        where = f"line {line}: " if line else ""
        return (
            Problem(
                parent,
                f"{where}a comma inside unquoted text in {{...}} starts a new key; "
                'put the text in quotes, such as entry: "Fine, compensation and costs"',
            ),
            None,
        )
    listed = f" (the keys here are {', '.join(keys)})" if keys else ""
    if _FIELD_NAME.match(key):
        return Problem(loc, f"not a known key{listed}"), None
    # A key that is not a name is likely text (it could hold personal data): not echoed.
    line = source.key_line(loc) if source is not None else None
    where = f"line {line}: " if line else ""
    return (
        Problem(
            parent,
            f"{where}an unknown key{listed}; if this is text with a colon in it, "
            "put the text in quotes",
        ),
        None,
    )


def _missing(item: ErrorDetails) -> str:
    """A key that is not there at all: name the line to add, as the file would show it."""
    field = item["loc"][-1] if item["loc"] else ""
    if isinstance(field, str) and _FIELD_NAME.match(field):
        return f'{MISSING}; add a line "{field}: …"'
    return f"{MISSING}; add it"


def _text_expected(item: ErrorDetails) -> str:
    """Text was expected; say what YAML read instead, without echoing the value.

    The usual causes: nothing after the colon, an unquoted yes/no or number (YAML reads
    them as true/false and numbers), or text with a colon in it read as a section.
    """
    value = item.get("input")
    field = item["loc"][-1] if item["loc"] else ""
    example = (
        f', such as {field}: "…"' if isinstance(field, str) and _FIELD_NAME.match(field) else ""
    )
    if value is None or value == "":
        return "is empty; fill it in"
    if isinstance(value, bool):
        return f"reads as yes or no, not as text; put the text in quotes{example}"
    if isinstance(value, int | float):
        return f"reads as a number, not as text; put it in quotes{example}"
    if isinstance(value, list | tuple):
        return "is a list; write one piece of text here"
    if isinstance(value, dict):
        return (
            f"reads as a section of keys; if the text has a colon in it, put it in quotes{example}"
        )
    return "should be text"


def _whole_number(item: ErrorDetails) -> str:
    """A number that should be whole; a fraction is shown, text (maybe personal) is not."""
    field = item["loc"][-1] if item["loc"] else ""
    counted = _COUNTED.get(str(field))
    what = f"a whole number of {counted}" if counted else "a whole number"
    value = item.get("input")
    if value is None:
        return f"is empty; type {what} such as 3."
    if item["type"] == "int_from_float" and isinstance(value, float) and math.isfinite(value):
        nearest = math.floor(value + 0.5)
        return f"{value:g} is not {what}; type a whole number such as {nearest}."
    return f"is not {what}; type a whole number such as 3."


def _length(item: ErrorDetails) -> str:
    """Text too long or too short, with its length and the limit; the text is not echoed."""
    ctx = item.get("ctx") or {}
    value = item.get("input")
    length = len(value) if isinstance(value, str) else None
    if item["type"] == "string_too_short":
        least = int(ctx.get("min_length", 1))
        if least <= 1 or length == 0:
            return "must not be empty"
        return f"too short ({length:,} characters; at least {least:,}). Add to it."
    most = int(ctx.get("max_length", 0))
    if length is None:
        return f"too long (at most {most:,} characters). Shorten it."
    return f"too long ({length:,} characters; at most {most:,}). Shorten it."


def _count(item: ErrorDetails) -> str:
    """A list with too many or too few items."""
    ctx = item.get("ctx") or {}
    actual = int(ctx.get("actual_length", 0))
    if item["type"] == "too_long":
        return f"too many ({actual:,}; at most {int(ctx.get('max_length', 0)):,}). Remove some."
    least = int(ctx.get("min_length", 1))
    return f"{actual or 'none'} given; at least {least:,} needed"


def _bound(item: ErrorDetails) -> str:
    """A number outside its range; the number itself is not echoed (it may be a phone)."""
    ctx = item.get("ctx") or {}
    kind = item["type"]
    if kind == "greater_than_equal":
        return f"too small; the least allowed is {ctx.get('ge')}"
    if kind == "greater_than":
        return f"too small; it must be more than {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"too large; the most allowed is {ctx.get('le')}"
    return f"too large; it must be less than {ctx.get('lt')}"


_BUILT = {
    "missing": _missing,
    "string_type": _text_expected,
    "int_from_float": _whole_number,
    "int_parsing": _whole_number,
    "int_type": _whole_number,
    "string_too_long": _length,
    "string_too_short": _length,
    "too_long": _count,
    "too_short": _count,
    "greater_than_equal": _bound,
    "greater_than": _bound,
    "less_than_equal": _bound,
    "less_than": _bound,
}


def plain_message(item: ErrorDetails) -> str:
    """One pydantic error as plain English; a regex pattern is never shown."""
    kind = item["type"]
    message = str(item["msg"])
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if kind in _BUILT:
        return _BUILT[kind](item)
    if kind == "string_pattern_mismatch":
        pattern = str((item.get("ctx") or {}).get("pattern", ""))
        return PATTERN_DESCRIPTIONS.get(pattern, "is not written in the expected form")
    if kind == "literal_error" or kind == "enum":
        expected = (item.get("ctx") or {}).get("expected")
        return f"should be one of {expected}" if expected else message
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    return _without_pydantic_words(message)


def _without_pydantic_words(message: str) -> str:
    """A kind of error this module has no words of its own for, in plainer words.

    Pydantic's "Input should be a valid integer" becomes "should be an integer": the
    rule it states is right, but "input" and "valid" are its words, not the reader's.
    """
    if message.startswith("Input should be "):
        rest = message.removeprefix("Input should be ")
        rest = rest.replace("a valid string", "text").replace("a valid ", "a ")
        return f"should be {rest}"
    return message


def plain_problems(
    error: ValidationError, model: type[BaseModel], source: YamlSource | None = None
) -> list[Problem]:
    """Each meaningful error of ``error`` (raised by ``model``) as a plain Problem.

    When a misspelt key is matched to a known one, the "missing" for that known key is
    the same mistake seen from the other side, so it is dropped.
    """
    problems: list[Problem] = []
    corrected: set[Loc] = set()
    missing: set[Loc] = set()
    for item in meaningful_errors(error):
        if item["type"] == "extra_forbidden" and item["loc"]:
            problem, guess = _unknown_key(item, model, source)
            if guess is not None:
                corrected.add((*tuple(item["loc"])[:-1], guess))
            if problem not in problems:
                problems.append(problem)
            continue
        if item["type"] == "missing":
            missing.add(tuple(item["loc"]))
        problems.append(Problem(tuple(item["loc"]), plain_message(item)))
    return [p for p in problems if not (p.loc in corrected and p.loc in missing)]


def meaningful_errors(error: ValidationError) -> list[ErrorDetails]:
    """Pydantic's errors, without the echoes that only restate another error.

    A tuple with ``min_length`` whose item failed also reports "should have
    at least 1 item after validation"; that line would send the reader after
    a problem that is not there.
    """
    items = error.errors(include_url=False)
    located = [tuple(item["loc"]) for item in items]
    return [
        item
        for item in items
        if not (
            item["type"] == "too_short"
            and any(
                len(loc) > len(item["loc"]) and loc[: len(item["loc"])] == tuple(item["loc"])
                for loc in located
            )
        )
    ]


def not_utf8(exc: UnicodeDecodeError) -> str:
    """Why a file could not be read as text, for someone who saved it from Word or Notepad."""
    data = exc.object if isinstance(exc.object, bytes) else b""
    line = data[: exc.start].count(b"\n") + 1
    return (
        f"this file is not saved as UTF-8 text (line {line} has a character that Word or "
        "Notepad saved another way); save it again as UTF-8 and retry: in Notepad, "
        "File → Save As → Encoding: UTF-8; in Word, Save As → Plain Text → Unicode (UTF-8)"
    )
