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

from bot.action_points import ActionPoint
from bot.actions import ACTION_TEXT_MAX, UPDATE_TEXT_MAX, Action, ActionStatus, ActionUpdate
from bot.models import Meeting
from bot.rights import RightsCatalogue
from handlers.mrkdwn import clip, escape, escaped_clip

ADD_CALLBACK = "vcop_action_add"
UPDATE_CALLBACK = "vcop_action_update"
OPEN_UPDATE = "vcop_action_open_update"
FROM_LEARNING = "vcop_action_from_learning"
LIST_ALL = "vcop_action_list_all"
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
POINTS_MAX = 10
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
    right: int | None = None,
    origin: dict[str, str] | None = None,
) -> View:
    """The form the chair or secretariat fills in to record an action (prefilled from a
    learning point when opened from one). ``origin`` names the surface it was opened over
    (the chair's tally), so that surface is refreshed once the action is recorded."""
    meeting_options = [_option(f"{m.title} ({m.date:%d %b %Y})", m.id) for m in meetings]
    meeting_options = meeting_options[:SELECT_MAX]
    initial_meeting = next(
        (o for o in meeting_options if o.value == meeting_id),
        meeting_options[0] if meeting_options else None,
    )
    agency_options = [_option(name, name) for name in agencies][:SELECT_MAX]
    initial_agency = next((o for o in agency_options if o.value == agency), None)
    right_options = [_option(r.label, str(r.number)) for r in rights.items]
    initial_right = next((o for o in right_options if o.value == str(right)), None)
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
            element=StaticSelectElement(
                action_id="value", options=right_options, initial_option=initial_right
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=ADD_CALLBACK,
        title="Record an action",
        submit="Record",
        close="Cancel",
        private_metadata=json.dumps(origin or {}),
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


def point_value(point: ActionPoint) -> str:
    """A point's button value: what the action form is filled in with (at most 2,000
    characters, Slack's limit, so the words are cut at ``LEARNING_VALUE_MAX``)."""
    data = {
        "m": point.meeting_id,
        "c": point.case_ref or "",
        "t": point.text[:LEARNING_VALUE_MAX],
        "r": point.right or "",
        "a": point.agency or "",
    }
    return json.dumps(data, ensure_ascii=False)


def point_blocks(points: Sequence[ActionPoint], room: int, more: str) -> list[Block]:
    """A header, then each learning point or observation with its "Make an action" button,
    within ``room`` blocks; those left over are counted on a last line ending ``more``."""
    if not points or room < 3:
        return []
    shown = list(points[: min(POINTS_MAX, room - 1)])
    if len(shown) < len(points):
        shown = shown[: room - 2]
    built: list[Block] = [HeaderBlock(text="Learning and observations to act on")]
    for point in shown:
        where = f" · {escape(point.case_ref)}" if point.case_ref else " · whole meeting"
        built.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{point.label}*{where}: {escaped_clip(point.text, 500)[0]}"
                ),
                accessory=ButtonElement(
                    text="Make an action", action_id=FROM_LEARNING, value=point_value(point)
                ),
            )
        )
    if len(shown) < len(points):
        built.append(_section(f"…and {len(points) - len(shown)} more {more}"))
    return built


def action_list_blocks(owed: Mapping[str, Sequence[Action]], today: dt.date) -> list[Block]:
    """Every open action, agency by agency, each with its Update button: the full list
    App Home points to when it has no room for them all."""
    total = sum(len(actions) for actions in owed.values())
    blocks: list[Block] = [HeaderBlock(text=f"Open actions: {total}")]
    for agency, actions in owed.items():
        overdue = sum(a.overdue(today) for a in actions)
        late = f", {overdue} overdue" if overdue else ""
        blocks.append(_section(f"*{escape(agency)}*: {len(actions)} open{late}"))
        blocks.extend(_action_row(action, today) for action in actions)
    return blocks


def _action_row(action: Action, today: dt.date) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=action_line(action, today)),
        accessory=ButtonElement(text="Update", action_id=OPEN_UPDATE, value=str(action.id)),
    )


def home_action_blocks(
    owed: Mapping[str, Sequence[Action]],
    today: dt.date,
    points: Sequence[ActionPoint] = (),
    room: int = 100,
) -> list[Block]:
    """The chair's App Home: what each agency still owes, then points to act on, within
    ``room`` blocks (Slack shows at most 100 in a Home tab).

    Nothing is dropped silently: actions left out are counted, with a button that sends
    the whole list as a DM; points left out are counted, and come up as these are recorded.
    """
    total = sum(len(a) for a in owed.values())
    point_room = min(len(points) + 2, POINTS_MAX + 2, max(room // 3, 3)) if points else 0
    # The header, one line per agency shown, its actions, then the "more" line and button.
    action_room = room - point_room - 2
    blocks: list[Block] = [HeaderBlock(text="Actions agencies still owe")]
    if not owed:
        blocks.append(_section("No open actions. Record one with `/vcop action add`."))
    shown = 0
    for agency, actions in owed.items():
        fits = min(len(actions), HOME_ACTIONS_MAX - shown, action_room - len(blocks) - 1)
        if fits < 1:
            break
        overdue = sum(a.overdue(today) for a in actions)
        late = f", {overdue} overdue" if overdue else ""
        blocks.append(_section(f"*{escape(agency)}*: {len(actions)} open{late}"))
        blocks.extend(_action_row(action, today) for action in actions[:fits])
        shown += fits
    if total > shown:
        blocks.append(
            _section(
                f"…and {total - shown} more open actions ({total} in all). "
                "`/vcop action list` sends you every one."
            )
        )
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=f"Send me all {total} open actions", action_id=LIST_ALL, value="all"
                    )
                ]
            )
        )
    blocks.extend(
        point_blocks(
            points,
            min(point_room, room - len(blocks)),
            "learning points and observations: they come up here as you record these.",
        )
    )
    return blocks
