"""Schema migrations, applied in order at start-up (sqlite-utils `Migrations`).

Never edit a migration that has shipped: add a new one, so existing panel
databases move forward without losing votes.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations
from sqlite_utils.db import Table

MIGRATIONS = Migrations("vcop")


def _table(db: Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table)
    return table


@MIGRATIONS()
def m001_core(db: Database) -> None:
    _table(db, "meetings").create(
        {
            "id": str,
            "title": str,
            "date": str,
            "voting_closes": str,
            "code_edition": str,
            "status": str,
            "closed_at": str,
            "purged_at": str,
            "created_at": str,
        },
        pk="id",
        not_null={"title", "date", "voting_closes", "code_edition", "status", "created_at"},
    )
    _table(db, "cases").create(
        {
            "meeting_id": str,
            "ref": str,
            "position": int,
            "offence": str,
            "outcome": str,
            "summary": str,
            "timeline": str,
            "relisted_from": str,
        },
        pk=("meeting_id", "ref"),
        foreign_keys=[("meeting_id", "meetings", "id")],
        not_null={"position", "offence", "outcome", "summary"},
    )
    _table(db, "votes").create(
        {
            "meeting_id": str,
            "case_ref": str,
            "member": str,
            "right": int,
            "option": str,
            "cast_at": str,
        },
        pk=("meeting_id", "case_ref", "member", "right"),
        foreign_keys=[("meeting_id", "meetings", "id")],
        not_null={"option", "cast_at"},
    )
    _table(db, "notes").create(
        {
            "meeting_id": str,
            "case_ref": str,
            "member": str,
            "good_practice": str,
            "observations": str,
            "learning": str,
            "updated_at": str,
        },
        pk=("meeting_id", "case_ref", "member"),
        foreign_keys=[("meeting_id", "meetings", "id")],
    )
    _table(db, "resolutions").create(
        {
            "meeting_id": str,
            "case_ref": str,
            "right": int,
            "finding": str,
            "reason": str,
            "chair": str,
            "resolved_at": str,
        },
        pk=("meeting_id", "case_ref", "right"),
        foreign_keys=[("meeting_id", "meetings", "id")],
    )
    _table(db, "audit").create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,
            "meeting_id": str,
            "case_ref": str,
            "old": str,
            "new": str,
        },
        pk="id",
        not_null={"at", "actor", "action"},
    )
    _table(db, "posts").create(
        {"meeting_id": str, "case_ref": str, "channel": str, "ts": str},
        pk=("meeting_id", "case_ref"),
    )
    _table(db, "audit").create_index(["meeting_id"])


@MIGRATIONS()
def m002_schedules(db: Database) -> None:
    """Deadlines and reminders live here, so jobs can be rebuilt after a restart."""
    _table(db, "schedules").create(
        {
            "id": str,
            "meeting_id": str,
            "kind": str,
            "due_at": str,
            "status": str,
            "done_at": str,
        },
        pk="id",
        foreign_keys=[("meeting_id", "meetings", "id")],
        not_null={"meeting_id", "kind", "due_at", "status"},
    )
    _table(db, "schedules").create_index(["status", "due_at"])
    # One row per message a schedule sent: a restart never sends the same DM twice.
    _table(db, "deliveries").create(
        {"schedule_id": str, "target": str, "sent_at": str},
        pk=("schedule_id", "target"),
    )


@MIGRATIONS()
def m003_seen_events(db: Database) -> None:
    """Events API deliveries already acted on: a retry after a restart runs nothing twice."""
    _table(db, "seen_events").create(
        {"event_id": str, "seen_at": str},
        pk="event_id",
        not_null={"seen_at"},
    )
    _table(db, "seen_events").create_index(["seen_at"])


@MIGRATIONS()
def m004_report_about_and_panel_notes(db: Database) -> None:
    """The theme text a meeting file may carry, and the panel-wide notes of a meeting."""
    meetings = _table(db, "meetings")
    if "about" not in meetings.columns_dict:
        meetings.add_column("about", str, not_null_default="")
    _table(db, "panel_notes").create(
        {
            "meeting_id": str,
            "good_practice": str,
            "observations": str,
            "learning": str,
            "updated_by": str,
            "updated_at": str,
        },
        pk="meeting_id",
        foreign_keys=[("meeting_id", "meetings", "id")],
        not_null={"good_practice", "observations", "learning", "updated_by", "updated_at"},
        if_not_exists=True,
    )


@MIGRATIONS()
def m005_operations(db: Database) -> None:
    """What running the bot as a service needs from the database.

    ``posts.desired_digest`` is a digest of the rendering a channel message should
    show and ``shown_digest`` of the one Slack confirmed: while they differ, the
    message is owed an update, re-rendered from the database and re-sent until
    Slack takes it (a close that met an outage still ends with every case message
    showing voting closed). Only digests are kept, never a copy of the text, so a
    retention purge leaves no narrative behind here. ``health`` is the one row
    /healthz writes to prove the database takes writes.
    """
    posts = _table(db, "posts")
    posts.add_column("desired_digest", str)
    posts.add_column("shown_digest", str)
    _table(db, "health").create({"id": int, "checked_at": str}, pk="id")


@MIGRATIONS()
def m006_actions(db: Database) -> None:
    """Actions agencies owe after a meeting, and each update to them (who, when, what).

    Idempotent, so a database that gained these tables under an earlier name moves on.
    """
    _table(db, "actions").create(
        {
            "id": int,
            "meeting_id": str,
            "agency": str,
            "description": str,
            "due": str,
            "case_ref": str,
            "right": int,
            "status": str,
            "created_by": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("meeting_id", "meetings", "id")],
        if_not_exists=True,
        not_null={
            "meeting_id",
            "agency",
            "description",
            "due",
            "status",
            "created_by",
            "created_at",
        },
    )
    _table(db, "actions").create_index(["status", "due"], if_not_exists=True)
    _table(db, "action_updates").create(
        {"id": int, "action_id": int, "at": str, "actor": str, "text": str, "status": str},
        pk="id",
        foreign_keys=[("action_id", "actions", "id")],
        not_null={"action_id", "at", "actor", "text"},
        if_not_exists=True,
    )
    _table(db, "action_updates").create_index(["action_id"], if_not_exists=True)


@MIGRATIONS()
def m007_audit_meeting_events_index(db: Database) -> None:
    """Index a meeting's audit entries other than ballots, for the lookups that need one.

    The bot looks up a meeting's latest extension every minute; nothing looks up ballot
    entries by meeting except a full export, which reads the whole log anyway. Indexing
    every ballot's row cost each vote's durable commit one more page.
    """
    db.execute("DROP INDEX IF EXISTS idx_audit_meeting_id")
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_audit_meeting_events ON audit (meeting_id, action) "
        "WHERE action NOT IN ('vote.cast', 'vote.change')"
    )
