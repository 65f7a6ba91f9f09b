"""Waking up for deadlines and reminders with APScheduler 3.

The schedules live in our own tables (bot/deadline_service.py); APScheduler
only holds in-memory jobs rebuilt from them at start-up, each with an explicit
id and ``replace_existing=True``, and each job's only argument is a schedule
id. What a job does when it runs is decided from the tables at that moment:
a close that was missed while the bot was down runs at start-up, once; a
reminder missed by more than the grace period is skipped, never sent late;
a reminder after the close is never sent.

The close at the deadline goes the same route as the chair's close
(``bot.meeting_states.MeetingStates``), and the Slack side (DMs, channel
notices) is behind the ``MeetingNotifier`` protocol, so this module stays free
of Slack.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from bot.access import SYSTEM_ACTOR
from bot.action_service import ActionService, action_id_of
from bot.actions import ActionStatus
from bot.deadline_service import DeadlineService
from bot.meeting_states import MeetingNotifier, MeetingStates
from bot.models import Meeting, Schedule, ScheduleStatus
from bot.voting import members_without_vote

logger = logging.getLogger(__name__)

JOB_DEFAULTS = {
    # Our own triage decides about lateness (grace for reminders, always for the
    # close), so APScheduler must never drop a job as misfired on its own.
    "misfire_grace_time": None,
    "coalesce": True,
    "max_instances": 1,
}


class DeadlineScheduler:
    """Rebuilds and runs the jobs of every pending schedule."""

    def __init__(
        self,
        deadlines: DeadlineService,
        notifier: MeetingNotifier,
        states: MeetingStates,
        *,
        paused: bool = False,
        actions: ActionService | None = None,
    ) -> None:
        self.deadlines = deadlines
        self.actions = actions
        self.notifier = notifier
        self.states = states
        self.paused = paused
        self.scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC")
        self._run_lock = threading.Lock()
        # Recurring jobs of the bot's own run on a scheduler of their own, so the deadline
        # scheduler's jobs stay exactly the pending schedules. Its routine INFO lines
        # ("Added job …") would drown the deadline jobs' ones, so it logs from WARNING up.
        quiet = logging.getLogger("vcop.housekeeping")
        quiet.setLevel(logging.WARNING)
        self.housekeeping = BackgroundScheduler(
            job_defaults=JOB_DEFAULTS, timezone="UTC", logger=quiet
        )
        self._housekeeping: dict[str, Callable[[], None]] = {}

    # Lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        """Run what fell due while we were down, then schedule the rest."""
        self.scheduler.start(paused=self.paused)
        self.housekeeping.start(paused=self.paused)
        self.run_due()
        self.sync()

    def shutdown(self, wait: bool = False) -> None:
        """Stop; with ``wait``, first let a job that is running finish."""
        for scheduler in (self.housekeeping, self.scheduler):
            if scheduler.running:
                scheduler.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running and self.housekeeping.running)

    def add_housekeeping(
        self, job_id: str, func: Callable[[], object], trigger: BaseTrigger
    ) -> None:
        """A recurring job of the bot's own (daily backup, message resync), kept by ``sync``.

        A failure is logged and the job runs again at its next time.
        """

        def guarded() -> None:
            try:
                func()
            except Exception:
                logger.exception("%s failed; it runs again at its next time", job_id)

        self._housekeeping[job_id] = guarded
        self.housekeeping.add_job(
            guarded, trigger=trigger, id=job_id, name=job_id, replace_existing=True
        )

    def run_housekeeping(self, job_id: str) -> None:
        """Run one recurring job now, as its trigger would (tests drive them this way)."""
        self._housekeeping[job_id]()

    def housekeeping_jobs(self) -> dict[str, object]:
        """Each recurring job's id and its next run time (None while paused)."""
        return {job.id: getattr(job, "next_run_time", None) for job in self.housekeeping.get_jobs()}

    def sync(self) -> None:
        """Make the jobs match the pending schedules exactly."""
        pending = {s.id: s for s in self.deadlines.pending()}
        for job in self.scheduler.get_jobs():
            if job.id not in pending:
                job.remove()
        for schedule in pending.values():
            self.scheduler.add_job(
                self.run,
                trigger=DateTrigger(run_date=schedule.due_at),
                args=[schedule.id],
                id=schedule.id,
                name=f"{schedule.kind.value} {schedule.meeting_id}",
                replace_existing=True,
            )

    # Running -------------------------------------------------------------------

    def run_due(self) -> int:
        """Run every pending schedule that is due now (start-up, and tests' clock)."""
        ran = 0
        for schedule in self.deadlines.pending():
            if schedule.due_at <= self.deadlines.panel.clock.now():
                self.run(schedule.id)
                ran += 1
        return ran

    def run(self, schedule_id: str) -> None:
        """One job: triage from the tables, then send what has not been sent yet."""
        with self._run_lock:
            work = self.deadlines.triage(schedule_id)
            if work is None:
                return
            if work.action == "close":
                self._close(work.meeting)
                self.deadlines.finish(schedule_id, ScheduleStatus.DONE)
                self.sync()
            elif work.action == "remind":
                self._remind(work.meeting, schedule_id)
                self.deadlines.finish(schedule_id, ScheduleStatus.DONE)
            elif work.action == "remind-action":
                self._remind_action(work.schedule)
                self.deadlines.finish(schedule_id, ScheduleStatus.DONE)
            else:
                logger.info("skipping %s (%s)", schedule_id, work.action)
                self.deadlines.finish(schedule_id, ScheduleStatus.SKIPPED)

    def _remind(self, meeting: Meeting, schedule_id: str) -> None:
        sent = self.deadlines.delivered(schedule_id)
        pending = members_without_vote(self.deadlines.panel.voting.progress(meeting.id))
        for member, refs in pending.items():
            if member in sent:
                continue
            self.notifier.remind(meeting, member, refs)
            self.deadlines.record_delivery(schedule_id, member)

    def _remind_action(self, schedule: Schedule) -> None:
        """Remind the agency's contact, unless the action is settled or already overdue."""
        action_id = action_id_of(schedule)
        if self.actions is None or action_id is None:
            return
        action = self.actions.repo.get_action(action_id)
        if action is None or action.status is not ActionStatus.OPEN:
            return
        if action.overdue(self.actions.today()):
            logger.info("action %d is overdue; its reminder is not sent late", action.id)
            return
        contact = self.actions.settings.agency_contact(action.agency)
        if contact is None or contact in self.deadlines.delivered(schedule.id):
            return
        self.notifier.remind_action(action, contact)
        self.deadlines.record_delivery(schedule.id, contact)

    def _close(self, meeting: Meeting) -> None:
        """Close as the chair would; after a restart mid-close, send only what is still owed."""
        change = self.states.close(meeting.id, SYSTEM_ACTOR)
        if change.changed:
            logger.info("voting on %s closed at its deadline", meeting.id)
        self.states.announce(change)
