"""Slack listeners for actions: `/vcop action add`, the two modals, and their buttons.

Each parses the payload, calls the ActionService, renders with handlers/action_blocks.py
and replies; refusals of a click are modals only the clicker sees, problems with a
form are shown on the field to fix.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.action_service import ActionProblem
from bot.actions import ActionStatus, NewAction
from bot.errors import PanelError
from bot.feedback import mentions
from bot.typed_text import PersonalDataInText
from handlers import action_blocks as ab
from handlers import blocks
from handlers.payloads import ButtonClick, SlashCommand, ViewSubmission
from handlers.runtime import SlackRuntime, runtime_of

logger = logging.getLogger(__name__)

#: A learning point turned into an action is due this long after today unless changed.
DEFAULT_DUE_AFTER = dt.timedelta(weeks=8)
_FIELD_BLOCKS = {
    "meeting_id": ab.MEETING_BLOCK,
    "agency": ab.AGENCY_BLOCK,
    "description": ab.DESCRIPTION_BLOCK,
    "due": ab.DUE_BLOCK,
    "case_ref": ab.CASE_BLOCK,
    "right": ab.RIGHT_BLOCK,
}


def _add_modal(
    rt: SlackRuntime,
    *,
    meeting_id: str | None = None,
    description: str = "",
    case_ref: str = "",
    agency: str | None = None,
    due: dt.date | None = None,
) -> View:
    settings = rt.service.settings
    return ab.add_action_modal(
        rt.service.list_meetings(),
        settings.agency_names,
        settings.rights,
        meeting_id=meeting_id,
        description=description,
        case_ref=case_ref,
        agency=agency,
        due=due,
    )


def open_add_from_command(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    """`/vcop action add`: the chair or secretariat gets the form."""
    if request.arguments[:1] != ["add"]:
        raise PanelError("Usage: /vcop action add (opens a form to record an action)")
    rt.actions.require_can_record(request.user_id)
    if not rt.service.list_meetings():
        raise PanelError("There is no meeting yet to record an action against.")
    ack()
    client.views_open(trigger_id=request.trigger_id, view=_add_modal(rt))


def open_add_from_learning(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """A learning point's "Make an action": the form, filled in from the learning point."""
    ack()
    click = ButtonClick.model_validate(body)
    rt = runtime_of(context)
    try:
        rt.actions.require_can_record(click.user_id)
        data = json.loads(click.value)
        meeting_id, ref, text = str(data["m"]), str(data["c"]), str(data["t"])
    except PanelError as exc:
        client.views_open(
            trigger_id=click.trigger_id, view=blocks.notice_modal("Cannot record", str(exc))
        )
        return
    except (ValueError, KeyError, TypeError):
        client.views_open(
            trigger_id=click.trigger_id,
            view=blocks.notice_modal("Cannot record", "This button's data is unreadable."),
        )
        return
    named = [a for a in rt.service.settings.agency_names if mentions(text, a)]
    view = _add_modal(
        rt,
        meeting_id=meeting_id,
        description=text,
        case_ref=ref,
        agency=named[0] if len(named) == 1 else None,
        due=rt.actions.today() + DEFAULT_DUE_AFTER,
    )
    client.views_open(trigger_id=click.trigger_id, view=view)


def _errors(ack: Ack, errors: dict[str, str]) -> None:
    ack(response_action="errors", errors={k: v[:150] for k, v in errors.items()})


def submit_add(ack: Ack, body: dict, context: BoltContext) -> None:
    submission = ViewSubmission.model_validate(body)
    rt = runtime_of(context)
    right = submission.selected(ab.RIGHT_BLOCK)
    raw = {
        "meeting_id": submission.selected(ab.MEETING_BLOCK) or "",
        "agency": submission.selected(ab.AGENCY_BLOCK) or "",
        "description": submission.text(ab.DESCRIPTION_BLOCK),
        "due": submission.element(ab.DUE_BLOCK).get("selected_date") or "",
        "case_ref": submission.text(ab.CASE_BLOCK).strip() or None,
        "right": int(right) if right and right.isdigit() else None,
    }
    try:
        new = NewAction.model_validate(raw)
        action = rt.actions.add(submission.user_id, new)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            field = str(error["loc"][0]) if error["loc"] else "description"
            problems.setdefault(_FIELD_BLOCKS.get(field, ab.DESCRIPTION_BLOCK), str(error["msg"]))
        _errors(ack, problems)
        return
    except PersonalDataInText as exc:
        _errors(ack, {ab.DESCRIPTION_BLOCK: exc.problems["description"]})
        return
    except ActionProblem as exc:
        _errors(ack, {_FIELD_BLOCKS[exc.field]: str(exc)})
        return
    except PanelError as exc:
        _errors(ack, {ab.MEETING_BLOCK: str(exc)})
        return
    ack()
    rt.scheduler.sync()
    contact = rt.service.settings.agency_contact(action.agency)
    rt.publisher.dm(submission.user_id, ab.action_recorded_text(action, contact))


def open_update(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """ "Post an update" (the reminder) or "Update" (App Home): the update form."""
    ack()
    click = ButtonClick.model_validate(body)
    rt = runtime_of(context)
    try:
        action = rt.actions.get(int(click.value))
        rt.actions.require_can_update(click.user_id, action)
    except (PanelError, ValueError) as exc:
        client.views_open(
            trigger_id=click.trigger_id, view=blocks.notice_modal("Cannot update", str(exc))
        )
        return
    view = ab.update_modal(action, rt.actions.history(action.id), rt.actions.today())
    client.views_open(trigger_id=click.trigger_id, view=view)


def submit_update(ack: Ack, body: dict, context: BoltContext) -> None:
    submission = ViewSubmission.model_validate(body)
    rt = runtime_of(context)
    try:
        action_id = int(submission.metadata()["a"])
        status_value = submission.selected(ab.STATUS_BLOCK)
        status = ActionStatus(status_value) if status_value else None
        rt.actions.update(
            submission.user_id, action_id, submission.text(ab.UPDATE_TEXT_BLOCK), status
        )
    except PersonalDataInText as exc:
        _errors(ack, {ab.UPDATE_TEXT_BLOCK: exc.problems["update"]})
        return
    except (PanelError, ValueError, KeyError) as exc:
        _errors(ack, {ab.UPDATE_TEXT_BLOCK: str(exc)})
        return
    ack()
    rt.scheduler.sync()


def register(app: App) -> None:
    app.action(ab.OPEN_UPDATE)(open_update)
    app.action(ab.FROM_LEARNING)(open_add_from_learning)
    app.view(ab.ADD_CALLBACK)(submit_add)
    app.view(ab.UPDATE_CALLBACK)(submit_update)
