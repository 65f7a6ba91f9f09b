"""What the bot tells people in Slack when a meeting changes state, and its reminders.

The one implementation of ``bot.meeting_states.MeetingNotifier``: every trigger of
a change (slash command, App Home button, the deadline job) gets its messages here,
so a close by the chair and a close at the deadline send the same ones.
"""

from __future__ import annotations

from functools import partial

from bot.actions import Action
from bot.meeting_states import CASE_PREFIX, Announced, Change, Delivery, MeetingChange
from bot.models import Meeting
from bot.panel import PanelServices
from handlers import action_blocks, blocks
from handlers.progress import ProgressUpdater
from handlers.publisher import HEADER_REF, MeetingPublisher


class SlackNotifier:
    """Case messages and notices in the panel channel, and DMs to the chair and members."""

    def __init__(
        self, service: PanelServices, publisher: MeetingPublisher, progress: ProgressUpdater
    ) -> None:
        self.service = service
        self.publisher = publisher
        self.progress = progress

    def deliveries(self, change: MeetingChange) -> dict[str, Delivery]:
        meeting = change.meeting
        if change.change is Change.OPEN:
            owed: dict[str, Delivery] = {"header": partial(self.publisher.post_header, meeting)}
            for case in self.service.meetings.cases(meeting.id):
                owed[CASE_PREFIX + case.ref] = partial(self.publisher.post_case, meeting, case.ref)
            return owed
        if change.change is Change.CLOSE:
            owed = {
                "case-messages": partial(self.publisher.mark_cases_closed, meeting.id),
                "channel-notice": partial(self.publisher.post_closed_notice, meeting.id),
            }
            for chair in self.service.settings.panel.chair:
                owed[f"chair:{chair}"] = partial(self._dm_chair, meeting, chair)
            return owed
        if change.change is Change.EXTEND:
            return {"case-messages": partial(self._show_deadline, meeting)}
        if change.change is Change.RELIST and change.case is not None:
            if self.service.messages.post_for(meeting.id, HEADER_REF) is None:
                return {}  # not opened in Slack yet: opening it posts the case with the rest
            ref = change.case.ref
            return {CASE_PREFIX + ref: partial(self.publisher.post_case, meeting, ref)}
        return {}  # a purge changes nothing shown in Slack

    def remind(self, meeting: Meeting, member: str, refs: list[str]) -> None:
        cases = [self.service.meetings.get_case(meeting.id, ref) for ref in refs]
        closes = self.service.meetings.local_time(meeting.voting_closes)
        text, message = blocks.reminder_message(meeting, cases, closes)
        self.publisher.dm(member, text, message)

    def remind_action(self, action: Action, contact: str) -> None:
        meeting = self.service.meetings.get_meeting(action.meeting_id)
        text, message = action_blocks.action_reminder_message(action, meeting)
        self.publisher.dm(contact, text, message)

    def _dm_chair(self, meeting: Meeting, chair: str) -> None:
        text, message = self.publisher.chair_dm_message(meeting.id)
        self.publisher.dm(chair, text, message)

    def _show_deadline(self, meeting: Meeting) -> None:
        """Each case message shows the deadline; the progress updater redraws them, batched."""
        for case in self.service.meetings.cases(meeting.id):
            self.progress.mark(meeting.id, case.ref)


def posted_text(announced: Announced, channel: str) -> str:
    """The reply to opening a meeting: "posted 6 cases to #panel; 2 were already there."."""
    already = announced.cases_already()
    tail = f"; {already} were already there" if already else ""
    return f"posted {announced.cases_sent()} cases to <#{channel}>{tail}."
