"""Daily backups: `storage.backups` in app.yaml, the scheduler's job, and retention.

Real parts throughout: the shipped app.yaml (copied and edited), a SQLite file
in tmp_path, the real BackupService on a ManualClock and the real bot's
scheduler (paused, so the test runs the job as its trigger would).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger
from conftest import CoreData, PanelFactory

from bot.backups import LEDGER, BackupService
from bot.config import ConfigError, load_settings
from handlers.bootstrap import BACKUP_JOB
from handlers.local_workspace import LocalWorkspace


def _with_backups(**policy: Any) -> Any:
    def mutate(raw: dict[str, Any]) -> None:
        raw["storage"]["backups"] = {"dir": "backups", **policy}

    return mutate


def _votes(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("select count(*) from votes").fetchone()[0])
    finally:
        conn.close()


def test_backup_dir_is_relative_to_app_yaml_not_the_working_directory(
    make_panel: PanelFactory,
) -> None:
    panel = make_panel(_with_backups(keep=3, at="09:15"))
    backups = panel.settings.storage.backups
    assert backups is not None
    assert Path(backups.dir) == panel.config_path.parent / "backups"
    assert (backups.keep, backups.at) == (3, dt.time(9, 15))


def test_a_backup_time_outside_working_hours_is_refused_naming_the_key(
    make_panel: PanelFactory, tmp_path: Path
) -> None:
    config = CoreData.write_config(tmp_path, _with_backups(at="02:00"))
    with pytest.raises(ConfigError) as refused:
        load_settings(config, env={})
    assert refused.value.problems == [
        "storage.backups.at: 02:00 is outside working hours (08:00 to 18:00, "
        "voting.working_hours); pick a time when someone can see a failed backup"
    ]


def test_two_backups_by_hand_in_the_same_second_both_succeed(make_panel: PanelFactory) -> None:
    panel = make_panel()
    panel.import_meeting()
    service = BackupService(panel.settings, panel.clock)  # a clock that does not move

    first, second = service.take(), service.take()

    assert first.path != second.path
    assert second.path.name == f"{first.path.stem}-2.db"
    assert _votes(first.path) == _votes(second.path) == 0


def test_daily_backups_keep_the_last_n_and_delete_only_their_own(
    make_panel: PanelFactory,
) -> None:
    panel = make_panel(_with_backups(keep=2, at="12:30"))
    panel.import_meeting()
    service = BackupService(panel.settings, panel.clock)
    folder = panel.config_path.parent / "backups"
    folder.mkdir()
    by_hand = service.take(folder / "before-the-meeting.db")
    stranger = folder / "vcop-daily-someone-elses.db"
    stranger.write_bytes(b"not ours")
    taken = []
    for day in range(4):
        panel.vote(panel.members[day])
        result = service.take_daily()
        assert result is not None
        taken.append(result.path)
        panel.clock.advance(dt.timedelta(days=1))
    assert [p.exists() for p in taken] == [False, False, True, True]
    assert service.daily_backups() == taken[2:]
    assert [_votes(p) for p in taken[2:]] == [12 * 3, 12 * 4]
    # A backup taken by hand and a file that only looks like ours are never touched.
    assert by_hand.path.exists() and stranger.read_bytes() == b"not ours"
    assert (folder / LEDGER).read_text().split() == [p.name for p in taken[2:]]


def test_the_bot_schedules_the_daily_backup_at_the_configured_panel_time(
    make_panel: PanelFactory,
) -> None:
    panel = make_panel(_with_backups(keep=7, at="12:30"))
    with LocalWorkspace(panel.settings, clock=panel.clock) as local:
        scheduler = local.bot.runtime.scheduler
        job = scheduler.housekeeping.get_job(BACKUP_JOB)
        assert job is not None
        trigger = job.trigger
        assert isinstance(trigger, CronTrigger)
        assert str(trigger.timezone) == "Europe/London"
        fields = {f.name: str(f) for f in trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("12", "30")
        scheduler.run_housekeeping(BACKUP_JOB)
        made = BackupService(panel.settings).daily_backups()
        assert len(made) == 1 and made[0].parent == panel.config_path.parent / "backups"
