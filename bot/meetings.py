"""Meetings and their cases: import, export, lookup, close and purge.

Each write is one unit of work, and its audit entry is part of it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.access import CLI_ACTOR, Access
from bot.anonymity import screen_fields
from bot.clock import Clock, local_time
from bot.config import Settings
from bot.errors import Conflict, MeetingExists, NotFound
from bot.meeting_file import (
    MeetingDocument,
    MeetingFile,
    MeetingFileError,
    case_label,
    parse_meeting,
    raw_text_fields,
)
from bot.meeting_sources import load_meeting_document, meeting_document_from_bytes
from bot.models import Case, CaseNotes, Meeting, MeetingStatus
from storage.repo import Repository

logger = logging.getLogger(__name__)


#: What a purged case shows instead of its outcome and narrative.
NARRATIVE_PURGED = "Narrative purged under the panel's retention policy."


class ImportReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    meeting: Meeting
    cases: int
    replaced: bool
    #: A replacement identical to what was stored: nothing was written.
    unchanged: bool = False
    warnings: tuple[str, ...] = ()


class PurgeReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    meeting: Meeting
    cases: int
    notes: int
    already_purged: bool = False


def delivery_key(meeting_id: str, change: str, detail: str = "") -> str:
    """Under which the messages owed by one change of a meeting are recorded as sent."""
    return f"{meeting_id}/{change}@{detail}" if detail else f"{meeting_id}/{change}"


def no_meeting(meeting_id: str) -> NotFound:
    return NotFound(f"No meeting {meeting_id!r}. `vcop meeting list` shows them.")


def no_case(meeting_id: str, ref: str) -> NotFound:
    return NotFound(f"No case {ref!r} in meeting {meeting_id!r}.")


def _located(document: MeetingDocument, line: str) -> str:
    """A problem about the whole meeting, named by its cell when it came from a workbook."""
    [located] = document.locate([line])
    return located


class MeetingService:
    """Meetings and their cases: importing, finding, closing and purging them."""

    def __init__(self, settings: Settings, repo: Repository, clock: Clock, access: Access) -> None:
        self.settings = settings
        self.repo = repo
        self.clock = clock
        self.access = access

    def import_meeting(
        self, path: Path, *, replace: bool = False, actor: str = CLI_ACTOR
    ) -> ImportReport:
        """Validate, screen and store a meeting file (YAML, JSON or XLSX): all or nothing."""
        self.access.require_chair_or_secretariat(actor, "import a meeting")
        return self.import_document(load_meeting_document(path), replace=replace, actor=actor)

    def import_bytes(
        self, name: str, data: bytes, *, replace: bool = False, actor: str = CLI_ACTOR
    ) -> ImportReport:
        """A meeting file sent as bytes (from Slack), read by the form its name gives."""
        self.access.require_chair_or_secretariat(actor, "import a meeting")
        return self.import_document(
            meeting_document_from_bytes(name, data), replace=replace, actor=actor
        )

    def check_meeting_file(self, document: MeetingDocument) -> MeetingFile:
        """Validate and screen a meeting; problem lines name cells when it was a workbook.

        A file with problems of layout or validation is still screened, as far as it was
        read, and its personal data named with them: otherwise each correction sent back
        would carry the data again, only for the screen to find it on a later round.
        """
        if document.problems:  # the layout is wrong, so validation would only repeat it
            found = self._personal_data(document, raw_text_fields(document.raw))
            raise MeetingFileError(list(dict.fromkeys([*document.problems, *found])))
        try:
            parsed = parse_meeting(document.raw, self.settings.voting.zone)
        except MeetingFileError as exc:
            found = self._personal_data(document, raw_text_fields(document.raw))
            located = document.locate(exc.problems)
            raise MeetingFileError(list(dict.fromkeys([*located, *found]))) from exc
        header = parsed.meeting
        # The id is screened too: it names the meeting in Slack messages and file names.
        fields = {
            "meeting.id": header.id,
            "meeting.title": header.title,
            "meeting.about": header.about,
        }
        for index, case in enumerate(parsed.cases):
            label = case_label(case.ref, index)
            fields.update({f"{label}.{key}": text for key, text in case.text_fields().items()})
        problems = self._personal_data(document, fields)
        if problems:
            raise MeetingFileError(problems)
        return parsed

    def _personal_data(self, document: MeetingDocument, fields: Mapping[str, str]) -> list[str]:
        """A line per finding of the screen in ``fields`` (keyed by place), by cell or key."""
        return document.locate(
            [
                f"{finding.field}: personal data: {finding.describe()}"
                for finding in screen_fields(fields, self.settings.anonymity)
            ]
        )

    def import_document(
        self, document: MeetingDocument, *, replace: bool = False, actor: str = CLI_ACTOR
    ) -> ImportReport:
        """Validate, screen and store a read meeting file: everything or nothing."""
        self.access.require_chair_or_secretariat(actor, "import a meeting")
        parsed = self.check_meeting_file(document)

        now = self.clock.now()
        header = parsed.meeting
        warnings = []
        status = MeetingStatus.OPEN
        closed_at = None
        if header.voting_closes <= now:
            warnings.extend(
                document.locate(
                    [
                        f"meeting.voting_closes: {self.local_time(header.voting_closes)} is "
                        "already past, so voting on this meeting is closed"
                    ]
                )
            )
            status, closed_at = MeetingStatus.CLOSED, now
        meeting = Meeting(
            id=header.id,
            title=header.title,
            date=header.date,
            voting_closes=header.voting_closes,
            code_edition=self.settings.rights.code_edition,
            status=status,
            closed_at=closed_at,
            about=header.about,
        )
        cases = [
            Case(
                meeting_id=meeting.id,
                ref=record.ref,
                position=index,
                offence=record.offence,
                outcome=record.outcome,
                summary=record.summary,
                timeline=record.timeline,
            )
            for index, record in enumerate(parsed.cases, start=1)
        ]
        with self.repo.unit_of_work():
            existing = self.repo.get_meeting(meeting.id)
            if existing is not None:
                votes = self.repo.count_votes(meeting.id)
                if not replace:
                    raise MeetingExists(
                        _located(
                            document,
                            f"meeting.id: a meeting {meeting.id!r} already exists; "
                            "use --replace to overwrite it",
                        ),
                        existing,
                        has_votes=votes > 0,
                    )
                if self._same_meeting(existing, meeting, cases):
                    return ImportReport(
                        meeting=existing,
                        cases=len(cases),
                        replaced=True,
                        unchanged=True,
                        warnings=tuple(warnings),
                    )
                if votes:
                    raise MeetingExists(
                        _located(
                            document,
                            f"meeting.id: {meeting.id!r} already has votes, "
                            "so it cannot be replaced",
                        ),
                        existing,
                        has_votes=True,
                    )
                self.repo.delete_meeting_contents(meeting.id)
                # Its case messages are forgotten with the cases: opening it posts anew.
                for change in ("open", "relist"):
                    self.repo.forget_deliveries(delivery_key(meeting.id, change))
            self.repo.save_meeting(meeting, created_at=now)
            self.repo.save_cases(cases)
            self.repo.append_audit(
                now,
                actor,
                "meeting.replace" if existing else "meeting.import",
                meeting.id,
                old=existing.model_dump(mode="json") if existing else None,
                new={"meeting": meeting.model_dump(mode="json"), "cases": len(cases)},
            )
        logger.info("imported meeting %s with %d cases", meeting.id, len(cases))
        return ImportReport(
            meeting=meeting,
            cases=len(cases),
            replaced=existing is not None,
            warnings=tuple(warnings),
        )

    def _same_meeting(self, stored: Meeting, new: Meeting, cases: list[Case]) -> bool:
        """Whether a replacement holds exactly what is stored (so replacing changes nothing)."""
        keep = {"id", "title", "date", "voting_closes", "about"}
        if stored.model_dump(include=keep) != new.model_dump(include=keep):
            return False
        fields = {"ref", "position", "offence", "outcome", "summary", "timeline"}
        old = [case.model_dump(include=fields) for case in self.repo.list_cases(stored.id)]
        return old == [case.model_dump(include=fields) for case in cases]

    def export_meeting(self, meeting_id: str, actor: str = CLI_ACTOR) -> MeetingFile:
        """A stored meeting as a meeting file holds it, to write out and import again."""
        self.access.require_chair_or_secretariat(actor, "export a meeting")
        meeting = self.get_meeting(meeting_id)
        header = {
            "id": meeting.id,
            "title": meeting.title,
            "date": meeting.date,
            "voting_closes": meeting.voting_closes,
            "about": meeting.about,
        }
        return MeetingFile.model_validate(
            {
                "meeting": header,
                "cases": [
                    {
                        "ref": case.ref,
                        "offence": case.offence,
                        "outcome": case.outcome,
                        "summary": case.summary,
                        "timeline": [item.model_dump() for item in case.timeline],
                    }
                    for case in self.repo.list_cases(meeting.id)
                ],
            }
        )

    def list_meetings(self) -> list[Meeting]:
        return self.repo.list_meetings()

    def meeting_list_lines(self) -> list[str]:
        """The meeting list as `vcop meeting list` and `/vcop meetings` show it, newest first."""
        lines = []
        for meeting in self.list_meetings():
            cases = self.repo.count_cases(meeting.id)
            closes = self.local_time(meeting.voting_closes)
            lines.append(
                f"{meeting.id}\t{meeting.date.isoformat()}\t{meeting.status.value}\t"
                f"{cases} cases\tvoting closes {closes}\t{meeting.title}"
            )
        return lines

    def get_meeting(self, meeting_id: str | None) -> Meeting:
        """The named meeting, or the most recent one still open when none is named."""
        if meeting_id:
            meeting = self.repo.get_meeting(meeting_id)
            if meeting is None:
                raise no_meeting(meeting_id)
            return meeting
        meeting = self.repo.latest_open_meeting()
        if meeting is None:
            raise NotFound("No meeting is open. Name one, or import a meeting first.")
        return meeting

    def meeting_exists(self, meeting_id: str) -> bool:
        return self.repo.get_meeting(meeting_id) is not None

    def cases(self, meeting_id: str) -> list[Case]:
        return self.repo.list_cases(meeting_id)

    def get_case(self, meeting_id: str, ref: str) -> Case:
        case = self.repo.get_case(meeting_id, ref)
        if case is None:
            raise no_case(meeting_id, ref)
        return case

    def require_case(self, meeting_id: str, ref: str) -> None:
        """get_case without reading the case: the vote path only needs to know it exists."""
        if not self.repo.case_exists(meeting_id, ref):
            raise no_case(meeting_id, ref)

    def voting_is_open(self, meeting: Meeting) -> bool:
        return meeting.is_open and self.clock.now() < meeting.voting_closes

    def latest_closed_meeting(self) -> Meeting | None:
        """The most recent meeting whose voting has closed (App Home shows its results)."""
        return next((m for m in self.repo.list_meetings() if not m.is_open), None)

    def meeting_or_latest(self, meeting_id: str | None) -> Meeting:
        """The named meeting; unnamed, the one still open, else the latest held.

        Panel-wide notes are mostly written after the meeting, when voting has
        closed, so "the open meeting" alone would leave nothing to default to.
        """
        if meeting_id:
            return self.get_meeting(meeting_id)
        latest = self.repo.latest_open_meeting() or next(iter(self.repo.list_meetings()), None)
        if latest is None:
            raise NotFound("No meeting yet. Import a meeting first.")
        return latest

    def close_voting(self, meeting_id: str, actor: str) -> bool:
        """End voting; True when this call closed it, False when it was already closed."""
        self.access.require_chair(actor, "close voting")
        with self.repo.unit_of_work():
            meeting = self.get_meeting(meeting_id)
            if not meeting.is_open:
                return False
            now = self.clock.now()
            self.repo.set_meeting_status(meeting.id, MeetingStatus.CLOSED, now)
            self.repo.append_audit(
                now, actor, "meeting.close", meeting.id, old="open", new="closed"
            )
        logger.info("voting closed on meeting %s by %s", meeting_id, actor)
        return True

    def purge_meeting(self, meeting_id: str, actor: str = CLI_ACTOR) -> PurgeReport:
        """Delete a closed meeting's case narratives and members' notes, in one transaction.

        Each case keeps its ref and offence; its outcome, summary and timeline go.
        Categories, findings, resolutions and votes stay, so the tally is unchanged.
        Refused while voting is open; a second purge changes nothing.
        """
        self.access.require_chair_or_secretariat(actor, "purge a meeting")
        with self.repo.unit_of_work():
            meeting = self.get_meeting(meeting_id)
            if meeting.is_open:
                raise Conflict(
                    f"Voting on {meeting.id} is still open; close it (`/vcop close "
                    f"{meeting.id}`) before purging it. Nothing was purged."
                )
            if meeting.purged_at is not None:
                return PurgeReport(meeting=meeting, cases=0, notes=0, already_purged=True)
            now = self.clock.now()
            cases, notes = self.repo.purge_meeting(meeting.id, NARRATIVE_PURGED, now)
            self.repo.append_audit(
                now,
                actor,
                "meeting.purge",
                meeting.id,
                old={"cases": cases, "notes": notes},
                new={"purged_at": now.isoformat(), "kept": "ref, offence, votes, resolutions"},
            )
            purged = meeting.model_copy(update={"purged_at": now})
        logger.info("purged meeting %s: %d cases, %d notes", meeting.id, cases, notes)
        return PurgeReport(meeting=purged, cases=cases, notes=notes)

    def audit_open(self, meeting_id: str, actor: str, posted: int) -> None:
        with self.repo.unit_of_work():
            self.repo.append_audit(
                self.clock.now(), actor, "meeting.open", meeting_id, new={"posted": posted}
            )

    def notes(self, meeting_id: str) -> list[CaseNotes]:
        return self.repo.notes_for_meeting(meeting_id)

    def local_time(self, moment: dt.datetime) -> str:
        """A moment as the panel reads it: its own timezone, with the zone named."""
        return local_time(moment, self.settings.voting.zone)
