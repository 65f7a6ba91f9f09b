"""Button clicks: Vote, Read case, the vote modal's fast path, Next case, and Resolve.

Each click opens a modal with its own trigger_id, so refusals are modals
too: only the person who clicked ever sees them. Buttons inside the vote
modal change it in place (``views.update`` with the view's hash) or push a
view on top of it, so the member's choices so far are never lost.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.errors import PanelError
from bot.models import MemberNotes, VoteOption
from bot.voting import MemberBallot
from handlers import blocks, ids
from handlers.payloads import ButtonClick
from handlers.runtime import runtime_of

logger = logging.getLogger(__name__)


def _refuse(client: WebClient, click: ButtonClick, title: str, reason: str) -> None:
    """Tell only the clicker why not: over the modal they are in, or in a new one."""
    view = blocks.notice_modal(title, reason)
    if click.in_modal:
        try:
            client.views_push(trigger_id=click.trigger_id, view=view)
            return
        except SlackApiError as exc:
            # The modal is gone (or the payload only claims one): say it in a new one.
            logger.info("refusal not pushed: %s", exc.response.get("error"))
    client.views_open(trigger_id=click.trigger_id, view=view)


def _vote_view(context: BoltContext, user: str, meeting_id: str, ref: str) -> View:
    """The vote modal for a case, preselected with the member's earlier choices."""
    service = runtime_of(context).service
    service.access.require_member(user)
    meeting = service.meetings.get_meeting(meeting_id)
    case = service.meetings.get_case(meeting.id, ref)
    if not service.meetings.voting_is_open(meeting):
        raise PanelError(
            f"Voting on {meeting.title} has closed, so votes can no longer be changed. "
            "The panel's findings are in the channel and on this app's Home tab."
        )
    ballot = service.voting.member_ballot(meeting.id, ref, user)
    closes = service.meetings.local_time(meeting.voting_closes)
    return blocks.vote_modal(meeting, case, service.settings.rights, ballot, closes)


