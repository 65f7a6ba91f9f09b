"""Button clicks: Vote, Read full case, and the chair's Resolve.

Each click opens a modal with its own trigger_id, so refusals are modals
too: only the person who clicked ever sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import PanelError
from handlers import blocks, ids
from handlers.payloads import ButtonClick
from handlers.runtime import runtime_of

logger = logging.getLogger(__name__)


def _refuse(client: WebClient, click: ButtonClick, title: str, reason: str) -> None:
    client.views_open(trigger_id=click.trigger_id, view=blocks.notice_modal(title, reason))


def open_vote_modal(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    click = ButtonClick.model_validate(body)
    service = runtime_of(context).service
    try:
        meeting_id, ref = click.case_key()
        service.require_member(click.user_id)
        meeting = service.get_meeting(meeting_id)
        case = service.get_case(meeting.id, ref)
        if not service.voting_is_open(meeting):
            raise PanelError(f"Voting on {meeting.title} has closed.")
        ballot = service.member_ballot(meeting.id, ref, click.user_id)
    except (PanelError, ValueError) as exc:
        _refuse(client, click, "Cannot vote", str(exc))
        return
    closes = service.local_time(meeting.voting_closes)
    view = blocks.vote_modal(meeting, case, service.settings.rights, ballot, closes)
    client.views_open(trigger_id=click.trigger_id, view=view)


def read_full_case(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    click = ButtonClick.model_validate(body)
    service = runtime_of(context).service
    try:
        service.require_panel(click.user_id, "read the cases")
        case = service.get_case(*click.case_key())
    except (PanelError, ValueError) as exc:
        _refuse(client, click, "Cannot show case", str(exc))
        return
    client.views_open(trigger_id=click.trigger_id, view=blocks.full_case_modal(case))


def open_resolve_modal(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    click = ButtonClick.model_validate(body)
    service = runtime_of(context).service
    try:
        meeting_id, ref = click.case_key()
        meeting, tallies = service.chair_tally(click.user_id, meeting_id)
        tally = next((t for t in tallies if t.ref == ref), None)
        if tally is None:
            raise PanelError(f"No case {ref!r} you can resolve in {meeting.title}.")
    except (PanelError, ValueError) as exc:
        _refuse(client, click, "Cannot resolve", str(exc))
        return
    view = blocks.resolve_modal(meeting, tally, service.settings.rights)
    if click.in_modal:
        client.views_push(trigger_id=click.trigger_id, view=view)
    else:
        client.views_open(trigger_id=click.trigger_id, view=view)


Listener = Callable[[Ack, dict, WebClient, BoltContext], None]


def _guarded(listener: Listener) -> Listener:
    """Ack a malformed click (wrong types, missing fields) instead of failing with a 500.

    A Slack refusal after the ack (an expired trigger_id, Slack briefly down)
    is logged; the click was acknowledged, and the member can simply click again.
    """

    def run(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
        try:
            listener(ack, body, client, context)
        except ValidationError:
            if ack.response is None:
                ack()
        except SlackApiError as exc:
            logger.warning("Slack refused a modal for a click: %s", exc.response.get("error"))

    run.__name__ = listener.__name__
    return run


def register(app: App) -> None:
    app.action(ids.VOTE_OPEN)(_guarded(open_vote_modal))
    app.action(ids.CASE_READ)(_guarded(read_full_case))
    app.action(ids.RESOLVE_OPEN)(_guarded(open_resolve_modal))
