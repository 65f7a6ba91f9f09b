"""The meeting file a secretariat writes (YAML or JSON, same schema; a workbook
is read into the same structure by ``workbook_reader``).

Parsing is separate from storing so that every problem in a file is found and
reported together, each line naming the case ref and the field (and for a
workbook its sheet and cell), before a single row is written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from bot.anonymity import screen_text
from bot.clock import local_time
from bot.models import CaseRef, MeetingId, TimelineEntry
from bot.plain_errors import MISSING, YamlSource, not_utf8, plain_problems
from bot.yaml_loading import describe_yaml_error, load_yaml

# The free texts of a case and of a timeline entry: what the anonymity screen reads.
CASE_TEXT_FIELDS = ("ref", "offence", "outcome", "summary")
TIMELINE_TEXT_FIELDS = ("agency", "entry")


class MeetingFileError(Exception):
    """The file cannot be imported; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_SLASHED_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(.*)$")


def _as_iso_date(text: str) -> str | None:
    """``17/09/2025`` (the way dates are written in the UK) → ``2025-09-17``, if it is one."""
    match = _SLASHED_DATE.match(text)
    if not match:
        return None
    day, month, year = (int(part) for part in match.group(1, 2, 3))
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


_TWELVE_HOUR = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m\.?$", re.IGNORECASE)
_TWENTY_FOUR_HOUR = re.compile(r"^(\d{1,2})[:.](\d{2})(?::\d{2})?$")


def _as_24_hour(text: str) -> str | None:
    """``5:00 PM`` or ``17.00`` → ``17:00``, the only way a deadline's time is accepted."""
    twelve = _TWELVE_HOUR.match(text.strip())
    if twelve:
        hour, minute = int(twelve.group(1)), int(twelve.group(2) or 0)
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if twelve.group(3).lower() == "p" else 0)
    else:
        plain = _TWENTY_FOUR_HOUR.match(text.strip())
        if not plain:
            return None
        hour, minute = int(plain.group(1)), int(plain.group(2))
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def _uk_date_hint(text: str, *, with_time: bool) -> str:
    """The fix for ``17/09/2025``, shown as this very date when it is a real one.

    The example is always text the import accepts as it stands, so a time is
    shown on the 24-hour clock, and a date alone is never suggested for a deadline.
    """
    iso = _as_iso_date(text)
    if not with_time:
        return f"dates are written YYYY-MM-DD, e.g. {iso or '2025-09-17'}"
    match = _SLASHED_DATE.match(text)
    time = _as_24_hour(match.group(4)) if match and match.group(4).strip() else None
    return (
        "dates are written YYYY-MM-DD and times HH:MM on the 24-hour clock, "
        f"e.g. {iso or '2025-09-15'} {time or '17:00'}"
    )


def _meeting_date(value: object) -> object:
    if isinstance(value, str) and _SLASHED_DATE.match(value.strip()):
        raise ValueError(_uk_date_hint(value.strip(), with_time=False))
    return value


def _no_time(text: str, shown: str) -> ValueError:
    return ValueError(
        f"{text} has a date but no time of day; write a time too, such as {shown} 17:00"
    )


