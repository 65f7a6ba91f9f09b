"""Backups of the one file that holds every vote: on demand, daily, and restore.

The copies themselves are made in storage/maintenance.py (SQLite's online
backup API, verified with ``PRAGMA integrity_check``). This module decides
names, keeps the last ``storage.backups.keep`` daily backups, and restores.

Retention deletes only backups the scheduler made itself: their names are
listed in a small ledger file in the backup folder (``vcop-backups.txt``),
so a backup someone took by hand, or any other file in that folder, is never
touched.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.config import BackupSettings, Settings
from bot.errors import PanelError
from bot.safe_output import free_name
from storage.maintenance import (
    BackupResult,
    MaintenanceError,
    backup_database,
    exclusive_use,
    restore_database,
)

logger = logging.getLogger(__name__)

LEDGER = "vcop-backups.txt"
DAILY_PREFIX = "vcop-daily-"


def _stamp(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


class BackupService:
    """Takes, rotates and restores backups of ``storage.database``."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()

    @property
    def database(self) -> Path:
        return Path(self.settings.storage.database)

    @property
    def policy(self) -> BackupSettings | None:
        return self.settings.storage.backups

    def _copy(self, target: Path) -> BackupResult:
        try:
            return backup_database(self.database, target)
        except MaintenanceError as exc:
            raise PanelError(str(exc)) from exc

    def take(self, target: Path | None = None) -> BackupResult:
        """A backup on demand, to ``target`` or to a new timestamped file.

        Without a target it goes into ``storage.backups.dir`` when that is set,
        else beside the database. It never counts towards daily retention.
        """
        if target is None:
            folder = Path(self.policy.dir) if self.policy else self.database.parent
            stamped = folder / f"{self.database.stem}-backup-{_stamp(self.clock.now())}.db"
            # A second backup within the same second steps aside, to a name with no space.
            target = free_name(stamped, "{stem}-{number}{suffix}")
        return self._copy(target)

    def take_daily(self) -> BackupResult | None:
        """The scheduler's daily backup, then retention; None when backups are not configured."""
        policy = self.policy
        if policy is None:
            return None
        folder = Path(policy.dir)
        result = self._copy(folder / f"{DAILY_PREFIX}{_stamp(self.clock.now())}.db")
        ledger = self._ledger(folder)
        ledger.append(result.path.name)
        self._write_ledger(folder, ledger)
        self.prune(policy.keep)
        logger.info("daily backup %s (%d bytes)", result.path, result.size)
        return result

    def prune(self, keep: int) -> list[Path]:
        """Delete the scheduler's own backups beyond the newest ``keep``; returns them."""
        policy = self.policy
        if policy is None:
            return []
        folder = Path(policy.dir)
        ledger = sorted(set(self._ledger(folder)))
        doomed, kept = ledger[: max(len(ledger) - keep, 0)], ledger[-keep:]
        removed = []
        for name in doomed:
            path = folder / name
            try:
                path.unlink()
                removed.append(path)
            except FileNotFoundError:
                logger.info("old backup %s was already gone", path)
        self._write_ledger(folder, kept)
        return removed

    def daily_backups(self) -> list[Path]:
        """The scheduler's backups still on disk, oldest first."""
        if self.policy is None:
            return []
        folder = Path(self.policy.dir)
        return [folder / name for name in sorted(self._ledger(folder)) if (folder / name).exists()]

    @staticmethod
    def _ledger(folder: Path) -> list[str]:
        try:
            lines = (folder / LEDGER).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        # Only bare names of our own pattern: a hand-edited ledger cannot point elsewhere.
        return [
            line.strip()
            for line in lines
            if line.strip().startswith(DAILY_PREFIX) and "/" not in line and "\\" not in line
        ]

    @staticmethod
    def _write_ledger(folder: Path, names: list[str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{LEDGER}.tmp"
        temporary.write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
        os.replace(temporary, folder / LEDGER)

    def restore(self, backup: Path) -> BackupResult:
        """Replace the database with ``backup``; refused while the bot holds the database.

        Returns the verified copy of the database as it was before.
        """
        keep = self.database.with_name(
            f"{self.database.stem}-before-restore-{_stamp(self.clock.now())}.db"
        )
        try:
            with exclusive_use(self.database, "vcop restore"):
                return restore_database(backup, self.database, keep)
        except MaintenanceError as exc:  # the bot holds the database, or the backup is bad
            raise PanelError(str(exc)) from exc
