"""Use cases: what the CLI, the Slack handlers and the scheduler ask of the panel.

Authorisation lives here rather than in the transport, so that every way in
(a slash command, a crafted payload, the CLI) meets the same checks. Each
write is one unit of work, and its audit entry is part of it.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.actions import ActionStatus
from bot.anonymity import screen_fields
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.errors import (
    Conflict,
    InvalidBallot,
    MeetingExists,
    NotAllowed,
    NotFound,
    PanelError,
    VotingClosed,
)
from bot.meeting_file import (
    MeetingDocument,
    MeetingFile,
    MeetingFileError,
    case_label,
    parse_meeting,
)
from bot.meeting_sources import load_meeting_document, meeting_document_from_bytes
from bot.models import (
    Ballot,
    Case,
    CaseNotes,
    CaseTally,
    DecisiveFinding,
    Meeting,
    MeetingStatus,
    MeetingTally,
    MemberNotes,
    PanelNotes,
    Resolution,
    VoteOption,
)
from bot.plain_errors import plain_message
from bot.summary import CSV_HEADER, DraftSummary, EarlierAction, build_summary, csv_rows
from bot.tally import tally_counts
from bot.typed_text import PersonalDataInText, field_findings
from storage.repo import Repository

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
CLI_ACTOR = "cli"
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


class CaseProgress(BaseModel):
    """Who has voted on a case, never how."""

    model_config = ConfigDict(frozen=True)

    ref: str
    voted: tuple[str, ...]
    not_voted: tuple[str, ...]


class MemberBallot(BaseModel):
    """A member's own earlier choices, to preselect in the vote modal."""

    model_config = ConfigDict(frozen=True)

    choices: dict[int, VoteOption]
    notes: MemberNotes


class BallotReceipt(BaseModel):
    """What a member is shown once their votes are durable: their own choices, never others'."""

    model_config = ConfigDict(frozen=True)

    meeting_id: str
    case_ref: str
    member: str
    changed: bool
    voters: int
    members: int
    choices: dict[int, VoteOption] = {}
    next_ref: str | None = None


class CloseCheck(BaseModel):
    """What the chair is told before closing voting: who has not voted on every case."""

    model_config = ConfigDict(frozen=True)

    meeting: Meeting
    members: int
    missing: dict[str, list[str]]


