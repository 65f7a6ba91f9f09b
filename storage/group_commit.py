"""Group commit: ballots that arrive together share one durable commit, each all-or-nothing.

Just before a meeting the whole panel votes at once. Each vote must be durable before it is
acknowledged, and with ``synchronous=FULL`` every commit writes and syncs the WAL: committed
one at a time, the votes of a burst queue behind each other's syncs, and each pays for a
transaction of its own. Here one committer thread takes every unit of work waiting at that
moment, runs each inside its own savepoint of one transaction, commits once, and only then
tells each caller its result. A unit that fails is rolled back to its savepoint alone and its
caller gets the error; the others still commit. A failed commit fails every unit of the
group, so no caller is ever told "stored" for something that was not.

Every unit runs on one writer connection, whichever thread runs it: a SQLite connection drops
its whole page cache whenever another connection has written, so writes spread over the
server's request threads would each start by reading the indexes back from disk.

A unit that finds nothing queued or committing runs on its caller's own thread instead, in a
transaction of its own: between meetings votes arrive one at a time, and handing each to the
committer thread and waking the caller again costs more CPU than the vote's own statements.
As soon as one unit is committing, the next ones queue for the committer and share its next
commit, so a burst still groups.

The committer and a unit running alone take the same in-process write lock as every other
writer, so grouped and ordinary units of work never overlap.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlite_utils import Database

logger = logging.getLogger(__name__)

T = TypeVar("T")
MAX_GROUP = 64


@dataclass
class _Unit:
    work: Callable[[], Any]
    future: Future[Any]
    outcome: tuple[bool, Any] = (False, None)


class _Stop:
    """Queued by close(): the committer finishes what is ahead of it, then exits."""


AfterCommit = Callable[[int], None]


class GroupCommitter:
    """Runs units of work on one thread, committing each group of waiting units once."""

    def __init__(
        self,
        writer: Callable[[], AbstractContextManager[Database]],
        write_lock: threading.Lock,
        *,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self._writer = writer
        self._write_lock = write_lock
        self._after_commit = after_commit
        self._queue: queue.SimpleQueue[_Unit | _Stop] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._counts_lock = threading.Lock()
        self._queued = 0  # units handed to the committer and not yet answered
        self._local = threading.local()  # marks a caller's thread while its unit runs alone
        self.groups = 0
        self.units = 0

    def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` inside a grouped transaction; return once its commit is durable.

        ``work`` runs on the committer's thread, or alone on the caller's when nothing else is
        queued or committing, with that thread's connection already in a transaction: the
        repository's methods called from it join that transaction.
        """
        if threading.current_thread() is self._thread or getattr(self._local, "running", False):
            return work()  # a unit that writes more joins its own transaction
        if self._may_run_alone():
            return self._run_alone(work)
        self._ensure_started()
        future: Future[T] = Future()
        with self._counts_lock:
            self._queued += 1
        self._queue.put(_Unit(work, future))
        return future.result()

    def _may_run_alone(self) -> bool:
        """Take the write lock for a lone unit: only when nothing is queued or committing."""
        with self._counts_lock:
            if self._queued:  # their callers wait already: this unit joins their next commit
                return False
            return self._write_lock.acquire(blocking=False)

    def _run_alone(self, work: Callable[[], T]) -> T:
        """Run one unit and commit it on the caller's thread; the write lock is already held."""
        try:
            with self._writer() as db:
                self._local.running = True
                try:
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        result = work()
                    except BaseException:
                        db.conn.rollback()
                        raise
                    try:
                        db.conn.commit()
                    except BaseException as exc:
                        logger.error("the commit of a lone unit failed: %s", exc)
                        db.conn.rollback()
                        raise
                finally:
                    self._local.running = False
            self._counted(1)  # durable, and no other writer has begun since
        finally:
            self._write_lock.release()
        return result

    def _answered(self, size: int) -> None:
        with self._counts_lock:
            self._queued -= size

    def _counted(self, size: int) -> None:
        """Count a durable commit, while its writer still holds the lock.

        ``after_commit`` thus runs at one fixed point, whichever thread committed: after
        the commit, before any caller is told and before the next writer begins.
        """
        with self._counts_lock:
            self.groups += 1
            self.units += size
        if self._after_commit is not None:
            try:
                self._after_commit(size)
            except Exception:  # a stored ballot is never reported lost for the hook's sake
                logger.exception("the after-commit hook failed")

    @property
    def thread_ident(self) -> int | None:
        """The committer thread's id while it runs (for measuring its CPU)."""
        thread = self._thread
        return thread.ident if thread is not None else None

    def close(self) -> None:
        """Commit whatever is queued, then stop the committer thread (a later unit restarts it)."""
        with self._start_lock:
            thread = self._thread
            self._thread = None
        if thread is not None:
            self._queue.put(_Stop())
            thread.join(timeout=10)

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="vcop-group-commit", daemon=True
                )
                self._thread.start()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if isinstance(first, _Stop):
                return
            group, stopping = [first], False
            try:
                # The lock first, then the rest of the queue: units that arrive while another
                # writer (or a lone unit) holds the lock join this group instead of the next.
                with self._write_lock, self._writer() as db:
                    group, stopping = self._gather(first)
                    try:
                        committed = self._commit(db, group)
                    except BaseException:
                        if db.conn.in_transaction:
                            db.conn.rollback()
                        raise
                    if committed:
                        self._counted(len(group))  # durable, and no caller told yet
            except BaseException as exc:  # no connection, or a savepoint failed: none stored
                logger.error("a group of %d units could not be run: %s", len(group), exc)
                for unit in group:
                    unit.outcome = (False, exc)
            self._answer(group)
            if stopping:
                return

    def _gather(self, first: _Unit) -> tuple[list[_Unit], bool]:
        """``first`` and the units queued behind it (up to MAX_GROUP); whether a stop came."""
        group = [first]
        while len(group) < MAX_GROUP:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Stop):
                return group, True
            group.append(item)
        return group, False

    def _commit(self, db: Database, group: list[_Unit]) -> bool:
        """Run the group in one transaction, each unit in its savepoint; the lock is held.

        Each unit's outcome is kept on it until ``_answer`` tells its caller, after the
        commit: a failed commit turns every outcome into that failure.
        """
        try:
            db.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            for unit in group:
                unit.outcome = (False, exc)
            return False
        # A group of one needs no savepoint: its failure rolls the whole
        # transaction back, which holds nothing else.
        savepoints = len(group) > 1
        for index, unit in enumerate(group):
            savepoint = f"unit_{index}"
            if savepoints:
                db.execute(f"SAVEPOINT {savepoint}")
            try:
                unit.outcome = (True, unit.work())
            except BaseException as exc:
                if savepoints:
                    db.execute(f"ROLLBACK TO {savepoint}")
                    db.execute(f"RELEASE {savepoint}")
                else:
                    db.conn.rollback()
                unit.outcome = (False, exc)
            else:
                if savepoints:
                    db.execute(f"RELEASE {savepoint}")
        try:
            db.conn.commit()
        except BaseException as exc:
            logger.error("a group commit of %d units failed: %s", len(group), exc)
            db.conn.rollback()
            for unit in group:
                unit.outcome = (False, exc)
            return False
        return True

    def _answer(self, group: list[_Unit]) -> None:
        """Tell each caller its unit's outcome, now that the lock is free for the next writer."""
        self._answered(len(group))
        for unit in group:
            ok, value = unit.outcome
            if ok:
                unit.future.set_result(value)
            else:
                unit.future.set_exception(value)
