"""Block Kit for actions: the add modal, the reminder DM, the update modal, App Home's list.

Pure functions of the data they are given; the listeners in handlers/action_listeners.py
call the services and send what these build.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.actions import ACTION_TEXT_MAX, UPDATE_TEXT_MAX, Action, ActionStatus, ActionUpdate
from bot.models import Meeting
from bot.rights import RightsCatalogue
from handlers.mrkdwn import clip, escape, escaped_clip

ADD_CALLBACK = "vcop_action_add"
UPDATE_CALLBACK = "vcop_action_update"
OPEN_UPDATE = "vcop_action_open_update"
FROM_LEARNING = "vcop_action_from_learning"
MEETING_BLOCK = "action_meeting"
AGENCY_BLOCK = "action_agency"
DESCRIPTION_BLOCK = "action_description"
DUE_BLOCK = "action_due"
CASE_BLOCK = "action_case"
RIGHT_BLOCK = "action_right"
UPDATE_TEXT_BLOCK = "action_update_text"
STATUS_BLOCK = "action_update_status"
OPTION_TEXT_MAX = 75
SELECT_MAX = 100
HOME_ACTIONS_MAX = 25
HOME_LEARNING_MAX = 10
LEARNING_VALUE_MAX = 1000  # a button's value holds at most 2,000 characters
STATUS_LABELS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.DONE: "Done",
    ActionStatus.DROPPED: "Dropped",
}


def _option(text: str, value: str) -> Option:
    return Option(text=clip(text, OPTION_TEXT_MAX)[0], value=value)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def action_line(action: Action, today: dt.date) -> str:
    """``*Police* · Confirm crime references in writing — due 1 Mar 2026 (overdue)``."""
    late = " *(overdue)*" if action.overdue(today) else ""
    source = f" · from {escape(action.source)}" if action.source else ""
    return (
        f"*{escape(action.agency)}* · {escaped_clip(action.description, 500)[0]} — due "
        f"{action.due:%d %b %Y}{late} · {STATUS_LABELS[action.status]}{source}"
    )


def add_action_modal(
    meetings: Sequence[Meeting],
    agencies: Sequence[str],
    rights: RightsCatalogue,
    *,
    meeting_id: str | None = None,
    description: str = "",
    case_ref: str = "",
    agency: str | None = None,
    due: dt.date | None = None,
) -> View:
    """The form the chair or secretariat fills in to record an action (prefilled from a
    learning point when opened from one)."""
    meeting_options = [_option(f"{m.title} ({m.date:%d %b %Y})", m.id) for m in meetings]
    meeting_options = meeting_options[:SELECT_MAX]
    initial_meeting = next(
        (o for o in meeting_options if o.value == meeting_id),
        meeting_options[0] if meeting_options else None,
    )
    agency_options = [_option(name, name) for name in agencies][:SELECT_MAX]
    initial_agency = next((o for o in agency_options if o.value == agency), None)
    right_options = [_option(r.label, str(r.number)) for r in rights.items]
    blocks: list[Block] = [
        InputBlock(
            block_id=MEETING_BLOCK,
            label="Meeting",
            element=StaticSelectElement(
                action_id="value", options=meeting_options, initial_option=initial_meeting
            ),
        ),
        InputBlock(
            block_id=AGENCY_BLOCK,
            label="Owning agency",
            element=StaticSelectElement(
                action_id="value",
                placeholder="Choose the agency",
                options=agency_options,
                initial_option=initial_agency,
            ),
        ),
        InputBlock(
            block_id=DESCRIPTION_BLOCK,
            label="What is to be done",
            element=PlainTextInputElement(
                action_id="value",
                multiline=True,
                max_length=ACTION_TEXT_MAX,
                initial_value=clip(description, ACTION_TEXT_MAX)[0] or None,
            ),
            hint="No names or other personal data: the action may reach a published report.",
        ),
        InputBlock(
            block_id=DUE_BLOCK,
            label="Due date",
            element=DatePickerElement(
                action_id="value", initial_date=due.isoformat() if due else None
            ),
        ),
        InputBlock(
            block_id=CASE_BLOCK,
            label="Case (optional)",
            optional=True,
            element=PlainTextInputElement(
                action_id="value", max_length=24, initial_value=case_ref or None
            ),
        ),
        InputBlock(
            block_id=RIGHT_BLOCK,
            label="Right (optional)",
            optional=True,
            element=StaticSelectElement(action_id="value", options=right_options),
        ),
    ]
    return View(
        type="modal",
        callback_id=ADD_CALLBACK,
        title="Record an action",
        submit="Record",
        close="Cancel",
        blocks=blocks,
    )


def action_recorded_text(action: Action, contact: str | None) -> str:
    who = f"<@{contact}> will be reminded" if contact else "No named contact to remind"
    return (
        f"Action {action.id} recorded for *{escape(action.agency)}*, due "
        f"{action.due:%d %B %Y}: {escaped_clip(action.description, 500)[0]}\n{who} "
        "before it falls due."
    )


def action_reminder_message(action: Action, meeting: Meeting) -> tuple[str, list[Block]]:
    """The DM to an agency's named contact before its action falls due."""
    text = (
        f"Reminder: an action for *{escape(action.agency)}* from the panel's meeting on "
        f"{escape(meeting.title)} ({meeting.date:%d %B %Y}) is due on {action.due:%d %B %Y}:\n"
        f"> {escaped_clip(action.description, 1500)[0]}"
    )
    return (
        f"Reminder: action for {action.agency} due {action.due:%d %B %Y}",
        [
            _section(text),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Post an update",
                        action_id=OPEN_UPDATE,
                        value=str(action.id),
                        style="primary",
                    )
                ]
            ),
        ],
    )


