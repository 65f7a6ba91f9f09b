"""Each change of a meeting's state goes one route, whoever or whatever triggers it.

The chair's close and the deadline's close, an open by slash command and by the Open
voting button, an extension, a re-listing, a purge in Slack and on the command line:
each is checked over the real Bolt app and the local Slack workspace, by what Slack
shows and by what the deliveries table records as sent for that change.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.access import SYSTEM_ACTOR
from bot.clock import ManualClock
from bot.config import Settings
from bot.meeting_states import Change, MeetingChange
from bot.models import Category, ScheduleKind, ScheduleStatus, VoteOption
from handlers import ids
from handlers.bootstrap import CATCH_UP_JOB
from handlers.local_workspace import LocalWorkspace
from handlers.runtime import SlackRuntime
from handlers.slack_sim import SimulatedSlack

from .helpers import (
    ballot,
    buttons,
    chair_tally_dms,
    close_voting,
    closing_notices,
    run_due_at,
    sample_variant,
    thread_replies,
    vote,
)

LONDON = ZoneInfo("Europe/London")
CLOSE = dt.datetime(2025, 9, 15, 17, 0, tzinfo=LONDON)
DAY = dt.timedelta(days=1)
REFS = [f"SH-{n:02d}" for n in range(1, 7)]
TWIN = "2025-09-twin"
TWIN_REFS = [f"TW-{n:02d}" for n in range(1, 7)]
LATER = "2025-12-stalking"


def _delivered(runtime: SlackRuntime, change: Change, meeting_id: str, **extra: Any) -> set[str]:
    """What the deliveries table says was sent for ``change`` of the meeting as it stands."""
    meeting = runtime.service.meetings.get_meeting(meeting_id)
    key = MeetingChange(change=change, meeting=meeting, actor="", **extra).key
    return runtime.service.repo.delivered(key)


def _meeting_file(
    tmp_path: Path, meeting_id: str, refs: list[str], **header: str
) -> tuple[str, bytes]:
    """The sample meeting under another id and other case refs: a file's name and bytes."""
    path = sample_variant(tmp_path, meeting_id, refs, title=f"Meeting {meeting_id}", **header)
    return path.name, path.read_bytes()


def _open_twin_by_button(
    slack: SimulatedSlack, settings: Settings, tmp_path: Path, **header: str
) -> str:
    """The secretariat sends the twin meeting's file to the app and presses Open voting."""
    secretariat = settings.panel.secretariat[0]
    sent = slack.send_file_to_dm(secretariat, *_meeting_file(tmp_path, TWIN, TWIN_REFS, **header))
    assert sent.status == 200
    [reply] = thread_replies(slack, secretariat, sent.payload["event"]["ts"])
    clicked = slack.click_button(secretariat, ids.OPEN_VOTING, message=(reply.channel, reply.ts))
    assert clicked.status == 200
    return TWIN


def test_open_by_slash_command_and_by_the_open_voting_button_post_and_arm_alike(
    opened: str, local: LocalWorkspace, slack: SimulatedSlack, settings: Settings, tmp_path: Path
) -> None:
    runtime = local.runtime
    twin = _open_twin_by_button(slack, settings, tmp_path)

    assert _delivered(runtime, Change.OPEN, opened) == {"header", *(f"case:{r}" for r in REFS)}
    assert _delivered(runtime, Change.OPEN, twin) == {"header", *(f"case:{r}" for r in TWIN_REFS)}
    pending = {m: runtime.deadlines.pending(m) for m in (opened, twin)}
    assert [(s.kind, s.due_at) for s in pending[opened]] == [
        (s.kind, s.due_at) for s in pending[twin]
    ]
    jobs = {job.id for job in runtime.scheduler.scheduler.get_jobs()}
    assert {s.id for schedules in pending.values() for s in schedules} <= jobs
    opens = {
        m: [e.new for e in runtime.service.repo.audit_entries(m) if e.action == "meeting.open"]
        for m in (opened, twin)
    }
    assert opens == {opened: ['{"posted": 6}'], twin: ['{"posted": 6}']}

    secretariat = settings.panel.secretariat[0]
    assert slack.slash_command(secretariat, f"open {twin}").status == 200
    replies = [e.text for e in slack.ephemerals_for(secretariat)]
    assert any("posted 0 cases" in text and "6 were already there" in text for text in replies)
    assert _delivered(runtime, Change.OPEN, twin) == {"header", *(f"case:{r}" for r in TWIN_REFS)}


