"""The only SQL in the project. Every method returns pydantic models.

Methods write inside whatever unit of work the caller opened
(`Repository.unit_of_work()`); the services decide what one unit of work is,
so a ballot's twelve votes and its notes land together or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database
from sqlite_utils.db import Table

from bot.actions import Action, ActionStatus, ActionUpdate, NewAction
from bot.models import (
    VOTE_OPTION_BY_LABEL,
    AuditEntry,
    Ballot,
    Case,
    CaseNotes,
    Meeting,
    MeetingStatus,
    MemberNotes,
    PanelNotes,
    Resolution,
    Schedule,
    ScheduleKind,
    ScheduleStatus,
    TimelineEntry,
    Vote,
    VoteOption,
)
from storage.db import BUSY_TIMEOUT_MS, Connections

T = TypeVar("T")

_MEETING_COLUMNS = (
    "id",
    "title",
    "date",
    "voting_closes",
    "code_edition",
    "status",
    "closed_at",
    "purged_at",
)


logger = logging.getLogger(__name__)

#: The audit actions each ballot writes, which the meeting-events index (migration m007)
#: leaves out; its condition is repeated verbatim in the queries that are to use it.
BALLOT_AUDIT_ACTIONS = ("vote.cast", "vote.change")
_MEETING_EVENTS = f"action not in ({', '.join(repr(action) for action in BALLOT_AUDIT_ACTIONS)})"

# One encoder for every audit entry's old and new values: json.dumps with options
# builds a new encoder on each call, and every vote writes an entry.
_audit_json = json.JSONEncoder(sort_keys=True, default=str).encode


@dataclass(frozen=True, slots=True)
class BallotState:
    """What ``Repository.ballot_state`` read before a ballot is saved.

    ``meeting`` is None when there is no such meeting. ``voters`` counts the members who
    had voted on the case, ``voted`` the cases this member had voted on, and ``agenda``
    is the meeting's cases in order: enough for the receipt without a second read.
    A plain dataclass: it is built for every vote from the bot's own rows, so pydantic's
    validation would only repeat what the database already holds.
    """

    meeting: Meeting | None
    case_exists: bool
    choices: dict[int, VoteOption]
    notes: MemberNotes | None
    voters: int = 0
    agenda: tuple[str, ...] = ()
    voted: frozenset[str] = frozenset()


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _when(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


@lru_cache(maxsize=64)
def _ballot_meeting(columns: tuple[Any, ...]) -> Meeting:
    """The meeting a ballot reads, built once per distinct stored row.

    Every vote reads its meeting's row, and the row seldom changes: a frozen Meeting
    built from the same values can be shared, where building it is a validation of
    every field on every vote.
    """
    return Repository._meeting(dict(zip(_MEETING_COLUMNS, columns, strict=True)))


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

    def grouped(self, work: Callable[[], T]) -> T:
        """Run ``work`` in a write transaction shared with the units waiting beside it."""
        return self.connections.grouped(work)

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
            about=row.get("about") or "",
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
                "about": meeting.about,
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

    def case_refs(self, meeting_id: str) -> list[str]:
        """A meeting's case refs in agenda order (``list_cases`` without reading the cases)."""
        rows = self.db.conn.execute(
            "select ref from cases where meeting_id = ? order by position, ref", [meeting_id]
        ).fetchall()
        return [ref for (ref,) in rows]

    def case_exists(self, meeting_id: str, ref: str) -> bool:
        row = self.db.conn.execute(
            "select 1 from cases where meeting_id = ? and ref = ?", [meeting_id, ref]
        ).fetchone()
        return row is not None

    def count_cases(self, meeting_id: str) -> int:
        row = next(
            self.db.query("select count(*) as n from cases where meeting_id = ?", [meeting_id])
        )
        return int(row["n"])

    # Votes and notes ------------------------------------------------------

    # The vote path runs on every submission, so its statements are plain SQL on
    # the connection: sqlite-utils' upsert_all inspects the table's columns on
    # every call, and its query() builds a dict per row. Same rows, same effect.

    def save_ballot(self, ballot: Ballot, at: dt.datetime) -> None:
        """Upsert the member's vote on every right: a resubmission replaces, never adds.

        The notes row is written even when every note is empty: one row per ballot is what
        ``ballot_state`` counts the case's voters by.
        """
        when = _iso(at)
        conn = self.db.conn
        rows = sorted(ballot.choices.items())
        if rows:
            # One statement for all the rights: SQLite steps it once, and each step
            # is a point where a busy server's other threads take the GIL away
            # from the thread holding the write lock.
            params: list[object] = []
            for right, option in rows:
                params += (ballot.meeting_id, ballot.case_ref, ballot.member, right)
                params += (str(option), when)  # the label: str() of a StrEnum
            conn.execute(
                "insert into votes (meeting_id, case_ref, member, [right], option, cast_at) "
                "values " + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(rows)) + " "
                "on conflict (meeting_id, case_ref, member, [right]) "
                "do update set option = excluded.option, cast_at = excluded.cast_at",
                params,
            )
        notes = ballot.notes
        conn.execute(
            "insert into notes (meeting_id, case_ref, member, good_practice, observations, "
            "learning, updated_at) values (?, ?, ?, ?, ?, ?, ?) "
            "on conflict (meeting_id, case_ref, member) do update set "
            "good_practice = excluded.good_practice, observations = excluded.observations, "
            "learning = excluded.learning, updated_at = excluded.updated_at",
            (
                ballot.meeting_id,
                ballot.case_ref,
                ballot.member,
                notes.good_practice,
                notes.observations,
                notes.learning,
                when,
            ),
        )

    def _votes(self, where: str, params: list[object], order: str) -> list[Vote]:
        rows = self.db.conn.execute(
            "select meeting_id, case_ref, member, [right], option, cast_at from votes "
            f"where {where} order by {order}",
            params,
        ).fetchall()
        return [
            Vote(
                meeting_id=meeting_id,
                case_ref=case_ref,
                member=member,
                right=right,
                option=option,
                cast_at=dt.datetime.fromisoformat(cast_at),
            )
            for meeting_id, case_ref, member, right, option, cast_at in rows
        ]

    def votes_for_meeting(self, meeting_id: str) -> list[Vote]:
        return self._votes("meeting_id = ?", [meeting_id], "case_ref, member, [right]")

    def member_votes(self, meeting_id: str, case_ref: str, member: str) -> list[Vote]:
        return self._votes(
            "meeting_id = ? and case_ref = ? and member = ?",
            [meeting_id, case_ref, member],
            "[right]",
        )

    def ballot_state(self, meeting_id: str, case_ref: str, member: str) -> BallotState:
        """Everything a new ballot is checked against and its receipt needs, in one statement.

        The meeting, whether the case exists, the member's current choices and notes on
        it, how many members had voted on it, and the agenda with the cases this member
        had voted on. A vote's transaction reads this while holding the write lock, and
        each statement SQLite steps lets the server's other threads take the GIL: so it
        is one query, read before the write (the receipt adds the ballot being saved).

        The voters are counted from ``notes``, which holds one row per member and case
        for every ballot ever saved (``save_ballot`` writes it, notes or none): a lookup
        of a few dozen rows, where counting distinct members in ``votes`` reads every
        vote on the case. Only a purge deletes notes while keeping the votes, and only of
        a closed meeting, which no ballot reaches (a replaced import has no votes).
        """
        row = self.db.conn.execute(
            "select m.id, m.title, m.date, m.voting_closes, m.code_edition, m.status, "
            "m.closed_at, m.purged_at, "
            "exists (select 1 from cases c where c.meeting_id = m.id and c.ref = ?2), "
            "(select json_group_object(v.[right], v.option) from votes v "
            " where v.meeting_id = m.id and v.case_ref = ?2 and v.member = ?3), "
            "n.member is not null, n.good_practice, n.observations, n.learning, "
            "(select count(*) from notes x where x.meeting_id = m.id and x.case_ref = ?2), "
            "(select json_group_array(json_array(c.position, c.ref, exists ("
            "   select 1 from votes v "
            "   where v.meeting_id = m.id and v.case_ref = c.ref and v.member = ?3))) "
            " from cases c where c.meeting_id = m.id) "
            "from meetings m left join notes n "
            "on n.meeting_id = m.id and n.case_ref = ?2 and n.member = ?3 "
            "where m.id = ?1",
            [meeting_id, case_ref, member],
        ).fetchone()
        if row is None:
            return BallotState(meeting=None, case_exists=False, choices={}, notes=None)
        meeting = _ballot_meeting(row[:8])
        case_exists, choices, has_notes, good, observations, learning, voters, agenda = row[8:]
        cases = sorted((position, ref, bool(voted)) for position, ref, voted in json.loads(agenda))
        return BallotState(
            meeting=meeting,
            case_exists=bool(case_exists),
            choices={int(k): VOTE_OPTION_BY_LABEL[v] for k, v in json.loads(choices).items()},
            notes=MemberNotes(
                good_practice=good or "", observations=observations or "", learning=learning or ""
            )
            if has_notes
            else None,
            voters=int(voters),
            agenda=tuple(ref for _, ref, _ in cases),
            voted=frozenset(ref for _, ref, voted in cases if voted),
        )

    def has_voted(self, meeting_id: str, case_ref: str, member: str) -> bool:
        row = self.db.conn.execute(
            "select 1 from votes where meeting_id = ? and case_ref = ? and member = ? limit 1",
            [meeting_id, case_ref, member],
        ).fetchone()
        return row is not None

    def vote_counts(
        self, meeting_id: str, rights: Sequence[int], case_ref: str | None = None
    ) -> tuple[dict[str, dict[int, dict[VoteOption, int]]], dict[str, int]]:
        """Per case: how many votes each option has on each right, and how many members voted.

        Only votes on ``rights`` count, voters included, as in ``tally_case``.
        Counting in SQL lets a tally skip building a Vote object per vote.
        """
        where = "meeting_id = ?"
        params: list[object] = [meeting_id]
        if case_ref is not None:
            where += " and case_ref = ?"
            params.append(case_ref)
        conn = self.db.conn
        known = set(rights)
        counts: dict[str, dict[int, dict[VoteOption, int]]] = {}
        for ref, right, option, n in conn.execute(
            f"select case_ref, [right], option, count(*) from votes where {where} "
            "group by case_ref, [right], option",
            params,
        ):
            if right in known:
                counts.setdefault(ref, {}).setdefault(right, {})[VOTE_OPTION_BY_LABEL[option]] = n
        in_rights = "[right] in (" + ", ".join("?" * len(known)) + ")"
        voters = dict(
            conn.execute(
                f"select case_ref, count(distinct member) from votes "
                f"where {where} and {in_rights} group by case_ref",
                [*params, *sorted(known)],
            ).fetchall()
        )
        return counts, voters

    def count_voters(self, meeting_id: str, case_ref: str) -> int:
        """How many members have voted on a case (an index range, not the meeting's votes)."""
        row = self.db.conn.execute(
            "select count(distinct member) from votes where meeting_id = ? and case_ref = ?",
            [meeting_id, case_ref],
        ).fetchone()
        return int(row[0])

    def refs_voted_by(self, meeting_id: str, member: str) -> set[str]:
        """The cases of a meeting one member has voted on.

        Runs after every vote, so it returns a row per case voted (a handful)
        rather than a row per member and case: each row is a step of SQLite's,
        and each step lets a busy server's other threads take the GIL.
        """
        rows = self.db.conn.execute(
            "select c.ref from cases c where c.meeting_id = ?1 and exists ("
            " select 1 from votes v "
            " where v.meeting_id = ?1 and v.case_ref = c.ref and v.member = ?2)",
            [meeting_id, member],
        ).fetchall()
        return {ref for (ref,) in rows}

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

    def panel_notes(self, meeting_id: str) -> PanelNotes | None:
        """The meeting's panel-wide notes, or None when nobody has written any."""
        rows = list(self.db.query("select * from panel_notes where meeting_id = ?", [meeting_id]))
        if not rows:
            return None
        row = rows[0]
        return PanelNotes(
            good_practice=row["good_practice"],
            observations=row["observations"],
            learning=row["learning"],
        )

    def save_panel_notes(
        self, meeting_id: str, notes: PanelNotes, by: str, at: dt.datetime
    ) -> None:
        self.db.execute(
            "insert into panel_notes (meeting_id, good_practice, observations, learning, "
            "updated_by, updated_at) values (?, ?, ?, ?, ?, ?) "
            "on conflict (meeting_id) do update set good_practice = excluded.good_practice, "
            "observations = excluded.observations, learning = excluded.learning, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            [meeting_id, notes.good_practice, notes.observations, notes.learning, by, _iso(at)],
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
        return self._resolutions("meeting_id = ?", [meeting_id])

    def resolutions_for_case(self, meeting_id: str, case_ref: str) -> list[Resolution]:
        return self._resolutions("meeting_id = ? and case_ref = ?", [meeting_id, case_ref])

    def _resolutions(self, where: str, params: list[object]) -> list[Resolution]:
        rows = self.db.query(
            f"select * from resolutions where {where} order by case_ref, right", params
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

    # Trends across meetings ----------------------------------------------

    @staticmethod
    def _closed_between(
        start: dt.date, end: dt.date, theme: str | None
    ) -> tuple[str, list[object]]:
        """A subquery of the ids of closed meetings dated ``start``..``end`` (of ``theme``)."""
        sql = "select id from meetings where status = ? and date between ? and ?"
        params: list[object] = [MeetingStatus.CLOSED.value, start.isoformat(), end.isoformat()]
        if theme is not None:
            sql += " and lower(title) = lower(?)"
            params.append(theme)
        return sql, params

    def closed_meetings_between(
        self, start: dt.date, end: dt.date, theme: str | None = None
    ) -> list[Meeting]:
        """Closed meetings dated from ``start`` to ``end`` inclusive, oldest first."""
        sub, params = self._closed_between(start, end, theme)
        rows = self.db.query(
            f"select * from meetings where id in ({sub}) order by date, id", params
        )
        return [self._meeting(row) for row in rows]

    def case_refs_between(
        self, start: dt.date, end: dt.date, theme: str | None = None
    ) -> dict[str, list[str]]:
        """Meeting → its case refs in agenda order, without reading the narratives."""
        sub, params = self._closed_between(start, end, theme)
        refs: dict[str, list[str]] = {}
        for meeting_id, ref in self.db.conn.execute(
            f"select meeting_id, ref from cases where meeting_id in ({sub}) "
            "order by meeting_id, position",
            params,
        ):
            refs.setdefault(meeting_id, []).append(ref)
        return refs

    def vote_counts_between(
        self, start: dt.date, end: dt.date, theme: str | None, rights: Sequence[int]
    ) -> tuple[dict[tuple[str, str], dict[int, dict[VoteOption, int]]], dict[tuple[str, str], int]]:
        """``vote_counts`` for every closed meeting in the range, keyed by (meeting, ref)."""
        sub, params = self._closed_between(start, end, theme)
        conn = self.db.conn
        known = sorted(set(rights))
        in_rights = "[right] in (" + ", ".join("?" * len(known)) + ")"
        counts: dict[tuple[str, str], dict[int, dict[VoteOption, int]]] = {}
        for meeting_id, ref, right, option, n in conn.execute(
            f"select meeting_id, case_ref, [right], option, count(*) from votes "
            f"where meeting_id in ({sub}) and {in_rights} "
            "group by meeting_id, case_ref, [right], option",
            [*params, *known],
        ):
            per_option = counts.setdefault((meeting_id, ref), {}).setdefault(right, {})
            per_option[VOTE_OPTION_BY_LABEL[option]] = n
        voters: dict[tuple[str, str], int] = {}
        for meeting_id, ref, n in conn.execute(
            f"select meeting_id, case_ref, count(distinct member) from votes "
            f"where meeting_id in ({sub}) and {in_rights} group by meeting_id, case_ref",
            [*params, *known],
        ):
            voters[(meeting_id, ref)] = n
        return counts, voters

    def resolutions_between(
        self, start: dt.date, end: dt.date, theme: str | None = None
    ) -> list[Resolution]:
        sub, params = self._closed_between(start, end, theme)
        return self._resolutions(f"meeting_id in ({sub})", params)

    # Actions --------------------------------------------------------------

    @staticmethod
    def _action(row: dict[str, Any]) -> Action:
        return Action(
            id=row["id"],
            meeting_id=row["meeting_id"],
            agency=row["agency"],
            description=row["description"],
            due=dt.date.fromisoformat(row["due"]),
            case_ref=row["case_ref"],
            right=row["right"],
            status=ActionStatus(row["status"]),
            created_by=row["created_by"],
            created_at=dt.datetime.fromisoformat(row["created_at"]),
        )

    def add_action(self, new: NewAction, actor: str, at: dt.datetime) -> Action:
        cursor = self.db.conn.execute(
            "insert into actions (meeting_id, agency, description, due, case_ref, [right], "
            "status, created_by, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                new.meeting_id,
                new.agency,
                new.description,
                new.due.isoformat(),
                new.case_ref,
                new.right,
                ActionStatus.OPEN.value,
                actor,
                _iso(at),
            ],
        )
        action = self.get_action(int(cursor.lastrowid or 0))
        assert action is not None
        return action

    def get_action(self, action_id: int) -> Action | None:
        rows = list(self.db.query("select * from actions where id = ?", [action_id]))
        return self._action(rows[0]) if rows else None

    def actions(
        self,
        *,
        status: ActionStatus | None = None,
        agency: str | None = None,
        meeting_id: str | None = None,
    ) -> list[Action]:
        """Actions, soonest due first; each filter given narrows the list."""
        where, params = ["1 = 1"], []
        if status is not None:
            where.append("status = ?")
            params.append(status.value)
        if agency is not None:
            where.append("lower(agency) = lower(?)")
            params.append(agency)
        if meeting_id is not None:
            where.append("meeting_id = ?")
            params.append(meeting_id)
        rows = self.db.query(
            f"select * from actions where {' and '.join(where)} order by due, id", params
        )
        return [self._action(row) for row in rows]

    def actions_of_meetings_between(self, start: dt.date, end: dt.date) -> list[Action]:
        """Actions recorded at meetings dated ``start`` to ``end``."""
        rows = self.db.query(
            "select * from actions where meeting_id in "
            "(select id from meetings where date between ? and ?) order by due, id",
            [start.isoformat(), end.isoformat()],
        )
        return [self._action(row) for row in rows]

    def add_action_update(self, update: ActionUpdate) -> None:
        self.db.conn.execute(
            "insert into action_updates (action_id, at, actor, text, status) "
            "values (?, ?, ?, ?, ?)",
            [
                update.action_id,
                _iso(update.at),
                update.actor,
                update.text,
                update.status.value if update.status else None,
            ],
        )
        if update.status is not None:
            self.db.conn.execute(
                "update actions set status = ? where id = ?",
                [update.status.value, update.action_id],
            )

    def action_updates(self, action_id: int) -> list[ActionUpdate]:
        rows = self.db.query(
            "select * from action_updates where action_id = ? order by at, id", [action_id]
        )
        return [
            ActionUpdate(
                action_id=row["action_id"],
                at=dt.datetime.fromisoformat(row["at"]),
                actor=row["actor"],
                text=row["text"],
                status=ActionStatus(row["status"]) if row["status"] else None,
            )
            for row in rows
        ]

    # Retention ------------------------------------------------------------

    def purge_meeting(self, meeting_id: str, placeholder: str, at: dt.datetime) -> tuple[int, int]:
        """Blank a meeting's case narratives and delete its members' notes.

        Each case keeps its ref and offence; its outcome and summary become
        ``placeholder`` and its timeline is emptied. Votes, resolutions, posts and
        schedules are untouched, so the tally is the same afterwards. Returns the
        number of cases blanked and of notes deleted; the caller's unit of work
        makes it one transaction.
        """
        cases = self.db.execute(
            "update cases set outcome = ?, summary = ?, timeline = '[]' where meeting_id = ?",
            [placeholder, placeholder, meeting_id],
        ).rowcount
        notes = self.db.execute("delete from notes where meeting_id = ?", [meeting_id]).rowcount
        self.db.execute("update meetings set purged_at = ? where id = ?", [_iso(at), meeting_id])
        return int(cases), int(notes)

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
        self.db.conn.execute(
            "insert into audit (at, actor, action, meeting_id, case_ref, old, new) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            (
                _iso(at),
                actor,
                action,
                meeting_id,
                case_ref,
                None if old is None else _audit_json(old),
                None if new is None else _audit_json(new),
            ),
        )

    def audit_entries(self, meeting_id: str | None = None) -> list[AuditEntry]:
        if meeting_id is None:
            rows = self.db.query("select * from audit order by id")
        else:
            rows = self.db.query(
                "select * from audit where meeting_id = ? order by id", [meeting_id]
            )
        return [self._audit_entry(row) for row in rows]

    def latest_audit(self, meeting_id: str, action: str) -> AuditEntry | None:
        """A meeting's most recent audit entry of one action (e.g. its latest extension).

        For any action but a ballot's, the query repeats the meeting-events index's own
        condition, which is what lets SQLite use that partial index instead of a scan.
        """
        indexed = action not in BALLOT_AUDIT_ACTIONS
        rows = self.db.query(
            "select * from audit where meeting_id = ? and action = ? "
            + (f"and {_MEETING_EVENTS} " if indexed else "")
            + "order by id desc limit 1",
            [meeting_id, action],
        )
        return next((self._audit_entry(row) for row in rows), None)

    @staticmethod
    def _audit_entry(row: dict[str, Any]) -> AuditEntry:
        return AuditEntry(
            id=row["id"],
            at=dt.datetime.fromisoformat(row["at"]),
            actor=row["actor"],
            action=row["action"],
            meeting_id=row["meeting_id"],
            case_ref=row["case_ref"],
            old=row["old"],
            new=row["new"],
        )

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

    def want_post(self, meeting_id: str, case_ref: str, digest: str) -> None:
        """Record what a posted message should show; it is owed until Slack confirms it."""
        self.db.execute(
            "update posts set desired_digest = ? where meeting_id = ? and case_ref = ?",
            [digest, meeting_id, case_ref],
        )

    def confirm_post(self, meeting_id: str, case_ref: str, digest: str) -> None:
        """Slack shows ``digest``; confirms the desired state only if it is still that one."""
        self.db.execute(
            "update posts set shown_digest = ? "
            "where meeting_id = ? and case_ref = ? and desired_digest = ?",
            [digest, meeting_id, case_ref, digest],
        )

    def settle_post(self, meeting_id: str, case_ref: str, digest: str) -> None:
        """Slack shows ``digest``, which is now also what the message should show."""
        self.db.execute(
            "update posts set desired_digest = ?, shown_digest = ? "
            "where meeting_id = ? and case_ref = ?",
            [digest, digest, meeting_id, case_ref],
        )

    _OWED = (
        "desired_digest is not null and (shown_digest is null or shown_digest != desired_digest)"
    )

    def post_owed(self, meeting_id: str, case_ref: str) -> bool:
        rows = self.db.query(
            f"select 1 from posts where meeting_id = ? and case_ref = ? and {self._OWED}",
            [meeting_id, case_ref],
        )
        return any(True for _ in rows)

    def owed_posts(self) -> list[tuple[str, str]]:
        """(meeting, case) of every posted message Slack does not yet show as it should."""
        rows = self.db.query(
            f"select meeting_id, case_ref from posts where {self._OWED} "
            "order by meeting_id, case_ref"
        )
        return [(row["meeting_id"], row["case_ref"]) for row in rows]

    # Health -----------------------------------------------------------------

    def touch_health(self, at: dt.datetime, wait_ms: int) -> bool:
        """One small real write, so a health check proves the database takes writes.

        It waits at most ``wait_ms`` for another process's write lock (a probe must
        answer quickly), then the connection's usual busy timeout is restored.
        Returns False, logging why, when the write is refused.
        """
        try:
            self.db.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
            try:
                with self.unit_of_work():
                    self.db.execute(
                        "insert or replace into health (id, checked_at) values (1, ?)", [_iso(at)]
                    )
            finally:
                self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except sqlite3.Error as exc:
            logger.warning("health check: the database refused a write: %s", exc)
            return False
        return True

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
        rows = self.db.query("select target from deliveries where schedule_id = ?", [schedule_id])
        return {row["target"] for row in rows}

    def forget_deliveries(self, prefix: str) -> None:
        """Forget every delivery recorded under a key starting with ``prefix``."""
        self.db.execute(
            "delete from deliveries where substr(schedule_id, 1, ?) = ?", [len(prefix), prefix]
        )

    def record_delivery(self, schedule_id: str, target: str, at: dt.datetime) -> None:
        self._t("deliveries").insert(
            {"schedule_id": schedule_id, "target": target, "sent_at": _iso(at)},
            pk=("schedule_id", "target"),
            ignore=True,
        )

    # Events already acted on ------------------------------------------------

    def claim_event(self, event_id: str, at: dt.datetime) -> bool:
        """Record ``event_id`` as seen; False when it already was."""
        cursor = self.db.conn.execute(
            "insert into seen_events (event_id, seen_at) values (?, ?) "
            "on conflict (event_id) do nothing",
            (event_id, _iso(at)),
        )
        return cursor.rowcount == 1

    def release_event(self, event_id: str) -> None:
        self.db.conn.execute("delete from seen_events where event_id = ?", (event_id,))

    def forget_events_before(self, cutoff: dt.datetime) -> int:
        cursor = self.db.conn.execute("delete from seen_events where seen_at < ?", (_iso(cutoff),))
        return cursor.rowcount

    def seen_event_ids(self) -> list[str]:
        rows = self.db.conn.execute("select event_id from seen_events order by seen_at")
        return [row[0] for row in rows]
