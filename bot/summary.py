"""What a meeting's report is made of, built once from the tally and the notes.

``build_summary`` gathers everything the public report, the panel's annex
and the CSV compliance return need into one ``DraftSummary``. The layouts
live in ``bot.report_layout`` and the Markdown and DOCX renderers beside it
(re-exported here), so the two formats cannot drift apart; the CSV, the
machine-readable compliance return, is written here.

Notes are anonymous. Members' ids never enter the summary model, and a
case's notes are de-duplicated (ignoring case and spacing) and sorted by
their text rather than kept in the order storage returns them, so a reader
cannot line up "the first note" on every case with one member.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

from bot.models import (
    Case,
    CaseNotes,
    CaseTally,
    Category,
    Meeting,
    MeetingTally,
    PanelNotes,
    RightTally,
    VoteOption,
)
from bot.report_docx import render_docx
from bot.report_layout import FINDING_CODES, RESOLVED_MARK
from bot.report_markdown import render_markdown
from bot.report_settings import ReportSettings
from bot.report_text import FULLY_MET, clean, note_key
from bot.rights import RightsCatalogue

__all__ = [
    "CSV_HEADER",
    "FINDING_CODES",
    "RESOLVED_MARK",
    "CaseSummary",
    "DraftSummary",
    "MeetingNotes",
    "build_summary",
    "csv_rows",
    "render_csv",
    "render_docx",
    "render_markdown",
]

#: The compliance return's columns: fixed ones, then one count per vote option.
CSV_HEADER: tuple[str, ...] = (
    "meeting",
    "ref",
    "right",
    "title",
    "finding",
    "resolved",
    "category",
    *(option.value for option in VoteOption),
)

_OPTION_LABELS = tuple(option.value for option in VoteOption)
# Leading characters a spreadsheet would read as a formula.
_FORMULA_START = ("=", "+", "-", "@")


class CaseSummary(BaseModel):
    """What the panel found on one case (the annex prints it; the public report counts it)."""

    model_config = ConfigDict(frozen=True)

    ref: str
    offence: str
    outcome: str
    category: Category
    rights: tuple[RightTally, ...]
    not_fully_met: tuple[RightTally, ...]
    good_practice: tuple[str, ...] = ()
    observations: tuple[str, ...] = ()
    learning: tuple[str, ...] = ()

    @property
    def resolved(self) -> tuple[RightTally, ...]:
        """The rights the chair decided, whatever the finding."""
        return tuple(right for right in self.rights if right.resolved)


class MeetingNotes(BaseModel):
    """The panel-wide notes, split into points: one per non-blank line, de-duplicated."""

    model_config = ConfigDict(frozen=True)

    good_practice: tuple[str, ...] = ()
    observations: tuple[str, ...] = ()
    learning: tuple[str, ...] = ()


class EarlierAction(BaseModel):
    """An action from an earlier meeting still open, as the public report lists it.

    No case reference: the public report never names a case.
    """

    model_config = ConfigDict(frozen=True)

    agency: str
    description: str
    due: dt.date
    meeting_date: dt.date
    overdue: bool


class DraftSummary(BaseModel):
    """The whole of one meeting's report, ready to lay out."""

    model_config = ConfigDict(frozen=True)

    meeting_id: str
    title: str
    panel_name: str
    date: dt.date
    code_edition: str
    generated_at: AwareDatetime
    voting_open: bool = False
    voting_closes: AwareDatetime | None = None
    about: str = ""
    rights: RightsCatalogue
    category_counts: dict[Category, int]
    cases: tuple[CaseSummary, ...]
    panel_notes: MeetingNotes = MeetingNotes()
    report: ReportSettings = ReportSettings()
    earlier_actions: tuple[EarlierAction, ...] = ()

    @field_validator("category_counts")
    @classmethod
    def _every_category_in_order(cls, counts: dict[Category, int]) -> dict[Category, int]:
        """Reports show all seven categories, zeros included, always in the same order."""
        return {category: counts.get(category, 0) for category in Category}


# Building ------------------------------------------------------------------


