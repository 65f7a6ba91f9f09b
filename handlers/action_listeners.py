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
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.action_service import ActionProblem
from bot.actions import ActionStatus, NewAction
from bot.errors import PanelError
from bot.typed_text import PersonalDataInText
from handlers import action_blocks as ab
from handlers import blocks
from handlers.chair_tally import chair_tally_view
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
    right: int | None = None,
    origin: dict[str, str] | None = None,
) -> View:
    settings = rt.service.settings
    return ab.add_action_modal(
        rt.service.meetings.list_meetings(),
        settings.agency_names,
        settings.rights,
        meeting_id=meeting_id,
        description=description,
        case_ref=case_ref,
        agency=agency,
        due=due,
        right=right,
        origin=origin,
    )


def open_add_from_command(
    rt: SlackRuntime, request: SlashCommand, ack: Ack, respond: Respond, client: WebClient
) -> None:
    """`/vcop action add`: the chair or secretariat gets the form; `/vcop action list`: a DM
    with every open action."""
    if request.arguments[:1] == ["list"]:
        rt.service.access.require_action_recorder(request.user_id)
        ack(text="Sending you every open action in a DM.")
        send_action_list(rt, request.user_id)
        return
    if request.arguments[:1] != ["add"]:
        raise PanelError(
            "Usage: /vcop action add (opens a form to record an action) or /vcop action list "
            "(sends you every open action)"
        )
    rt.service.access.require_action_recorder(request.user_id)
    if not rt.service.meetings.list_meetings():
        raise PanelError("There is no meeting yet to record an action against.")
    ack()
    client.views_open(trigger_id=request.trigger_id, view=_add_modal(rt))


def send_action_list(rt: SlackRuntime, user: str) -> None:
    """Every open action as DMs, in as many parts as Slack needs: none is left out."""
    owed = rt.actions.owed_by_agency()
    total = sum(len(actions) for actions in owed.values())
    if not total:
        rt.publisher.dm(user, "No open actions. Record one with `/vcop action add`.")
        return
    title = f"Open actions: {total}"
    rt.publisher.dm(user, title, ab.action_list_blocks(owed, rt.actions.today()))


def list_all(ack: Ack, body: dict, context: BoltContext) -> None:
    """App Home's "Send me all open actions"."""
    ack()
    click = ButtonClick.model_validate(body)
    rt = runtime_of(context)
    try:
        rt.service.access.require_action_recorder(click.user_id)
    except PanelError as exc:
        rt.publisher.dm(click.user_id, str(exc))
        return
    send_action_list(rt, click.user_id)


def _point(value: str) -> tuple[str, str, str, int | None, str | None]:
    """(meeting, case ref, text, right, agency) from a point's button value."""
    data = json.loads(value)
    right = str(data.get("r") or "")
    return (
        str(data["m"]),
        str(data["c"]),
        str(data["t"]),
        int(right) if right.isdigit() else None,
        str(data.get("a") or "") or None,
    )


def open_add_from_learning(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """A learning point's "Make an action" (App Home or the chair's tally): the form, filled
    in from the point; over the tally it is pushed, so Record returns to the tally."""
    ack()
    click = ButtonClick.model_validate(body)
    rt = runtime_of(context)
    show = client.views_push if click.in_modal else client.views_open
    try:
        rt.service.access.require_action_recorder(click.user_id)
        meeting_id, ref, text, right, agency = _point(click.value)
    except PanelError as exc:
        show(trigger_id=click.trigger_id, view=blocks.notice_modal("Cannot record", str(exc)))
        return
    except (ValueError, KeyError, TypeError, AttributeError):
        show(
            trigger_id=click.trigger_id,
            view=blocks.notice_modal("Cannot record", "This button's data is unreadable."),
        )
        return
    view = _add_modal(
        rt,
        meeting_id=meeting_id,
        description=text,
        case_ref=ref,
        agency=agency,
        due=rt.actions.today() + DEFAULT_DUE_AFTER,
        right=right,
        origin={"s": "tally", "m": meeting_id} if click.in_modal else None,
    )
    show(trigger_id=click.trigger_id, view=view)


def _errors(ack: Ack, errors: dict[str, str]) -> None:
    ack(response_action="errors", errors={k: v[:150] for k, v in errors.items()})


def submit_add(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
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
    origin = submission.metadata()
    root = submission.view.root_view_id
    if origin.get("s") == "tally" and root and root != submission.view.id:
        confirmation = f"Action {action.id} recorded for {action.agency}."
        try:
            view = chair_tally_view(rt, submission.user_id, origin.get("m"), confirmation)
            client.views_update(view_id=root, view=view)
        except (PanelError, SlackApiError) as exc:
            logger.info("the chair's tally not refreshed: %s", exc)


def open_update(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """ "Post an update" (the reminder) or "Update" (App Home): the update form."""
    ack()
    click = ButtonClick.model_validate(body)
    rt = runtime_of(context)
    try:
        action = rt.actions.get(int(click.value))
        rt.service.access.require_action_updater(click.user_id, action)
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
    app.action(ab.LIST_ALL)(list_all)
    app.view(ab.ADD_CALLBACK)(submit_add)
    app.view(ab.UPDATE_CALLBACK)(submit_update)
