"""Item 5: `kill -9` in the middle of a burst of votes loses no acknowledged vote.

The bot runs as a real process (`vcop serve --http`) against the local Slack
workspace, with the real clock, so the meeting's deadline is next year. Twenty
members vote on six cases from their own threads; once 40 ballots have been
acknowledged the process is killed with SIGKILL, mid-burst. A new process on
the same database must hold every acknowledged ballot exactly as submitted,
its schedules (reminders and the close) untouched, and its jobs rebuilt.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.helpers import values_for, vote, wait_for

from handlers.slack_sim import DEFAULT_BOT_TOKEN

from .helpers import stored_votes
from .serve_process import (
    ServeSetup,
    VoteBurst,
    burst_choices,
    open_and_wait_for_cases,
    serve_setup,
)

MEMBERS = tuple(f"U0CRASH{n:03d}" for n in range(20))
REFS = tuple(f"CR-{n:02d}" for n in range(1, 7))
KILL_AFTER = 40
APP_TOKEN = "xapp-1-A0SIM-1234567890-" + "c" * 32


@pytest.fixture
def crash_env(tmp_path: Path) -> Iterator[ServeSetup]:
    with serve_setup(
        tmp_path,
        name="crash",
        title="Crash test",
        members=MEMBERS,
        refs=REFS,
        extra_env={"SLACK_APP_TOKEN": APP_TOKEN},
    ) as setup:
        yield setup


def _schedules(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select * from schedules order by id").fetchall()
    finally:
        conn.close()


def test_kill_9_mid_burst_loses_no_acknowledged_vote(crash_env: ServeSetup) -> None:
    bot = crash_env.bot
    db, meeting, settings = crash_env.db, crash_env.meeting, crash_env.settings
    slack = bot.start()
    open_and_wait_for_cases(slack, settings, meeting, REFS)
    schedules = wait_for(lambda: _schedules(db), timeout=10)
    assert [row for row in schedules if row[4] != "pending"] == []
    assert len(schedules) == 1 + len(settings.voting.reminders)

    burst = VoteBurst(slack, settings.panel.channel, REFS, MEMBERS, stop_after=KILL_AFTER)
    burst.start()
    assert burst.enough.wait(timeout=60), f"only {len(burst.acked)} votes acknowledged"
    bot.kill()  # SIGKILL: no shutdown hook, no flush, no goodbye
    burst.join()
    assert not any(thread.is_alive() for thread in burst.threads)
    acknowledged = burst.acknowledged()
    total = len(MEMBERS) * len(REFS)
    assert KILL_AFTER <= len(acknowledged) < total  # killed mid-burst
    assert burst.cut_off, "every member finished: the kill came too late"

    slack = bot.start()  # a new process on the same database
    stored = stored_votes(db)
    missing = {key for key in acknowledged if stored.get(key) != acknowledged[key]}
    assert not missing, f"{len(missing)} acknowledged votes lost or torn: {sorted(missing)[:5]}"
    assert all(len(choices) == 12 for choices in stored.values())  # no half-written ballot
    # Schedules are intact, and the new process rebuilt a job for each pending one.
    assert _schedules(db) == schedules
    restarted = bot.logs[-1].read_text()
    assert restarted.count("Added job") == len(schedules), restarted
    # The restarted bot takes votes again.
    member, ref = MEMBERS[0], REFS[-1]
    slack.workspace.close_all_modals(member)
    choices = burst_choices(0, len(REFS) - 1)
    result = vote(slack, member, settings.panel.channel, ref, values_for(choices), done=False)
    assert result.status == 200 and result.response_action == "update"
    assert stored_votes(db)[member, ref] == choices
    # Neither process ever logged a token or the signing secret.
    logs = bot.log_text
    for secret in (DEFAULT_BOT_TOKEN, APP_TOKEN, bot.secret):
        assert secret not in logs
    print(
        f"\ncrash: {total} ballots attempted, {len(acknowledged)} acknowledged before SIGKILL, "
        f"{len(burst.cut_off)} cut off, {len(stored)} stored after restart"
    )
