"""What deadlines and reminders say in Slack (the scheduler's DeadlineNotifier)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from bot.actions import Action
from bot.models import Meeting
from bot.panel import PanelServices
from handlers import action_blocks, blocks
from handlers.publisher import MeetingPublisher


class SlackDeadlineNotifier:
    """Reminder DMs, and at the deadline: closed case messages, a notice, the chair's DM."""

    def __init__(self, service: PanelServices, publisher: MeetingPublisher) -> None:
        self.service = service
        self.publisher = publisher

    def remind(self, meeting: Meeting, member: str, refs: list[str]) -> None:
        cases = [self.service.meetings.get_case(meeting.id, ref) for ref in refs]
        closes = self.service.meetings.local_time(meeting.voting_closes)
        text, message = blocks.reminder_message(meeting, cases, closes)
        self.publisher.dm(member, text, message)

    def remind_action(self, action: Action, contact: str) -> None:
        meeting = self.service.meetings.get_meeting(action.meeting_id)
        text, message = action_blocks.action_reminder_message(action, meeting)
        self.publisher.dm(contact, text, message)

    def closed_by_deadline(self, meeting: Meeting) -> dict[str, Callable[[], None]]:
        notifications: dict[str, Callable[[], None]] = {
            "case-messages": partial(self.publisher.mark_cases_closed, meeting.id),
            "channel-notice": partial(self.publisher.post_closed_notice, meeting.id),
        }
        for chair in self.service.settings.panel.chair:
            notifications[f"chair:{chair}"] = partial(self._dm_chair, meeting, chair)
        return notifications

    def _dm_chair(self, meeting: Meeting, chair: str) -> None:
        text, message = self.publisher.chair_dm_message(meeting.id)
        self.publisher.dm(chair, text, message)
