"""The meeting file a secretariat writes (YAML or JSON, same schema).

Parsing is separate from storing so that every problem in a file is found and
reported together, each line naming the case ref and the field, before a
single row is written.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.models import CaseRef, MeetingId, TimelineEntry


class MeetingFileError(Exception):
    """The file cannot be imported; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class MeetingHeader(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: MeetingId
    title: str = Field(min_length=1, max_length=150)
    date: dt.date
    voting_closes: dt.datetime


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
        fields = {
            "ref": self.ref,
            "offence": self.offence,
            "outcome": self.outcome,
            "summary": self.summary,
        }
        for index, item in enumerate(self.timeline):
            fields[f"timeline[{index}].agency"] = item.agency
            fields[f"timeline[{index}].entry"] = item.entry
        return fields


class MeetingFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    meeting: MeetingHeader
    cases: tuple[CaseRecord, ...] = Field(min_length=1, max_length=50)


def _case_label(raw: dict[str, Any], index: int) -> str:
    cases = raw.get("cases")
    if isinstance(cases, list) and index < len(cases) and isinstance(cases[index], dict):
        ref = cases[index].get("ref")
        if isinstance(ref, str | int) and str(ref).strip():
            return f"cases[{str(ref).strip()[:24]}]"
    return f"cases[#{index + 1}]"


def _problem_lines(error: ValidationError, raw: dict[str, Any]) -> list[str]:
    lines = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
            head = _case_label(raw, loc[1])
            loc = loc[2:]
        else:
            head = ""
        for part in loc:
            head += f"[{part}]" if isinstance(part, int) else (f".{part}" if head else str(part))
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{head or '(top level)'}: {message}")
    return lines


def read_meeting_file(path: Path) -> dict[str, Any]:
    """Load YAML or JSON (JSON is YAML, but JSON errors read better from json)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise MeetingFileError([f"{path}: file not found"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise MeetingFileError([f"{path}: cannot read: {exc}"]) from exc
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        detail = str(exc).replace("\n", " ")
        raise MeetingFileError([f"{path}: not valid {path.suffix or 'YAML'}: {detail}"]) from exc
    if not isinstance(raw, dict):
        raise MeetingFileError([f"{path}: expected a mapping with `meeting` and `cases`"])
    return raw


def parse_meeting(raw: dict[str, Any], zone: ZoneInfo) -> MeetingFile:
    """Validate the schema, unique refs and dates; naive times are the panel's zone."""
    try:
        parsed = MeetingFile.model_validate(raw)
    except ValidationError as exc:
        raise MeetingFileError(_problem_lines(exc, raw)) from exc
    problems = []
    seen: set[str] = set()
    for case in parsed.cases:
        if case.ref in seen:
            problems.append(f"cases[{case.ref}].ref: {case.ref!r} is used by more than one case")
        seen.add(case.ref)
    closes = parsed.meeting.voting_closes
    if closes.tzinfo is None:
        closes = closes.replace(tzinfo=zone)
    if closes.astimezone(zone).date() > parsed.meeting.date:
        problems.append(
            f"meeting.voting_closes: {closes.isoformat()} is after the meeting date "
            f"{parsed.meeting.date.isoformat()}"
        )
    if problems:
        raise MeetingFileError(problems)
    header = parsed.meeting.model_copy(update={"voting_closes": closes.astimezone(dt.UTC)})
    return parsed.model_copy(update={"meeting": header})
