"""Pure Block Kit builders for the secretariat's meeting tasks in Slack.

The replies to a meeting file sent to the app, the purge confirmation and the
meeting list. Like ``handlers.blocks`` they do no I/O; every text a person
wrote (titles, problem lines) is escaped before it reaches mrkdwn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.meetings import ImportReport
from bot.models import Meeting
from bot.wording import counted
from handlers import ids
from handlers.mrkdwn import clip, escape

SECTION_MAX = 3000
#: Problem lines shown in one reply; the rest are counted, never silently dropped.
PROBLEMS_SHOWN = 30
LIST_SHOWN = 40

DELETE_REMINDER = (
    "This file held what looks like personal data. Please delete it from this "
    "conversation in Slack too (hover over the file → ⋯ → *Delete file*): the bot "
    "cannot delete a member's file."
)


def _mrkdwn(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX)[0]))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, SECTION_MAX)[0])])


def open_voting_button(meeting_id: str) -> ButtonElement:
    """Does what `/vcop open MEETING` does, for the chair or the secretariat."""
    return ButtonElement(
        text="Open voting", action_id=ids.OPEN_VOTING, value=meeting_id, style="primary"
    )


def import_reply(
    report: ImportReport, closes: str, *, voting_open: bool
) -> tuple[str, list[Block]]:
    """The reply to a meeting file that was imported (or already held exactly that)."""
    title = escape(report.meeting.title)
    if report.unchanged:
        text = (
            f"'{title}' is already exactly as in this file ({counted(report.cases, 'case')}; "
            f"voting closes {closes}); nothing changed."
        )
    else:
        text = f"Imported '{title}': {counted(report.cases, 'case')}; voting closes {closes}."
        if report.replaced:
            text += " It replaces the earlier version of the meeting."
    built: list[Block] = [_mrkdwn(text)]
    for warning in report.warnings:
        built.append(_context(f"Note: {escape(warning)}"))
    if voting_open:
        built.append(
            ActionsBlock(block_id=ids.OPEN_VOTING, elements=[open_voting_button(report.meeting.id)])
        )
        built.append(
            _context(
                f"*Open voting* posts the cases to the panel channel (as "
                f"`/vcop open {escape(report.meeting.id)}`)."
            )
        )
    return text, built


def problems_reply(problems: Sequence[str], *, personal_data: bool) -> tuple[str, list[Block]]:
    """The reply to a file that was refused: what to fix, where, and nothing stored."""
    intro = "This file was not imported, and nothing was stored. Fix these and send it again:"
    shown = [f"• {escape(line)}" for line in problems[:PROBLEMS_SHOWN]]
    more = len(problems) - len(shown)
    if more > 0:
        shown.append(f"…and {more} more {'problem' if more == 1 else 'problems'}.")
    built: list[Block] = [_mrkdwn(intro)]
    chunk: list[str] = []
    for line in shown:
        if sum(len(item) + 1 for item in chunk) + len(line) > SECTION_MAX - 10:
            built.append(_mrkdwn("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        built.append(_mrkdwn("\n".join(chunk)))
    if personal_data:
        built.append(_mrkdwn(f":warning: {DELETE_REMINDER}"))
    text = f"Not imported: {len(problems)} {'problem' if len(problems) == 1 else 'problems'}."
    return text, built


def refusal_reply(text: str) -> tuple[str, list[Block]]:
    """A one-line refusal (not allowed, too big, not a meeting file)."""
    return text, [_mrkdwn(escape(text))]


def replace_prompt(meeting: Meeting, file_id: str) -> tuple[str, list[Block]]:
    """A meeting with this id exists and has no votes: offer to replace it with the file."""
    text = (
        f"A meeting with the id '{escape(meeting.id)}' ('{escape(meeting.title)}') already "
        "exists and no votes have been cast on it. Replace it with this file?"
    )
    button = ButtonElement(
        text="Replace",
        action_id=ids.REPLACE_MEETING,
        value=file_id,
        style="danger",
        confirm=ConfirmObject(
            title="Replace the meeting?",
            text=f"The cases of '{clip(meeting.title, 200)[0]}' will be replaced by this file's.",
            confirm="Replace",
            deny="Cancel",
        ),
    )
    return text, [_mrkdwn(text), ActionsBlock(block_id=ids.REPLACE_MEETING, elements=[button])]


def voted_meeting_reply(meeting: Meeting) -> tuple[str, list[Block]]:
    """A meeting with this id exists and has votes: it can never be replaced."""
    text = (
        f"A meeting with the id '{escape(meeting.id)}' ('{escape(meeting.title)}') already "
        "exists and votes have been cast on it, so it cannot be replaced. To import this "
        "file as a separate meeting, give it a new id (the Meeting sheet's `id` row)."
    )
    return text, [_mrkdwn(text)]


def purge_modal(meeting: Meeting, cases: int, notes: int) -> View:
    """The confirmation before a purge: exactly what goes and what stays."""
    title = escape(meeting.title)
    text = (
        f"Purging *{title}* (`{escape(meeting.id)}`) permanently deletes from the bot's "
        "database:\n• the outcome, narrative and timeline of each of its "
        f"{counted(cases, 'case')};\n"
        f"• the members' notes ({counted(notes, 'set')}).\n\n"
        "It keeps each case's ref and offence, and every category, finding, resolution "
        "and vote count, so the tally and the summary's counts are unchanged. Slack keeps "
        "its own copy of the case messages in the panel channel.\n\n*This cannot be undone.*"
    )
    return View(
        type="modal",
        callback_id=ids.PURGE_SUBMIT,
        title="Purge meeting",
        submit="Purge",
        close="Cancel",
        private_metadata=json.dumps({"m": meeting.id}),
        blocks=[_mrkdwn(text)],
    )


def meetings_text(lines: Sequence[str]) -> str:
    """The meeting list, as `vcop meeting list` prints it, in a code block."""
    if not lines:
        return (
            "No meetings yet. Send a meeting file (the Excel template, filled in) to this "
            "app in its Messages tab to import one."
        )
    shown = [escape(line) for line in lines[:LIST_SHOWN]]
    more = len(lines) - len(shown)
    body = "\n".join(shown)
    while len(body) > SECTION_MAX - 200 and len(shown) > 1:
        shown.pop()
        more += 1
        body = "\n".join(shown)
    tail = f"\n…and {more} older {'meeting' if more == 1 else 'meetings'}." if more > 0 else ""
    return f"*Meetings*, newest first:\n```\n{body}\n```{tail}"