def _deadline(value: object) -> object:
    """A deadline needs a time of day: a bare date would silently mean midnight."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        raise _no_time(value.isoformat(), value.isoformat())
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _SLASHED_DATE.match(text):
        raise ValueError(_uk_date_hint(text, with_time=True))
    if _ISO_DATE.match(text):
        year, month, day = (int(part) for part in text.split("-"))
        try:
            shown = dt.date(year, month, day).isoformat()
        except ValueError:
            shown = "2025-09-15"
        raise _no_time(text, shown)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    written_date, _, written_time = text.partition(" ")
    time = _as_24_hour(written_time)
    example = (
        f"{written_date} {time}" if time and _ISO_DATE.match(written_date) else "2025-09-15 17:00"
    )
    raise ValueError(
        "is not a date and time; write it as YYYY-MM-DD HH:MM on the 24-hour clock, "
        f"e.g. {example} (panel time)"
    )


class MeetingHeader(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: MeetingId
    title: str = Field(min_length=1, max_length=150)
    date: Annotated[dt.date, BeforeValidator(_meeting_date)]
    voting_closes: Annotated[dt.datetime, BeforeValidator(_deadline)]
    about: str = Field(
        default="",
        max_length=5000,
        description="Text about the theme for the public report; blank lines split paragraphs",
    )


class CaseRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    ref: CaseRef
    offence: str = Field(min_length=1, max_length=300)
    outcome: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1, max_length=12_000)
    timeline: tuple[TimelineEntry, ...] = ()

    @field_validator("ref", mode="before")
    @classmethod
    def _ref_as_text(cls, value: object) -> object:
        return str(value).strip() if isinstance(value, int | str) else value

    def text_fields(self) -> dict[str, str]:
        """Every free-text field, keyed by where it sits, for the anonymity screen."""
        fields = {name: str(getattr(self, name)) for name in CASE_TEXT_FIELDS}
        for index, item in enumerate(self.timeline):
            for name in TIMELINE_TEXT_FIELDS:
                fields[f"timeline[{index}].{name}"] = str(getattr(item, name))
        return fields


class MeetingFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    meeting: MeetingHeader
    cases: tuple[CaseRecord, ...] = Field(min_length=1, max_length=50)


_PRINTABLE_REF = re.compile(r"^[^\s<>&|`*_~]{1,24}$")


def case_label(ref: object, index: int) -> str:
    """How a problem line names a case: by its ref, unless the ref itself is unsafe to print.

    A ref that is malformed or holds personal data is named by position
    instead (``cases[#2]``), so an error message never repeats it.
    """
    text = str(ref).strip() if isinstance(ref, str | int) else ""
    if _PRINTABLE_REF.match(text) and not screen_text(text, "ref"):
        return f"cases[{text}]"
    return f"cases[#{index + 1}]"


def raw_text_fields(raw: Mapping[str, Any]) -> dict[str, str]:
    """Every free text of a meeting file as read, keyed as validation names its place.

    For screening a file that does not validate: its personal data is named in the same
    answer as its other problems, so nobody sends the data again only to hear of it.
    The keys are those of ``CaseRecord.text_fields`` under the case's label.
    """
    fields: dict[str, str] = {}
    meeting = raw.get("meeting")
    if isinstance(meeting, dict):
        for name in ("id", "title", "about"):
            if isinstance(meeting.get(name), str):
                fields[f"meeting.{name}"] = meeting[name]
    cases = raw.get("cases")
    for index, case in enumerate(cases if isinstance(cases, list) else []):
        if not isinstance(case, dict):
            continue
        label = case_label(case.get("ref"), index)
        for name in CASE_TEXT_FIELDS:
            if isinstance(case.get(name), str):
                fields[f"{label}.{name}"] = case[name]
        timeline = case.get("timeline")
        for position, item in enumerate(timeline if isinstance(timeline, list) else []):
            for name in TIMELINE_TEXT_FIELDS:
                if isinstance(item, dict) and isinstance(item.get(name), str):
                    fields[f"{label}.timeline[{position}].{name}"] = item[name]
    return fields


def _case_label(raw: dict[str, Any], index: int) -> str:
    cases = raw.get("cases")
    if isinstance(cases, list) and index < len(cases) and isinstance(cases[index], dict):
        return case_label(cases[index].get("ref"), index)
    return f"cases[#{index + 1}]"


def _problem_lines(
    error: ValidationError, raw: dict[str, Any], source: YamlSource | None = None
) -> list[str]:
    lines = []
    for problem in plain_problems(error, MeetingFile, source):
        loc = list(problem.loc)
        if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
            head = _case_label(raw, loc[1])
            loc = loc[2:]
        else:
            head = ""
        for part in loc:
            head += f"[{part}]" if isinstance(part, int) else (f".{part}" if head else str(part))
        lines.append(f"{head or '(top level)'}: {problem.message}")
    return lines


class YamlMapping(dict[str, Any]):
    """A YAML meeting file's parsed content, with its node tree kept for line numbers."""

    source: YamlSource | None = None


def read_meeting_file(path: Path) -> dict[str, Any]:
    """Load YAML or JSON from a file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise MeetingFileError([f"{path}: file not found"]) from exc
    except UnicodeDecodeError as exc:
        raise MeetingFileError([f"{path}: {not_utf8(exc)}"]) from exc
    except IsADirectoryError as exc:
        raise MeetingFileError([f"{path}: is a folder, not a meeting file"]) from exc
    except OSError as exc:
        raise MeetingFileError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    return read_meeting_text(text, str(path), path.suffix)


def read_meeting_text(text: str, source: str, suffix: str) -> dict[str, Any]:
    """Parse YAML or JSON (JSON is YAML, but JSON errors read better from json).

    ``source`` names the file in problem lines; ``suffix`` (``.json``…) picks the parser.
    """
    try:
        raw = json.loads(text) if suffix.lower() == ".json" else load_yaml(text)
    except json.JSONDecodeError as exc:
        # The message names the position only; the document's text is never echoed.
        detail = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise MeetingFileError([f"{source}: not valid JSON: {detail}"]) from exc
    except yaml.YAMLError as exc:
        raise MeetingFileError([f"{source}: not valid YAML: {describe_yaml_error(exc)}"]) from exc
    except RecursionError as exc:  # "[[[[…" nested thousands deep: a hostile file
        raise MeetingFileError([f"{source}: nested too deeply to be a meeting file"]) from exc
    if not isinstance(raw, dict):
        raise MeetingFileError([f"{source}: expected a mapping with `meeting` and `cases`"])
    if suffix.lower() == ".json":
        return raw
    mapping = YamlMapping(raw)
    mapping.source = YamlSource(text)
    return mapping


@dataclass(frozen=True)
class CellSource:
    """Where one value of a meeting came from in a workbook, as a person finds it again."""

    cell: str  # e.g. ``Cases!D4``
    label: str  # e.g. ``SH-03 summary``


@dataclass(frozen=True)
class MeetingDocument:
    """A meeting file's raw structure, and for a workbook the cell behind each value.

    Validation and screening name problems by their place in the raw structure
    (``cases[SH-03].summary``), whatever the file's form; ``locate`` turns those
    names into the cells a secretariat can find in Excel.
    """

    raw: dict[str, Any]
    cells: Mapping[str, CellSource] = field(default_factory=dict)
    # Problems met while reading the file's layout (a workbook's header rows, refs, cell
    # types), each already naming its cell: the import reports them with whatever
    # personal data the values read hold, in one answer.
    problems: tuple[str, ...] = ()

    def locate(self, problems: list[str]) -> list[str]:
        """Problem lines with the sheet and cell in front, where the value came from a cell."""
        if not self.cells:
            return problems
        return [self._locate(line) for line in problems]

    def _locate(self, line: str) -> str:
        head, separator, message = line.partition(": ")
        if not separator:
            return line
        key = head
        while key:
            source = self.cells.get(key)
            if source is not None:
                return f"{source.cell} ({source.label}): {_cell_message(message)}"
            key = _parent_key(key)
        return line


#: Validation's words for a missing value, as they read next to a cell.
_CELL_MESSAGES = {
    "none given; at least 1 needed": "no cases; add one row per case below the header row",
}


def _cell_message(message: str) -> str:
    """A validation message as it reads next to a cell: a missing key is an empty cell."""
    if message.startswith(MISSING):
        return "empty; fill it in"
    return _CELL_MESSAGES.get(message, message)


def _parent_key(key: str) -> str:
    """``cases[SH-01].timeline[0].day`` → ``cases[SH-01].timeline[0]`` → … → ``""``."""
    cut = max(key.rfind("."), key.rfind("["))
    return key[:cut] if cut > 0 else ""


def parse_meeting(raw: dict[str, Any], zone: ZoneInfo) -> MeetingFile:
    """Validate the schema, unique refs and dates; naive times are the panel's zone."""
    try:
        parsed = MeetingFile.model_validate(raw)
    except ValidationError as exc:
        source = raw.source if isinstance(raw, YamlMapping) else None
        raise MeetingFileError(_problem_lines(exc, raw, source)) from exc
    problems = []
    seen: set[str] = set()
    for index, case in enumerate(parsed.cases):
        if case.ref in seen:
            problems.append(
                f"{case_label(case.ref, index)}.ref: this ref is used by more than one case"
            )
        seen.add(case.ref)
    closes = parsed.meeting.voting_closes
    if closes.tzinfo is None:
        closes = closes.replace(tzinfo=zone)
    try:  # a moment at the very edge of the calendar cannot be moved into UTC or the zone
        closes.astimezone(dt.UTC).astimezone(zone)
    except OverflowError as exc:
        problems.append(f"meeting.voting_closes: {closes.isoformat()} is out of range")
        raise MeetingFileError(problems) from exc
    if closes.astimezone(zone).date() > parsed.meeting.date:
        problems.append(
            f"meeting.voting_closes: {local_time(closes, zone)} is after the meeting date "
            f"{parsed.meeting.date.isoformat()}; voting must close on or before that day"
        )
    if problems:
        raise MeetingFileError(problems)
    header = parsed.meeting.model_copy(update={"voting_closes": closes.astimezone(dt.UTC)})
    return parsed.model_copy(update={"meeting": header})
