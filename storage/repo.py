"""The only SQL in the project. Every method returns pydantic models.

Methods write inside whatever unit of work the caller opened
(`Repository.unit_of_work()`); the services decide what one unit of work is,
so a ballot's twelve votes and its notes land together or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import Table

from bot.models import (
    AuditEntry,
    Ballot,
    Case,
    CaseNotes,
    Meeting,
    MeetingStatus,
    MemberNotes,
    Resolution,
    Schedule,
    ScheduleKind,
    ScheduleStatus,
    TimelineEntry,
    Vote,
)
from storage.db import Connections


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _when(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


class Repository:
    """Reads and writes the panel's data; safe to share across threads."""

    def __init__(self, path: str | Path) -> None:
        self.connections = Connections(path)

    @property
    def db(self) -> Database:
        return self.connections.db

    def _t(self, name: str) -> Table:
        table = self.db[name]
        assert isinstance(table, Table)
        return table

    @contextmanager
    def unit_of_work(self) -> Iterator[Database]:
        with self.connections.unit_of_work() as db:
            yield db

    def close(self) -> None:
        self.connections.close()

    # Meetings -------------------------------------------------------------

    @staticmethod
    def _meeting(row: dict[str, Any]) -> Meeting:
        return Meeting(
            id=row["id"],
            title=row["title"],
            date=dt.date.fromisoformat(row["date"]),
            voting_closes=dt.datetime.fromisoformat(row["voting_closes"]),
            code_edition=row["code_edition"],
            status=MeetingStatus(row["status"]),
            closed_at=_when(row["closed_at"]),
            purged_at=_when(row["purged_at"]),
        )

    def get_meeting(self, meeting_id: str) -> Meeting | None:
        rows = list(self.db.query("select * from meetings where id = ?", [meeting_id]))
        return self._meeting(rows[0]) if rows else None

    def list_meetings(self) -> list[Meeting]:
        rows = self.db.query("select * from meetings order by date desc, id desc")
        return [self._meeting(row) for row in rows]

    def latest_open_meeting(self) -> Meeting | None:
        rows = list(
            self.db.query(
                "select * from meetings where status = ? order by date desc, id desc limit 1",
                [MeetingStatus.OPEN.value],
            )
        )
        return self._meeting(rows[0]) if rows else None

    def save_meeting(self, meeting: Meeting, created_at: dt.datetime) -> None:
        self._t("meetings").upsert(
            {
                "id": meeting.id,
                "title": meeting.title,
                "date": meeting.date.isoformat(),
                "voting_closes": _iso(meeting.voting_closes),
                "code_edition": meeting.code_edition,
                "status": meeting.status.value,
                "closed_at": _iso(meeting.closed_at),
                "purged_at": _iso(meeting.purged_at),
                "created_at": _iso(created_at),
            },
            pk="id",
        )

    def delete_meeting_contents(self, meeting_id: str) -> None:
        """Drop a meeting's cases and posts (for --replace, which has no votes to lose)."""
        for table in ("posts", "notes", "resolutions", "cases"):
            self.db.execute(f"delete from {table} where meeting_id = ?", [meeting_id])

    def set_meeting_status(
        self, meeting_id: str, status: MeetingStatus, closed_at: dt.datetime | None
    ) -> None:
        self.db.execute(
            "update meetings set status = ?, closed_at = ? where id = ?",
            [status.value, _iso(closed_at), meeting_id],
        )

    def set_voting_closes(self, meeting_id: str, closes: dt.datetime) -> None:
        self.db.execute(
            "update meetings set voting_closes = ? where id = ?", [_iso(closes), meeting_id]
        )

    # Cases ----------------------------------------------------------------

    @staticmethod
    def _case(row: dict[str, Any]) -> Case:
        timeline = tuple(TimelineEntry(**item) for item in json.loads(row["timeline"] or "[]"))
        return Case(
            meeting_id=row["meeting_id"],
            ref=row["ref"],
            position=row["position"],
            offence=row["offence"],
            outcome=row["outcome"],
            summary=row["summary"],
            timeline=timeline,
            relisted_from=row["relisted_from"],
        )

    def save_cases(self, cases: Iterable[Case]) -> None:
        self._t("cases").upsert_all(
            (
                {
                    "meeting_id": case.meeting_id,
                    "ref": case.ref,
                    "position": case.position,
                    "offence": case.offence,
                    "outcome": case.outcome,
                    "summary": case.summary,
                    "timeline": json.dumps([e.model_dump() for e in case.timeline]),
                    "relisted_from": case.relisted_from,
                }
                for case in cases
            ),
            pk=("meeting_id", "ref"),
        )

    def list_cases(self, meeting_id: str) -> list[Case]:
        rows = self.db.query(
            "select * from cases where meeting_id = ? order by position, ref", [meeting_id]
        )
        return [self._case(row) for row in rows]

    def get_case(self, meeting_id: str, ref: str) -> Case | None:
        rows = list(
            self.db.query("select * from cases where meeting_id = ? and ref = ?", [meeting_id, ref])
        )
        return self._case(rows[0]) if rows else None

    def count_cases(self, meeting_id: str) -> int:
        row = next(
            self.db.query("select count(*) as n from cases where meeting_id = ?", [meeting_id])
        )
        return int(row["n"])

    # Votes and notes ------------------------------------------------------

    def save_ballot(self, ballot: Ballot, at: dt.datetime) -> None:
        """Upsert the member's vote on every right: a resubmission replaces, never adds."""
        self._t("votes").upsert_all(
            [
                {
                    "meeting_id": ballot.meeting_id,
                    "case_ref": ballot.case_ref,
                    "member": ballot.member,
                    "right": right,
                    "option": option.value,
                    "cast_at": _iso(at),
                }
                for right, option in sorted(ballot.choices.items())
            ],
            pk=("meeting_id", "case_ref", "member", "right"),
        )
        self._t("notes").upsert(
            {
                "meeting_id": ballot.meeting_id,
                "case_ref": ballot.case_ref,
                "member": ballot.member,
                **ballot.notes.model_dump(),
                "updated_at": _iso(at),
            },
            pk=("meeting_id", "case_ref", "member"),
        )

    @staticmethod
    def _vote(row: dict[str, Any]) -> Vote:
        return Vote(
            meeting_id=row["meeting_id"],
            case_ref=row["case_ref"],
            member=row["member"],
            right=row["right"],
            option=row["option"],
            cast_at=dt.datetime.fromisoformat(row["cast_at"]),
        )

    def votes_for_meeting(self, meeting_id: str) -> list[Vote]:
        rows = self.db.query(
            "select * from votes where meeting_id = ? order by case_ref, member, right",
            [meeting_id],
        )
        return [self._vote(row) for row in rows]

    def member_votes(self, meeting_id: str, case_ref: str, member: str) -> list[Vote]:
        rows = self.db.query(
            "select * from votes where meeting_id = ? and case_ref = ? and member = ? "
            "order by right",
            [meeting_id, case_ref, member],
        )
        return [self._vote(row) for row in rows]

    def voters_by_case(self, meeting_id: str) -> dict[str, set[str]]:
        """Who has voted on each case: members only, never what they chose."""
        result: dict[str, set[str]] = {}
        for row in self.db.query(
            "select distinct case_ref, member from votes where meeting_id = ?", [meeting_id]
        ):
            result.setdefault(row["case_ref"], set()).add(row["member"])
        return result

    def count_votes(self, meeting_id: str) -> int:
        row = next(
            self.db.query("select count(*) as n from votes where meeting_id = ?", [meeting_id])
        )
        return int(row["n"])

    def member_notes(self, meeting_id: str, case_ref: str, member: str) -> MemberNotes | None:
        rows = list(
            self.db.query(
                "select * from notes where meeting_id = ? and case_ref = ? and member = ?",
                [meeting_id, case_ref, member],
            )
        )
        return self._notes(rows[0]).notes if rows else None

    @staticmethod
    def _notes(row: dict[str, Any]) -> CaseNotes:
        return CaseNotes(
            case_ref=row["case_ref"],
            member=row["member"],
            notes=MemberNotes(
                good_practice=row["good_practice"] or "",
                observations=row["observations"] or "",
                learning=row["learning"] or "",
            ),
        )

    def notes_for_meeting(self, meeting_id: str) -> list[CaseNotes]:
        rows = self.db.query(
            "select * from notes where meeting_id = ? order by case_ref, updated_at, member",
            [meeting_id],
        )
        return [self._notes(row) for row in rows]

    # Resolutions ----------------------------------------------------------

    def save_resolution(self, resolution: Resolution) -> None:
        self._t("resolutions").upsert(
            {
                "meeting_id": resolution.meeting_id,
                "case_ref": resolution.case_ref,
                "right": resolution.right,
                "finding": resolution.finding.value,
                "reason": resolution.reason,
                "chair": resolution.chair,
                "resolved_at": _iso(resolution.resolved_at),
            },
            pk=("meeting_id", "case_ref", "right"),
        )

    def resolutions_for_meeting(self, meeting_id: str) -> list[Resolution]:
        rows = self.db.query(
            "select * from resolutions where meeting_id = ? order by case_ref, right",
            [meeting_id],
        )
        return [
            Resolution(
                meeting_id=row["meeting_id"],
                case_ref=row["case_ref"],
                right=row["right"],
                finding=row["finding"],
                reason=row["reason"],
                chair=row["chair"],
                resolved_at=dt.datetime.fromisoformat(row["resolved_at"]),
            )
            for row in rows
        ]

    # Audit log (append-only) ---------------------------------------------

    def append_audit(
        self,
        at: dt.datetime,
        actor: str,
        action: str,
        meeting_id: str | None = None,
        case_ref: str | None = None,
        old: object = None,
        new: object = None,
    ) -> None:
        self._t("audit").insert(
            {
                "at": _iso(at),
                "actor": actor,
                "action": action,
                "meeting_id": meeting_id,
                "case_ref": case_ref,
                "old": None if old is None else json.dumps(old, sort_keys=True, default=str),
                "new": None if new is None else json.dumps(new, sort_keys=True, default=str),
            }
        )

    def audit_entries(self, meeting_id: str | None = None) -> list[AuditEntry]:
        if meeting_id is None:
            rows = self.db.query("select * from audit order by id")
        else:
            rows = self.db.query(
                "select * from audit where meeting_id = ? order by id", [meeting_id]
            )
        return [
            AuditEntry(
                id=row["id"],
                at=dt.datetime.fromisoformat(row["at"]),
                actor=row["actor"],
                action=row["action"],
                meeting_id=row["meeting_id"],
                case_ref=row["case_ref"],
                old=row["old"],
                new=row["new"],
            )
            for row in rows
        ]

    # Slack posts (where each case's message lives) -------------------------

    def get_post(self, meeting_id: str, case_ref: str) -> tuple[str, str] | None:
        rows = list(
            self.db.query(
                "select channel, ts from posts where meeting_id = ? and case_ref = ?",
                [meeting_id, case_ref],
            )
        )
        return (rows[0]["channel"], rows[0]["ts"]) if rows else None

    def save_post(self, meeting_id: str, case_ref: str, channel: str, ts: str) -> None:
        self._t("posts").upsert(
            {"meeting_id": meeting_id, "case_ref": case_ref, "channel": channel, "ts": ts},
            pk=("meeting_id", "case_ref"),
        )

    # Schedules (deadlines and reminders) ----------------------------------

    @staticmethod
    def _schedule(row: dict[str, Any]) -> Schedule:
        return Schedule(
            id=row["id"],
            meeting_id=row["meeting_id"],
            kind=ScheduleKind(row["kind"]),
            due_at=dt.datetime.fromisoformat(row["due_at"]),
            status=ScheduleStatus(row["status"]),
            done_at=_when(row["done_at"]),
        )

    def save_schedule(self, schedule: Schedule) -> None:
        self._t("schedules").upsert(
            {
                "id": schedule.id,
                "meeting_id": schedule.meeting_id,
                "kind": schedule.kind.value,
                "due_at": _iso(schedule.due_at),
                "status": schedule.status.value,
                "done_at": _iso(schedule.done_at),
            },
            pk="id",
        )

    def get_schedule(self, schedule_id: str) -> Schedule | None:
        rows = list(self.db.query("select * from schedules where id = ?", [schedule_id]))
        return self._schedule(rows[0]) if rows else None

    def schedules(
        self, meeting_id: str | None = None, status: ScheduleStatus | None = None
    ) -> list[Schedule]:
        clauses, params = [], []
        if meeting_id is not None:
            clauses.append("meeting_id = ?")
            params.append(meeting_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(status.value)
        where = f"where {' and '.join(clauses)}" if clauses else ""
        rows = self.db.query(f"select * from schedules {where} order by due_at, id", params)
        return [self._schedule(row) for row in rows]

    def set_schedule_status(
        self, schedule_id: str, status: ScheduleStatus, at: dt.datetime | None
    ) -> None:
        self.db.execute(
            "update schedules set status = ?, done_at = ? where id = ?",
            [status.value, _iso(at), schedule_id],
        )

    def delivered(self, schedule_id: str) -> set[str]:
        rows = self.db.query(
            "select target from deliveries where schedule_id = ?", [schedule_id]
        )
        return {row["target"] for row in rows}

    def record_delivery(self, schedule_id: str, target: str, at: dt.datetime) -> None:
        self._t("deliveries").insert(
            {"schedule_id": schedule_id, "target": target, "sent_at": _iso(at)},
            pk=("schedule_id", "target"),
            ignore=True,
        )
