"""App Home: a member's open cases, voted or not; the chair's tally matrix too."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import NotFound
from handlers import blocks
from handlers.action_blocks import home_action_blocks
from handlers.runtime import runtime_of

logger = logging.getLogger(__name__)
HOME_BLOCKS_MAX = 100  # Slack's limit for a home tab


def publish_home(event: dict, client: WebClient, context: BoltContext) -> None:
    user = str(event.get("user", ""))
    service = runtime_of(context).service
    settings = service.settings
    on_panel = user in {*settings.panel.members, *settings.panel.chair, *settings.panel.secretariat}
    try:
        meeting = service.get_meeting(None) if on_panel else None
    except NotFound:
        meeting = None
    cases = service.cases(meeting.id) if meeting else []
    voted = service.voted_refs(meeting.id, user) if meeting else set()
    chair_tally = (
        service.chair_tally(user, meeting.id)[1] if meeting and settings.is_chair(user) else None
    )
    closes = service.local_time(meeting.voting_closes) if meeting else ""
    view = blocks.home_view(
        meeting,
        cases,
        voted,
        chair_tally,
        closes,
        can_vote=settings.is_member(user),
        members=len(settings.panel.members),
    )
    if settings.is_chair(user) or settings.is_secretariat(user):
        actions = runtime_of(context).actions
        extra = home_action_blocks(
            actions.owed_by_agency(), actions.today(), actions.learning_to_act_on()
        )
        view.blocks = [*view.blocks, *extra][:HOME_BLOCKS_MAX]
    try:
        client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        # An event Slack retried for a user since removed: nothing to show, nothing to fail.
        logger.warning("App Home not published: %s", exc.response.get("error"))


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
