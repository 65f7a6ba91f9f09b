"""Use case: the trends of the closed meetings in a date range.

The tallies of a year of a national history are counted by the database in
two grouped queries rather than meeting by meeting, so a Police and Crime
Commissioner's office gets a year's report in seconds.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.actions import ActionStatus
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.errors import PanelError
from bot.models import Meeting, Resolution
from bot.tally import tally_counts
from bot.trends import ActionFigures, MeetingFindings, TrendReport, build_trends
from storage.repo import Repository

logger = logging.getLogger(__name__)


def parse_date(text: str, what: str) -> dt.date:
    """``2025-01-31`` → a date; anything else is a PanelError naming ``what``."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise PanelError(
            f"{what} {text!r} is not a date; give it as YYYY-MM-DD, e.g. 2025-04-01"
        ) from exc


class TrendService:
    """Trends across meetings over one database and one app.yaml."""

    def __init__(self, settings: Settings, repo: Repository, clock: Clock | None = None) -> None:
        self.settings = settings
        self.repo = repo
        self.clock: Clock = clock or SystemClock()

    def check_period(self, start: dt.date, end: dt.date, theme: str | None = None) -> list[Meeting]:
        """The closed meetings in the period; a PanelError when there is nothing to report.

        Cheap (no votes are read), so Slack can be told of a wrong period before the ack.
        """
        if start > end:
            raise PanelError(
                f"the period runs backwards: {start.isoformat()} is after {end.isoformat()}"
            )
        meetings = self.repo.closed_meetings_between(start, end, theme)
        if not meetings:
            about = f" on {theme!r}" if theme else ""
            raise PanelError(
                f"no closed meetings{about} between {start.isoformat()} and {end.isoformat()}; "
                "only meetings whose voting is closed count towards the trends"
            )
        return meetings

    def findings_between(
        self, start: dt.date, end: dt.date, theme: str | None = None
    ) -> list[MeetingFindings]:
        """Each closed meeting in the range with its cases' tallies, oldest first."""
        rights = self.settings.rights
        meetings = self.check_period(start, end, theme)
        other_edition = [m.id for m in meetings if m.code_edition != rights.code_edition]
        if other_edition:
            raise PanelError(
                f"meeting {other_edition[0]!r} was judged against another edition of the Code "
                f"than app.yaml's {rights.code_edition} Code; narrow the period to one edition"
            )
        refs = self.repo.case_refs_between(start, end, theme)
        counts, voters = self.repo.vote_counts_between(start, end, theme, rights.numbers)
        resolutions: dict[tuple[str, str], dict[int, Resolution]] = {}
        for resolution in self.repo.resolutions_between(start, end, theme):
            key = (resolution.meeting_id, resolution.case_ref)
            resolutions.setdefault(key, {})[resolution.right] = resolution
        rules = self.settings.voting.tally_rules
        return [
            MeetingFindings(
                meeting=meeting,
                cases=tuple(
                    tally_counts(
                        ref,
                        rights,
                        counts.get((meeting.id, ref), {}),
                        voters.get((meeting.id, ref), 0),
                        resolutions.get((meeting.id, ref), {}),
                        rules,
                    )
                    for ref in refs.get(meeting.id, [])
                ),
            )
            for meeting in meetings
        ]

    def report(
        self, start: dt.date, end: dt.date, theme: str | None = None
    ) -> tuple[TrendReport, list[MeetingFindings]]:
        """The trends report and the findings it was built from (for the tidy export)."""
        findings = self.findings_between(start, end, theme)
        report = build_trends(
            findings,
            self.settings.rights,
            start=start,
            end=end,
            theme=theme,
            panel=self.settings.panel.name,
            generated_at=self.clock.now().astimezone(self.settings.voting.zone),
            actions=self.action_figures(start, end),
            agencies=self.settings.agency_names,
        )
        logger.info("trends %s..%s: %d meetings", start, end, len(findings))
        return report, findings

    def action_figures(self, start: dt.date, end: dt.date) -> ActionFigures:
        """Actions recorded at the period's meetings: opened, done, dropped, overdue today."""
        actions = self.repo.actions_of_meetings_between(start, end)
        today = self.clock.now().astimezone(self.settings.voting.zone).date()
        return ActionFigures(
            opened=len(actions),
            done=sum(a.status is ActionStatus.DONE for a in actions),
            dropped=sum(a.status is ActionStatus.DROPPED for a in actions),
            overdue=sum(a.overdue(today) for a in actions),
        )
