"""The draft summary a panel publishes after a meeting, and its three renderings.

A summary follows the shape of a published LCJB Victims' Code scrutiny panel
report: the meeting, a count of cases per category, a section per case, the
good practice, observations and learning the members noted, and a matrix of
cases × rights. The content is built once (``build_summary``) and laid out
once as neutral blocks, so the Markdown and the DOCX cannot drift apart; the
CSV is the machine-readable compliance return.

Notes are anonymous in the report. Members' ids never enter the summary
model, and a case's notes are sorted by their text rather than kept in the
order storage returns them, so a reader cannot line up "the first note" on
every case with one member.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.shared import Pt
from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

from bot.models import (
    Case,
    CaseNotes,
    CaseTally,
    Category,
    Finding,
    Meeting,
    MeetingTally,
    RightTally,
    VoteOption,
)
from bot.rights import RightsCatalogue

DRAFT_MARKER = "DRAFT — for panel approval"

#: The short code each finding has in the matrix; a resolved right adds ``RESOLVED_MARK``.
FINDING_CODES: Mapping[Finding, str] = {
    Finding.MET: "M",
    Finding.PARTIALLY_MET: "PM",
    Finding.NOT_MET: "NM",
    Finding.DID_NOT_ENGAGE: "DNE",
    Finding.NOT_RECORDED: "INR",
    Finding.NOT_APPLICABLE: "N/A",
    Finding.UNDECIDED: "U",
}
RESOLVED_MARK = "*"

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
_FULLY_MET = frozenset({Finding.MET, Finding.NOT_APPLICABLE})
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Characters no XML document may hold (python-docx refuses them) and that
# carry no meaning in a report: C0 controls, DEL, lone surrogates, non-characters.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Markdown punctuation that could start emphasis, code, links, headings'
# closing sequences or table cells inside a line of user text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
# Leading characters a spreadsheet would read as a formula.
_FORMULA_START = ("=", "+", "-", "@")
# python-docx refuses longer core properties.
_CORE_PROPERTY_MAX = 255


class NoteItem(BaseModel):
    """One note in a collected section, tagged with the case it was written on."""

    model_config = ConfigDict(frozen=True)

    ref: str
    text: str


class CaseSummary(BaseModel):
    """What the report says about one case."""

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


class DraftSummary(BaseModel):
    """The whole draft report for one meeting, ready to render."""

    model_config = ConfigDict(frozen=True)

    meeting_id: str
    title: str
    panel_name: str
    date: dt.date
    code_edition: str
    generated_at: AwareDatetime
    rights: RightsCatalogue
    category_counts: dict[Category, int]
    cases: tuple[CaseSummary, ...]
    good_practice: tuple[NoteItem, ...] = ()
    observations: tuple[NoteItem, ...] = ()
    learning: tuple[NoteItem, ...] = ()

    @field_validator("category_counts")
    @classmethod
    def _every_category_in_order(cls, counts: dict[Category, int]) -> dict[Category, int]:
        """Reports show all seven categories, zeros included, always in the same order."""
        return {category: counts.get(category, 0) for category in Category}

    @property
    def document_title(self) -> str:
        """The heading of the report, also used as the DOCX title property."""
        return f"{_clean(self.panel_name)}: draft summary — {_clean(self.title)}"


# Building ------------------------------------------------------------------


def build_summary(
    meeting: Meeting,
    cases: Sequence[Case],
    tally: MeetingTally,
    notes: Sequence[CaseNotes],
    rights: RightsCatalogue,
    panel_name: str,
    generated_at: dt.datetime,
) -> DraftSummary:
    """Assemble the draft report from a meeting's cases, tally and members' notes.

    Inputs that do not belong together raise ValueError rather than produce a
    report that quietly omits a case or labels findings with another Code's rights.
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
    return DraftSummary(
        meeting_id=meeting.id,
        title=meeting.title,
        panel_name=panel_name,
        date=meeting.date,
        code_edition=meeting.code_edition,
        generated_at=generated_at,
        rights=rights,
        category_counts=counts,
        cases=case_summaries,
        good_practice=_tagged(case_summaries, "good_practice"),
        observations=_tagged(case_summaries, "observations"),
        learning=_tagged(case_summaries, "learning"),
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
        not_fully_met=tuple(r for r in by_number if r.finding not in _FULLY_MET),
        good_practice=_collect(n.good_practice for n in own),
        observations=_collect(n.observations for n in own),
        learning=_collect(n.learning for n in own),
    )


