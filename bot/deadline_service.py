"""Use cases around time: planning reminders and the close, extending, re-listing.

Schedules are rows in the project's own tables; APScheduler only wakes us up
(bot/scheduler.py). That is what makes a restart safe: the rows say what is
still due, and the deliveries table says who has already been told.
"""

from __future__ import annotations

import datetime as dt
import logging

from pydantic import BaseModel, ConfigDict

from bot.deadlines import reminder_times
from bot.errors import Conflict, NotFound, PanelError, VotingClosed
from bot.models import Case, CaseTally, Category, Meeting, Schedule, ScheduleKind, ScheduleStatus
from bot.panel import PanelServices

logger = logging.getLogger(__name__)


class DueWork(BaseModel):
    """What a due schedule asks for, decided before any message is sent."""

    model_config = ConfigDict(frozen=True)

    schedule: Schedule
    meeting: Meeting
    action: str  # "close", "remind", "remind-action", "skip-stale", "skip-closed"


def schedule_id(meeting_id: str, kind: ScheduleKind, due: dt.datetime) -> str:
    return f"{meeting_id}/{kind.value}@{due.astimezone(dt.UTC):%Y%m%dT%H%MZ}"


class DeadlineService:
    """Plans and tracks each meeting's reminders and close."""

    def __init__(self, panel: PanelServices) -> None:
        self.panel = panel
        self.repo = panel.repo
        self.settings = panel.settings

    def plan(self, meeting_id: str) -> list[Schedule]:
        """(Re)plan a meeting's schedules from its deadline; stale pending ones are cancelled."""
        voting = self.settings.voting
        with self.repo.unit_of_work():
            meeting = self.panel.meetings.get_meeting(meeting_id)
            if not meeting.is_open:
                return []
            wanted = [
                Schedule(
                    id=schedule_id(meeting.id, ScheduleKind.REMINDER, due),
                    meeting_id=meeting.id,
                    kind=ScheduleKind.REMINDER,
                    due_at=due,
                )
                for due in reminder_times(
                    meeting.voting_closes, voting.reminders, voting.working_hours, voting.zone
                )
            ]
            wanted.append(
                Schedule(
                    id=schedule_id(meeting.id, ScheduleKind.CLOSE, meeting.voting_closes),
                    meeting_id=meeting.id,
                    kind=ScheduleKind.CLOSE,
                    due_at=meeting.voting_closes,
                )
            )
            existing = {s.id: s for s in self.repo.schedules(meeting.id)}
            now = self.panel.clock.now()
            for old in existing.values():
                if (
                    old.status is ScheduleStatus.PENDING
                    and old.kind is not ScheduleKind.ACTION_REMINDER
                    and old.id not in {w.id for w in wanted}
                ):
                    self.repo.set_schedule_status(old.id, ScheduleStatus.CANCELLED, now)
            for schedule in wanted:
                if schedule.id not in existing:
                    self.repo.save_schedule(schedule)
        return self.pending(meeting_id)

    def pending(self, meeting_id: str | None = None) -> list[Schedule]:
        return self.repo.schedules(meeting_id, ScheduleStatus.PENDING)

    def cancel(self, meeting_id: str, kind: ScheduleKind | None = None) -> list[str]:
        """Cancel a meeting's pending schedules (of one kind, or all of voting's); returns ids.

        Reminders of actions outlive the meeting's voting, so only their own kind cancels them.
        """
        with self.repo.unit_of_work():
            pending = [
                s
                for s in self.repo.schedules(meeting_id, ScheduleStatus.PENDING)
                if s.kind is kind or (kind is None and s.kind is not ScheduleKind.ACTION_REMINDER)
            ]
            now = self.panel.clock.now()
            for schedule in pending:
                self.repo.set_schedule_status(schedule.id, ScheduleStatus.CANCELLED, now)
        return [s.id for s in pending]

    def triage(self, schedule_id_: str) -> DueWork | None:
        """Decide what a due schedule should do now; None when it is not pending or not due."""
        schedule = self.repo.get_schedule(schedule_id_)
        now = self.panel.clock.now()
        if schedule is None or schedule.status is not ScheduleStatus.PENDING:
            return None
        if schedule.due_at > now:
            return None
        meeting = self.panel.meetings.get_meeting(schedule.meeting_id)
        if schedule.kind is ScheduleKind.ACTION_REMINDER:
            return DueWork(schedule=schedule, meeting=meeting, action="remind-action")
        if schedule.kind is ScheduleKind.CLOSE:
            return DueWork(schedule=schedule, meeting=meeting, action="close")
        if not self.panel.meetings.voting_is_open(meeting):
            return DueWork(schedule=schedule, meeting=meeting, action="skip-closed")
        if now - schedule.due_at > self.settings.voting.reminder_grace:
            return DueWork(schedule=schedule, meeting=meeting, action="skip-stale")
        return DueWork(schedule=schedule, meeting=meeting, action="remind")

    def finish(self, schedule_id_: str, status: ScheduleStatus) -> None:
        with self.repo.unit_of_work():
            self.repo.set_schedule_status(schedule_id_, status, self.panel.clock.now())

    def delivered(self, schedule_id_: str) -> set[str]:
        return self.repo.delivered(schedule_id_)

    def record_delivery(self, schedule_id_: str, target: str) -> None:
        with self.repo.unit_of_work():
            self.repo.record_delivery(schedule_id_, target, self.panel.clock.now())

    def extend(self, meeting_id: str | None, closes: dt.datetime, actor: str) -> Meeting:
        """Move the voting deadline; re-arming the reminders and the close is the caller's
        (``MeetingStates``), as for every change of a meeting's state."""
        self.panel.access.require_chair(actor, "extend the voting deadline")
        now = self.panel.clock.now()
        zone = self.settings.voting.zone
        with self.repo.unit_of_work():
            meeting = self.panel.meetings.get_meeting(meeting_id)
            if not meeting.is_open:
                raise VotingClosed(
                    f"Voting on {meeting.id} ({meeting.title}) has already closed; the deadline "
                    "of a closed meeting cannot be moved."
                )
            if closes <= now:
                raise PanelError("The new deadline must be in the future.")
            if closes.astimezone(zone).date() > meeting.date:
                raise PanelError(
                    f"The new deadline is after the meeting itself ({meeting.date:%d %B %Y})."
                )
            self.repo.set_voting_closes(meeting.id, closes)
            self.repo.append_audit(
                now,
                actor,
                "meeting.extend",
                meeting.id,
                old=meeting.voting_closes.isoformat(),
                new=closes.isoformat(),
            )
        return self.panel.meetings.get_meeting(meeting.id)

    def relist(self, ref: str, target_id: str, actor: str) -> Case:
        """Carry an undecided case into a later meeting; its history stays with the old one."""
        self.panel.access.require_chair_or_secretariat(actor, "re-list a case")
        with self.repo.unit_of_work():
            target = self.panel.meetings.get_meeting(target_id)
            if not target.is_open:
                raise VotingClosed(f"{target.title} is closed; re-list into an open meeting.")
            if self.repo.get_case(target.id, ref) is not None:
                raise Conflict(f"{target.id} already has a case {ref!r}.")
            source, tally = self._undecided_source(ref, target)
            case = self.panel.meetings.get_case(source.id, ref)
            relisted = case.model_copy(
                update={
                    "meeting_id": target.id,
                    "position": self.repo.count_cases(target.id) + 1,
                    "relisted_from": source.id,
                }
            )
            self.repo.save_cases([relisted])
            self.repo.append_audit(
                self.panel.clock.now(),
                actor,
                "case.relist",
                target.id,
                ref,
                old={"meeting": source.id, "category": tally.category.value},
                new={"meeting": target.id},
            )
        return relisted

    def _undecided_source(self, ref: str, target: Meeting) -> tuple[Meeting, CaseTally]:
        for meeting in self.repo.list_meetings():
            if meeting.id == target.id or self.repo.get_case(meeting.id, ref) is None:
                continue
            tally = next(
                c for c in self.panel.tallying.meeting_tally(meeting.id).cases if c.ref == ref
            )
            if tally.category is Category.NO_DECISION:
                if meeting.is_open:
                    raise PanelError(f"{ref} is still being voted on in {meeting.id}.")
                if meeting.purged_at is not None:
                    raise PanelError(
                        f"{meeting.id} was purged, so {ref}'s narrative is gone; "
                        "import the case again in a meeting file instead."
                    )
                return meeting, tally
        raise NotFound(
            f"No closed meeting has a case {ref!r} where the panel failed to reach a decision."
        )

    def histories(self, meeting_id: str) -> dict[str, CaseTally]:
        """For each re-listed case of a meeting, its earlier meeting's tally (for the chair)."""
        found: dict[str, CaseTally] = {}
        for case in self.panel.meetings.cases(meeting_id):
            if case.relisted_from:
                earlier = self.panel.tallying.meeting_tally(case.relisted_from).cases
                match = next((c for c in earlier if c.ref == case.ref), None)
                if match is not None:
                    found[case.ref] = match
        return found
