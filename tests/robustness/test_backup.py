"""Backups taken while the panel votes, as an operator or cron runs `vcop backup`.

The bot runs over HTTP against the local Slack workspace; 30 members vote from
six threads without pause. Once 30 ballots are acknowledged, `vcop backup`
runs as its own process (as cron or an operator would) while the votes keep
coming. The backup must open, pass ``PRAGMA integrity_check`` and hold every
ballot acknowledged before it started, each exactly as submitted.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.conftest import SAMPLE
from e2e.helpers import pattern, values_for, vote

from bot.clock import ManualClock
from bot.config import Settings
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack
from storage.repo import Repository

from .conftest import REFS, load_panel_settings
from .helpers import acked, stored_votes
from .serve_process import clean_env, run_vcop

MEMBERS = 30
BACKUP_AFTER = 30
LANES = 6


def _run(args: list[str], config: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return run_vcop(clean_env(VCOP_CONFIG=str(config), VCOP_DB=str(db)), *args)


def _choices(member: int, ref: int) -> dict[int, str]:
    """A ballot unique to the member and case, so a swapped or torn ballot shows."""
    return pattern(member * 3 + ref)


def _integrity(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


@pytest.fixture
def panel30(tmp_path: Path, clock: ManualClock) -> Iterator[tuple[LocalWorkspace, Settings]]:
    settings = load_panel_settings(tmp_path, members=MEMBERS)
    with LocalWorkspace(settings, clock=clock, threads=16) as running:
        yield running, settings


def test_backup_while_30_members_vote_holds_every_vote_acked_before_it_started(
    panel30: tuple[LocalWorkspace, Settings], tmp_path: Path
) -> None:
    local, settings = panel30
    service: PanelServices = local.bot.runtime.service
    slack: SimulatedSlack = local.slack
    meeting = service.meetings.import_meeting(SAMPLE).meeting.id
    assert slack.slash_command(settings.panel.secretariat[0], f"open {meeting}").status == 200
    db = local.database

    acknowledged: dict[tuple[str, str], dict[int, str]] = {}
    lock = threading.Lock()
    enough = threading.Event()
    backup_done = threading.Event()
    after_backup_started = 0

    def members_vote(lane: int) -> None:
        """One lane of members voting one after another, case by case, without pause."""
        nonlocal after_backup_started
        for index, member in enumerate(settings.panel.members):
            if index % LANES != lane:
                continue
            for ref_index, ref in enumerate(REFS):
                choices = _choices(index, ref_index)
                result = vote(slack, member, settings.panel.channel, ref, values_for(choices))
                assert acked(result), result
                with lock:
                    acknowledged[member, ref] = choices
                    if len(acknowledged) >= BACKUP_AFTER:
                        enough.set()
                    if started.is_set() and not backup_done.is_set():
                        after_backup_started += 1

    started = threading.Event()
    # A few lanes keep votes arriving continuously; thirty clicking at once would only
    # measure how fast two shared cores open modals within Slack's 3 s trigger window.
    threads = [
        threading.Thread(target=members_vote, args=(lane,), name=f"lane-{lane}")
        for lane in range(LANES)
    ]
    for thread in threads:
        thread.start()
    assert enough.wait(timeout=120), "30 votes were not acknowledged in time"
    with lock:
        before = dict(acknowledged)
        started.set()
    target = tmp_path / "backups" / "during-the-vote.db"
    result = _run(["backup", str(target)], tmp_path / "app.yaml", db)
    backup_done.set()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)

    assert result.returncode == 0, result.stderr
    size = target.stat().st_size
    assert f"Backed up to {target} (" in result.stdout
    assert f"{size:,} bytes" in result.stdout
    assert "integrity check passed" in result.stdout
    assert _integrity(target) == ["ok"]
    in_backup = stored_votes(target)
    missing = {key for key, choices in before.items() if in_backup.get(key) != choices}
    assert not missing, f"{len(missing)} votes acknowledged before the backup are not in it"
    # A consistent snapshot: every ballot in it is whole and is one that was acknowledged.
    assert all(len(choices) == 12 for choices in in_backup.values())
    assert all(acknowledged[key] == choices for key, choices in in_backup.items())
    # The bot kept writing while the backup ran, and lost nothing either.
    assert len(acknowledged) == MEMBERS * len(REFS)
    assert stored_votes(db) == acknowledged
    print(
        f"\nbackup: {len(before)} ballots acknowledged before it started, {len(in_backup)} in it, "
        f"{after_backup_started} acknowledged while it ran, {size:,} bytes"
    )


def test_backup_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    settings = load_panel_settings(tmp_path)
    db = Path(settings.storage.database)
    service = PanelServices(settings, Repository(db))
    service.meetings.import_meeting(SAMPLE)
    service.repo.close()
    precious = tmp_path / "precious.db"
    precious.write_bytes(b"not ours")
    result = _run(["backup", str(precious)], tmp_path / "app.yaml", db)
    assert result.returncode == 2
    assert "already exists" in result.stderr and "never overwrites" in result.stderr
    assert precious.read_bytes() == b"not ours"