def build_summary(
    meeting: Meeting,
    cases: Sequence[Case],
    tally: MeetingTally,
    notes: Sequence[CaseNotes],
    rights: RightsCatalogue,
    panel_name: str,
    generated_at: dt.datetime,
    *,
    voting_open: bool = False,
    panel_notes: PanelNotes | None = None,
    report: ReportSettings | None = None,
    earlier_actions: Sequence[EarlierAction] = (),
) -> DraftSummary:
    """Assemble the report of a meeting from its cases, tally and notes.

    ``generated_at`` should already be in the panel's timezone: it is printed
    as it is, and the voting deadline is printed in the same timezone, so a
    reader sees the clock time the panel set rather than the UTC it is stored
    in. Inputs that do not belong together raise ValueError rather than
    produce a report that quietly omits a case or labels findings with another
    Code's rights.
    """
    if meeting.code_edition != rights.code_edition:
        raise ValueError(
            f"meeting {meeting.id!r} was judged against the {meeting.code_edition} Code "
            f"but the rights given are the {rights.code_edition} Code's"
        )
    if tally.meeting != meeting.id:
        raise ValueError(f"the tally is for meeting {tally.meeting!r}, not {meeting.id!r}")
    ordered = sorted(cases, key=lambda case: case.position)
    refs = [case.ref for case in ordered]
    if len(set(refs)) != len(refs):
        raise ValueError(f"meeting {meeting.id!r} lists a case ref more than once")
    strangers = sorted({case.meeting_id for case in ordered} - {meeting.id})
    if strangers:
        raise ValueError(f"cases from meeting(s) {strangers} given for meeting {meeting.id!r}")
    tallies = {case_tally.ref: case_tally for case_tally in tally.cases}
    if set(tallies) != set(refs):
        raise ValueError(
            f"the tally covers cases {sorted(tallies)} but the meeting has {sorted(refs)}"
        )
    unknown = sorted({entry.case_ref for entry in notes} - set(refs))
    if unknown:
        raise ValueError(f"notes given for cases {unknown}, which are not in this meeting")

    case_summaries = tuple(
        _case_summary(case, tallies[case.ref], notes, rights) for case in ordered
    )
    counts = dict.fromkeys(Category, 0)
    for case_summary in case_summaries:
        counts[case_summary.category] += 1
    wide = panel_notes or PanelNotes()
    return DraftSummary(
        meeting_id=meeting.id,
        title=meeting.title,
        panel_name=panel_name,
        date=meeting.date,
        code_edition=meeting.code_edition,
        generated_at=generated_at,
        voting_open=voting_open,
        voting_closes=(
            meeting.voting_closes.astimezone(generated_at.tzinfo) if voting_open else None
        ),
        about=meeting.about,
        rights=rights,
        category_counts=counts,
        cases=case_summaries,
        panel_notes=MeetingNotes(
            good_practice=_collect(wide.good_practice.splitlines()),
            observations=_collect(wide.observations.splitlines()),
            learning=_collect(wide.learning.splitlines()),
        ),
        report=report or ReportSettings(),
        earlier_actions=tuple(earlier_actions),
    )


def _case_summary(
    case: Case, case_tally: CaseTally, notes: Sequence[CaseNotes], rights: RightsCatalogue
) -> CaseSummary:
    by_number = sorted(case_tally.rights, key=lambda right: right.right)
    if [right.right for right in by_number] != rights.numbers:
        raise ValueError(
            f"the tally of case {case.ref!r} covers rights {[r.right for r in by_number]}, "
            f"not the {len(rights)} rights of the {rights.code_edition} Code"
        )
    own = [entry.notes for entry in notes if entry.case_ref == case.ref]
    return CaseSummary(
        ref=case.ref,
        offence=case.offence,
        outcome=case.outcome,
        category=case_tally.category,
        rights=tuple(by_number),
        not_fully_met=tuple(r for r in by_number if r.finding not in FULLY_MET),
        good_practice=_collect(n.good_practice for n in own),
        observations=_collect(n.observations for n in own),
        learning=_collect(n.learning for n in own),
    )


def _collect(texts: Iterable[str]) -> tuple[str, ...]:
    """Non-blank notes, once each, in an order that says nothing about who wrote them.

    Notes differing only in case or spacing count as one; the kept wording is
    chosen by the text alone so the result does not depend on the input order.
    A leading list marker (``-``, ``*``, ``•``) is dropped: the report makes
    its own lists.
    """
    kept: dict[str, str] = {}
    for raw in texts:
        text = _LIST_MARKER.sub("", clean(raw))
        if text:
            key = note_key(text)
            kept[key] = min(kept.get(key, text), text)
    return tuple(kept[key] for key in sorted(kept))


_LIST_MARKER = re.compile(r"^(?:[-*\u2022]\s+)+")


# CSV -------------------------------------------------------------------------


def render_csv(summary: DraftSummary) -> str:
    """The compliance return: one row per case and right, with the vote counts."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(summary.meeting_id, summary.cases, summary.rights))
    return buffer.getvalue()


def csv_rows(
    meeting_id: str, cases: Iterable[CaseSummary | CaseTally], rights: RightsCatalogue
) -> Iterator[list[str | int]]:
    """The compliance return's rows for one meeting, cases in agenda order.

    Only the tally goes into a row, so an export across many meetings can
    write these straight from each meeting's tally without building summaries.
    """
    for case in cases:
        for tally in sorted(case.rights, key=lambda right: right.right):
            yield [
                _cell(meeting_id),
                _cell(case.ref),
                tally.right,
                _cell(rights.get(tally.right).short),
                tally.finding.value,
                "true" if tally.resolved else "false",
                case.category.value,
                *(tally.votes.get(label, 0) for label in _OPTION_LABELS),
            ]


def _cell(text: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula (CSV injection)."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text
