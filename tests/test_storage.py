"""Storage on a real SQLite file: WAL, busy timeout, migrations, upserted votes,
all-or-nothing units of work, the append-only audit log, and worker threads."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from bot.models import MeetingStatus, MemberNotes, VoteOption
from storage.db import BUSY_TIMEOUT_MS, Connections, open_db
from storage.migrations import MIGRATIONS
from storage.repo import BALLOT_AUDIT_ACTIONS, Repository

if TYPE_CHECKING:
    from conftest import Panel, PanelFactory

TABLES = {"meetings", "cases", "votes", "notes", "resolutions", "audit", "posts"}
EIGHT_MEMBERS = [f"U0MEMBER{n}" for n in range(1, 9)]


def _pragma(conn: sqlite3.Connection | Any, name: str) -> Any:
    return conn.execute(f"PRAGMA {name}").fetchone()[0]


def _own_connection(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=0)


# Opening the file -------------------------------------------------------------------


def test_the_database_uses_wal_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "panel.db"
    repo = Repository(path)
    try:
        seen: dict[str, Any] = {}

        def from_worker() -> None:
            conn = repo.db.conn
            seen.update(
                busy=_pragma(conn, "busy_timeout"),
                fk=_pragma(conn, "foreign_keys"),
                sync=_pragma(conn, "synchronous"),
            )

        worker = threading.Thread(target=from_worker)
        worker.start()
        worker.join()

        assert _pragma(repo.db.conn, "journal_mode") == "wal"
        assert _pragma(repo.db.conn, "busy_timeout") == BUSY_TIMEOUT_MS >= 5_000
        assert _pragma(repo.db.conn, "foreign_keys") == 1
        assert _pragma(repo.db.conn, "synchronous") == 2  # FULL
        assert seen == {"busy": BUSY_TIMEOUT_MS, "fk": 1, "sync": 2}
    finally:
        repo.close()
    # WAL is a property of the file: a fresh connection sees it too.
    conn = _own_connection(path)
    try:
        assert _pragma(conn, "journal_mode") == "wal"
    finally:
        conn.close()


def test_each_thread_gets_its_own_connection(tmp_path: Path) -> None:
    connections = Connections(tmp_path / "panel.db")
    try:
        main = connections.db
        found: list[Any] = []
        worker = threading.Thread(target=lambda: found.append(connections.db))
        worker.start()
        worker.join()

        assert connections.db is main
        assert found[0] is not main
    finally:
        connections.close()


def test_open_db_creates_missing_folders(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "panel.db"

    db = open_db(path)
    try:
        assert path.exists()
        assert set(db.table_names()) >= TABLES
    finally:
        db.close()


def test_migrations_are_idempotent_and_keep_data(imported: Panel) -> None:
    imported.vote(imported.members[0])
    imported.close()

    applied: list[list[str]] = []
    for _ in range(2):
        db = open_db(imported.db_path)
        try:
            assert MIGRATIONS.pending(db) == []
            applied.append([migration.name for migration in MIGRATIONS.applied(db)])
            assert set(db.table_names()) >= TABLES
        finally:
            db.close()

    assert applied[0] == applied[1]
    assert applied[0][0] == "m001_core"
    assert len(set(applied[0])) == len(applied[0])
    reopened = Repository(imported.db_path)
    try:
        assert reopened.get_meeting(imported.MEETING_ID) is not None
        assert reopened.count_votes(imported.MEETING_ID) == 12
    finally:
        reopened.close()


def test_a_database_from_before_the_report_gains_about_and_panel_notes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(path)
    MIGRATIONS.apply(db, stop_before="m004_report_about_and_panel_notes")
    db.table("meetings").insert(
        {
            "id": "2024-01-old",
            "title": "Burglary",
            "date": "2024-01-10",
            "voting_closes": "2024-01-08T17:00:00+00:00",
            "code_edition": "2021",
            "status": "closed",
            "created_at": "2024-01-01T09:00:00+00:00",
        }
    )
    db.conn.commit()
    db.close()

    repo = Repository(path)
    try:
        meeting = repo.get_meeting("2024-01-old")
        assert meeting is not None and meeting.title == "Burglary" and meeting.about == ""
        assert repo.panel_notes("2024-01-old") is None
    finally:
        repo.close()


def test_foreign_keys_are_enforced(panel: Panel) -> None:
    ballot = panel.ballot(panel.members[0], meeting_id="no-such-meeting")

    with pytest.raises(sqlite3.IntegrityError), panel.repo.unit_of_work():
        panel.repo.save_ballot(ballot, panel.clock.now())

    assert panel.count("votes") == 0


# Votes: one row per meeting/case/member/right ---------------------------------------------


def test_saving_a_ballot_again_replaces_the_members_rows(imported: Panel) -> None:
    repo, member = imported.repo, imported.members[0]
    first = imported.ballot(member, option=VoteOption.MET)
    second = imported.ballot(
        member,
        option=VoteOption.NOT_MET,
        changes={4: VoteOption.ABSTAIN},
        notes=MemberNotes(learning="Write to the victim sooner"),
    )

    with repo.unit_of_work():
        repo.save_ballot(first, imported.clock.now())
    later = imported.clock.advance(dt.timedelta(hours=1))
    with repo.unit_of_work():
        repo.save_ballot(second, later)

    assert imported.count("votes") == 12
    assert imported.count("notes") == 1
    stored = repo.member_votes(imported.MEETING_ID, imported.REFS[0], member)
    assert {vote.right: vote.option for vote in stored} == second.choices
    assert {vote.cast_at for vote in stored} == {later}
    assert repo.member_notes(imported.MEETING_ID, imported.REFS[0], member) == second.notes


def test_ballot_state_counts_the_cases_voters_and_marks_the_members_cases_in_agenda_order(
    imported: Panel,
) -> None:
    first, second = imported.members[:2]
    imported.vote(first, ref=imported.REFS[2])
    imported.vote(second, ref=imported.REFS[2])
    imported.vote(first, ref=imported.REFS[0])

    state = imported.repo.ballot_state(imported.MEETING_ID, imported.REFS[2], first)

    assert state.voters == 2
    assert state.agenda == tuple(imported.REFS)
    assert state.voted == {imported.REFS[0], imported.REFS[2]}
    assert imported.repo.refs_voted_by(imported.MEETING_ID, first) == set(state.voted)
    assert imported.repo.refs_voted_by(imported.MEETING_ID, imported.members[2]) == set()
    untouched = imported.repo.ballot_state(imported.MEETING_ID, imported.REFS[1], first)
    assert (untouched.voters, untouched.voted) == (0, state.voted)


def test_ballot_state_counts_voters_as_the_votes_do_with_empty_notes_and_resubmissions(
    imported: Panel,
) -> None:
    ref = imported.REFS[1]
    for index, member in enumerate(imported.members):
        imported.vote(member, ref, notes=MemberNotes())  # no notes at all: still counted
        imported.vote(member, ref, VoteOption.NOT_MET if index % 2 else VoteOption.MET)
        state = imported.repo.ballot_state(imported.MEETING_ID, ref, member)
        assert state.voters == imported.repo.count_voters(imported.MEETING_ID, ref) == index + 1


def test_votes_table_key_is_meeting_case_member_right(imported: Panel) -> None:
    conn = _own_connection(imported.db_path)
    try:
        columns = conn.execute("PRAGMA table_info(votes)").fetchall()
    finally:
        conn.close()

    key = [row[1] for row in sorted(columns, key=lambda row: row[5]) if row[5]]
    assert key == ["meeting_id", "case_ref", "member", "right"]


_example_ids = itertools.count()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ballots=st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(list(VoteOption))),
        min_size=1,
        max_size=8,
    )
)
def test_the_last_ballot_of_each_member_is_what_is_stored(
    panel: Panel, ballots: list[tuple[int, VoteOption]]
) -> None:
    meeting_id = f"m-{next(_example_ids)}"
    panel.import_meeting(panel.meeting_doc(meeting_id=meeting_id))
    last: dict[str, VoteOption] = {}

    for index, option in ballots:
        member = panel.members[index]
        panel.vote(member, option=option, meeting_id=meeting_id)
        last[member] = option

    assert panel.repo.count_votes(meeting_id) == 12 * len(last)
    for member, option in last.items():
        stored = panel.repo.member_votes(meeting_id, panel.REFS[0], member)
        assert [vote.option for vote in stored] == [option] * 12


# Units of work ------------------------------------------------------------------------------


def test_a_unit_of_work_rolls_everything_back_on_an_exception(imported: Panel) -> None:
    repo, now = imported.repo, imported.clock.now()
    before = {table: imported.count(table) for table in TABLES}

    with pytest.raises(RuntimeError, match="boom"), repo.unit_of_work():
        repo.save_ballot(imported.ballot(imported.members[0]), now)
        repo.set_meeting_status(imported.MEETING_ID, MeetingStatus.CLOSED, now)
        repo.save_post(imported.MEETING_ID, "BG-01", "C0PANEL001", "1.0")
        repo.append_audit(now, "cli", "test.write", imported.MEETING_ID, new={"x": 1})
        raise RuntimeError("boom")

    assert {table: imported.count(table) for table in TABLES} == before
    assert imported.service.meetings.get_meeting(imported.MEETING_ID).is_open
    assert not repo.db.conn.in_transaction


def test_a_unit_of_work_is_invisible_to_others_until_it_commits(imported: Panel) -> None:
    repo = imported.repo
    reader = _own_connection(imported.db_path)
    try:
        with repo.unit_of_work():
            repo.save_ballot(imported.ballot(imported.members[0]), imported.clock.now())
            seen_inside = reader.execute("select count(*) from votes").fetchone()[0]
        seen_after = reader.execute("select count(*) from votes").fetchone()[0]
    finally:
        reader.close()

    assert (seen_inside, seen_after) == (0, 12)


def test_a_unit_of_work_holds_the_write_lock_from_its_start(imported: Panel) -> None:
    other = _own_connection(imported.db_path)
    try:
        # BEGIN IMMEDIATE: even before its first write, no one else may start writing.
        with (
            imported.repo.unit_of_work(),
            pytest.raises(sqlite3.OperationalError, match="database is locked"),
        ):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
    finally:
        other.close()


def _meeting_events_indexed(path: Path) -> int:
    """How many audit rows the meeting-events index holds (read through the index)."""
    conn = _own_connection(path)
    try:
        row = conn.execute(
            "select count(*) from audit indexed by idx_audit_meeting_events "
            "where action not in ('vote.cast', 'vote.change')"
        ).fetchone()
        return int(row[0])
    finally:
        conn.close()


def test_ballot_audit_entries_stay_out_of_the_meeting_events_index(imported: Panel) -> None:
    member = imported.members[0]
    imported.vote(member, option=VoteOption.MET)
    imported.vote(member, option=VoteOption.NOT_MET)
    entries = imported.repo.audit_entries(imported.MEETING_ID)
    ballots = [e for e in entries if e.action in BALLOT_AUDIT_ACTIONS]
    others = [e for e in entries if e.action not in BALLOT_AUDIT_ACTIONS]

    assert [e.action for e in ballots] == ["vote.cast", "vote.change"]
    assert _meeting_events_indexed(imported.db_path) == len(others) > 0
    conn = _own_connection(imported.db_path)
    try:
        names = {row[0] for row in conn.execute("select name from sqlite_master")}
    finally:
        conn.close()
    assert "idx_audit_meeting_id" not in names


def test_latest_audit_finds_meeting_events_by_the_index_and_ballots_by_a_scan(
    imported: Panel,
) -> None:
    repo, now = imported.repo, imported.clock.now()
    member = imported.members[0]
    with repo.unit_of_work():
        repo.append_audit(now, "cli", "meeting.extend", imported.MEETING_ID, new="first")
        repo.append_audit(now, "cli", "meeting.extend", imported.MEETING_ID, new="second")
        repo.append_audit(now, "cli", "meeting.extend", "another-meeting", new="elsewhere")
    imported.vote(member, option=VoteOption.MET)

    queries: list[tuple[str, Any]] = []
    with repo.db.tracer(lambda sql, params: queries.append((sql, params))):
        extension = repo.latest_audit(imported.MEETING_ID, "meeting.extend")
    ballot = repo.latest_audit(imported.MEETING_ID, "vote.cast")

    assert extension is not None and json.loads(extension.new or "null") == "second"
    assert ballot is not None and ballot.actor == member
    assert repo.latest_audit(imported.MEETING_ID, "vote.change") is None
    [(sql, params)] = queries
    conn = _own_connection(imported.db_path)
    try:
        plan = conn.execute(f"explain query plan {sql}", params).fetchall()
    finally:
        conn.close()
    assert "idx_audit_meeting_events" in " ".join(str(step[-1]) for step in plan)


def test_an_older_database_moves_its_audit_index_to_meeting_events(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(path)
    MIGRATIONS.apply(db, stop_before="m007_audit_meeting_events_index")
    db.conn.commit()
    db.close()

    repo = Repository(path)
    try:
        now = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
        with repo.unit_of_work():
            repo.append_audit(now, "cli", "meeting.extend", "m", new="x")
        assert repo.latest_audit("m", "meeting.extend") is not None
    finally:
        repo.close()
    conn = _own_connection(path)
    try:
        indexes = {
            row[0] for row in conn.execute("select name from sqlite_master where type = 'index'")
        }
    finally:
        conn.close()
    assert "idx_audit_meeting_events" in indexes and "idx_audit_meeting_id" not in indexes


def test_a_nested_unit_of_work_joins_the_outer_one(imported: Panel) -> None:
    repo, now = imported.repo, imported.clock.now()

    with repo.unit_of_work():
        repo.append_audit(now, "cli", "outer.before", imported.MEETING_ID)
        with pytest.raises(ValueError), repo.unit_of_work():
            repo.append_audit(now, "cli", "inner", imported.MEETING_ID)
            raise ValueError("inner fails")
        repo.append_audit(now, "cli", "outer.after", imported.MEETING_ID)

    actions = [entry.action for entry in repo.audit_entries(imported.MEETING_ID)]
    assert actions == ["meeting.import", "outer.before", "outer.after"]


def test_a_failed_service_call_stores_nothing(imported: Panel) -> None:
    before = {table: imported.count(table) for table in TABLES}
    ballot = imported.ballot(imported.members[0], ref="NO-SUCH-CASE")

    with pytest.raises(Exception, match="NO-SUCH-CASE"):
        imported.service.voting.record_ballot(ballot)

    assert {table: imported.count(table) for table in TABLES} == before


# The audit log --------------------------------------------------------------------------------


def _audit_rows(panel: Panel) -> list[dict[str, Any]]:
    conn = _own_connection(panel.db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute("select * from audit order by id")]
    finally:
        conn.close()


def test_audit_rows_hold_old_and_new_values_as_json(imported: Panel) -> None:
    member = imported.members[0]
    imported.vote(member, option=VoteOption.MET)
    imported.vote(member, option=VoteOption.MET, changes={2: VoteOption.NOT_MET})
    imported.service.meetings.close_voting(imported.MEETING_ID, imported.chair)

    rows = _audit_rows(imported)

    assert [row["action"] for row in rows] == [
        "meeting.import",
        "vote.cast",
        "vote.change",
        "meeting.close",
    ]
    _, cast, change, close = rows
    assert (cast["actor"], cast["meeting_id"], cast["case_ref"]) == (
        member,
        "2099-03-burglary",
        "BG-01",
    )
    assert cast["old"] is None
    assert json.loads(cast["new"]) == {str(n): "Met" for n in range(1, 13)}
    assert json.loads(change["old"]) == {str(n): "Met" for n in range(1, 13)}
    assert json.loads(change["new"]) == {
        str(n): ("Not met" if n == 2 else "Met") for n in range(1, 13)
    }
    assert (json.loads(close["old"]), json.loads(close["new"])) == ("open", "closed")
    assert close["actor"] == imported.chair
    for row in rows:
        assert dt.datetime.fromisoformat(row["at"]).utcoffset() == dt.timedelta(0)


def test_the_audit_log_only_grows(imported: Panel) -> None:
    before = _audit_rows(imported)

    imported.vote(imported.members[0])
    imported.vote(imported.members[0], option=VoteOption.NOT_MET)
    imported.import_meeting(imported.meeting_doc(meeting_id="another"))
    imported.import_meeting(imported.meeting_doc(meeting_id="another", title="T2"), replace=True)
    after = _audit_rows(imported)

    assert after[: len(before)] == before
    assert len(after) == len(before) + 4
    ids = [row["id"] for row in after]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


# Worker threads ---------------------------------------------------------------------------------


def _eight_members(raw: dict[str, Any]) -> None:
    raw["panel"]["members"] = EIGHT_MEMBERS


@pytest.mark.parametrize("shared", [True, False], ids=["shared-service", "own-repository"])
def test_concurrent_ballots_from_eight_threads_all_land(
    make_panel: PanelFactory, shared: bool
) -> None:
    panel = make_panel(_eight_members)
    panel.import_meeting()
    services = [panel.service if shared else panel.new_service() for _ in EIGHT_MEMBERS]
    start = threading.Barrier(len(EIGHT_MEMBERS))
    errors: list[BaseException] = []

    def member_votes(member: str, index: int) -> None:
        service = services[index]
        try:
            start.wait(timeout=30)
            for ref in panel.REFS:
                service.voting.record_ballot(panel.ballot(member, ref, VoteOption.MET))
                service.voting.progress(panel.MEETING_ID)
            # and then changes their mind on the first case
            service.voting.record_ballot(panel.ballot(member, panel.REFS[0], VoteOption.NOT_MET))
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [
        threading.Thread(target=member_votes, args=(member, index))
        for index, member in enumerate(EIGHT_MEMBERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert panel.count("votes") == 8 * 3 * 12
    assert panel.count("notes") == 8 * 3
    actions = [entry.action for entry in panel.repo.audit_entries(panel.MEETING_ID)]
    assert actions.count("vote.cast") == 24
    assert actions.count("vote.change") == 8
    tally = panel.service.tallying.meeting_tally(panel.MEETING_ID)
    first, *others = tally.cases
    assert first.voters == 8
    assert first.rights[0].votes == {"Not met": 8}
    assert all(case.rights[0].votes == {"Met": 8} for case in others)
