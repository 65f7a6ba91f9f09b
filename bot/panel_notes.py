"""The meeting's panel-wide notes, written by the chair or the secretariat for the report."""

from __future__ import annotations

import logging

from bot.access import Access
from bot.clock import Clock
from bot.meetings import MeetingService
from bot.models import Meeting, PanelNotes
from bot.screening import TypedTextScreen
from storage.repo import Repository

logger = logging.getLogger(__name__)


class PanelNotesService:
    """Reading and saving the panel-wide notes, screened before they are stored."""

    def __init__(
        self,
        repo: Repository,
        clock: Clock,
        access: Access,
        typed_text: TypedTextScreen,
        meetings: MeetingService,
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.access = access
        self.typed_text = typed_text
        self.meetings = meetings

    def current(self, user: str, meeting_id: str | None) -> tuple[Meeting, PanelNotes]:
        """The meeting's panel-wide notes as they stand, for the chair or the secretariat."""
        self.access.require_chair_or_secretariat(user, "write the panel-wide notes")
        meeting = self.meetings.meeting_or_latest(meeting_id)
        return meeting, self.repo.panel_notes(meeting.id) or PanelNotes()

    def save(self, user: str, meeting_id: str, notes: PanelNotes) -> PanelNotes:
        """Screen the panel-wide notes for personal data, then store them in one transaction.

        They go into the public report, so anything that looks like personal data
        is refused field by field (``PersonalDataInText``, keyed by PanelNotes field)
        and nothing is stored.
        """
        self.access.require_chair_or_secretariat(user, "write the panel-wide notes")
        fields = {name: getattr(notes, name) for name in PanelNotes.model_fields}
        self.typed_text.screen(user, fields, meeting_id=meeting_id)
        with self.repo.unit_of_work():
            meeting = self.meetings.get_meeting(meeting_id)
            before = self.repo.panel_notes(meeting.id)
            if before == notes:
                return notes
            now = self.clock.now()
            self.repo.save_panel_notes(meeting.id, notes, user, now)
            self.repo.append_audit(
                now,
                user,
                "panel_notes.save",
                meeting.id,
                old=before.model_dump(mode="json") if before else None,
                new=notes.model_dump(mode="json"),
            )
        logger.info("panel-wide notes of %s saved by %s", meeting.id, user)
        return notes
