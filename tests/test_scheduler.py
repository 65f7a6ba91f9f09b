"""The deadline scheduler on its own: arming jobs, re-arming after a restart, cancelling.

Real services over a real SQLite file, driven by the hand-moved ManualClock of
tests/conftest.py. APScheduler runs paused, so nothing fires on wall-clock time:
a test moves the clock and calls ``run_due()``, the path both the jobs and
start-up take. Meetings change state through ``MeetingStates``, which re-arms
the scheduler as a running bot's does. What the Slack side would send is
recorded by a notifier that implements the ``MeetingNotifier`` protocol (the
Slack one is covered end to end in tests/e2e/test_deadlines.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from apscheduler.job import Job
from apscheduler.triggers.interval import IntervalTrigger

from bot.action_service import ActionService
from bot.actions import Action
from bot.deadline_service import DeadlineService
from bot.meeting_states import Change, Delivery, MeetingChange, MeetingStates
from bot.models import Meeting, ScheduleKind, ScheduleStatus
from bot.panel import PanelServices
from bot.scheduler import DeadlineScheduler

if TYPE_CHECKING:
    from conftest import Panel


@dataclass
class RecordingNotifier:
    """The Slack side of the scheduler, reduced to a record of what it was asked to send."""

    chair: str
    reminders: list[tuple[str, str, list[str]]] = field(default_factory=list)
    closing_notices: list[str] = field(default_factory=list)

    def remind(self, meeting: Meeting, member: str, refs: list[str]) -> None:
        self.reminders.append((meeting.id, member, list(refs)))

    def remind_action(self, action: Action, contact: str) -> None:
        raise AssertionError(f"no action was recorded, yet {contact} was reminded of one")

    def deliveries(self, change: MeetingChange) -> dict[str, Delivery]:
        """A close owes the channel and the chair a notice; other changes owe nothing here."""
        if change.change is not Change.CLOSE:
            return {}
        meeting_id = change.meeting.id

        def notice(target: str) -> Delivery:
            return lambda: self.closing_notices.append(f"{target}: {meeting_id} closed")

        return {"channel": notice("channel"), f"chair:{self.chair}": notice(self.chair)}

    def reminded(self) -> dict[str, list[str]]:
        """Member → the refs their reminder listed (one reminder each at most, checked)."""
        members = [member for _, member, _ in self.reminders]
        assert len(members) == len(set(members)), f"a member was reminded twice: {members}"
        return {member: refs for _, member, refs in self.reminders}


@dataclass
class Wiring:
    """A scheduler over the panel's services, wired as a fresh bot process wires it."""

    panel: Panel
    notifier: RecordingNotifier
    started: list[DeadlineScheduler] = field(default_factory=list)
    states: MeetingStates | None = None

    def scheduler(self, service: PanelServices | None = None) -> DeadlineScheduler:
        """A new, paused scheduler; with ``service``, over a connection of its own.

        Its ``MeetingStates`` (the one route for open, close and extend) becomes
        ``self.states``, and re-arms this scheduler after each change.
        """
        service = service or self.panel.service
        deadlines = DeadlineService(service)
        states = MeetingStates(service, deadlines, self.notifier)
        built = DeadlineScheduler(
            deadlines, self.notifier, states, paused=True, actions=ActionService(service)
        )
        states.rearm_with(built.sync)
        self.states = states
        self.started.append(built)
        return built

    def change(self, decide: Callable[[MeetingStates], MeetingChange]) -> MeetingChange:
        """Decide a change of the meeting's state and announce it, as a listener does."""
        assert self.states is not None, "no scheduler was built yet"
        change = decide(self.states)
        self.states.announce(change)
        return change

    def restarted(self) -> DeadlineScheduler:
        """Stop every scheduler so far, then start one on a new connection, as a restart does."""
        for scheduler in self.started:
            scheduler.shutdown()
        scheduler = self.scheduler(self.panel.new_service())
        scheduler.start()
        return scheduler

    @property
    def deadlines(self) -> DeadlineService:
        return DeadlineService(self.panel.service)

    def statuses(self) -> dict[tuple[ScheduleKind, dt.datetime], ScheduleStatus]:
        return {
            (s.kind, s.due_at): s.status for s in self.panel.repo.schedules(self.panel.MEETING_ID)
        }


@pytest.fixture
def wiring(imported: Panel) -> Iterator[Wiring]:
    wired = Wiring(imported, RecordingNotifier(chair=imported.chair))
    yield wired
    for scheduler in wired.started:
        scheduler.shutdown()


