"""The chair's tally modal, assembled in one place for every path that shows it.

`/vcop tally` opens it; a resolution or an action recorded over it redraws it.
Each path must show the same thing, so each asks this module for the view.
"""

from __future__ import annotations

from slack_sdk.models.views import View

from handlers import blocks
from handlers.runtime import SlackRuntime


def chair_tally_view(
    rt: SlackRuntime, user: str, meeting_id: str | None, confirmation: str | None = None
) -> View:
    """The tally of ``meeting_id`` (the open or latest meeting when None) as ``user``, the
    chair, sees it now; once voting has closed, with the summary's points to act on.

    Raises the service's PanelError when ``user`` may not see it or there is no meeting.
    """
    service = rt.service
    settings = service.settings
    tally = service.tallying.meeting_tally(meeting_id, chair=user)
    meeting = service.meetings.get_meeting(tally.meeting)
    points = [] if meeting.is_open else rt.actions.points_to_act_on(meeting.id)
    return blocks.tally_modal(
        meeting,
        tally.cases,
        len(settings.panel.members),
        rt.deadlines.histories(meeting.id),
        consensus=settings.voting.consensus,
        quorum=settings.voting.quorum,
        confirmation=confirmation,
        points=points,
    )