def open_vote_modal(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    click = ButtonClick.model_validate(body)
    try:
        view = _vote_view(context, click.user_id, *click.case_key())
    except (PanelError, ValueError) as exc:
        _refuse(client, click, "Cannot vote", str(exc))
        return
    client.views_open(trigger_id=click.trigger_id, view=view)


def fill_unanswered(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """``All met`` / ``All not applicable``: preselect that answer on every right not yet chosen.

    The modal is rebuilt from what it shows now (the member's selections, the
    notes typed so far) and updated in place; the view's hash makes Slack
    refuse the update if the modal changed in the meantime, and then the
    member simply presses again.
    """
    ack()
    click = ButtonClick.model_validate(body)
    service = runtime_of(context).service
    view = click.view
    if view is None or not view.id:
        return
    try:
        answer = VoteOption(click.value)
        meta = click.view_metadata()
        meeting = service.meetings.get_meeting(meta.get("m", ""))
        case = service.meetings.get_case(meeting.id, meta.get("r", ""))
        service.access.require_member(click.user_id)
        if not service.meetings.voting_is_open(meeting):
            raise PanelError(f"Voting on {meeting.title} has closed; your vote was not recorded.")
        revision = int(meta.get("v", "0") or 0)
        form = click.vote_form(service.settings.rights.numbers)
        choices = {n: option or answer for n, option in form.choices.items()}
        notes = MemberNotes.model_validate(form.notes)
    except (PanelError, ValueError) as exc:
        _refuse(client, click, "Cannot fill in", str(exc))
        return
    closes = service.meetings.local_time(meeting.voting_closes)
    updated = blocks.vote_modal(
        meeting,
        case,
        service.settings.rights,
        MemberBallot(choices=choices, notes=notes),
        closes,
        revision=revision + 1,
    )
    try:
        client.views_update(view_id=view.id, hash=view.hash or None, view=updated)
    except SlackApiError as exc:
        # hash_conflict: the modal changed under us; the member's next press works.
        logger.info("vote modal not filled: %s", exc.response.get("error"))


def read_case(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The whole case: pushed over the vote modal (Back returns to it), else a new modal."""
    ack()
    click = ButtonClick.model_validate(body)
    service = runtime_of(context).service
    try:
        service.access.require_panel(click.user_id, "read the cases")
        case = service.meetings.get_case(*click.case_key())
    except (PanelError, ValueError) as exc:
        _refuse(client, click, "Cannot show case", str(exc))
        return
    if click.in_modal:
        pushed = blocks.full_case_modal(case, pushed=True)
        client.views_push(trigger_id=click.trigger_id, view=pushed)
    else:
        client.views_open(trigger_id=click.trigger_id, view=blocks.full_case_modal(case))


def next_case(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """``Next case`` on a receipt: the receipt becomes the next case's vote modal."""
    ack()
    click = ButtonClick.model_validate(body)
    view = click.view
    try:
        meeting_id, ref = click.case_key()
        service = runtime_of(context).service
        # Chosen when the receipt was built: skip it if the member has voted on it since.
        if service.voting.has_voted(meeting_id, ref, click.user_id):
            ref = service.voting.next_case_to_vote(meeting_id, click.user_id, ref) or ref
        updated = _vote_view(context, click.user_id, meeting_id, ref)
    except (PanelError, ValueError) as exc:
        _refuse(client, click, "Cannot vote", str(exc))
        return
    if view is not None and view.id:
        try:
            client.views_update(view_id=view.id, hash=view.hash or None, view=updated)
            return
        except SlackApiError as exc:
            logger.info("receipt not turned into the next vote: %s", exc.response.get("error"))
    client.views_open(trigger_id=click.trigger_id, view=updated)


def _origin(click: ButtonClick) -> dict[str, str]:
    """Which surface a Resolve came from, so that surface is refreshed afterwards."""
    if click.in_modal:
        return {"s": "tally"}
    if click.view is not None and click.view.type == "home":
        return {"s": "home"}
    if click.container.channel_id and click.container.message_ts:
        return {"s": "dm", "c": click.container.channel_id, "t": click.container.message_ts}
    return {}


def _open_resolve(
    click: ButtonClick, client: WebClient, context: BoltContext, right: int | None
) -> None:
    service = runtime_of(context).service
    try:
        meeting_id, ref = click.case_key() if right is None else click.right_key()[:2]
        tallies = service.tallying.meeting_tally(meeting_id, chair=click.user_id).cases
        meeting = service.meetings.get_meeting(meeting_id)
        tally = next((t for t in tallies if t.ref == ref), None)
        if tally is None:
            raise PanelError(
                f"No case {ref!r} you can resolve in {meeting.title}. "
                "`/vcop tally` lists the cases you can resolve."
            )
    except (PanelError, ValueError) as exc:
        _refuse(client, click, "Cannot resolve", str(exc))
        return
    view = blocks.resolve_modal(
        meeting, tally, service.settings.rights, right=right, origin=_origin(click)
    )
    if click.in_modal:
        client.views_push(trigger_id=click.trigger_id, view=view)
    else:
        client.views_open(trigger_id=click.trigger_id, view=view)


def open_resolve_modal(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    _open_resolve(ButtonClick.model_validate(body), client, context, None)


def open_resolve_right(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    click = ButtonClick.model_validate(body)
    try:
        right = click.right_key()[2]
    except ValueError as exc:
        _refuse(client, click, "Cannot resolve", str(exc))
        return
    _open_resolve(click, client, context, right)


Listener = Callable[[Ack, dict, WebClient, BoltContext], None]


def _guarded(listener: Listener) -> Listener:
    """Ack a malformed click (wrong types, missing fields) instead of failing with a 500.

    A Slack refusal after the ack (an expired trigger_id, Slack briefly down)
    is logged; the click was acknowledged, and the member can simply click again.
    """

    def run(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
        try:
            listener(ack, body, client, context)
        except (ValidationError, json.JSONDecodeError):
            if ack.response is None:
                ack()
        except SlackApiError as exc:
            logger.warning("Slack refused a modal for a click: %s", exc.response.get("error"))

    run.__name__ = listener.__name__
    return run


def register(app: App) -> None:
    app.action(ids.VOTE_OPEN)(_guarded(open_vote_modal))
    app.action(ids.VOTE_FILL_MET)(_guarded(fill_unanswered))
    app.action(ids.VOTE_FILL_NOT_APPLICABLE)(_guarded(fill_unanswered))
    app.action(ids.VOTE_READ_CASE)(_guarded(read_case))
    app.action(ids.VOTE_NEXT)(_guarded(next_case))
    app.action(ids.CASE_READ)(_guarded(read_case))
    app.action(ids.RESOLVE_OPEN)(_guarded(open_resolve_modal))
    app.action(ids.RESOLVE_RIGHT_OPEN)(_guarded(open_resolve_right))