class PanelService:
    """The panel's use cases over one database and one app.yaml."""

    def __init__(self, settings: Settings, repo: Repository, clock: Clock | None = None) -> None:
        self.settings = settings
        self.repo = repo
        self.clock: Clock = clock or SystemClock()

    # Roles ----------------------------------------------------------------

    def require_member(self, user: str) -> None:
        if not self.settings.is_member(user):
            raise NotAllowed("Only panel members can vote. Ask the panel secretariat to add you.")

    def require_chair(self, user: str, action: str) -> None:
        if user != CLI_ACTOR and user != SYSTEM_ACTOR and not self.settings.is_chair(user):
            raise NotAllowed(
                f"Only the panel chair can {action}. Ask the chair; "
                "`/vcop help` lists what you can do."
            )

    def require_chair_or_secretariat(self, user: str, action: str) -> None:
        allowed = self.settings.is_chair(user) or self.settings.is_secretariat(user)
        if user != CLI_ACTOR and not allowed:
            raise NotAllowed(
                f"Only the panel chair or the secretariat can {action}. Ask one of them; "
                "`/vcop help` lists what you can do."
            )

    def require_panel(self, user: str, action: str) -> None:
        panel = self.settings.panel
        if user not in {*panel.members, *panel.chair, *panel.secretariat}:
            raise NotAllowed(
                f"Only people on the panel can {action}. "
                "Ask the panel secretariat to add you if you should be."
            )

    # Typed text -----------------------------------------------------------

    def screen_typed_text(
        self,
        actor: str,
        fields: Mapping[str, str],
        *,
        meeting_id: str | None = None,
        case_ref: str | None = None,
    ) -> None:
        """Refuse free text that seems to contain personal data, before anything is stored.

        Every modal that takes free text calls this first (members' notes, the chair's
        reason, panel-wide notes). On a hit it records who tried, which fields and the kind
        and masked excerpt of each finding in the audit log, never the text itself, and
        raises :class:`~bot.typed_text.PersonalDataInText`, whose ``problems`` map each key
        of ``fields`` to the message to show on that field.
        """
        findings = field_findings(fields, self.settings.anonymity)
        if not findings:
            return
        refused = {
            key: [{"kind": f.kind.value, "excerpt": f.excerpt} for f in found]
            for key, found in sorted(findings.items())
        }
        with self.repo.unit_of_work():
            self.repo.append_audit(
                self.clock.now(), actor, "personal_data.refused", meeting_id, case_ref, new=refused
            )
        logger.info(
            "typed text refused for personal data in %s",
            ", ".join(
                f"{key} ({', '.join(i['kind'] for i in items)})" for key, items in refused.items()
            ),
        )
        raise PersonalDataInText(findings)

    # Meetings -------------------------------------------------------------

    def import_meeting(
        self, path: Path, *, replace: bool = False, actor: str = CLI_ACTOR
    ) -> ImportReport:
        """Validate, screen and store a meeting file (YAML, JSON or XLSX): all or nothing."""
        self.require_chair_or_secretariat(actor, "import a meeting")
        return self.import_document(load_meeting_document(path), replace=replace, actor=actor)

    def import_bytes(
        self, name: str, data: bytes, *, replace: bool = False, actor: str = CLI_ACTOR
    ) -> ImportReport:
        """A meeting file sent as bytes (from Slack), read by the form its name gives."""
        self.require_chair_or_secretariat(actor, "import a meeting")
        return self.import_document(
            meeting_document_from_bytes(name, data), replace=replace, actor=actor
        )

    def check_meeting_file(self, document: MeetingDocument) -> MeetingFile:
        """Validate and screen a meeting; problem lines name cells when it was a workbook."""
        try:
            parsed = parse_meeting(document.raw, self.settings.voting.zone)
            header_fields = {"title": parsed.meeting.title, "about": parsed.meeting.about}
            problems = [
                f"meeting.{finding.field}: personal data: {finding.describe()}"
                for finding in screen_fields(header_fields, self.settings.anonymity)
            ]
            for index, case in enumerate(parsed.cases):
                label = case_label(case.ref, index)
                for finding in screen_fields(case.text_fields(), self.settings.anonymity):
                    problems.append(f"{label}.{finding.field}: personal data: {finding.describe()}")
            if problems:
                raise MeetingFileError(problems)
        except MeetingFileError as exc:
            raise MeetingFileError(document.locate(exc.problems)) from exc
        return parsed

    def import_document(
        self, document: MeetingDocument, *, replace: bool = False, actor: str = CLI_ACTOR
    ) -> ImportReport:
        """Validate, screen and store a read meeting file: everything or nothing."""
        self.require_chair_or_secretariat(actor, "import a meeting")
        parsed = self.check_meeting_file(document)

        now = self.clock.now()
        header = parsed.meeting
        warnings = []
        status = MeetingStatus.OPEN
        closed_at = None
        if header.voting_closes <= now:
            warnings.append(
                f"meeting.voting_closes: {self.local_time(header.voting_closes)} is already past, "
                "so voting on this meeting is closed"
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
                        f"meeting.id: a meeting {meeting.id!r} already exists; "
                        "use --replace to overwrite it",
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
                        f"meeting.id: {meeting.id!r} already has votes, so it cannot be replaced",
                        existing,
                        has_votes=True,
                    )
                self.repo.delete_meeting_contents(meeting.id)
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
        self.require_chair_or_secretariat(actor, "export a meeting")
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
                raise self._no_meeting(meeting_id)
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
            raise self._no_case(meeting_id, ref)
        return case

    def _require_case(self, meeting_id: str, ref: str) -> None:
        """get_case without reading the case: the vote path only needs to know it exists."""
        if not self.repo.case_exists(meeting_id, ref):
            raise self._no_case(meeting_id, ref)

    @staticmethod
    def _no_meeting(meeting_id: str) -> NotFound:
        return NotFound(f"No meeting {meeting_id!r}. `vcop meeting list` shows them.")

    @staticmethod
    def _no_case(meeting_id: str, ref: str) -> NotFound:
        return NotFound(f"No case {ref!r} in meeting {meeting_id!r}.")

    def voting_is_open(self, meeting: Meeting) -> bool:
        return meeting.is_open and self.clock.now() < meeting.voting_closes

    # Voting ---------------------------------------------------------------

    def check_ballot(self, choices: dict[int, VoteOption | None]) -> dict[int, VoteOption]:
        """Every right answered (Abstain counts), none unknown."""
        problems: dict[int, str] = {}
        expected = set(self.settings.rights.numbers)
        for number in sorted(set(choices) - expected):
            problems[number] = "there is no such right in this Code"
        for number in sorted(expected):
            if choices.get(number) is None:
                problems[number] = "choose an answer (Abstain counts as one)"
        if problems:
            raise InvalidBallot(problems)
        return {number: option for number, option in choices.items() if option is not None}

    def record_ballot(self, ballot: Ballot) -> BallotReceipt:
        """Store all of a member's votes and notes on a case, all or nothing, durably.

        Ballots submitted at the same moment share one commit (a group commit), each in a
        savepoint of its own; this returns only once the commit holding this ballot is done,
        so an acknowledgement sent after it never covers a vote that could still be lost.
        """
        self.require_member(ballot.member)
        self.screen_typed_text(
            ballot.member,
            ballot.notes.model_dump(),
            meeting_id=ballot.meeting_id,
            case_ref=ballot.case_ref,
        )
        choices = self.check_ballot(dict(ballot.choices))

        def store() -> BallotReceipt:
            # Runs inside the group's transaction, on the committer's thread.
            # One read for the checks and the comparison: the write lock is held here.
            state = self.repo.ballot_state(ballot.meeting_id, ballot.case_ref, ballot.member)
            meeting = state.meeting
            if meeting is None:
                raise self._no_meeting(ballot.meeting_id)
            if not self.voting_is_open(meeting):
                raise VotingClosed(
                    f"Voting on {meeting.title} closed at "
                    f"{self.local_time(meeting.voting_closes)}; your vote was not recorded."
                )
            if not state.case_exists:
                raise self._no_case(ballot.meeting_id, ballot.case_ref)
            old_choices = state.choices
            old_notes = state.notes
            changed = old_choices != choices or old_notes != ballot.notes
            if changed:
                now = self.clock.now()
                self.repo.save_ballot(ballot.model_copy(update={"choices": choices}), now)
                self.repo.append_audit(
                    now,
                    ballot.member,
                    "vote.change" if old_choices else "vote.cast",
                    ballot.meeting_id,
                    ballot.case_ref,
                    old={str(k): v.value for k, v in old_choices.items()} or None,
                    new={str(k): v.value for k, v in sorted(choices.items())},
                )
            voters = self.repo.count_voters(ballot.meeting_id, ballot.case_ref)
            return BallotReceipt(
                meeting_id=ballot.meeting_id,
                case_ref=ballot.case_ref,
                member=ballot.member,
                changed=changed,
                voters=voters,
                members=len(self.settings.panel.members),
                choices=choices,
            )

        receipt = self.repo.grouped(store)
        # Read after the commit, outside the group's write lock.
        next_ref = self.next_case_to_vote(ballot.meeting_id, ballot.member, ballot.case_ref)
        return receipt.model_copy(update={"next_ref": next_ref})

    def next_case_to_vote(
        self, meeting_id: str, member: str, after: str | None = None
    ) -> str | None:
        """The next case on the agenda (after ``after``, wrapping round) not yet voted on."""
        refs = self.repo.case_refs(meeting_id)
        voted = self.voted_refs(meeting_id, member)
        start = refs.index(after) + 1 if after in refs else 0
        for ref in refs[start:] + refs[:start]:
            if ref not in voted and ref != after:
                return ref
        return None

    def member_ballot(self, meeting_id: str, ref: str, member: str) -> MemberBallot:
        votes = self.repo.member_votes(meeting_id, ref, member)
        notes = self.repo.member_notes(meeting_id, ref, member)
        return MemberBallot(
            choices={vote.right: vote.option for vote in votes}, notes=notes or MemberNotes()
        )

    def has_voted(self, meeting_id: str, ref: str, member: str) -> bool:
        return self.repo.has_voted(meeting_id, ref, member)

    def progress(self, meeting_id: str) -> list[CaseProgress]:
        """Per case, who has voted and who has not; never what anyone chose."""
        voters = self.repo.voters_by_case(meeting_id)
        members = self.settings.panel.members
        return [
            CaseProgress(
                ref=case.ref,
                voted=tuple(m for m in members if m in voters.get(case.ref, set())),
                not_voted=tuple(m for m in members if m not in voters.get(case.ref, set())),
            )
            for case in self.repo.list_cases(meeting_id)
        ]

    def voter_count(self, meeting_id: str, ref: str) -> int:
        """How many members have voted on one case: what its progress line shows."""
        return len(self.repo.voters_by_case(meeting_id).get(ref, set()))

    def stored_vote_count(self, meeting_id: str) -> int:
        """Vote rows stored for a meeting (one per member, case and right)."""
        return self.repo.count_votes(meeting_id)

    def close(self) -> None:
        """Release the database connections; the service is not used afterwards."""
        self.repo.close()

    # Tally and the chair's decisions ---------------------------------------

    def tally(self, meeting_id: str) -> MeetingTally:
        """Every case's tally; the database counts the votes (see ``tally_counts``)."""
        meeting = self.get_meeting(meeting_id)
        rights = self.settings.rights
        counts, voters = self.repo.vote_counts(meeting.id, rights.numbers)
        resolutions: dict[str, dict[int, Resolution]] = {}
        for resolution in self.repo.resolutions_for_meeting(meeting.id):
            resolutions.setdefault(resolution.case_ref, {})[resolution.right] = resolution
        rules = self.settings.voting.tally_rules
        return MeetingTally(
            meeting=meeting.id,
            cases=tuple(
                tally_counts(
                    ref,
                    rights,
                    counts.get(ref, {}),
                    voters.get(ref, 0),
                    resolutions.get(ref, {}),
                    rules,
                )
                for ref in self.repo.case_refs(meeting.id)
            ),
        )

    def resolve_right(
        self,
        meeting_id: str,
        ref: str,
        right: int,
        finding: DecisiveFinding,
        reason: str,
        chair: str,
    ) -> Resolution:
        """The chair's finding on a right, with a reason; it replaces the votes' finding."""
        self.require_chair(chair, "resolve a right")
        if right not in self.settings.rights.numbers:
            raise NotFound(f"There is no Right {right} in this Code.")
        reason = reason.strip()
        if not reason:
            raise PanelError("Give a reason for the resolution; it goes into the report.")
        self.screen_typed_text(chair, {"reason": reason}, meeting_id=meeting_id, case_ref=ref)
        with self.repo.unit_of_work():
            meeting = self.get_meeting(meeting_id)
            self.get_case(meeting.id, ref)
            now = self.clock.now()
            previous = {
                (r.case_ref, r.right): r for r in self.repo.resolutions_for_meeting(meeting.id)
            }.get((ref, right))
            try:
                resolution = Resolution(
                    meeting_id=meeting.id,
                    case_ref=ref,
                    right=right,
                    finding=finding,
                    reason=reason,
                    chair=chair,
                    resolved_at=now,
                )
            except ValidationError as exc:
                problem = exc.errors(include_url=False)[0]
                message = plain_message(problem)
                raise PanelError(f"Resolution {problem['loc'][0]}: {message}") from exc
            self.repo.save_resolution(resolution)
            self.repo.append_audit(
                now,
                chair,
                "right.resolve",
                meeting.id,
                ref,
                old=previous.model_dump(mode="json") if previous else None,
                new=resolution.model_dump(mode="json"),
            )
        return resolution

    def close_voting(self, meeting_id: str, actor: str) -> bool:
        """End voting; True when this call closed it, False when it was already closed."""
        self.require_chair(actor, "close voting")
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
        self.require_chair_or_secretariat(actor, "purge a meeting")
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

    def can_see_votes(self, user: str, meeting: Meeting, ref: str) -> bool:
        """Blind until close: while voting is open only the chair sees a case's counts.

        A member who could see the panel's counts after voting could change
        their vote to follow them, so members see only their own choices until
        voting closes. The chair sees the tally to prepare the meeting, unless
        the chair is also a voting member: then only for cases already voted on.
        Once voting has closed, everyone on the panel sees the final tally.
        """
        panel = self.settings.panel
        if not meeting.is_open:
            return user in {*panel.members, *panel.chair, *panel.secretariat}
        if not self.settings.is_chair(user):
            return False
        return not self.settings.is_member(user) or self.has_voted(meeting.id, ref, user)

    def case_tally_for(self, user: str, meeting_id: str, ref: str) -> CaseTally:
        """One case's tally, only for someone the blind-voting rule lets see it."""
        meeting = self.get_meeting(meeting_id)
        if not self.can_see_votes(user, meeting, ref):
            raise NotAllowed(
                "Voting is blind: the panel's counts are shown to everyone once voting closes. "
                "Until then you can see and change your own votes with Vote."
            )
        return self.case_tally(meeting.id, ref)

    def case_tally(self, meeting_id: str, ref: str) -> CaseTally:
        """One case's tally from that case's votes alone (the same as its entry in ``tally``).

        A member's receipt shows one case; tallying the whole meeting to show it
        made every vote cost as much as all the votes already cast.
        """
        self._require_case(meeting_id, ref)
        return self._case_tally(meeting_id, ref)

    def _case_tally(self, meeting_id: str, ref: str) -> CaseTally:
        rights = self.settings.rights
        counts, voters = self.repo.vote_counts(meeting_id, rights.numbers, ref)
        return tally_counts(
            ref,
            rights,
            counts.get(ref, {}),
            voters.get(ref, 0),
            {r.right: r for r in self.repo.resolutions_for_case(meeting_id, ref)},
            self.settings.voting.tally_rules,
        )

    def chair_tally(self, user: str, meeting_id: str | None) -> tuple[Meeting, list[CaseTally]]:
        """The chair's view of a meeting's tally, cases the chair may not yet see left out."""
        self.require_chair(user, "see the tally")
        meeting = self.get_meeting(meeting_id)
        visible = [
            case
            for case in self.tally(meeting.id).cases
            if self.can_see_votes(user, meeting, case.ref)
        ]
        return meeting, visible

    def latest_closed_meeting(self) -> Meeting | None:
        """The most recent meeting whose voting has closed (App Home shows its results)."""
        return next((m for m in self.repo.list_meetings() if not m.is_open), None)

    def close_check(self, meeting_id: str | None, actor: str) -> CloseCheck:
        """Who has not voted on every case, for the chair's confirmation before closing."""
        self.require_chair(actor, "close voting")
        meeting = self.get_meeting(meeting_id)
        return CloseCheck(
            meeting=meeting,
            members=len(self.settings.panel.members),
            missing=members_without_vote(self.progress(meeting.id)),
        )

    def voted_refs(self, meeting_id: str, member: str) -> set[str]:
        voters = self.repo.voters_by_case(meeting_id)
        return {ref for ref, members in voters.items() if member in members}

    def draft_summary(self, meeting_id: str | None) -> DraftSummary:
        """Everything the public report, the annex and the CSV say about a meeting.

        It says whether voting is still open, so a report pulled early warns
        its readers that the findings may change; its date is in panel time.
        """
        meeting = self.get_meeting(meeting_id)
        return build_summary(
            meeting,
            self.repo.list_cases(meeting.id),
            self.tally(meeting.id),
            self.repo.notes_for_meeting(meeting.id),
            self.settings.rights,
            self.settings.panel.name,
            self.clock.now().astimezone(self.settings.voting.zone),
            voting_open=self.voting_is_open(meeting),
            panel_notes=self.repo.panel_notes(meeting.id),
            report=self.settings.report,
            earlier_actions=self.earlier_actions(meeting),
        )

    def earlier_actions(self, meeting: Meeting) -> tuple[EarlierAction, ...]:
        """Open actions from meetings dated before ``meeting``, soonest due first."""
        dates = {m.id: m.date for m in self.repo.list_meetings()}
        today = self.clock.now().astimezone(self.settings.voting.zone).date()
        return tuple(
            EarlierAction(
                agency=a.agency,
                description=a.description,
                due=a.due,
                meeting_date=dates[a.meeting_id],
                overdue=a.overdue(today),
            )
            for a in self.repo.actions(status=ActionStatus.OPEN)
            if dates.get(a.meeting_id, meeting.date) < meeting.date
        )

    # Panel-wide notes -------------------------------------------------------

    def panel_notes(self, user: str, meeting_id: str | None) -> tuple[Meeting, PanelNotes]:
        """The meeting's panel-wide notes as they stand, for the chair or the secretariat."""
        self.require_chair_or_secretariat(user, "write the panel-wide notes")
        meeting = self._meeting_or_latest(meeting_id)
        return meeting, self.repo.panel_notes(meeting.id) or PanelNotes()

    def _meeting_or_latest(self, meeting_id: str | None) -> Meeting:
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

    def save_panel_notes(self, user: str, meeting_id: str, notes: PanelNotes) -> PanelNotes:
        """Screen the panel-wide notes for personal data, then store them in one transaction.

        They go into the public report, so anything that looks like personal data
        is refused field by field (``PersonalDataInText``, keyed by PanelNotes field)
        and nothing is stored.
        """
        self.require_chair_or_secretariat(user, "write the panel-wide notes")
        fields = {name: getattr(notes, name) for name in PanelNotes.model_fields}
        self.screen_typed_text(user, fields, meeting_id=meeting_id)
        with self.repo.unit_of_work():
            meeting = self.get_meeting(meeting_id)
            before = self.repo.panel_notes(meeting.id)
            if before == notes:
                return notes
            now = self.clock.now()
            self.repo.save_panel_notes(meeting.id, notes, user, now)
            self.repo.append_audit(
                now,
                user,
                "panel_notes.save",
                meeting.id,
                old=before.model_dump(mode="json") if before else None,
                new=notes.model_dump(mode="json"),
            )
        logger.info("panel-wide notes of %s saved by %s", meeting.id, user)
        return notes

    def export_csv(self, out: TextIO, meeting_ids: Iterable[str] | None = None) -> int:
        """The compliance return of many meetings as one CSV; returns the rows written.

        Default: every meeting, oldest first. Each meeting's rows are exactly
        those of its ``vcop summary --format csv`` (one header for the file),
        written as soon as that meeting is tallied, so a national history of
        hundreds of meetings streams in flat memory.
        """
        if meeting_ids is None:
            meeting_ids = [m.id for m in reversed(self.repo.list_meetings())]
        rights = self.settings.rights
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        written = 0
        for meeting_id in meeting_ids:
            meeting = self.get_meeting(meeting_id)
            if meeting.code_edition != rights.code_edition:
                raise PanelError(
                    f"meeting {meeting.id!r} was judged against the {meeting.code_edition} "
                    f"Code but app.yaml has the {rights.code_edition} Code's rights"
                )
            rows = list(csv_rows(meeting.id, self.tally(meeting.id).cases, rights))
            writer.writerows(rows)
            written += len(rows)
        return written

    # Where each case's Slack message lives (recorded so /vcop open never posts twice)

    def post_for(self, meeting_id: str, ref: str) -> tuple[str, str] | None:
        return self.repo.get_post(meeting_id, ref)

    def record_post(self, meeting_id: str, ref: str, channel: str, ts: str) -> None:
        with self.repo.unit_of_work():
            self.repo.save_post(meeting_id, ref, channel, ts)

    def audit_open(self, meeting_id: str, actor: str, posted: int) -> None:
        with self.repo.unit_of_work():
            self.repo.append_audit(
                self.clock.now(), actor, "meeting.open", meeting_id, new={"posted": posted}
            )

    def notes(self, meeting_id: str) -> list[CaseNotes]:
        return self.repo.notes_for_meeting(meeting_id)

    def resolutions(self, meeting_id: str) -> list[Resolution]:
        return self.repo.resolutions_for_meeting(meeting_id)

    def local_time(self, moment: dt.datetime) -> str:
        """A moment as the panel reads it: its own timezone, with the zone named."""
        local = moment.astimezone(self.settings.voting.zone)
        return local.strftime("%a %d %b %Y %H:%M %Z")


def members_without_vote(progress: Iterable[CaseProgress]) -> dict[str, list[str]]:
    """Member → refs of the cases they have not voted on yet."""
    pending: dict[str, list[str]] = {}
    for case in progress:
        for member in case.not_voted:
            pending.setdefault(member, []).append(case.ref)
    return pending
