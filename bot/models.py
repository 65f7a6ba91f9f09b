"""Domain models shared by the services, storage and the Slack transport.

The option, finding and category labels are a published contract: the Slack
UI, the JSON tally and the CSV export all use these exact strings.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

SLACK_USER_ID_PATTERN = r"^[UW][A-Z0-9]{2,20}$"
SLACK_CHANNEL_ID_PATTERN = r"^[CG][A-Z0-9]{2,20}$"
MEETING_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
CASE_REF_PATTERN = r"^[^\s<>&|`*_~]+$"

#: What each pattern means, in the words a person fixing the value needs: a
#: pattern's regex text is never shown to anyone (see bot.plain_errors).
PATTERN_DESCRIPTIONS: dict[str, str] = {
    SLACK_USER_ID_PATTERN: "is not a Slack member ID; it looks like U0123ABCD "
    "(in Slack: the person's profile → ⋮ → Copy member ID)",
    SLACK_CHANNEL_ID_PATTERN: "needs the channel's ID, such as C0123ABCD, not its name; "
    "in Slack, open the channel, click its name at the top, and copy the Channel ID "
    "at the bottom of the About tab",
    MEETING_ID_PATTERN: "must start with a letter or digit and hold only letters, digits, "
    "dots, hyphens and underscores (at most 64), such as 2025-09-stalking",
    CASE_REF_PATTERN: "must have no spaces and none of < > & | ` * _ ~, such as SH-01",
}

SlackUserId = Annotated[str, StringConstraints(pattern=SLACK_USER_ID_PATTERN)]
SlackChannelId = Annotated[str, StringConstraints(pattern=SLACK_CHANNEL_ID_PATTERN)]
MeetingId = Annotated[str, StringConstraints(pattern=MEETING_ID_PATTERN, strip_whitespace=True)]
CaseRef = Annotated[
    str,
    StringConstraints(min_length=1, max_length=24, pattern=CASE_REF_PATTERN),
]
NOTE_MAX_CHARS = 3000


class VoteOption(StrEnum):
    """What one member says about one right, in the order every surface shows them."""

    MET = "Met"
    PARTIALLY_MET = "Partially met"
    NOT_MET = "Not met"
    DID_NOT_ENGAGE = "Victim did not engage"
    NOT_RECORDED = "Information not recorded"
    NOT_APPLICABLE = "Not applicable"
    ABSTAIN = "Abstain"


# Each option by its label: a dict lookup, for the hot paths that read labels back (stored
# votes, submitted forms), where ``VoteOption(label)`` goes through Enum's slower lookup.
VOTE_OPTION_BY_LABEL: dict[str, VoteOption] = {str(option): option for option in VoteOption}


class Finding(StrEnum):
    """The panel's finding on one right: a decisive option, or Undecided."""

    MET = "Met"
    PARTIALLY_MET = "Partially met"
    NOT_MET = "Not met"
    DID_NOT_ENGAGE = "Victim did not engage"
    NOT_RECORDED = "Information not recorded"
    NOT_APPLICABLE = "Not applicable"
    UNDECIDED = "Undecided"


def _decisive(finding: Finding) -> Finding:
    if finding is Finding.UNDECIDED:
        raise ValueError("a resolution must be a finding, not Undecided")
    return finding


DecisiveFinding = Annotated[Finding, AfterValidator(_decisive)]


class Category(StrEnum):
    """The seven categories a panel puts a case in, in the order reports list them."""

    FULLY_COMPLIANT = "Fully compliant"
    PARTIALLY_COMPLIANT = "Partially compliant"
    NON_COMPLIANT = "Non-compliant"
    DID_NOT_ENGAGE = "Victim did not engage"
    NO_DECISION = "Panel failed to reach a decision"
    NOT_RECORDED = "Information not recorded"
    NOT_APPLICABLE = "Not applicable"


class MeetingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ScheduleKind(StrEnum):
    REMINDER = "reminder"
    CLOSE = "close"
    ACTION_REMINDER = "action_reminder"


class ScheduleStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class Schedule(BaseModel):
    """A deadline or reminder, stored so jobs can be rebuilt after a restart."""

    model_config = ConfigDict(frozen=True)

    id: str
    meeting_id: str
    kind: ScheduleKind
    due_at: dt.datetime
    status: ScheduleStatus = ScheduleStatus.PENDING
    done_at: dt.datetime | None = None


class TimelineEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    day: int = Field(ge=-3650, le=36500)
    agency: str = Field(min_length=1, max_length=100)
    entry: str = Field(min_length=1, max_length=500)