def _collect(texts: Iterable[str]) -> tuple[str, ...]:
    """Non-blank notes, once each, in an order that says nothing about who wrote them.

    Notes differing only in case or spacing count as one; the kept wording is
    chosen by the text alone so the result does not depend on the input order.
    """
    kept: dict[str, str] = {}
    for raw in texts:
        text = _clean(raw)
        if text:
            key = text.casefold()
            kept[key] = min(kept.get(key, text), text)
    return tuple(kept[key] for key in sorted(kept))


def _tagged(
    cases: Sequence[CaseSummary], section: Literal["good_practice", "observations", "learning"]
) -> tuple[NoteItem, ...]:
    return tuple(
        NoteItem(ref=case.ref, text=text) for case in cases for text in getattr(case, section)
    )


def _clean(text: str) -> str:
    """User text as one tidy line: every run of whitespace (newlines too) becomes one space.

    Reports list a note as one item; a stray newline or control character must
    neither break a Markdown table nor make python-docx refuse the document.
    """
    return _UNPRINTABLE.sub("", " ".join(text.split()))


# Layout: one sequence of neutral blocks, rendered to Markdown and to DOCX ----------


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str


@dataclass(frozen=True)
class _Paragraph:
    text: str
    label: str = ""
    bold: bool = False


@dataclass(frozen=True)
class _Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class _Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class _Landscape:
    """From here to the end the DOCX is landscape, so the wide matrix fits a page."""


_Block = _Heading | _Paragraph | _Bullets | _Table | _Landscape


def _blocks(summary: DraftSummary) -> list[_Block]:
    """The report's content in reading order; every renderer walks this same list.

    Block text is raw: each renderer makes it safe for its own format.
    """
    blocks: list[_Block] = [
        _Heading(1, summary.document_title),
        _Paragraph(DRAFT_MARKER, bold=True),
        _Paragraph(_long_date(summary.date), label="Meeting date"),
        _Paragraph(summary.title, label="Theme"),
        _Paragraph(summary.code_edition, label="Victims' Code edition"),
        _Paragraph(summary.meeting_id, label="Meeting reference"),
        _Paragraph(_timestamp(summary.generated_at), label="Generated"),
        _Heading(2, "Summary of findings"),
        _Paragraph(_scrutinised(len(summary.cases))),
        _Table(
            ("Category", "Cases"),
            (
                *((category.value, str(n)) for category, n in summary.category_counts.items()),
                ("Total", str(sum(summary.category_counts.values()))),
            ),
        ),
        _Heading(2, "Cases"),
    ]
    if not summary.cases:
        blocks.append(_Paragraph("No cases were on the agenda."))
    for case in summary.cases:
        blocks.extend(_case_blocks(case, summary.rights))
    for heading, items in (
        ("Good practice", summary.good_practice),
        ("Observations", summary.observations),
        ("Learning", summary.learning),
    ):
        blocks.append(_Heading(2, heading))
        if items:
            blocks.append(_Bullets(tuple(f"{item.ref}: {item.text}" for item in items)))
        else:
            blocks.append(_Paragraph("None recorded."))
    blocks.extend(
        [
            _Landscape(),
            _Heading(2, "Findings by right"),
            _matrix(summary),
            _Paragraph(_legend(), label="Key"),
            _Bullets(tuple(f"R{r.number}: {r.label}" for r in summary.rights.items)),
        ]
    )
    return blocks


def _case_blocks(case: CaseSummary, rights: RightsCatalogue) -> list[_Block]:
    blocks: list[_Block] = [
        _Heading(3, f"{case.ref}: {case.offence}"),
        _Paragraph(case.outcome, label="Outcome"),
        _Paragraph(case.category.value, label="Category"),
    ]
    if case.not_fully_met:
        blocks.append(_Paragraph("Rights not fully met:"))
        blocks.append(_Bullets(tuple(_right_line(r, rights) for r in case.not_fully_met)))
    else:
        blocks.append(_Paragraph("Every right was met or not applicable."))
    also_resolved = tuple(r for r in case.resolved if r.finding in _FULLY_MET)
    if also_resolved:
        blocks.append(_Paragraph("Also resolved by the chair:"))
        blocks.append(_Bullets(tuple(_right_line(r, rights) for r in also_resolved)))
    if case.observations:
        blocks.append(_Paragraph("Panel observations:"))
        blocks.append(_Bullets(case.observations))
    return blocks


def _right_line(tally: RightTally, rights: RightsCatalogue) -> str:
    """E.g. ``Right 6 · Investigation and prosecution updates: Partially met (resolved by …)``."""
    line = f"{rights.get(tally.right).label}: {tally.finding.value}"
    if tally.resolved:
        line += f" (resolved by the chair: {tally.resolution_reason or ''})"
    return line


