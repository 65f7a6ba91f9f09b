"""`vcop serve --http` as a service manager runs it: /healthz, SIGTERM, and restore.

Each test starts the real bot process against the local Slack workspace, with
the real clock (the meeting's deadline is next year), and talks to it over HTTP
as Slack, a load balancer's probe and systemd do.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from .helpers import stored_votes
from .serve_process import (
    ServeSetup,
    VoteBurst,
    open_and_wait_for_cases,
    run_vcop,
    serve_setup,
)

MEMBERS = tuple(f"U0TERM{n:03d}" for n in range(20))
REFS = tuple(f"TM-{n:02d}" for n in range(1, 7))
SIGTERM_AFTER = 40


@pytest.fixture
def service_env(tmp_path: Path) -> Iterator[ServeSetup]:
    with serve_setup(
        tmp_path, name="service", title="Service test", members=MEMBERS, refs=REFS
    ) as setup:
        yield setup


def test_healthz_answers_200_with_each_check_when_all_is_well(
    service_env: ServeSetup,
) -> None:
    bot = service_env.bot
    bot.start()
    status, body = bot.health()
    assert status == 200
    assert body == {
        "ok": True,
        "database_writable": True,
        "scheduler_running": True,
        "slack_auth": True,
    }


def test_healthz_answers_503_naming_the_database_while_another_process_holds_its_write_lock(
    service_env: ServeSetup,
) -> None:
    bot = service_env.bot
    bot.start()
    blocker = sqlite3.connect(service_env.db, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # e.g. a stuck sqlite3 shell or a long purge
        started = time.monotonic()
        status, body = bot.health()
        waited = time.monotonic() - started
        assert status == 503
        assert body == {
            "ok": False,
            "database_writable": False,
            "scheduler_running": True,
            "slack_auth": True,
        }
        assert waited < 4, f"the probe took {waited:.1f} s"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert bot.health() == (200, {**body, "ok": True, "database_writable": True})


def test_sigterm_mid_burst_exits_0_within_10_s_and_loses_no_acked_vote(
    service_env: ServeSetup,
) -> None:
    bot = service_env.bot
    db, meeting, settings = service_env.db, service_env.meeting, service_env.settings
    slack = bot.start()
    open_and_wait_for_cases(slack, settings, meeting, REFS)

    burst = VoteBurst(slack, settings.panel.channel, REFS, MEMBERS, stop_after=SIGTERM_AFTER)
    burst.start()
    assert burst.enough.wait(timeout=60), f"only {len(burst.acked)} votes acknowledged"
    signalled = time.monotonic()
    bot.running.send_signal(signal.SIGTERM)
    code = bot.running.wait(timeout=15)
    took = time.monotonic() - signalled
    burst.join()
    assert code == 0, bot.log_text
    assert took < 10, f"shutdown took {took:.1f} s"
    total = len(MEMBERS) * len(REFS)
    acknowledged = burst.acknowledged()
    assert SIGTERM_AFTER <= len(acknowledged) < total, "SIGTERM did not land mid-burst"
    stored = stored_votes(db)
    missing = {key for key in acknowledged if stored.get(key) != acknowledged[key]}
    assert not missing, f"{len(missing)} acknowledged votes lost: {sorted(missing)[:5]}"
    assert all(len(choices) == 12 for choices in stored.values())
    log = bot.log_text
    assert "received SIGTERM" in log
    assert "the scheduler and the database are closed" in log
    assert "Traceback" not in log
    print(
        f"\nsigterm: {len(acknowledged)} acknowledged, {len(burst.cut_off)} refused after SIGTERM, "
        f"{len(stored)} stored, exit {code} after {took:.2f} s"
    )


def test_ctrl_c_stops_the_bot_gracefully_and_exits_0(service_env: ServeSetup) -> None:
    bot = service_env.bot
    bot.start()
    bot.running.send_signal(signal.SIGINT)
    assert bot.running.wait(timeout=10) == 0
    log = bot.log_text
    assert "received SIGINT" in log
    assert "the scheduler and the database are closed" in log
    assert "Traceback" not in log and "KeyboardInterrupt" not in log


def _meetings(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("select id from meetings order by id")]
    finally:
        conn.close()


def test_restore_is_refused_while_the_bot_runs_then_replaces_the_database(
    service_env: ServeSetup, tmp_path: Path
) -> None:
    bot = service_env.bot
    db, env, meeting = service_env.db, service_env.env, service_env.meeting
    backup = tmp_path / "one-meeting.db"
    taken = run_vcop(env, "backup", str(backup))
    assert taken.returncode == 0, taken.stderr
    bot.start()
    refused = run_vcop(env, "restore", str(backup))
    assert refused.returncode == 2
    assert "is in use by vcop serve (pid" in refused.stderr
    assert "stop it first" in refused.stderr
    bot.running.send_signal(signal.SIGTERM)
    assert bot.running.wait(timeout=15) == 0
    # A second meeting arrives after the backup; restoring the backup takes it away again,
    # and the database as it was is kept, verified, beside it.
    second = yaml.safe_load((tmp_path / "meeting.yaml").read_text())
    second["meeting"]["id"] = meeting + "-b"
    (tmp_path / "second.yaml").write_text(yaml.safe_dump(second))
    assert run_vcop(env, "meeting", "import", str(tmp_path / "second.yaml")).returncode == 0
    assert _meetings(db) == [meeting, meeting + "-b"]
    restored = run_vcop(env, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    kept = next(tmp_path.glob("service-before-restore-*.db"))
    assert f"kept at {kept}" in restored.stdout
    assert _meetings(db) == [meeting]
    assert _meetings(kept) == [meeting, meeting + "-b"]
    # The restored database serves again.
    bot.start()
    assert bot.health()[0] == 200


def test_restore_refuses_a_file_that_is_not_a_panel_database(
    service_env: ServeSetup, tmp_path: Path
) -> None:
    env, db = service_env.env, service_env.db
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = run_vcop(env, "restore", str(junk))
    assert result.returncode == 2
    assert "junk.db is not a sound database" in result.stderr
    assert _meetings(db) == [service_env.meeting]