class Meeting(BaseModel):
    """A stored meeting. Times are UTC; surfaces convert to the panel's timezone."""

    model_config = ConfigDict(frozen=True)

    id: MeetingId
    title: str
    date: dt.date
    voting_closes: dt.datetime
    code_edition: str
    status: MeetingStatus = MeetingStatus.OPEN
    closed_at: dt.datetime | None = None
    purged_at: dt.datetime | None = None
    about: str = Field(default="", description="The theme text the public report prints")

    @property
    def is_open(self) -> bool:
        return self.status is MeetingStatus.OPEN


class Case(BaseModel):
    """One anonymised case on a meeting's agenda."""

    model_config = ConfigDict(frozen=True)

    meeting_id: MeetingId
    ref: CaseRef
    position: int
    offence: str
    outcome: str
    summary: str
    timeline: tuple[TimelineEntry, ...] = ()
    relisted_from: str | None = None


class MemberNotes(BaseModel):
    """A member's free-text notes on a case; they feed the summary's sections."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    good_practice: str = Field(default="", max_length=NOTE_MAX_CHARS)
    observations: str = Field(default="", max_length=NOTE_MAX_CHARS)
    learning: str = Field(default="", max_length=NOTE_MAX_CHARS)

    @property
    def is_empty(self) -> bool:
        return not (self.good_practice or self.observations or self.learning)


class PanelNotes(BaseModel):
    """The panel's own points about a meeting as a whole, written by the chair or secretariat.

    Some of a panel's best points (a specialist clinic, a recording gap in one
    agency's system) belong to no single case, so they sit beside the meeting
    rather than on a member's ballot.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    good_practice: str = Field(default="", max_length=NOTE_MAX_CHARS)
    observations: str = Field(default="", max_length=NOTE_MAX_CHARS)
    learning: str = Field(default="", max_length=NOTE_MAX_CHARS)

    @property
    def is_empty(self) -> bool:
        return not (self.good_practice or self.observations or self.learning)


class Ballot(BaseModel):
    """One member's complete submission on one case: every right, plus notes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    meeting_id: MeetingId
    case_ref: CaseRef
    member: SlackUserId
    choices: dict[int, VoteOption]
    notes: MemberNotes = MemberNotes()


class Vote(BaseModel):
    model_config = ConfigDict(frozen=True)

    meeting_id: str
    case_ref: str
    member: str
    right: int
    option: VoteOption
    cast_at: dt.datetime


class Resolution(BaseModel):
    """The chair's decision on a right, which replaces the finding from the votes."""

    model_config = ConfigDict(frozen=True)

    meeting_id: str
    case_ref: str
    right: int
    finding: DecisiveFinding
    reason: str = Field(min_length=1, max_length=NOTE_MAX_CHARS)
    chair: str
    resolved_at: dt.datetime


class CaseNotes(BaseModel):
    """One member's notes as stored, tied to the member for the chair's eyes only."""

    model_config = ConfigDict(frozen=True)

    case_ref: str
    member: str
    notes: MemberNotes


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    at: dt.datetime
    actor: str
    action: str
    meeting_id: str | None
    case_ref: str | None
    old: str | None
    new: str | None


class RightTally(BaseModel):
    """The tally of one right on one case."""

    model_config = ConfigDict(frozen=True)

    right: int
    title: str
    finding: Finding
    votes: dict[str, int]
    resolved: bool = False
    resolution_reason: str | None = None
    vote_finding: Finding
    dispute: float = Field(
        ge=0.0,
        le=1.0,
        description="Share of non-abstaining votes that differ from the leading option",
    )

    @property
    def disputed(self) -> bool:
        """A right the chair must look at: split, short of quorum, or overturned."""
        return self.finding is Finding.UNDECIDED or self.dispute > 0 or self.resolved


class CaseTally(BaseModel):
    model_config = ConfigDict(frozen=True)

    ref: str
    category: Category
    voters: int
    rights: tuple[RightTally, ...]

    def disputed_first(self) -> list[RightTally]:
        """Rights ordered for the chair: Undecided, then the most split, then the rest."""
        return sorted(
            self.rights,
            key=lambda r: (r.finding is not Finding.UNDECIDED, -r.dispute, r.right),
        )


class MeetingTally(BaseModel):
    model_config = ConfigDict(frozen=True)

    meeting: str
    cases: tuple[CaseTally, ...]

    def category_counts(self) -> dict[Category, int]:
        counts = dict.fromkeys(Category, 0)
        for case in self.cases:
            counts[case.category] += 1
        return counts
