"""App Home: the cases still to vote on, then the voted ones; the chair's sections too.

After voting closes, the most recent closed meeting's results stay here until
a new meeting opens.
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.errors import NotFound
from bot.panel import PanelServices
from handlers import blocks
from handlers.action_blocks import home_action_blocks
from handlers.runtime import runtime_of

logger = logging.getLogger(__name__)
HOME_BLOCKS_MAX = 100  # Slack's limit for a home tab
#: Blocks kept free below the voting part for the chair's and secretariat's actions.
ACTIONS_ROOM = 30


def home_for(
    service: PanelServices, user: str, confirmation: str | None = None, reserve: int = 0
) -> View:
    """The Home tab as ``user`` should see it now, leaving ``reserve`` blocks free."""
    settings = service.settings
    on_panel = user in {*settings.panel.members, *settings.panel.chair, *settings.panel.secretariat}
    meeting = None
    if on_panel:
        try:
            meeting = service.meetings.get_meeting(None)
        except NotFound:
            meeting = service.meetings.latest_closed_meeting()
    cases = service.meetings.cases(meeting.id) if meeting else []
    voted = service.voting.voted_refs(meeting.id, user) if meeting else set()
    chair_tally = (
        service.tallying.meeting_tally(meeting.id, chair=user).cases
        if meeting and settings.is_chair(user)
        else None
    )
    results = (
        service.tallying.meeting_tally(meeting.id).cases
        if meeting and not meeting.is_open
        else None
    )
    closes = service.meetings.local_time(meeting.voting_closes) if meeting else ""
    return blocks.home_view(
        meeting,
        cases,
        voted,
        chair_tally,
        closes,
        can_vote=settings.is_member(user),
        members=len(settings.panel.members),
        consensus=settings.voting.consensus,
        quorum=settings.voting.quorum,
        results=results,
        confirmation=confirmation,
        reserve=reserve,
    )


def refresh_home(
    client: WebClient, context: BoltContext, user: str, confirmation: str | None = None
) -> None:
    runtime = runtime_of(context)
    keeps_actions = runtime.service.access.keeps_the_record(user)
    view = home_for(runtime.service, user, confirmation, ACTIONS_ROOM if keeps_actions else 0)
    if keeps_actions:
        actions = runtime.actions
        extra = home_action_blocks(
            actions.owed_by_agency(),
            actions.today(),
            actions.points_to_act_on(),
            room=HOME_BLOCKS_MAX - len(view.blocks),
        )
        view.blocks = [*view.blocks, *extra]
    client.views_publish(user_id=user, view=view)


def publish_home(event: dict, client: WebClient, context: BoltContext) -> None:
    user = str(event.get("user", ""))
    try:
        refresh_home(client, context, user)
    except SlackApiError as exc:
        # An event Slack retried for a user since removed: nothing to show, nothing to fail.
        logger.warning("App Home not published: %s", exc.response.get("error"))


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
