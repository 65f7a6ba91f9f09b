"""A stored meeting written back out as the YAML meeting file it could have come from.

The output is what ``read_meeting_text`` and ``parse_meeting`` read, so importing
it again with ``--replace`` gives the same meeting. The deadline is written in
the panel's timezone with its offset, as a secretariat would type it.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.meeting_file import MeetingFile


class _Dumper(yaml.SafeDumper):
    """Multi-line text (case summaries) as readable ``|`` blocks instead of quoted lines."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def meeting_raw(content: MeetingFile, zone: ZoneInfo) -> dict[str, Any]:
    """The meeting file's structure: plain strings, numbers, lists and mappings."""
    header = content.meeting
    meeting: dict[str, Any] = {
        "id": header.id,
        "title": header.title,
        "date": header.date.isoformat(),
        "voting_closes": header.voting_closes.astimezone(zone).isoformat(),
    }
    if header.about:
        meeting["about"] = header.about
    cases = []
    for case in content.cases:
        item: dict[str, Any] = {
            "ref": case.ref,
            "offence": case.offence,
            "outcome": case.outcome,
            "summary": case.summary,
        }
        if case.timeline:
            item["timeline"] = [entry.model_dump() for entry in case.timeline]
        cases.append(item)
    return {"meeting": meeting, "cases": cases}


def meeting_yaml(content: MeetingFile, zone: ZoneInfo) -> str:
    """The meeting as YAML text."""
    return yaml.dump(
        meeting_raw(content, zone),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
