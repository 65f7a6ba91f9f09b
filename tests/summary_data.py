"""A small meeting, its tally and notes, built from the domain models for the report tests.

OP-101 is Fully compliant (R9 split, resolved Met; R11 N/A); OP-102 Partially
compliant (R4 Not met; R6 split, resolved Partially met); OP-103 has no votes.
``every_category`` adds a meeting with one case in each of the seven categories.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import docx

from bot.models import (
    Case,
    CaseNotes,
    Finding,
    Meeting,
    MeetingStatus,
    MeetingTally,
    MemberNotes,
    Resolution,
    Vote,
    VoteOption,
)
from bot.rights import Right, RightsCatalogue
from bot.summary import DraftSummary, build_summary
from bot.tally import TallyRules, tally_case

MEETING_ID = "2026-03-updates"
PANEL = "Example LCJB Victims' Code scrutiny panel"
MEMBERS = ("U0POLICE1", "U0CPS0001", "U0COURTS1")
CHAIR = "U0CHAIR01"
AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
GENERATED = dt.datetime(2026, 3, 20, 16, 5, tzinfo=dt.UTC)
SHORTS = (
    "Understand and be understood",
    "Crime recorded without delay",
    "Information when reporting",
    "Referral to support services",
    "Information about compensation",
    "Investigation and prosecution updates",
    "Victim Personal Statement",
    "Trial and witness information",
    "Outcome and appeals",
    "Expenses and property",
    "Information about the offender",
    "Making a complaint",
)
RIGHTS = RightsCatalogue(
    code_edition="2021",
    items=tuple(
        Right(number=n, short=short, title=f"To {short.lower()}", checks="What a reviewer checks")
        for n, short in enumerate(SHORTS, start=1)
    ),
)
M, PM, NM, NA = (
    VoteOption.MET,
    VoteOption.PARTIALLY_MET,
    VoteOption.NOT_MET,
    VoteOption.NOT_APPLICABLE,
)

A_REASON = "The outcome letter is on file | dated day 40"
B_REASON = "Updates were given,\nbut late"


def meeting(**changes: object) -> Meeting:
    base = Meeting(
        id=MEETING_ID,
        title="Keeping victims informed",
        date=dt.date(2026, 3, 12),
        voting_closes=dt.datetime(2026, 3, 10, 17, tzinfo=dt.UTC),
        code_edition="2021",
        status=MeetingStatus.CLOSED,
    )
    return base.model_copy(update=changes)


def case(ref: str, position: int, offence: str, outcome: str) -> Case:
    return Case(
        meeting_id=MEETING_ID,
        ref=ref,
        position=position,
        offence=offence,
        outcome=outcome,
        summary="An anonymised account of the case.",
    )


CASES = (
    case("OP-101", 1, "Burglary of a dwelling", "Guilty plea; 2 years' custody"),
    case("OP-102", 2, "Assault occasioning ABH", "Convicted after trial | community order"),
    case("OP-103", 3, "Criminal damage", "No further action"),
)


def votes(ref: str, columns: dict[int, tuple[VoteOption, ...]]) -> list[Vote]:
    """Every member votes Met on every right, except where ``columns`` says otherwise."""
    return [
        Vote(
            meeting_id=MEETING_ID,
            case_ref=ref,
            member=member,
            right=number,
            option=columns.get(number, (M, M, M))[index],
            cast_at=AT,
        )
        for index, member in enumerate(MEMBERS)
        for number in RIGHTS.numbers
    ]


def resolution(ref: str, right: int, finding: Finding, reason: str) -> Resolution:
    return Resolution(
        meeting_id=MEETING_ID,
        case_ref=ref,
        right=right,
        finding=finding,
        reason=reason,
        chair=CHAIR,
        resolved_at=AT,
    )


def make_tally(cases: tuple[Case, ...] = CASES) -> MeetingTally:
    """OP-101 Fully compliant (R9 split, resolved Met; R11 N/A); OP-102 Partially compliant
    (R4 Not met; R6 split, resolved Partially met); OP-103 no votes at all."""
    rules = TallyRules()
    plans = {
        "OP-101": (
            votes("OP-101", {9: (M, PM, NM), 11: (NA, NA, NA)}),
            {9: resolution("OP-101", 9, Finding.MET, A_REASON)},
        ),
        "OP-102": (
            votes("OP-102", {4: (NM, NM, M), 6: (M, NM, VoteOption.DID_NOT_ENGAGE)}),
            {6: resolution("OP-102", 6, Finding.PARTIALLY_MET, B_REASON)},
        ),
    }
    return MeetingTally(
        meeting=MEETING_ID,
        cases=tuple(tally_case(c.ref, RIGHTS, *plans.get(c.ref, ([], {})), rules) for c in cases),
    )


NOTES = (
    CaseNotes(
        case_ref="OP-101",
        member="U0POLICE1",
        notes=MemberNotes(good_practice="Victim kept informed | weekly calls"),
    ),
    CaseNotes(
        case_ref="OP-101",
        member="U0CPS0001",
        notes=MemberNotes(
            good_practice="victim kept  informed | weekly calls",
            learning="Record the VPS offer\nin the case file",
        ),
    ),
    CaseNotes(
        case_ref="OP-102",
        member="U0COURTS1",
        notes=MemberNotes(observations="Updates were late <!channel>", learning="   "),
    ),
    CaseNotes(
        case_ref="OP-102",
        member="U0CPS0001",
        notes=MemberNotes(observations="No record of a referral to support services"),
    ),
    CaseNotes(case_ref="OP-103", member="U0POLICE1", notes=MemberNotes()),
)


def build(**overrides: object) -> DraftSummary:
    arguments: dict[str, Any] = {
        "meeting": meeting(),
        "cases": CASES,
        "tally": make_tally(),
        "notes": NOTES,
        "rights": RIGHTS,
        "panel_name": PANEL,
        "generated_at": GENERATED,
    }
    arguments.update(overrides)
    return build_summary(**arguments)


def docx_text(document: docx.document.Document) -> str:
    paragraphs = [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(paragraphs + cells)


def table_cells(line: str) -> list[str]:
    """A Markdown table row split on its unescaped pipes."""
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def assert_tables_intact(markdown: str) -> None:
    """Every row of every table has as many cells as its header."""
    width = None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        cells = table_cells(line)
        if width is None:
            width = len(cells)
        assert len(cells) == width, line


ALL_CATEGORY_PLANS: dict[str, tuple[str, VoteOption | None]] = {
    "EC-1": ("Fully compliant", VoteOption.MET),
    "EC-2": ("Partially compliant", VoteOption.PARTIALLY_MET),
    "EC-3": ("Non-compliant", VoteOption.NOT_MET),
    "EC-4": ("Victim did not engage", VoteOption.DID_NOT_ENGAGE),
    "EC-5": ("Panel failed to reach a decision", None),
    "EC-6": ("Information not recorded", VoteOption.NOT_RECORDED),
    "EC-7": ("Not applicable", VoteOption.NOT_APPLICABLE),
}


# How the findings section opens each category, as a reader sees it: a compliance
# judgement is "deemed"; any other category is named.
CATEGORY_LEAD = re.compile(
    r"The panel (?:deemed (?P<deemed>\d+) cases? to be (?P<judged>[^.\n]+)"
    r"|placed (?P<placed>\d+) cases? in the category \u2018(?P<named>[^\u2019]+)\u2019)\."
)


def category_counts(text: str) -> dict[str, int]:
    """Category label → the number of cases its opening sentence gives, in text order."""
    return {
        m["judged"] or m["named"]: int(m["deemed"] or m["placed"])
        for m in CATEGORY_LEAD.finditer(text)
    }


def tag(ref: str) -> str:
    """A word naming an every-category case without its ref (the public report drops refs)."""
    return ("first", "second", "third", "fourth", "fifth", "sixth", "seventh")[int(ref[3:]) - 1]


def every_category(**overrides: object) -> DraftSummary:
    """Seven cases, one per category, each with a distinct good practice and observation."""
    cases = tuple(
        case(ref, n, f"Offence {ref}", f"Outcome {ref}")
        for n, ref in enumerate(ALL_CATEGORY_PLANS, start=1)
    )
    tallies = []
    for ref, (_, option) in ALL_CATEGORY_PLANS.items():
        ballots = [] if option is None else votes(ref, {n: (option,) * 3 for n in RIGHTS.numbers})
        if option is VoteOption.PARTIALLY_MET:
            ballots = votes(ref, {3: (PM, PM, PM)})
        tallies.append(tally_case(ref, RIGHTS, ballots, {}, TallyRules()))
    notes = tuple(
        CaseNotes(
            case_ref=ref,
            member=MEMBERS[0],
            notes=MemberNotes(
                good_practice=f"Good practice on the {tag(ref)} case",
                observations=f"Observation on the {tag(ref)} case",
                learning=f"Learning from the {tag(ref)} case",
            ),
        )
        for ref in ALL_CATEGORY_PLANS
    )
    arguments: dict[str, object] = {
        "cases": cases,
        "tally": MeetingTally(meeting=MEETING_ID, cases=tuple(tallies)),
        "notes": notes,
    }
    arguments.update(overrides)
    return build(**arguments)
