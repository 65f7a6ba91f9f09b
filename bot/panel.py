"""The panel's services, built once over one database and one app.yaml.

Each service has one job (who may do what, meetings, voting, tallying, the
chair's resolutions, panel-wide notes, reports, where each channel
message lives); this only builds them in the
order they depend on each other and hands each caller the one it needs. It
holds no use case of its own.
"""

from __future__ import annotations

from bot.access import Access
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.meetings import MeetingService
from bot.message_records import MessageRecords
from bot.panel_notes import PanelNotesService
from bot.reporting import ReportService
from bot.resolutions import ResolutionService
from bot.screening import TypedTextScreen
from bot.tallying import TallyService
from bot.voting import VotingService
from storage.repo import Repository


class PanelServices:
    """Every use case the CLI, the Slack handlers and the scheduler ask of the panel."""

    def __init__(self, settings: Settings, repo: Repository, clock: Clock | None = None) -> None:
        self.settings = settings
        self.repo = repo
        self.clock: Clock = clock or SystemClock()
        self.access = Access(settings, repo)
        self.typed_text = TypedTextScreen(settings, repo, self.clock)
        self.meetings = MeetingService(settings, repo, self.clock, self.access)
        self.voting = VotingService(
            settings, repo, self.clock, self.access, self.typed_text, self.meetings
        )
        self.tallying = TallyService(settings, repo, self.access, self.meetings)
        self.resolutions = ResolutionService(
            settings, repo, self.clock, self.access, self.typed_text, self.meetings
        )
        self.panel_notes = PanelNotesService(
            repo, self.clock, self.access, self.typed_text, self.meetings
        )
        self.reports = ReportService(settings, repo, self.clock, self.meetings, self.tallying)
        self.messages = MessageRecords(repo)

    def close(self) -> None:
        """Release the database connections; the services are not used afterwards."""
        self.repo.close()
