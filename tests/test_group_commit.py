"""Group commit on a real SQLite file: units share a commit, fail alone, and are durable
before their callers hear back, even when the process dies between the commit and the acks."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlite_utils import Database

from bot.models import VoteOption
from storage.db import Connections
from storage.group_commit import GroupCommitter

if TYPE_CHECKING:
    from conftest import Panel

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def connections(tmp_path: Path) -> Iterator[Connections]:
    conns = Connections(tmp_path / "group.db")
    with conns.unit_of_work() as db:
        db.execute("create table items (name text primary key, thread text)")
        db.execute(
            "create table children (name text, parent text references items(name)"
            " deferrable initially deferred)"
        )
    yield conns
    conns.close()


def _insert(conns: Connections, name: str) -> str:
    conns.db.execute(
        "insert into items (name, thread) values (?, ?)", [name, threading.current_thread().name]
    )
    return name


def _threads(path: Path) -> dict[str, str]:
    """Each stored item's name, and the thread whose unit stored it."""
    conn = sqlite3.connect(path)  # another connection, as another process would read
    try:
        return dict(conn.execute("select name, thread from items").fetchall())
    finally:
        conn.close()


def _names(path: Path) -> list[str]:
    return sorted(_threads(path))


def _run_behind_a_held_unit(
    first: threading.Thread,
    others: list[threading.Thread],
    release: threading.Event,
    *,
    stagger: float = 0.0,
    settle: float = 0.1,
) -> None:
    """Start ``first``, whose unit waits for ``release`` holding the write lock, then
    ``others`` (``stagger`` seconds apart, for a fixed order); release it once they have
    had ``settle`` seconds to queue, and wait for them all."""
    first.start()
    time.sleep(0.1)
    for thread in others:
        thread.start()
        if stagger:
            time.sleep(stagger)
    time.sleep(settle)
    release.set()
    for thread in [first, *others]:
        thread.join(timeout=10)


def test_a_unit_is_visible_to_other_connections_as_soon_as_it_returns(
    connections: Connections,
) -> None:
    assert connections.grouped(lambda: _insert(connections, "first")) == "first"
    assert _names(connections.path) == ["first"]


def test_a_unit_with_nothing_queued_commits_alone_on_its_callers_thread(
    connections: Connections,
) -> None:
    connections.grouped(lambda: _insert(connections, "alone"))

    assert _threads(connections.path) == {"alone": threading.current_thread().name}
    committer = connections.committer
    assert (committer.groups, committer.units, committer.thread_ident) == (1, 1, None)


def test_every_unit_runs_on_one_writer_connection_whichever_thread_runs_it(
    connections: Connections,
) -> None:
    seen: list[int] = []
    release = threading.Event()

    def record(hold: bool = False) -> None:
        if hold:
            release.wait(timeout=5)
        seen.append(id(connections.db))

    own = id(connections.db)  # this thread's connection for ordinary reads
    connections.grouped(record)  # alone, on this thread
    first = threading.Thread(target=connections.grouped, args=(lambda: record(hold=True),))
    queued = [threading.Thread(target=connections.grouped, args=(record,)) for _ in range(3)]
    _run_behind_a_held_unit(first, queued, release)

    assert len(seen) == 5 and len(set(seen)) == 1
    assert own not in seen and id(connections.db) == own  # the thread's own is back


def test_units_arriving_while_a_lone_unit_commits_queue_and_share_the_next_commit(
    connections: Connections,
) -> None:
    release = threading.Event()

    def slow_alone() -> str:
        release.wait(timeout=5)  # holds the write lock while the others arrive
        return _insert(connections, "a00")

    first = threading.Thread(target=connections.grouped, args=(slow_alone,), name="first")
    others = [
        threading.Thread(
            target=connections.grouped, args=(lambda n=n: _insert(connections, f"b{n:02d}"),)
        )
        for n in range(20)
    ]
    _run_behind_a_held_unit(first, others, release, settle=0.2)

    threads = _threads(connections.path)
    assert threads.pop("a00") == "first"  # alone, on its caller's thread
    assert len(threads) == 20 and set(threads.values()) == {"vcop-group-commit"}
    assert (connections.committer.groups, connections.committer.units) == (2, 21)