def test_a_close_by_the_chair_records_the_same_deliveries_as_a_close_at_the_deadline(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    runtime = local.runtime
    twin = _open_twin_by_button(slack, settings, tmp_path)
    chair = settings.panel.chair[0]

    assert close_voting(slack, chair, opened).status == 200  # the chair, early
    assert run_due_at(local, clock, CLOSE + dt.timedelta(minutes=1)) >= 1  # the twin's deadline

    owed = {"case-messages", "channel-notice", f"chair:{chair}"}
    assert _delivered(runtime, Change.CLOSE, opened) == owed
    assert _delivered(runtime, Change.CLOSE, twin) == owed
    assert len(closing_notices(slack, settings.panel.channel)) == 2
    assert len(chair_tally_dms(slack, settings.panel.chair[0])) == 2
    shown = [
        b.get("action_id")
        for m in slack.messages(settings.panel.channel)
        for b in buttons(m.blocks)
    ]
    assert ids.VOTE_OPEN not in shown  # every case message of both meetings shows it closed
    for meeting in (opened, twin):
        statuses = {s.kind: s.status for s in runtime.service.repo.schedules(meeting)}
        assert ScheduleStatus.PENDING not in statuses.values()


def test_the_same_close_triggered_again_sends_nothing_twice(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    runtime = local.runtime
    assert close_voting(slack, settings.panel.chair[0], opened).status == 200
    notices, dms = (
        len(closing_notices(slack, settings.panel.channel)),
        len(chair_tally_dms(slack, settings.panel.chair[0])),
    )

    # As the deadline job would if it ran just after the chair's close.
    again = runtime.states.announce(runtime.states.close(opened, SYSTEM_ACTOR))
    ran = run_due_at(local, clock, CLOSE + dt.timedelta(minutes=1))

    assert again.sent == () and set(again.already) == _delivered(runtime, Change.CLOSE, opened)
    assert ran == 0  # the chair's close cancelled the deadline's
    assert (
        len(closing_notices(slack, settings.panel.channel)),
        len(chair_tally_dms(slack, settings.panel.chair[0])),
    ) == (notices, dms)
    closes = [e for e in runtime.service.repo.audit_entries(opened) if e.action == "meeting.close"]
    assert len(closes) == 1


def test_extend_by_slash_command_rearms_the_close_at_the_new_deadline(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    runtime = local.runtime
    chair = settings.panel.chair[0]
    later = dt.datetime(2025, 9, 16, 17, 0, tzinfo=LONDON)

    result = slack.slash_command(chair, f"extend {opened} 2025-09-16T17:00")

    assert "now closes" in result.shown_text
    assert _delivered(runtime, Change.EXTEND, opened) == {"case-messages"}
    [close] = [s for s in runtime.deadlines.pending(opened) if s.kind is ScheduleKind.CLOSE]
    assert close.due_at == later.astimezone(dt.UTC)
    assert close.id in {job.id for job in runtime.scheduler.scheduler.get_jobs()}
    run_due_at(local, clock, CLOSE + dt.timedelta(minutes=1))  # the old deadline: still open
    assert runtime.service.meetings.get_meeting(opened).is_open
    run_due_at(local, clock, later + dt.timedelta(minutes=1))
    assert not runtime.service.meetings.get_meeting(opened).is_open
    assert _delivered(runtime, Change.CLOSE, opened) == {
        "case-messages",
        "channel-notice",
        f"chair:{chair}",
    }


def test_a_relisted_case_is_posted_once_through_the_route_even_when_retried(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    runtime = local.runtime
    channel, members = settings.panel.channel, settings.panel.members
    chair, secretariat = settings.panel.chair[0], settings.panel.secretariat[0]
    split = [VoteOption.MET, VoteOption.NOT_MET, VoteOption.MET, VoteOption.NOT_MET]
    for member, option in zip(members, split, strict=False):
        assert vote(slack, member, channel, "SH-06", ballot(r6=option.value)).status == 200
    close_voting(slack, chair, opened)
    tally = runtime.service.tallying.case_tally(opened, "SH-06")
    assert tally.category is Category.NO_DECISION
    name, _ = _meeting_file(
        tmp_path, LATER, ["SH-07"], date="2025-12-10", voting_closes="2025-12-08T17:00:00+00:00"
    )
    runtime.service.meetings.import_meeting(tmp_path / name)
    clock.set(dt.datetime(2025, 11, 1, 9, 0, tzinfo=dt.UTC))
    assert slack.slash_command(secretariat, f"open {LATER}").status == 200

    assert "re-listed" in slack.slash_command(secretariat, f"relist SH-06 {LATER}").shown_text
    case = runtime.service.meetings.get_case(LATER, "SH-06")
    retry = runtime.states.announce(
        MeetingChange(
            change=Change.RELIST,
            meeting=runtime.service.meetings.get_meeting(LATER),
            actor=secretariat,
            case=case,
        )
    )

    assert _delivered(runtime, Change.RELIST, LATER, case=case) == {"case:SH-06"}
    assert retry.sent == () and retry.already == ("case:SH-06",)
    posted = [m for m in slack.messages(channel) if m.text.startswith("Case SH-06")]
    assert len(posted) == 2  # once in the old meeting, once in the later one


def test_purge_in_slack_and_on_the_command_line_make_the_same_change(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = local.runtime
    secretariat = settings.panel.secretariat[0]
    name, _ = _meeting_file(tmp_path, TWIN, TWIN_REFS, voting_closes="2025-09-01T17:00:00+01:00")
    runtime.service.meetings.import_meeting(tmp_path / name)  # its deadline is past: closed
    close_voting(slack, settings.panel.chair[0], opened)

    slack.slash_command(secretariat, f"purge {opened}")
    confirm = slack.open_modal(secretariat)
    assert confirm is not None and confirm.callback_id == ids.PURGE_SUBMIT
    assert slack.submit_view(secretariat, confirm.id).status == 200
    monkeypatch.setenv("VCOP_CONFIG", str(tmp_path / "app.yaml"))
    monkeypatch.setenv("VCOP_DB", settings.storage.database)
    assert cli.main(["meeting", "purge", TWIN]) == 0

    purges = {
        m: [e for e in runtime.service.repo.audit_entries(m) if e.action == "meeting.purge"]
        for m in (opened, TWIN)
    }
    [in_slack], [on_cli] = purges[opened], purges[TWIN]
    assert (in_slack.actor, on_cli.actor) == (secretariat, "cli")
    assert (
        json.loads(in_slack.old or "") == json.loads(on_cli.old or "") == {"cases": 6, "notes": 0}
    )
    assert set(json.loads(in_slack.new or "")) == set(json.loads(on_cli.new or ""))
    for meeting in (opened, TWIN):
        assert runtime.service.meetings.get_meeting(meeting).purged_at is not None
        assert _delivered(runtime, Change.PURGE, meeting) == set()  # a purge owes no message


def test_a_meeting_replaced_after_opening_is_posted_anew_when_opened_again(
    local: LocalWorkspace, slack: SimulatedSlack, settings: Settings, tmp_path: Path
) -> None:
    runtime = local.runtime
    secretariat, channel = settings.panel.secretariat[0], settings.panel.channel
    name, _ = _meeting_file(tmp_path, TWIN, TWIN_REFS[:2])
    runtime.service.meetings.import_meeting(tmp_path / name)
    assert slack.slash_command(secretariat, f"open {TWIN}").status == 200
    name, _ = _meeting_file(tmp_path, TWIN, TWIN_REFS[:3])  # a third case, no votes yet
    assert runtime.service.meetings.import_meeting(tmp_path / name, replace=True).replaced

    assert slack.slash_command(secretariat, f"open {TWIN}").status == 200

    posted = [m.text.split(":")[0] for m in slack.messages(channel) if m.text.startswith("Case")]
    assert posted == [f"Case {ref}" for ref in TWIN_REFS[:2] + TWIN_REFS[:3]]
    assert _delivered(runtime, Change.OPEN, TWIN) == {
        "header",
        *(f"case:{r}" for r in TWIN_REFS[:3]),
    }


def test_extend_from_slack_and_from_the_cli_rearm_the_deadline_and_tell_alike(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = local.runtime
    # The command line runs on the real clock, so the twin's deadline is far ahead of both.
    twin_closes = dt.datetime(2099, 1, 8, 17, 0, tzinfo=dt.UTC)
    twin = _open_twin_by_button(
        slack, settings, tmp_path, date="2099-01-10", voting_closes=twin_closes.isoformat()
    )
    moved = {opened: dt.datetime(2025, 9, 16, 17, 0, tzinfo=LONDON), twin: twin_closes + DAY}
    was = {opened: CLOSE, twin: twin_closes}

    chair = settings.panel.chair[0]
    assert slack.slash_command(chair, f"extend {opened} 2025-09-16T17:00").status == 200
    monkeypatch.setenv("VCOP_CONFIG", str(tmp_path / "app.yaml"))
    monkeypatch.setenv("VCOP_DB", settings.storage.database)
    assert cli.main(["meeting", "extend", twin, "2099-01-09T17:00+00:00"]) == 0
    runtime.scheduler.run_housekeeping(CATCH_UP_JOB)  # the running bot, within a minute
    told_again = runtime.states.catch_up()  # a second run tells nobody again

    assert told_again == 0
    jobs = {job.id for job in runtime.scheduler.scheduler.get_jobs()}
    for meeting in (opened, twin):
        assert _delivered(runtime, Change.EXTEND, meeting) == {"case-messages"}
        [close] = [s for s in runtime.deadlines.pending(meeting) if s.kind is ScheduleKind.CLOSE]
        assert close.due_at == moved[meeting].astimezone(dt.UTC) and close.id in jobs
        run_due_at(local, clock, was[meeting] + dt.timedelta(minutes=1))  # the old one passes
        assert runtime.service.meetings.get_meeting(meeting).is_open
        run_due_at(local, clock, moved[meeting] + dt.timedelta(minutes=1))
        assert not runtime.service.meetings.get_meeting(meeting).is_open
