"""Opening the SQLite file: WAL, a busy timeout, foreign keys and migrations.

Bolt listeners and scheduler jobs run on worker threads and SQLite
connections belong to one thread, so `Connections` hands each thread its own.
Writers start with BEGIN IMMEDIATE: a deferred transaction that reads first
and then writes can fail at once with "database is locked" when another
writer got in between, and the busy timeout cannot help it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlite_utils import Database

from storage.group_commit import GroupCommitter
from storage.migrations import MIGRATIONS

T = TypeVar("T")

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000


def _connect(path: Path) -> Database:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    # FULL: an acknowledged vote must survive a power cut, not only a crash.
    db.execute("PRAGMA synchronous = FULL")
    return db


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) and migrate the database; WAL is set outside any transaction."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    db = _connect(path)
    if db.journal_mode != "wal":
        db.enable_wal()
    # Migrate inside one BEGIN IMMEDIATE: when several processes open a new file at once
    # (`vcop serve` and `vcop meeting import`), each first reads the schema and then
    # writes it, and such an upgrade fails at once with "database is locked" (the busy
    # timeout cannot help). Taking the write lock first makes the others wait their turn,
    # then find nothing left to do.
    db.execute("BEGIN IMMEDIATE")
    try:
        MIGRATIONS.apply(db)
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()
    return db


class Connections:
    """One migrated connection per thread, all closed together at shutdown."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[Database] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        first = open_db(self.path)
        self._local.db = first
        self._all.append(first)
        self._writer: Database | None = None
        self.committer = GroupCommitter(self._as_writer, self._write_lock)

    @property
    def db(self) -> Database:
        writer = getattr(self._local, "writer", None)
        if writer is not None:
            return writer  # this thread runs a grouped unit: see _as_writer
        db = getattr(self._local, "db", None)
        if db is None:
            db = _connect(self.path)
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    @contextmanager
    def unit_of_work(self) -> Iterator[Database]:
        """One write transaction: all of it is committed, or none of it.

        Nested calls join the outer transaction (as a savepoint), so a service
        can compose smaller units into one.

        Writers in this process queue on a lock before BEGIN IMMEDIATE. SQLite
        lets one writer in at a time anyway, but a writer it turns away waits
        in the busy handler, which polls with sleeps that grow to 100 ms: when
        the whole panel votes at once, most votes would sleep rather than queue.
        The lock hands the database over as soon as the previous commit is
        done. Other processes (the CLI) still meet the busy timeout.
        """
        db = self.db
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        with self._write_lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.rollback()
                raise
            db.commit()

    @contextmanager
    def _as_writer(self) -> Iterator[Database]:
        """The group commit's one connection, as this thread's own while it holds the lock.

        SQLite drops a connection's page cache whenever another connection has written, so
        grouped units, run on the committer's thread or alone on a request thread, all use
        this connection: its cache stays warm from one vote to the next. Only a holder of
        the write lock enters here, so the connection is never used by two threads at once.
        """
        with self._lock:
            if self._writer is None:
                self._writer = _connect(self.path)
                self._all.append(self._writer)
            writer = self._writer
        self._local.writer = writer
        try:
            yield writer
        finally:
            self._local.writer = None

    def grouped(self, work: Callable[[], T]) -> T:
        """Run ``work`` as one unit of a group commit (see storage.group_commit).

        For the hot path where many callers write at once and each must know its write is
        durable before answering: the units waiting together share one commit.
        """
        return self.committer.run(work)

    def close(self) -> None:
        self.committer.close()
        with self._lock:
            for db in self._all:
                try:
                    db.close()
                except sqlite3.ProgrammingError:
                    logger.debug("connection already closed")
            self._all.clear()
            self._writer = None
        self._local = threading.local()
