"""What the report, the annex and the compliance CSV say about meetings."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from bot.actions import ActionStatus
from bot.clock import Clock
from bot.config import Settings
from bot.errors import PanelError
from bot.meetings import MeetingService
from bot.models import Meeting
from bot.summary import CSV_HEADER, DraftSummary, EarlierAction, build_summary, csv_rows
from bot.tallying import TallyService
from storage.repo import Repository


class ReportService:
    """The draft summary of a meeting and the CSV return of many."""

    def __init__(
        self,
        settings: Settings,
        repo: Repository,
        clock: Clock,
        meetings: MeetingService,
        tallying: TallyService,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.clock = clock
        self.meetings = meetings
        self.tallying = tallying

    def draft_summary(self, meeting_id: str | None) -> DraftSummary:
        """Everything the public report, the annex and the CSV say about a meeting.

        It says whether voting is still open, so a report pulled early warns
        its readers that the findings may change; its date is in panel time.
        """
        meeting = self.meetings.get_meeting(meeting_id)
        return build_summary(
            meeting,
            self.repo.list_cases(meeting.id),
            self.tallying.meeting_tally(meeting.id),
            self.repo.notes_for_meeting(meeting.id),
            self.settings.rights,
            self.settings.panel.name,
            self.clock.now().astimezone(self.settings.voting.zone),
            voting_open=self.meetings.voting_is_open(meeting),
            panel_notes=self.repo.panel_notes(meeting.id),
            report=self.settings.report,
            earlier_actions=self.earlier_actions(meeting),
        )

    def earlier_actions(self, meeting: Meeting) -> tuple[EarlierAction, ...]:
        """Open actions from meetings dated before ``meeting``, soonest due first."""
        dates = {m.id: m.date for m in self.repo.list_meetings()}
        today = self.clock.now().astimezone(self.settings.voting.zone).date()
        return tuple(
            EarlierAction(
                agency=a.agency,
                description=a.description,
                due=a.due,
                meeting_date=dates[a.meeting_id],
                overdue=a.overdue(today),
            )
            for a in self.repo.actions(status=ActionStatus.OPEN)
            if dates.get(a.meeting_id, meeting.date) < meeting.date
        )

    def export_csv(self, out: TextIO, meeting_ids: Iterable[str] | None = None) -> int:
        """The compliance return of many meetings as one CSV; returns the rows written.

        Default: every meeting, oldest first. Each meeting's rows are exactly
        those of its ``vcop summary --format csv`` (one header for the file),
        written as soon as that meeting is tallied, so a national history of
        hundreds of meetings streams in flat memory.
        """
        if meeting_ids is None:
            meeting_ids = [m.id for m in reversed(self.repo.list_meetings())]
        rights = self.settings.rights
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        written = 0
        for meeting_id in meeting_ids:
            meeting = self.meetings.get_meeting(meeting_id)
            if meeting.code_edition != rights.code_edition:
                raise PanelError(
                    f"meeting {meeting.id!r} was judged against the {meeting.code_edition} "
                    f"Code but app.yaml has the {rights.code_edition} Code's rights"
                )
            rows = list(csv_rows(meeting.id, self.tallying.meeting_tally(meeting.id).cases, rights))
            writer.writerows(rows)
            written += len(rows)
        return written