@pytest.fixture
def opened(wiring: Wiring) -> DeadlineScheduler:
    """A started scheduler that has been told the meeting opened."""
    scheduler = wiring.scheduler()
    scheduler.start()
    panel = wiring.panel
    wiring.change(lambda states: states.open(panel.MEETING_ID, panel.secretariat))
    return scheduler


def _jobs(scheduler: DeadlineScheduler) -> dict[str, Job]:
    return {job.id: job for job in scheduler.scheduler.get_jobs()}


def test_opening_arms_one_job_per_pending_schedule_named_by_its_id_and_due_at_its_time(
    wiring: Wiring, opened: DeadlineScheduler
) -> None:
    pending = wiring.deadlines.pending(wiring.panel.MEETING_ID)
    kinds = [s.kind for s in pending]
    assert kinds == [ScheduleKind.REMINDER] * (len(pending) - 1) + [ScheduleKind.CLOSE]
    assert pending[-1].due_at == wiring.panel.DEADLINE
    jobs = _jobs(opened)
    assert set(jobs) == {s.id for s in pending}
    for schedule in pending:
        job = jobs[schedule.id]
        assert job.args == (schedule.id,)  # a job carries the schedule's id, nothing else
        assert job.trigger.run_date == schedule.due_at
        assert job.next_run_time == schedule.due_at
    assert opened.running
    assert wiring.notifier.reminders == [] and wiring.notifier.closing_notices == []


def test_a_restart_re_arms_a_job_for_each_schedule_still_pending(
    wiring: Wiring, opened: DeadlineScheduler
) -> None:
    before = {job_id: job.next_run_time for job_id, job in _jobs(opened).items()}
    restarted = wiring.restarted()
    assert not opened.running and restarted.running
    assert {job_id: job.next_run_time for job_id, job in _jobs(restarted).items()} == before
    assert wiring.notifier.reminders == [] and wiring.notifier.closing_notices == []


def test_a_restart_after_the_deadline_closes_once_and_never_sends_a_reminder_late(
    wiring: Wiring, opened: DeadlineScheduler
) -> None:
    panel = wiring.panel
    opened.shutdown()
    panel.clock.set(panel.DEADLINE + dt.timedelta(hours=3))  # down across every reminder
    restarted = wiring.restarted()
    assert not panel.service.meetings.get_meeting(panel.MEETING_ID).is_open
    statuses = wiring.statuses()
    assert statuses.pop((ScheduleKind.CLOSE, panel.DEADLINE)) is ScheduleStatus.DONE
    assert set(statuses.values()) == {ScheduleStatus.SKIPPED}
    assert wiring.notifier.reminders == []
    assert wiring.notifier.closing_notices == [
        f"channel: {panel.MEETING_ID} closed",
        f"{panel.chair}: {panel.MEETING_ID} closed",
    ]
    assert _jobs(restarted) == {}
    again = wiring.restarted()
    assert again.run_due() == 0
    assert len(wiring.notifier.closing_notices) == 2  # the second start sent nothing


def test_a_restart_in_the_middle_of_a_reminder_tells_only_the_members_not_yet_told(
    wiring: Wiring, opened: DeadlineScheduler
) -> None:
    panel = wiring.panel
    first = wiring.deadlines.pending(panel.MEETING_ID)[0]
    told = panel.members[:2]
    for member in told:  # the first two DMs went out, then the process died
        wiring.deadlines.record_delivery(first.id, member)
    panel.clock.set(first.due_at + dt.timedelta(minutes=5))
    wiring.restarted()
    assert set(wiring.notifier.reminded()) == set(panel.members) - set(told)
    assert wiring.statuses()[(ScheduleKind.REMINDER, first.due_at)] is ScheduleStatus.DONE


def test_a_due_reminder_goes_once_to_each_member_without_a_vote_listing_their_cases(
    wiring: Wiring, opened: DeadlineScheduler
) -> None:
    panel = wiring.panel
    members, refs = panel.members, list(panel.REFS)
    for ref in refs:
        panel.vote(members[0], ref)
    panel.vote(members[1], refs[0])
    first = wiring.deadlines.pending(panel.MEETING_ID)[0]
    panel.clock.set(first.due_at - dt.timedelta(seconds=1))
    assert opened.run_due() == 0  # not yet
    panel.clock.set(first.due_at + dt.timedelta(minutes=1))
    assert opened.run_due() == 1
    reminded = wiring.notifier.reminded()
    assert members[0] not in reminded
    assert reminded[members[1]] == refs[1:]
    assert all(reminded[member] == refs for member in members[2:])
    assert opened.run_due() == 0  # a second run sends nothing twice
    assert len(wiring.notifier.reminders) == len(members) - 1
    assert wiring.statuses()[(ScheduleKind.REMINDER, first.due_at)] is ScheduleStatus.DONE


