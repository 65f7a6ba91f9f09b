"""Group commit: ballots that arrive together share one durable commit, each all-or-nothing.

Just before a meeting the whole panel votes at once. Each vote must be durable before it is
acknowledged, and with ``synchronous=FULL`` every commit writes and syncs the WAL: committed
one at a time, the votes of a burst queue behind each other's syncs, and each pays for a
transaction of its own. Here one committer thread takes every unit of work waiting at that
moment, runs each inside its own savepoint of one transaction, commits once, and only then
tells each caller its result. A unit that fails is rolled back to its savepoint alone and its
caller gets the error; the others still commit. A failed commit fails every unit of the
group, so no caller is ever told "stored" for something that was not.

The committer takes the same in-process write lock as every other writer, so grouped and
ordinary units of work never overlap.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
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


class _Stop:
    """Queued by close(): the committer finishes what is ahead of it, then exits."""


AfterCommit = Callable[[int], None]


class GroupCommitter:
    """Runs units of work on one thread, committing each group of waiting units once."""

    def __init__(
        self,
        connection: Callable[[], Database],
        write_lock: threading.Lock,
        *,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self._connection = connection
        self._write_lock = write_lock
        self._after_commit = after_commit
        self._queue: queue.SimpleQueue[_Unit | _Stop] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.groups = 0
        self.units = 0

    def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` inside a grouped transaction; return once its commit is durable.

        ``work`` runs on the committer's thread, with that thread's connection already in a
        transaction: the repository's methods called from it join that transaction.
        """
        if threading.current_thread() is self._thread:
            return work()  # a unit that writes more joins its own group's transaction
        self._ensure_started()
        future: Future[T] = Future()
        self._queue.put(_Unit(work, future))
        return future.result()

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
            group: list[_Unit] = []
            stopping = isinstance(first, _Stop)
            if isinstance(first, _Unit):
                group.append(first)
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(item, _Stop):
                    stopping = True
                    break
                group.append(item)
            if group:
                self._commit(group)
            if stopping:
                return

    def _commit(self, group: list[_Unit]) -> None:
        db = self._connection()
        outcomes: list[tuple[_Unit, bool, Any]] = []
        with self._write_lock:
            try:
                db.execute("BEGIN IMMEDIATE")
            except BaseException as exc:
                for unit in group:
                    unit.future.set_exception(exc)
                return
            # A group of one needs no savepoint: its failure rolls the whole
            # transaction back, which holds nothing else.
            savepoints = len(group) > 1
            for index, unit in enumerate(group):
                savepoint = f"unit_{index}"
                if savepoints:
                    db.execute(f"SAVEPOINT {savepoint}")
                try:
                    result = unit.work()
                except BaseException as exc:
                    if savepoints:
                        db.execute(f"ROLLBACK TO {savepoint}")
                        db.execute(f"RELEASE {savepoint}")
                    else:
                        db.conn.rollback()
                    outcomes.append((unit, False, exc))
                else:
                    if savepoints:
                        db.execute(f"RELEASE {savepoint}")
                    outcomes.append((unit, True, result))
            try:
                db.conn.commit()
            except BaseException as exc:
                logger.error("a group commit of %d units failed: %s", len(group), exc)
                db.conn.rollback()
                for unit in group:
                    unit.future.set_exception(exc)
                return
        self.groups += 1
        self.units += len(group)
        if self._after_commit is not None:
            self._after_commit(len(group))
        for unit, ok, value in outcomes:
            if ok:
                unit.future.set_result(value)
            else:
                unit.future.set_exception(value)
