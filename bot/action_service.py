"""Use cases for actions: record, update, list, remind; figures for the trends.

Who may do what: the chair and the secretariat record actions and may update
any; an agency's named contact (app.yaml ``agencies``) may update its own.
What people type is screened for personal data, as every typed text is,
before anything is stored. Each write is one unit of work with its audit entry.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.action_points import ActionPoint, action_points
from bot.actions import Action, ActionStatus, ActionUpdate, NewAction
from bot.deadline_service import schedule_id
from bot.deadlines import previous_working_slot
from bot.errors import NotFound, PanelError
from bot.models import Schedule, ScheduleKind, ScheduleStatus
from bot.panel import PanelServices

logger = logging.getLogger(__name__)

#: What the chair's App Home and the next report call an action still owed.
OWED = (ActionStatus.OPEN,)
REMINDER_TIME = dt.time(10, 0)


def action_schedule_prefix(action_id: int) -> str:
    return f"action-{action_id}/"


def action_id_of(schedule: Schedule) -> int | None:
    """The action a reminder schedule is for (its id starts ``action-N/``)."""
    if schedule.kind is not ScheduleKind.ACTION_REMINDER:
        return None
    head = schedule.id.split("/", 1)[0]
    return int(head.removeprefix("action-")) if head.startswith("action-") else None


class ActionProblem(PanelError):
    """A problem with one field of an action: ``field`` is the NewAction field to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ActionService:
    def __init__(self, panel: PanelServices) -> None:
        self.panel = panel
        self.repo = panel.repo
        self.settings = panel.settings

    # Writes ----------------------------------------------------------------------

    def add(self, actor: str, new: NewAction) -> Action:
        """Record an action and plan its reminder; problems are PanelErrors naming the field."""
        self.panel.access.require_action_recorder(actor)
        meeting = self.panel.meetings.get_meeting(new.meeting_id)
        try:
            agency = self.settings.agency(new.agency)
        except ValueError as exc:
            raise ActionProblem("agency", str(exc)) from exc
        today = self.today()
        if new.due < today:
            raise ActionProblem(
                "due", f"The due date {new.due.isoformat()} has passed; give a date from today on."
            )
        if new.case_ref is not None and self.repo.get_case(meeting.id, new.case_ref) is None:
            raise ActionProblem("case_ref", f"{meeting.id} has no case {new.case_ref!r}.")
        if new.right is not None and new.right not in self.settings.rights.numbers:
            raise ActionProblem("right", f"There is no right {new.right} in app.yaml's Code.")
        self.panel.typed_text.screen(
            actor, {"description": new.description}, meeting_id=meeting.id, case_ref=new.case_ref
        )
        now = self.panel.clock.now()
        with self.repo.unit_of_work():
            action = self.repo.add_action(
                new.model_copy(update={"agency": agency, "meeting_id": meeting.id}), actor, now
            )
            self.repo.append_audit(
                now,
                actor,
                "action.add",
                meeting.id,
                new.case_ref,
                new={"action": action.id, "agency": agency, "due": new.due.isoformat()},
            )
            reminder = self.reminder_for(action)
            if reminder is not None:
                self.repo.save_schedule(reminder)
        logger.info("action %d recorded for %s", action.id, agency)
        return action

    def update(
        self, actor: str, action_id: int, text: str, status: ActionStatus | None = None
    ) -> Action:
        """Add an update to an action's history; a new status closes or reopens it."""
        action = self.get(action_id)
        self.panel.access.require_action_updater(actor, action)
        text = text.strip()
        if not text and status is None:
            raise PanelError("Write what has happened, or choose a new status.")
        if len(text) > 2000:
            raise PanelError("An update can be at most 2,000 characters.")
        self.panel.typed_text.screen(
            actor, {"update": text}, meeting_id=action.meeting_id, case_ref=action.case_ref
        )
        now = self.panel.clock.now()
        new_status = status if status is not None and status is not action.status else None
        with self.repo.unit_of_work():
            self.repo.add_action_update(
                ActionUpdate(
                    action_id=action.id,
                    at=now,
                    actor=actor,
                    text=text or f"Status changed to {new_status}.",
                    status=new_status,
                )
            )
            self.repo.append_audit(
                now,
                actor,
                "action.update",
                action.meeting_id,
                action.case_ref,
                old=action.status.value,
                new={"action": action.id, "status": (new_status or action.status).value},
            )
            if new_status is not None and new_status is not ActionStatus.OPEN:
                for schedule in self.repo.schedules(action.meeting_id, ScheduleStatus.PENDING):
                    if action_id_of(schedule) == action.id:
                        self.repo.set_schedule_status(schedule.id, ScheduleStatus.CANCELLED, now)
        return self.get(action.id)

    # Reads -----------------------------------------------------------------------

    def today(self) -> dt.date:
        return self.panel.clock.now().astimezone(self.settings.voting.zone).date()

    def get(self, action_id: int) -> Action:
        action = self.repo.get_action(action_id)
        if action is None:
            raise NotFound(f"There is no action {action_id}.")
        return action

    def history(self, action_id: int) -> list[ActionUpdate]:
        return self.repo.action_updates(action_id)

    def owed(self, agency: str | None = None) -> list[Action]:
        """Open actions, soonest due first (overdue ones first of all)."""
        return self.repo.actions(status=ActionStatus.OPEN, agency=agency)

    def owed_by_agency(self) -> dict[str, list[Action]]:
        grouped: dict[str, list[Action]] = {}
        for action in self.owed():
            grouped.setdefault(action.agency, []).append(action)
        return grouped

    def from_earlier_meetings(self, meeting_id: str) -> list[Action]:
        """Open actions recorded at meetings dated before this one: the next report lists them."""
        meeting = self.panel.meetings.get_meeting(meeting_id)
        earlier = {m.id for m in self.repo.list_meetings() if m.date < meeting.date}
        return [a for a in self.owed() if a.meeting_id in earlier]

    def for_pack(self, meeting_id: str, agency: str) -> list[Action]:
        """An agency's actions from this meeting, and any it still owes from earlier ones."""
        return [
            a
            for a in self.repo.actions(agency=agency)
            if a.meeting_id == meeting_id or a.status is ActionStatus.OPEN
        ]

    def points_to_act_on(self, meeting_id: str | None = None) -> list[ActionPoint]:
        """A meeting's learning points and observations as the summary gives them, each with
        its suggested right and agency, leaving out those already recorded as an action on
        that case. Without a meeting: the latest closed one (none while nothing has closed).
        """
        if meeting_id is None:
            closed = [m for m in self.repo.list_meetings() if not m.is_open]
            if not closed:
                return []
            meeting_id = closed[0].id
        summary = self.panel.reports.draft_summary(meeting_id)
        recorded = [(a.case_ref, a.description) for a in self.repo.actions(meeting_id=meeting_id)]
        return action_points(summary, self.settings.agency_names, recorded)

    # Reminders -------------------------------------------------------------------

    def reminder_for(self, action: Action) -> Schedule | None:
        """The reminder ``actions.remind_before`` the due date, moved into working hours.

        None when that moment has already passed or the agency has no named contact.
        """
        if self.settings.agency_contact(action.agency) is None:
            return None
        voting = self.settings.voting
        zone = voting.zone
        due_morning = dt.datetime.combine(action.due, REMINDER_TIME, tzinfo=zone)
        planned = due_morning - self.settings.actions.remind_before
        moment = previous_working_slot(planned, voting.working_hours, zone).astimezone(dt.UTC)
        if moment <= self.panel.clock.now():
            return None
        return Schedule(
            id=action_schedule_prefix(action.id)
            + schedule_id(action.meeting_id, ScheduleKind.ACTION_REMINDER, moment),
            meeting_id=action.meeting_id,
            kind=ScheduleKind.ACTION_REMINDER,
            due_at=moment,
        )
