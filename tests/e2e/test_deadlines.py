"""Deadlines and reminders through the local Slack workspace, on a manual clock.

The scheduler runs paused (no wall-clock firing); each test moves the clock
and calls ``run_due()``, the same code path APScheduler's jobs and start-up use.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.clock import ManualClock
from bot.config import Settings
from bot.models import ScheduleKind, ScheduleStatus, VoteOption
from handlers import ids
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import Message, SimulatedSlack

from .helpers import close_voting

LONDON = ZoneInfo("Europe/London")
FRIDAY_REMINDER = dt.datetime(2025, 9, 12, 17, 0, tzinfo=LONDON)
MONDAY_REMINDER = dt.datetime(2025, 9, 15, 15, 0, tzinfo=LONDON)
CLOSE = dt.datetime(2025, 9, 15, 17, 0, tzinfo=LONDON)


def _vote_all(
    slack: SimulatedSlack, member: str, meeting_id: str, refs: list[str], local: LocalWorkspace
) -> None:
    service = local.bot.runtime.service
    for ref in refs:
        post = service.messages.post_for(meeting_id, ref)
        assert post is not None
        slack.click_button(member, ids.VOTE_OPEN, message=post)
        modal = slack.open_modal(member)
        assert modal is not None
        values = {ids.right_block(n): VoteOption.MET.value for n in range(1, 13)}
        assert slack.submit_view(member, modal.id, values).status == 200
        slack.workspace.close_all_modals(member)


def _reminders(slack: SimulatedSlack, member: str) -> list[str]:
    return [m.text for m in slack.dms_for(member) if m.text.startswith("Reminder")]


def _vote_buttons(message: Message) -> list[str]:
    return [
        element["value"]
        for block in message.blocks
        for element in [block.get("accessory") or {}, *(block.get("elements") or [])]
        if element.get("action_id") == ids.VOTE_OPEN
    ]


def test_opening_schedules_reminders_and_the_close_as_jobs(
    opened: str, local: LocalWorkspace
) -> None:
    runtime = local.bot.runtime
    pending = runtime.deadlines.pending(opened)
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
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    members = settings.panel.members
    refs = [c.ref for c in local.bot.runtime.service.meetings.cases(opened)]
    _vote_all(slack, members[0], opened, refs, local)  # voted on everything
    _vote_all(slack, members[1], opened, refs[:4], local)  # two cases left
    clock.set(FRIDAY_REMINDER + dt.timedelta(minutes=1))
    assert local.bot.runtime.scheduler.run_due() == 1
    assert _reminders(slack, members[0]) == []
    reminder = [m for m in slack.dms_for(members[1]) if m.text.startswith("Reminder")]
    assert len(reminder) == 1
    assert _vote_buttons(reminder[0]) == [ids.case_key(opened, ref) for ref in refs[4:]]
    # Read case sits beside each Vote, and each button names its case for a screen reader.
    row = next(b for b in reminder[0].blocks if b["type"] == "actions")
    assert [e["text"]["text"] for e in row["elements"]] == ["Vote", "Read case"]
    assert [e["accessibility_label"] for e in row["elements"]] == [
        f"Vote on {refs[4]}",
        f"Read case {refs[4]}",
    ]
    for member in members[2:]:
        assert len(_reminders(slack, member)) == 1
    # The Vote button in the reminder opens the vote modal.
    slack.click_button(
        members[1],
        ids.VOTE_OPEN,
        ids.case_key(opened, refs[4]),
        message=(reminder[0].channel, reminder[0].ts),
    )
    modal = slack.open_modal(members[1])
    assert modal is not None and modal.callback_id == ids.VOTE_SUBMIT


def test_restart_sends_no_duplicate_reminders(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    clock.set(FRIDAY_REMINDER + dt.timedelta(minutes=5))
    local.bot.runtime.scheduler.run_due()
    before = {m: len(_reminders(slack, m)) for m in settings.panel.members}
    assert set(before.values()) == {1}
    local.restart_bot()
    local.bot.runtime.scheduler.run_due()
    assert {m: len(_reminders(slack, m)) for m in settings.panel.members} == before


def test_restart_mid_reminder_sends_only_to_those_not_yet_told(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    runtime = local.bot.runtime
    first = runtime.deadlines.pending(opened)[0]
    # A crash after the first two DMs: their deliveries are recorded, the schedule still pending.
    for member in settings.panel.members[:2]:
        runtime.deadlines.record_delivery(first.id, member)
    clock.set(FRIDAY_REMINDER + dt.timedelta(minutes=5))
    local.restart_bot()
    counts = {m: len(_reminders(slack, m)) for m in settings.panel.members}
    assert counts == {m: (0 if i < 2 else 1) for i, m in enumerate(settings.panel.members)}


def test_down_across_the_deadline_closes_exactly_once_at_restart(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    local.stop_bot()
    clock.set(CLOSE + dt.timedelta(hours=3))  # the bot was down for the reminders and the close
    local.start()  # start-up runs what fell due
    runtime = local.bot.runtime
    assert not runtime.service.meetings.get_meeting(opened).is_open
    statuses = {s.kind: s.status for s in runtime.service.repo.schedules(opened)}
    assert statuses[ScheduleKind.CLOSE] is ScheduleStatus.DONE
    assert statuses[ScheduleKind.REMINDER] is ScheduleStatus.SKIPPED  # stale: never sent late
    assert all(_reminders(slack, m) == [] for m in settings.panel.members)
    chair = settings.panel.chair[0]
    notices = [
        m for m in slack.messages(settings.panel.channel) if m.text.startswith("Voting closed")
    ]
    chair_dms = [m for m in slack.dms_for(chair) if "your tally" in m.text]
    assert len(notices) == 1 and len(chair_dms) == 1
    local.restart_bot()
    runtime = local.bot.runtime
    runtime.scheduler.run_due()
    closes = [e for e in runtime.service.repo.audit_entries(opened) if e.action == "meeting.close"]
    assert len(closes) == 1
    notices = [
        m for m in slack.messages(settings.panel.channel) if m.text.startswith("Voting closed")
    ]
    assert (
        len(notices) == 1 and len([m for m in slack.dms_for(chair) if "your tally" in m.text]) == 1
    )


def test_deadline_close_updates_messages_and_tells_the_chair_who_did_not_vote(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    members = settings.panel.members
    refs = [c.ref for c in local.bot.runtime.service.meetings.cases(opened)]
    _vote_all(slack, members[0], opened, refs, local)
    # A member who opened the vote form before the deadline submits it after the close.
    post = local.bot.runtime.service.messages.post_for(opened, refs[0])
    slack.click_button(members[1], ids.VOTE_OPEN, ids.case_key(opened, refs[0]), message=post)
    late_form = slack.open_modal(members[1])
    assert late_form is not None and late_form.callback_id == ids.VOTE_SUBMIT
    clock.set(CLOSE + dt.timedelta(seconds=1))
    local.bot.runtime.scheduler.run_due()
    for message in slack.messages(settings.panel.channel)[1:7]:
        labels = [
            e["text"]["text"]
            for b in message.blocks
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        assert "Vote" not in labels
        assert "Voting closed" in str(message.blocks)
    dm = next(m for m in slack.dms_for(settings.panel.chair[0]) if "your tally" in m.text)
    text = str(dm.blocks)
    assert f"<@{members[1]}>" in text and f"<@{members[0]}>" not in text
    # Votes after the close are refused: the form answers with an error, nothing is stored.
    values = {ids.right_block(n): VoteOption.MET.value for n in range(1, 13)}
    late = slack.submit_view(members[1], late_form.id, values)
    assert late.status == 200 and late.response_action == "errors", late
    assert "closed" in " ".join(late.errors.values())
    assert local.bot.runtime.service.repo.count_votes(opened) == 12 * len(refs)


def test_no_reminder_after_an_early_close(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    chair = settings.panel.chair[0]
    assert close_voting(slack, chair, opened).status == 200
    runtime = local.bot.runtime
    assert runtime.deadlines.pending(opened) == []
    assert runtime.scheduler.scheduler.get_jobs() == []
    for moment in (FRIDAY_REMINDER, MONDAY_REMINDER, CLOSE):
        clock.set(moment + dt.timedelta(minutes=1))
        runtime.scheduler.run_due()
    assert all(_reminders(slack, m) == [] for m in settings.panel.members)


def test_extend_reschedules_reminders_and_the_close(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    chair = settings.panel.chair[0]
    result = slack.slash_command(chair, f"extend {opened} 2025-09-16 17:00")
    assert result.status == 200
    runtime = local.bot.runtime
    new_close = dt.datetime(2025, 9, 16, 17, 0, tzinfo=LONDON)
    pending = runtime.deadlines.pending(opened)
    assert [(s.kind, s.due_at.astimezone(LONDON)) for s in pending] == [
        (ScheduleKind.REMINDER, FRIDAY_REMINDER),  # 72h before is Saturday: Friday 17:00
        (ScheduleKind.REMINDER, dt.datetime(2025, 9, 15, 17, 0, tzinfo=LONDON)),  # 24h before
        (ScheduleKind.REMINDER, dt.datetime(2025, 9, 16, 15, 0, tzinfo=LONDON)),  # 2h before
        (ScheduleKind.CLOSE, new_close),
    ]
    cancelled = {
        s.due_at
        for s in runtime.service.repo.schedules(opened)
        if s.status is ScheduleStatus.CANCELLED
    }
    assert cancelled == {MONDAY_REMINDER.astimezone(dt.UTC), CLOSE.astimezone(dt.UTC)}
    assert {job.id for job in runtime.scheduler.scheduler.get_jobs()} == {s.id for s in pending}
    assert runtime.service.meetings.get_meeting(opened).voting_closes == new_close.astimezone(
        dt.UTC
    )
    clock.set(CLOSE + dt.timedelta(minutes=1))  # the old deadline passes: voting stays open
    runtime.scheduler.run_due()
    assert runtime.service.meetings.get_meeting(opened).is_open
    # Only the chair may extend.
    refused = slack.slash_command(settings.panel.members[0], f"extend {opened} 2025-09-16 18:00")
    assert "Only the panel chair" in refused.shown_text