def _matrix(summary: DraftSummary) -> _Table:
    header = ("Case", *(f"R{number}" for number in summary.rights.numbers), "Category")
    rows = tuple(
        (case.ref, *(_code(right) for right in case.rights), case.category.value)
        for case in summary.cases
    )
    return _Table(header, rows)


def _code(tally: RightTally) -> str:
    return FINDING_CODES[tally.finding] + (RESOLVED_MARK if tally.resolved else "")


def _legend() -> str:
    codes = [f"{code} = {finding.value}" for finding, code in FINDING_CODES.items()]
    return "; ".join([*codes, f"{RESOLVED_MARK} = resolved by the chair"]) + "."


def _scrutinised(n: int) -> str:
    return f"The panel scrutinised {n} {'case' if n == 1 else 'cases'}."


def _long_date(day: dt.date) -> str:
    """``17 September 2025``, spelled out in English whatever the process locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _timestamp(moment: dt.datetime) -> str:
    return f"{_long_date(moment.date())} {moment:%H:%M} {moment.tzname() or ''}".rstrip()


# Markdown --------------------------------------------------------------------


def render_markdown(summary: DraftSummary) -> str:
    """The report as Markdown (GitHub-flavoured tables), safe for any user text."""
    parts: list[str] = []
    for block in _blocks(summary):
        if isinstance(block, _Heading):
            parts.append(f"{'#' * block.level} {_md(block.text)}")
        elif isinstance(block, _Paragraph):
            if block.label:
                parts.append(f"**{_md(block.label)}:** {_md(block.text)}")
            elif block.bold:
                parts.append(f"**{_md(block.text)}**")
            else:
                parts.append(_md(block.text))
        elif isinstance(block, _Bullets):
            parts.append("\n".join(f"- {_md(item)}" for item in block.items))
        elif isinstance(block, _Table):
            parts.append(_md_table(block))
    return "\n\n".join(parts) + "\n"


def _md(text: str) -> str:
    """User text made inert: one line, Markdown punctuation escaped, no raw HTML or mentions.

    ``<``, ``>`` and ``&`` become entities, which both Markdown and Slack show
    as the characters, so ``<!channel>`` in a note can never notify anyone.
    """
    line = _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", line)


def _md_table(table: _Table) -> str:
    lines = [
        "| " + " | ".join(_md(cell) for cell in table.header) + " |",
        "| " + " | ".join("---" for _ in table.header) + " |",
    ]
    lines.extend("| " + " | ".join(_md(cell) for cell in row) + " |" for row in table.rows)
    return "\n".join(lines)


# DOCX ------------------------------------------------------------------------


def render_docx(summary: DraftSummary) -> bytes:
    """The report as a Word document the secretariat can edit: real headings and tables."""
    document = docx.Document()
    for block in _blocks(summary):
        if isinstance(block, _Heading):
            document.add_heading(_clean(block.text), level=block.level)
        elif isinstance(block, _Paragraph):
            paragraph = document.add_paragraph()
            if block.label:
                paragraph.add_run(f"{block.label}: ").bold = True
            paragraph.add_run(_clean(block.text)).bold = block.bold or None
        elif isinstance(block, _Bullets):
            for item in block.items:
                document.add_paragraph(_clean(item), style="List Bullet")
        elif isinstance(block, _Table):
            _docx_table(document, block)
        elif isinstance(block, _Landscape):
            section = document.add_section(WD_SECTION.NEW_PAGE)
            width, height = section.page_width, section.page_height
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = height, width
    properties = document.core_properties
    properties.title = summary.document_title[:_CORE_PROPERTY_MAX]
    properties.subject = "Victims' Code of Practice scrutiny panel: draft summary"
    # The template's own author and comments would misstate who wrote the report.
    properties.author = _clean(summary.panel_name)[:_CORE_PROPERTY_MAX]
    properties.last_modified_by = properties.author
    properties.comments = DRAFT_MARKER
    properties.created = summary.generated_at
    properties.modified = summary.generated_at
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_table(document: DocxDocument, table: _Table) -> None:
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = "Table Grid"
    small = len(table.header) > 4
    for row_index, values in enumerate((table.header, *table.rows)):
        for cell, value in zip(grid.rows[row_index].cells, values, strict=True):
            run = cell.paragraphs[0].add_run(_clean(value))
            run.bold = row_index == 0 or None
            if small:
                run.font.size = Pt(8)


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
