"""Every message the bot sends escapes user-typed text in its notification (fallback) text too.

Slack parses a message's top-level ``text`` as mrkdwn: it is what a phone's notification and a
screen reader show. A meeting title holding ``<!channel>`` left raw there would ping the whole
channel from a reminder, so the builders' fallback text goes through the same escaping rule as
their blocks. The table below names how to call each message builder; a builder added later
without an entry fails the completeness test, so no new message escapes the check.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from slack_sdk.models.blocks import Block

from bot.models import Case, CaseTally, Meeting
from bot.summary import DraftSummary
from handlers import blocks
from handlers.mrkdwn import escape

if TYPE_CHECKING:
    from conftest import Panel

HOSTILE = "<!channel> <!here> <!everyone> <http://evil.example|click>"
RAW = ("<!channel>", "<!here>", "<!everyone>", "<http://evil.example")


class Fixtures:
    """A meeting, its cases, tally and summary, with the hostile text in every typed field."""

    def __init__(self, panel: Panel) -> None:
        doc = panel.meeting_doc(title=f"Harassment {HOSTILE}")
        for case in doc["cases"]:
            case["offence"] = f"Harassment {HOSTILE}"
        panel.import_meeting(doc)
        self.meeting: Meeting = panel.service.meetings.get_meeting(None)
        self.cases: list[Case] = panel.service.meetings.cases(self.meeting.id)
        self.tally: list[CaseTally] = list(
            panel.service.tallying.meeting_tally(self.meeting.id).cases
        )
        self.summary: DraftSummary = panel.service.reports.draft_summary(self.meeting.id)


Builder = Callable[[Fixtures], tuple[str, list[Block]]]

MESSAGE_BUILDERS: dict[str, Builder] = {
    "case_message": lambda f: blocks.case_message(
        f.meeting, f.cases[0], 1, 5, "Tue 08 Jan 17:00", open_=True
    ),
    "meeting_header_message": lambda f: blocks.meeting_header_message(
        f.meeting, len(f.cases), "Tue 08 Jan 17:00"
    ),
    "closed_notice": lambda f: blocks.closed_notice(f.meeting, f.tally),
    "all_resolved_message": lambda f: blocks.all_resolved_message(f.meeting, f.tally),
    "summary_message": lambda f: blocks.summary_message(f.summary),
    "reminder_message": lambda f: blocks.reminder_message(f.meeting, f.cases, "Tue 08 Jan 17:00"),
    "closing_tally_message": lambda f: blocks.closing_tally_message(
        f.meeting, f.tally, 5, {"U0POLICE1": [c.ref for c in f.cases]}
    ),
}


def _message_builders() -> set[str]:
    """Public builders in handlers.blocks that return a message: (fallback text, blocks)."""
    return {
        name
        for name, function in inspect.getmembers(blocks, inspect.isfunction)
        if not name.startswith("_")
        and function.__module__ == blocks.__name__
        and "tuple[str, list[Block]]" in str(inspect.signature(function).return_annotation)
    }


def test_every_message_builder_is_in_the_escaping_table() -> None:
    assert _message_builders() == set(MESSAGE_BUILDERS)


@pytest.mark.parametrize("name", sorted(MESSAGE_BUILDERS))
def test_hostile_title_and_offence_are_escaped_in_fallback_text_and_blocks(
    name: str, panel: Panel
) -> None:
    text, built = MESSAGE_BUILDERS[name](Fixtures(panel))
    payload: dict[str, Any] = {"text": text, "blocks": [block.to_dict() for block in built]}
    assert not [raw for raw in RAW if raw in text], f"raw control in {name}'s fallback text"
    mrkdwn = [
        value for value in _mrkdwn_strings(payload["blocks"]) if any(raw in value for raw in RAW)
    ]
    assert mrkdwn == [], f"raw control in {name}'s mrkdwn blocks"
    assert escape("<!channel>") in json.dumps(payload)


def _mrkdwn_strings(node: object) -> list[str]:
    """Texts Slack parses for mentions and links: mrkdwn objects (plain_text is shown literally)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found.extend(_mrkdwn_strings(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_mrkdwn_strings(value))
    return found