def update_modal(action: Action, history: Sequence[ActionUpdate], today: dt.date) -> View:
    """The form to post an update on an action, with its history so far."""
    blocks: list[Block] = [_section(action_line(action, today))]
    for update in history[-5:]:
        change = f" → {STATUS_LABELS[update.status]}" if update.status else ""
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"<@{update.actor}>, {update.at:%d %b %Y %H:%M} UTC{change}: "
                        f"{escaped_clip(update.text, 300)[0]}"
                    )
                ]
            )
        )
    options = [_option(label, status.value) for status, label in STATUS_LABELS.items()]
    blocks += [
        InputBlock(
            block_id=UPDATE_TEXT_BLOCK,
            label="What has happened",
            optional=True,
            element=PlainTextInputElement(
                action_id="value", multiline=True, max_length=UPDATE_TEXT_MAX
            ),
            hint="No names or other personal data.",
        ),
        InputBlock(
            block_id=STATUS_BLOCK,
            label="Status",
            element=StaticSelectElement(
                action_id="value",
                options=options,
                initial_option=next(o for o in options if o.value == action.status.value),
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=UPDATE_CALLBACK,
        title="Update an action",
        submit="Post update",
        close="Cancel",
        private_metadata=json.dumps({"a": str(action.id)}),
        blocks=blocks,
    )


def home_action_blocks(
    owed: Mapping[str, Sequence[Action]],
    today: dt.date,
    learning: Sequence[tuple[str, str, str]] = (),
) -> list[Block]:
    """The chair's App Home: what each agency still owes, then learning points to act on.

    ``learning`` holds (meeting id, case ref, text) of the latest closed meeting's learning.
    """
    blocks: list[Block] = [HeaderBlock(text="Actions agencies still owe")]
    if not owed:
        blocks.append(_section("No open actions. Record one with `/vcop action add`."))
    shown = 0
    for agency, actions in owed.items():
        overdue = sum(a.overdue(today) for a in actions)
        late = f", {overdue} overdue" if overdue else ""
        blocks.append(_section(f"*{escape(agency)}*: {len(actions)} open{late}"))
        for action in actions:
            if shown >= HOME_ACTIONS_MAX:
                break
            shown += 1
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(text=action_line(action, today)),
                    accessory=ButtonElement(
                        text="Update", action_id=OPEN_UPDATE, value=str(action.id)
                    ),
                )
            )
    total = sum(len(a) for a in owed.values())
    if total > shown:
        blocks.append(_section(f"…and {total - shown} more open actions."))
    if learning:
        blocks.append(HeaderBlock(text="Learning points to act on"))
        for meeting_id, ref, text in learning[:HOME_LEARNING_MAX]:
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(text=f"*{escape(ref)}*: {escaped_clip(text, 500)[0]}"),
                    accessory=ButtonElement(
                        text="Make an action",
                        action_id=FROM_LEARNING,
                        value=json.dumps(
                            {"m": meeting_id, "c": ref, "t": text[:LEARNING_VALUE_MAX]},
                            ensure_ascii=False,
                        ),
                    ),
                )
            )
        if len(learning) > HOME_LEARNING_MAX:
            blocks.append(
                _section(f"…and {len(learning) - HOME_LEARNING_MAX} more learning points.")
            )
    return blocks
