"""The database file as a whole: consistent copies, checks, restore, and who holds it.

A live panel database is in WAL mode: the newest commits sit in ``vcop.db-wal``
until a checkpoint, so copying ``vcop.db`` alone can miss acknowledged votes or
tear a page. Every copy here goes through SQLite's online backup API, which
reads a consistent snapshot while the bot keeps writing.

No function here writes over a file it did not create: a backup target is
claimed with ``O_EXCL`` (a name already taken is refused), and a restore first
keeps a verified copy of the database it replaces.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from storage.db import BUSY_TIMEOUT_MS
from storage.migrations import MIGRATIONS

logger = logging.getLogger(__name__)


class MaintenanceError(Exception):
    """A backup, check or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int


@dataclass(frozen=True)
class DatabaseHealth:
    """What `vcop doctor` reports about the file, read without changing it."""

    integrity: list[str]
    pending_migrations: list[str]
    journal_mode: str

    @property
    def intact(self) -> bool:
        return self.integrity == ["ok"]


def _read_only(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise MaintenanceError(f"{path}: no such database")
    conn = sqlite3.connect(
        f"file:{path.resolve()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def integrity_problems(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` of a database file; ``[]`` when it is sound."""
    try:
        conn = _read_only(path)
    except sqlite3.Error as exc:
        return [f"cannot open: {exc}"]
    try:
        rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def inspect_database(path: Path) -> DatabaseHealth:
    """Integrity, migrations not yet applied and the journal mode, without writing."""
    try:
        return _inspect(path)
    except sqlite3.Error as exc:
        raise MaintenanceError(f"{path}: cannot read it: {exc}") from exc


def _inspect(path: Path) -> DatabaseHealth:
    conn = _read_only(path)
    try:
        try:
            integrity = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            integrity = [str(exc)]
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
        pending = [m.name for m in MIGRATIONS.pending(Database(conn))]
    finally:
        conn.close()
    return DatabaseHealth(integrity=integrity, pending_migrations=pending, journal_mode=mode)


def _is_panel_database(conn: sqlite3.Connection) -> bool:
    names = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
    return {"meetings", "votes", "_sqlite_migrations"} <= names


def backup_database(source: Path, target: Path) -> BackupResult:
    """Copy ``source`` to the new file ``target`` with the online backup API, then verify it.

    The copy is taken in one step, so it is one consistent snapshot: every
    transaction committed before it began, nothing half-way. It is switched to
    a rollback journal so the backup is a single self-contained file. A target
    that already exists is refused; a copy that fails its integrity check is
    deleted (it is ours) and reported.
    """
    if not source.exists():
        raise MaintenanceError(f"{source}: no such database, so there is nothing to back up")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise MaintenanceError(
            f"{target} already exists; choose another path (a backup never overwrites a file)"
        ) from exc
    os.close(fd)
    try:
        src = _read_only(source)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")
                dst.commit()
            finally:
                dst.close()
        finally:
            src.close()
        problems = integrity_problems(target)
        if problems:
            raise MaintenanceError(f"the copy failed its integrity check: {'; '.join(problems)}")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return BackupResult(path=target, size=target.stat().st_size)


def restore_database(backup: Path, database: Path, keep_current_as: Path) -> BackupResult:
    """Replace the contents of ``database`` with ``backup``; returns the kept copy.

    The backup must be a sound panel database. The current database is first
    copied (and verified) to ``keep_current_as``; then the backup API writes
    the backup into the live file through SQLite itself, so its WAL and
    locks stay coherent. The caller makes sure the bot is not running.
    """
    problems = integrity_problems(backup)
    if problems:
        raise MaintenanceError(f"{backup} is not a sound database: {'; '.join(problems)}")
    conn = _read_only(backup)
    try:
        if not _is_panel_database(conn):
            raise MaintenanceError(f"{backup} is not a vcop-panel database (no meetings or votes)")
        kept = (
            backup_database(database, keep_current_as)
            if database.exists()
            else BackupResult(path=keep_current_as, size=0)
        )
        live = sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.backup(live)
            live.commit()
        finally:
            live.close()
    finally:
        conn.close()
    problems = integrity_problems(database)
    if problems:
        raise MaintenanceError(
            f"the restored database failed its integrity check ({'; '.join(problems)}); "
            f"the previous one is kept at {kept.path}"
        )
    return kept


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def exclusive_use(database: Path, purpose: str) -> Iterator[None]:
    """Hold the database's lock file for as long as the bot runs (or a restore takes).

    An advisory ``flock``: the kernel releases it when the holder exits, even
    on SIGKILL, so a crash never leaves a stale lock behind. The lock file
    records who holds it, for the message the next comer sees.
    """
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise MaintenanceError(
                f"{database} is in use by {holder}; stop it first "
                "(for example `systemctl stop vcop`)"
            ) from exc
        os.ftruncate(fd, 0)
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"{purpose} (pid {os.getpid()}, since {stamp})\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