def test_a_lone_failing_unit_stores_nothing_and_the_next_unit_commits(
    connections: Connections,
) -> None:
    def failing() -> str:
        _insert(connections, "torn")
        raise ValueError("this ballot is refused")

    with pytest.raises(ValueError, match="this ballot is refused"):
        connections.grouped(failing)
    assert connections.grouped(lambda: _insert(connections, "next")) == "next"

    assert _names(connections.path) == ["next"]


def test_a_failing_unit_is_rolled_back_alone_and_its_caller_gets_the_error(
    connections: Connections,
) -> None:
    release = threading.Event()
    errors: list[BaseException] = []

    def slow_first() -> str:
        release.wait(timeout=5)
        return _insert(connections, "kept-1")

    def failing() -> str:
        _insert(connections, "torn")
        raise ValueError("this ballot is refused")

    def run_failing() -> None:
        try:
            connections.grouped(failing)
        except ValueError as exc:
            errors.append(exc)

    first = threading.Thread(target=connections.grouped, args=(slow_first,))
    others = [
        threading.Thread(target=run_failing),
        threading.Thread(
            target=connections.grouped, args=(lambda: _insert(connections, "kept-2"),)
        ),
    ]
    _run_behind_a_held_unit(first, others, release, stagger=0.05, settle=0.0)
    assert [str(exc) for exc in errors] == ["this ballot is refused"]
    assert _names(connections.path) == ["kept-1", "kept-2"]


def test_a_failed_commit_fails_every_unit_of_the_group_and_stores_none(
    connections: Connections,
) -> None:
    release = threading.Event()
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(work_name: str, orphan: bool) -> None:
        def work() -> str:
            if work_name == "w0":
                release.wait(timeout=5)
            _insert(connections, work_name)
            if orphan:  # a deferred foreign key: only the commit can refuse it
                connections.db.execute("insert into children values ('x', 'missing')")
            return work_name

        try:
            connections.grouped(work)
            result = "stored"
        except sqlite3.IntegrityError:
            result = "refused"
        with lock:
            outcomes.append(f"{work_name} {result}")

    first = threading.Thread(target=run, args=("w0", False))
    others = [threading.Thread(target=run, args=(f"w{n}", n == 2)) for n in (1, 2, 3)]
    _run_behind_a_held_unit(first, others, release, settle=0.2)
    assert sorted(outcomes) == ["w0 stored", "w1 refused", "w2 refused", "w3 refused"]
    assert _names(connections.path) == ["w0"]


def test_a_group_that_cannot_get_its_connection_fails_its_callers_rather_than_hanging() -> None:
    write_lock = threading.Lock()

    @contextmanager
    def no_connection() -> Iterator[Database]:
        raise sqlite3.OperationalError("unable to open database file")
        yield  # pragma: no cover - a context manager's shape

    committer = GroupCommitter(no_connection, write_lock)
    errors: list[str] = []

    def vote() -> None:
        try:
            committer.run(lambda: "stored")
        except sqlite3.OperationalError as exc:
            errors.append(str(exc))

    write_lock.acquire()  # another writer holds the lock, so the unit queues for the committer
    caller = threading.Thread(target=vote)
    caller.start()
    time.sleep(0.1)
    write_lock.release()
    caller.join(timeout=5)

    assert not caller.is_alive() and errors == ["unable to open database file"]
    committer.close()


def test_close_commits_what_is_queued_and_a_later_unit_starts_again(
    connections: Connections,
) -> None:
    connections.grouped(lambda: _insert(connections, "before"))
    connections.committer.close()
    connections.grouped(lambda: _insert(connections, "after"))
    assert _names(connections.path) == ["after", "before"]


def test_a_unit_that_writes_more_joins_its_own_transaction(connections: Connections) -> None:
    def nested() -> str:
        _insert(connections, "outer")
        return connections.grouped(lambda: _insert(connections, "inner"))

    assert connections.grouped(nested) == "inner"
    assert _names(connections.path) == ["inner", "outer"]