def test_a_reminder_missed_by_more_than_the_grace_period_is_skipped(
    wiring: Wiring, opened: DeadlineScheduler
) -> None:
    panel = wiring.panel
    first = wiring.deadlines.pending(panel.MEETING_ID)[0]
    grace = panel.settings.voting.reminder_grace
    panel.clock.set(first.due_at + grace + dt.timedelta(minutes=1))
    assert opened.run_due() == 1
    assert wiring.notifier.reminders == []
    assert wiring.statuses()[(ScheduleKind.REMINDER, first.due_at)] is ScheduleStatus.SKIPPED


def test_the_close_job_closes_voting_cancels_reminders_and_disarms_every_job(
    wiring: Wiring, opened: DeadlineScheduler
) -> None:
    panel = wiring.panel
    panel.clock.set(panel.DEADLINE)
    close = wiring.deadlines.pending(panel.MEETING_ID)[-1]
    assert close.kind is ScheduleKind.CLOSE
    opened.run(close.id)  # what APScheduler calls at the deadline
    assert not panel.service.meetings.get_meeting(panel.MEETING_ID).is_open
    statuses = wiring.statuses()
    assert statuses.pop((ScheduleKind.CLOSE, panel.DEADLINE)) is ScheduleStatus.DONE
    assert set(statuses.values()) == {ScheduleStatus.CANCELLED}  # due earlier, never run
    assert len(wiring.notifier.closing_notices) == 2
    assert _jobs(opened) == {}
    opened.run(close.id)  # a duplicate firing finds nothing left to do
    assert len(wiring.notifier.closing_notices) == 2


def test_closing_early_cancels_every_schedule_and_disarms_its_jobs(
    wiring: Wiring, opened: DeadlineScheduler
) -> None:
    panel = wiring.panel
    closed = wiring.change(lambda states: states.close(panel.MEETING_ID, panel.chair))
    assert closed.changed
    assert wiring.deadlines.pending(panel.MEETING_ID) == []
    assert set(wiring.statuses().values()) == {ScheduleStatus.CANCELLED}
    assert _jobs(opened) == {}
    assert len(wiring.notifier.closing_notices) == 2  # the chair's close owes what the job's does
    panel.clock.set(panel.DEADLINE + dt.timedelta(days=1))
    assert opened.run_due() == 0
    assert wiring.restarted().run_due() == 0
    assert wiring.notifier.reminders == [] and len(wiring.notifier.closing_notices) == 2


def test_rescheduling_re_arms_the_jobs_for_the_new_deadline_and_drops_the_old_ones(
    wiring: Wiring, opened: DeadlineScheduler
) -> None:
    panel = wiring.panel
    old = {s.id: s for s in wiring.deadlines.pending(panel.MEETING_ID)}
    later = panel.DEADLINE + dt.timedelta(days=1)
    wiring.change(lambda states: states.extend(panel.MEETING_ID, later, panel.chair))
    pending = wiring.deadlines.pending(panel.MEETING_ID)
    jobs = _jobs(opened)
    assert set(jobs) == {s.id for s in pending}
    assert pending[-1].kind is ScheduleKind.CLOSE and pending[-1].due_at == later
    assert jobs[pending[-1].id].next_run_time == later
    dropped = set(old) - set(jobs)
    assert dropped
    cancelled = {s.id for s in panel.repo.schedules(panel.MEETING_ID, ScheduleStatus.CANCELLED)}
    assert dropped <= cancelled
    panel.clock.set(panel.DEADLINE + dt.timedelta(minutes=1))  # the old deadline passes
    opened.run_due()
    assert panel.service.meetings.get_meeting(panel.MEETING_ID).is_open


def test_housekeeping_jobs_are_kept_apart_and_a_failing_one_is_logged_not_raised(
    wiring: Wiring, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = wiring.scheduler()
    ran: list[str] = []

    def failing() -> None:
        ran.append("failing")
        raise RuntimeError("disk full")

    scheduler.add_housekeeping("nightly", failing, IntervalTrigger(hours=24))
    scheduler.start()
    assert set(scheduler.housekeeping_jobs()) == {"nightly"}
    assert _jobs(scheduler) == {}  # the deadline jobs stay exactly the pending schedules
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        scheduler.run_housekeeping("nightly")
    assert ran == ["failing"]
    assert "nightly failed; it runs again at its next time" in caplog.text
    assert scheduler.running
