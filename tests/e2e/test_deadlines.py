"""Deadlines and reminders through the local Slack workspace, on a manual clock.

The scheduler runs paused (no wall-clock firing); each test moves the clock
and calls ``run_due()``, the same code path APScheduler's jobs and start-up use.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.models import ScheduleKind, ScheduleStatus
from handlers import ids
from handlers.slack_sim import Message

from .helpers import OpenMeeting, ballot, close_voting, open_vote_form

LONDON = ZoneInfo("Europe/London")
FRIDAY_REMINDER = dt.datetime(2025, 9, 12, 17, 0, tzinfo=LONDON)
MONDAY_REMINDER = dt.datetime(2025, 9, 15, 15, 0, tzinfo=LONDON)
CLOSE = dt.datetime(2025, 9, 15, 17, 0, tzinfo=LONDON)


def _vote_buttons(message: Message) -> list[str]:
    return [
        element["value"]
        for block in message.blocks
        for element in [block.get("accessory") or {}, *(block.get("elements") or [])]
        if element.get("action_id") == ids.VOTE_OPEN
    ]


def test_opening_schedules_reminders_and_the_close_as_jobs(meeting: OpenMeeting) -> None:
    runtime = meeting.runtime
    pending = runtime.deadlines.pending(meeting.id)
    assert [(s.kind, s.due_at) for s in pending] == [
        (ScheduleKind.REMINDER, FRIDAY_REMINDER.astimezone(dt.UTC)),
        (ScheduleKind.REMINDER, MONDAY_REMINDER.astimezone(dt.UTC)),
        (ScheduleKind.CLOSE, CLOSE.astimezone(dt.UTC)),
    ]
    jobs = {job.id: job for job in runtime.scheduler.scheduler.get_jobs()}
    assert set(jobs) == {s.id for s in pending}
    assert all(job.args == (job.id,) for job in jobs.values())  # jobs take ids only
    assert jobs[pending[-1].id].next_run_time == CLOSE


def test_reminders_go_only_to_non_voters_and_list_exactly_their_cases(
    meeting: OpenMeeting,
) -> None:
    slack, members, refs = meeting.slack, meeting.members, meeting.refs
    meeting.vote_all(members[0], refs)  # voted on everything
    meeting.vote_all(members[1], refs[:4])  # two cases left
    assert meeting.run_due_at(FRIDAY_REMINDER + dt.timedelta(minutes=1)) == 1
    assert meeting.reminders(members[0]) == []
    reminder = meeting.reminders(members[1])
    assert len(reminder) == 1
    assert _vote_buttons(reminder[0]) == [ids.case_key(meeting.id, ref) for ref in refs[4:]]
    # Read case sits beside each Vote, and each button names its case for a screen reader.
    row = next(b for b in reminder[0].blocks if b["type"] == "actions")
    assert [e["text"]["text"] for e in row["elements"]] == ["Vote", "Read case"]
    assert [e["accessibility_label"] for e in row["elements"]] == [
        f"Vote on {refs[4]}",
        f"Read case {refs[4]}",
    ]
    for member in members[2:]:
        assert len(meeting.reminders(member)) == 1
    # The Vote button in the reminder opens the vote modal.
    slack.click_button(
        members[1],
        ids.VOTE_OPEN,
        ids.case_key(meeting.id, refs[4]),
        message=(reminder[0].channel, reminder[0].ts),
    )
    modal = slack.open_modal(members[1])
    assert modal is not None and modal.callback_id == ids.VOTE_SUBMIT


def test_restart_sends_no_duplicate_reminders(meeting: OpenMeeting) -> None:
    meeting.run_due_at(FRIDAY_REMINDER + dt.timedelta(minutes=5))
    before = {m: len(meeting.reminders(m)) for m in meeting.members}
    assert set(before.values()) == {1}
    meeting.local.restart_bot()
    meeting.runtime.scheduler.run_due()
    assert {m: len(meeting.reminders(m)) for m in meeting.members} == before


def test_restart_mid_reminder_sends_only_to_those_not_yet_told(meeting: OpenMeeting) -> None:
    runtime = meeting.runtime
    first = runtime.deadlines.pending(meeting.id)[0]
    # A crash after the first two DMs: their deliveries are recorded, the schedule still pending.
    for member in meeting.members[:2]:
        runtime.deadlines.record_delivery(first.id, member)
    meeting.clock.set(FRIDAY_REMINDER + dt.timedelta(minutes=5))
    meeting.local.restart_bot()
    counts = {m: len(meeting.reminders(m)) for m in meeting.members}
    assert counts == {m: (0 if i < 2 else 1) for i, m in enumerate(meeting.members)}


def test_down_across_the_deadline_closes_exactly_once_at_restart(meeting: OpenMeeting) -> None:
    local = meeting.local
    local.stop_bot()
    meeting.clock.set(CLOSE + dt.timedelta(hours=3))  # the bot was down for reminders and close
    local.start()  # start-up runs what fell due
    runtime = meeting.runtime
    assert not runtime.service.meetings.get_meeting(meeting.id).is_open
    statuses = {s.kind: s.status for s in runtime.service.repo.schedules(meeting.id)}
    assert statuses[ScheduleKind.CLOSE] is ScheduleStatus.DONE
    assert statuses[ScheduleKind.REMINDER] is ScheduleStatus.SKIPPED  # stale: never sent late
    assert all(meeting.reminders(m) == [] for m in meeting.members)
    notices = meeting.closing_notices()
    chair_dms = meeting.chair_tally_dms()
    assert len(notices) == 1 and len(chair_dms) == 1
    local.restart_bot()
    runtime = meeting.runtime
    runtime.scheduler.run_due()
    closes = [
        e for e in runtime.service.repo.audit_entries(meeting.id) if e.action == "meeting.close"
    ]
    assert len(closes) == 1
    notices = meeting.closing_notices()
    assert len(notices) == 1 and len(meeting.chair_tally_dms()) == 1


def test_deadline_close_updates_messages_and_tells_the_chair_who_did_not_vote(
    meeting: OpenMeeting,
) -> None:
    slack, members, refs = meeting.slack, meeting.members, meeting.refs
    meeting.vote_all(members[0], refs)
    # A member who opened the vote form before the deadline submits it after the close.
    late_form = open_vote_form(slack, members[1], meeting.channel, refs[0])
    meeting.run_due_at(CLOSE + dt.timedelta(seconds=1))
    for message in slack.messages(meeting.channel)[1:7]:
        labels = [
            e["text"]["text"]
            for b in message.blocks
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        assert "Vote" not in labels
        assert "Voting closed" in str(message.blocks)
    dm = meeting.chair_tally_dms()[0]
    text = str(dm.blocks)
    assert f"<@{members[1]}>" in text and f"<@{members[0]}>" not in text
    # Votes after the close are refused: the form answers with an error, nothing is stored.
    late = slack.submit_view(members[1], late_form.id, ballot())
    assert late.status == 200 and late.response_action == "errors", late
    assert "closed" in " ".join(late.errors.values())
    assert meeting.runtime.service.repo.count_votes(meeting.id) == 12 * len(refs)


def test_no_reminder_after_an_early_close(meeting: OpenMeeting) -> None:
    assert close_voting(meeting.slack, meeting.chair, meeting.id).status == 200
    runtime = meeting.runtime
    assert runtime.deadlines.pending(meeting.id) == []
    assert runtime.scheduler.scheduler.get_jobs() == []
    for moment in (FRIDAY_REMINDER, MONDAY_REMINDER, CLOSE):
        meeting.run_due_at(moment + dt.timedelta(minutes=1))
    assert all(meeting.reminders(m) == [] for m in meeting.members)


def test_extend_reschedules_reminders_and_the_close(meeting: OpenMeeting) -> None:
    slack = meeting.slack
    result = slack.slash_command(meeting.chair, f"extend {meeting.id} 2025-09-16 17:00")
    assert result.status == 200
    runtime = meeting.runtime
    new_close = dt.datetime(2025, 9, 16, 17, 0, tzinfo=LONDON)
    pending = runtime.deadlines.pending(meeting.id)
    assert [(s.kind, s.due_at.astimezone(LONDON)) for s in pending] == [
        (ScheduleKind.REMINDER, FRIDAY_REMINDER),  # 72h before is Saturday: Friday 17:00
        (ScheduleKind.REMINDER, dt.datetime(2025, 9, 15, 17, 0, tzinfo=LONDON)),  # 24h before
        (ScheduleKind.REMINDER, dt.datetime(2025, 9, 16, 15, 0, tzinfo=LONDON)),  # 2h before
        (ScheduleKind.CLOSE, new_close),
    ]
    cancelled = {
        s.due_at
        for s in runtime.service.repo.schedules(meeting.id)
        if s.status is ScheduleStatus.CANCELLED
    }
    assert cancelled == {MONDAY_REMINDER.astimezone(dt.UTC), CLOSE.astimezone(dt.UTC)}
    assert {job.id for job in runtime.scheduler.scheduler.get_jobs()} == {s.id for s in pending}
    assert runtime.service.meetings.get_meeting(meeting.id).voting_closes == new_close.astimezone(
        dt.UTC
    )
    meeting.run_due_at(CLOSE + dt.timedelta(minutes=1))  # the old deadline passes: still open
    assert runtime.service.meetings.get_meeting(meeting.id).is_open
    # Only the chair may extend.
    refused = slack.slash_command(meeting.members[0], f"extend {meeting.id} 2025-09-16 18:00")
    assert "Only the panel chair" in refused.shown_text