def test_ballots_recorded_through_the_service_share_commits(imported: Panel) -> None:
    members = imported.settings.panel.members
    threads = [
        threading.Thread(target=imported.vote, args=(member, ref))
        for member in members
        for ref in imported.REFS
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    committer = imported.service.repo.connections.committer
    assert committer.units == len(threads)
    assert imported.count("votes") == 12 * len(threads)


def test_receipts_of_ballots_committed_together_count_each_voter_once(imported: Panel) -> None:
    members = imported.settings.panel.members
    ref = imported.REFS[0]
    imported.vote(members[0], ref)  # voted already: the resubmission below adds no voter
    receipts: dict[str, int] = {}

    def vote(member: str) -> None:
        receipts[member] = imported.vote(member, ref, VoteOption.NOT_MET).voters

    threads = [threading.Thread(target=vote, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    newcomers = sorted(receipts[member] for member in members[1:])
    assert newcomers == list(range(2, len(members) + 1))
    assert 1 <= receipts[members[0]] <= len(members)


CRASH_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, threading
    from pathlib import Path
    from bot.config import load_settings
    from bot.models import Ballot, VoteOption
    from bot.panel import PanelServices
    from storage.repo import Repository

    config, db, meeting, refs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
    kill_at = int(sys.argv[5])  # the smallest group whose commit is followed by the kill
    settings = load_settings(Path(config), env={"VCOP_DB": db})
    service = PanelServices(settings, Repository(db))
    committer = service.repo.connections.committer
    hold = threading.Event()

    def after_commit(size: int) -> None:
        if size >= kill_at:  # a group is durable, and none of its callers has been told
            thread = threading.current_thread().name
            print(json.dumps({"killed_after_group_of": size, "thread": thread}), flush=True)
            os._exit(9)
        hold.wait(timeout=0.3)  # let the next group gather behind this one

    committer._after_commit = after_commit

    def vote(member: str, ref: str) -> None:
        ballot = Ballot(
            meeting_id=meeting, case_ref=ref, member=member,
            choices={n: VoteOption.MET for n in range(1, 13)},
        )
        service.voting.record_ballot(ballot)
        print(json.dumps({"acked": [member, ref]}), flush=True)  # the ack, after the return

    threads = [
        threading.Thread(target=vote, args=(m, r))
        for m in settings.panel.members for r in refs
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"finished": True}), flush=True)
    """
)


def _run_crash_script(imported: Panel, kill_at: int) -> tuple[list[dict], dict, set]:
    """Vote from every member on every case until the kill; what was acked, and what stored."""
    imported.service.close()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASH_SCRIPT,
            str(imported.config_path),
            str(imported.db_path),
            imported.MEETING_ID,
            ",".join(imported.REFS),
            str(kill_at),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 9, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    kills = [line for line in lines if "killed_after_group_of" in line]
    acked = {tuple(line["acked"]) for line in lines if "acked" in line}
    conn = sqlite3.connect(imported.db_path)
    try:
        rows = conn.execute(
            "select member, case_ref, count(*) from votes group by member, case_ref"
        ).fetchall()
    finally:
        conn.close()
    stored = {(member, ref): count for member, ref, count in rows}
    assert acked <= set(stored), "an acknowledged ballot was lost"
    assert all(count == 12 for count in stored.values()), "a ballot was stored half-way"
    return kills, stored, acked


def test_kill_between_a_groups_commit_and_its_acks_loses_no_acked_ballot(
    imported: Panel,
) -> None:
    kills, stored, acked = _run_crash_script(imported, kill_at=2)

    assert kills and kills[0]["killed_after_group_of"] >= 2
    assert kills[0]["thread"] == "vcop-group-commit"
    # The group that was committed but never acknowledged is stored whole as well.
    assert len(stored) >= len(acked) + kills[0]["killed_after_group_of"]


def test_kill_between_a_lone_units_commit_and_its_ack_keeps_that_ballot(
    imported: Panel,
) -> None:
    kills, stored, acked = _run_crash_script(imported, kill_at=1)

    assert kills and kills[0]["killed_after_group_of"] == 1
    assert kills[0]["thread"] != "vcop-group-commit"  # it committed on its caller's thread
    assert not acked and len(stored) == 1  # committed, never acknowledged, and kept
