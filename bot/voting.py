"""Voting: a member's ballot on a case, stored all or nothing, and the panel's progress.

A vote is acknowledged only once durable (see ``record_ballot``); progress says
who has voted, never what anyone chose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set

from pydantic import BaseModel, ConfigDict

from bot.access import Access
from bot.clock import Clock
from bot.config import Settings
from bot.errors import InvalidBallot, VotingClosed
from bot.meetings import MeetingService, no_case, no_meeting
from bot.models import Ballot, Meeting, MemberNotes, VoteOption
from bot.screening import TypedTextScreen
from storage.repo import Repository


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


class VotingService:
    """Members' ballots: checking, storing durably, and who has voted on what (never how)."""

    def __init__(
        self,
        settings: Settings,
        repo: Repository,
        clock: Clock,
        access: Access,
        typed_text: TypedTextScreen,
        meetings: MeetingService,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.clock = clock
        self.access = access
        self.typed_text = typed_text
        self.meetings = meetings

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
        self.access.require_member(ballot.member)
        self.typed_text.screen(
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
                raise no_meeting(ballot.meeting_id)
            if not self.meetings.voting_is_open(meeting):
                raise VotingClosed(
                    f"Voting on {meeting.title} closed at "
                    f"{self.meetings.local_time(meeting.voting_closes)}; "
                    "your vote was not recorded."
                )
            if not state.case_exists:
                raise no_case(ballot.meeting_id, ballot.case_ref)
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
                    # str() of a StrEnum is its label, without the enum's slower .value.
                    old={str(k): str(v) for k, v in old_choices.items()} or None,
                    new={str(k): str(v) for k, v in sorted(choices.items())},
                )
            # The state was read before this ballot was saved, which now counts too
            # (and ``next_unvoted`` never offers the case just voted on).
            first_ballot = not old_choices
            return BallotReceipt(
                meeting_id=ballot.meeting_id,
                case_ref=ballot.case_ref,
                member=ballot.member,
                changed=changed,
                voters=state.voters + (1 if first_ballot else 0),
                members=len(self.settings.panel.members),
                choices=choices,
                next_ref=next_unvoted(state.agenda, state.voted, ballot.case_ref),
            )

        return self.repo.grouped(store)

    def next_case_to_vote(
        self, meeting_id: str, member: str, after: str | None = None
    ) -> str | None:
        """The next case on the agenda (after ``after``, wrapping round) not yet voted on."""
        return next_unvoted(
            self.repo.case_refs(meeting_id), self.voted_refs(meeting_id, member), after
        )

    def voted_refs(self, meeting_id: str, member: str) -> set[str]:
        return self.repo.refs_voted_by(meeting_id, member)

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
        return self.repo.count_voters(meeting_id, ref)

    def stored_vote_count(self, meeting_id: str) -> int:
        """Vote rows stored for a meeting (one per member, case and right)."""
        return self.repo.count_votes(meeting_id)

    def close_check(self, meeting_id: str | None, actor: str) -> CloseCheck:
        """Who has not voted on every case, for the chair's confirmation before closing."""
        self.access.require_chair(actor, "close voting")
        meeting = self.meetings.get_meeting(meeting_id)
        return CloseCheck(
            meeting=meeting,
            members=len(self.settings.panel.members),
            missing=members_without_vote(self.progress(meeting.id)),
        )


def members_without_vote(progress: Iterable[CaseProgress]) -> dict[str, list[str]]:
    """Member → refs of the cases they have not voted on yet."""
    pending: dict[str, list[str]] = {}
    for case in progress:
        for member in case.not_voted:
            pending.setdefault(member, []).append(case.ref)
    return pending


def next_unvoted(agenda: Sequence[str], voted: Set[str], after: str | None) -> str | None:
    """The first case after ``after`` on the agenda, wrapping round, not in ``voted``."""
    start = agenda.index(after) + 1 if after in agenda else 0
    for ref in [*agenda[start:], *agenda[:start]]:
        if ref not in voted and ref != after:
            return ref
    return None
