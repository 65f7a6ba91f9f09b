"""The two documents a meeting produces, laid out once as neutral blocks.

The **public report** follows the shape LCJB panels publish: a title and an
introduction, the 12 rights, how the panel works, the meeting, the findings
by category, good practice and learning, and further information. It speaks
of the panel, never of a case: no ref, offence, outcome, timeline, member or
chair's reason reaches it, only counts, categories and the panel's notes.

The **annex** is for the panel only: each case with its ref, offence,
outcome and category, the rights not fully met grouped by finding, the
members' notes, the chair's resolutions with their reasons, and the
findings-by-right matrix on a landscape page. The agencies' feedback
packs lay out their findings with the same matrix and key.

Both renderers (Markdown and DOCX) walk the same block list, so the two
formats say the same thing. Block text is raw; each renderer makes it safe.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot.models import Category, Finding, RightTally
from bot.report_text import FULLY_MET, clean, note_key
from bot.rights import Right, RightsCatalogue
from bot.wording import counted

if TYPE_CHECKING:  # the summary module re-exports the renderers, which import this one
    from bot.summary import CaseSummary, DraftSummary

PUBLIC_HEADINGS = (
    "What are the 12 victim rights?",
    "How the panel scrutinises cases",
    "The panel meeting",
    "The findings from the panel's meeting",
    "Good practice and learning from the panel",
    "Further information",
)
#: The public report's section on actions still open from earlier meetings (only when any are).
EARLIER_ACTIONS_HEADING = "Actions from earlier meetings"
#: Printed in the page header of every page of the DOCX.
DRAFT_HEADER = "DRAFT"
ANNEX_HEADER = "DRAFT · For the panel only · Not for publication"

#: The short code each finding has in the annex matrix; a resolved right adds ``RESOLVED_MARK``.
FINDING_CODES: Mapping[Finding, str] = {
    Finding.MET: "M",
    Finding.PARTIALLY_MET: "PM",
    Finding.NOT_MET: "NM",
    Finding.DID_NOT_ENGAGE: "DNE",
    Finding.NOT_RECORDED: "INR",
    Finding.NOT_APPLICABLE: "N/A",
    Finding.UNDECIDED: "U",
}
#: The short code each category has in the matrix, so no cell has to break a long word.
CATEGORY_CODES: Mapping[Category, str] = {
    Category.FULLY_COMPLIANT: "FC",
    Category.PARTIALLY_COMPLIANT: "PC",
    Category.NON_COMPLIANT: "NC",
    Category.DID_NOT_ENGAGE: "VDNE",
    Category.NO_DECISION: "NRD",
    Category.NOT_RECORDED: "INR",
    Category.NOT_APPLICABLE: "N/A",
}
RESOLVED_MARK = "*"

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

# What a category means, said as what it is. Two categories are easily misread
# as failures: a victim's choice not to engage, and a gap in the record.
_CATEGORY_MEANING: Mapping[Category, tuple[str, str]] = {
    Category.DID_NOT_ENGAGE: (
        "In this case the victim chose not to engage with the services on offer, "
        "as was their right. That was the victim's choice, not a failing by any agency.",
        "In these cases the victims chose not to engage with the services on offer, "
        "as was their right. That was the victims' choice, not a failing by any agency.",
    ),
    Category.NOT_RECORDED: (
        "The records the panel saw did not show whether the victim received the "
        "services the Code promises. This is a gap in the record, not evidence "
        "that the victim's rights were missed.",
        "The records the panel saw did not show whether the victims received the "
        "services the Code promises. This is a gap in the record, not evidence "
        "that the victims' rights were missed.",
    ),
    Category.NO_DECISION: (
        "The panel could not agree a finding on this case on the information it "
        "had; it may return to the case once more information is available.",
        "The panel could not agree a finding on these cases on the information it "
        "had; it may return to them once more information is available.",
    ),
    Category.NOT_APPLICABLE: (
        "None of the Code's rights applied to the circumstances of this case.",
        "None of the Code's rights applied to the circumstances of these cases.",
    ),
}


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; ``lead`` introduces the list below it and stays on its page."""

    text: str
    label: str = ""
    bold: bool = False
    italic: bool = False
    lead: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    #: The whole list stays on the page of what follows it (a case kept in one piece).
    keep: bool = False


@dataclass(frozen=True)
class Numbered:
    items: tuple[str, ...]
    keep: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: Relative column widths; the DOCX shares the page width out in these proportions.
    weights: tuple[float, ...] = field(default=())
    small: bool = False


@dataclass(frozen=True)
class Landscape:
    """From here to the end the DOCX is a landscape section, so a wide table fits a page."""


@dataclass(frozen=True)
class Picture:
    """A picture (a chart, say) with its caption below it.

    The DOCX embeds ``png`` at the width of the page; Markdown cannot embed
    one, so it links to ``link``, a file the caller writes beside it.
    """

    png: bytes
    caption: str
    link: str = ""


Block = Heading | Paragraph | Bullets | Numbered | Table | Picture | Landscape


@dataclass(frozen=True)
class Document:
    """A laid-out document: its blocks, and what every page's header says."""

    title: str
    page_header: str
    blocks: tuple[Block, ...]


# Words --------------------------------------------------------------------


def long_date(day: dt.date) -> str:
    """``17 September 2025``, spelled out in English whatever the process locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def timestamp(moment: dt.datetime) -> str:
    """``3 December 2026 09:30 GMT``: a moment as the panel reads it."""
    return f"{long_date(moment.date())} {moment:%H:%M} {moment.tzname() or ''}".rstrip()


def cases_phrase(n: int) -> str:
    """``1 case``, ``2 cases``."""
    return counted(n, "case")


# Categories that are a compliance judgement read as one ("deemed 2 cases to be Partially
# compliant"); the others name what happened, so they are named as a category instead.
_JUDGED = frozenset(
    {Category.FULLY_COMPLIANT, Category.PARTIALLY_COMPLIANT, Category.NON_COMPLIANT}
)


def category_lead(category: Category, n: int) -> str:
    """The sentence that opens a category's findings: how many cases the panel put there."""
    if category in _JUDGED:
        return f"The panel deemed {cases_phrase(n)} to be {category.value}."
    return f"The panel placed {cases_phrase(n)} in the category ‘{category.value}’."


def report_title(summary: DraftSummary) -> str:
    return (
        f"Victims' Code of Practice – {clean(summary.title)} Scrutiny Panel "
        f"{long_date(summary.date)}"
    )


def theme_phrase(title: str) -> str:
    """The meeting's title as it reads mid-sentence: ``Stalking or harassment`` → ``stalking …``.

    Only a first word written as an ordinary capitalised word is lowered, so
    acronyms and names (``ASB``, ``LGBT+ hate crime``) keep their capitals.
    """
    words = clean(title).split(" ")
    first = words[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower():
        words[0] = first.lower()
    return " ".join(words)


def rights_phrase(numbers: Sequence[int]) -> str:
    """``right 4``; ``rights 3–9, 11, 12``: runs of three or more become a range."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append(f"{ordered[start]}–{ordered[end]}")
        else:
            parts.extend(str(n) for n in ordered[start : end + 1])
        start = end + 1
    return f"{'right' if len(ordered) == 1 else 'rights'} {', '.join(parts)}"


def voting_open_notice(summary: DraftSummary) -> str | None:
    """The warning a report of a meeting still being voted on opens with."""
    if not summary.voting_open:
        return None
    until = f" until {timestamp(summary.voting_closes)}" if summary.voting_closes else ""
    return (
        f"Not final: voting is still open{until}, so the counts and findings "
        "below may still change."
    )


def text_blocks(text: str) -> list[Block]:
    """The panel's own text: paragraphs split by blank lines; ``- `` lines make a list."""
    blocks: list[Block] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith(("- ", "* ")) for line in lines):
            blocks.append(Bullets(tuple(line[2:].strip() for line in lines)))
        else:
            blocks.append(Paragraph(" ".join(lines)))
    return blocks


_SLACK_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_SLACK_USER_ID = re.compile(r"\b[UW](?=[A-Z0-9]*\d)[A-Z0-9]{8,20}\b")


def without_case_details(text: str, refs: Iterable[str]) -> str:
    """A note as the public may read it: no case ref, no Slack mention or member ID.

    Members write notes for the panel and may name a case (``In SH-02 the…``) or
    a colleague (``<@U0123ABCD> agreed``); the public report speaks of neither.
    """
    text = _SLACK_MENTION.sub("a panel member", text)
    text = _SLACK_USER_ID.sub("a panel member", text)
    for ref in sorted(set(refs), key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(ref)}(?![\w-])", "one case", text, flags=re.I)
    return text


class _Once:
    """Remembers the points already printed, so each note appears once in a document;
    every point is first cleared of case refs and member IDs."""

    def __init__(self, refs: Iterable[str] = ()) -> None:
        self._seen: set[str] = set()
        self._refs = tuple(refs)

    def fresh(self, items: Iterable[str]) -> tuple[str, ...]:
        kept = []
        for raw in items:
            item = without_case_details(raw, self._refs)
            key = note_key(item)
            if key and key not in self._seen:
                self._seen.add(key)
                kept.append(item)
        return tuple(kept)


def _listed(lead: str, items: Sequence[str]) -> list[Block]:
    return [Paragraph(lead, lead=True), Bullets(tuple(items))] if items else []


# The public report ---------------------------------------------------------


def public_report(summary: DraftSummary) -> Document:
    """The report the panel publishes, in the published shape, with no case details."""
    once = _Once(case.ref for case in summary.cases)
    by_category: dict[Category, list[CaseSummary]] = {}
    for case in summary.cases:
        by_category.setdefault(case.category, []).append(case)
    total = len(summary.cases)
    title = report_title(summary)

    blocks: list[Block] = [Heading(1, title)]
    notice = voting_open_notice(summary)
    if notice:
        blocks.append(Paragraph(notice, bold=True))
    blocks.append(
        Paragraph(
            f"Draft for the panel's approval, generated {timestamp(summary.generated_at)}.",
            italic=True,
        )
    )
    blocks.extend(text_blocks(summary.report.introduction))

    blocks.append(Heading(2, f"What are the {len(summary.rights)} victim rights?"))
    blocks.append(Numbered(tuple(_sentence(r.title) for r in summary.rights.items)))

    blocks.append(Heading(2, PUBLIC_HEADINGS[1]))
    blocks.extend(text_blocks(summary.report.method))
    blocks.append(Numbered(tuple(category.value for category in Category)))

    blocks.append(Heading(2, PUBLIC_HEADINGS[2]))
    blocks.append(
        Paragraph(
            f"The panel met on {long_date(summary.date)} and scrutinised "
            f"{cases_phrase(total)} relating to {theme_phrase(summary.title)}."
        )
    )
    blocks.extend(text_blocks(summary.about))

    blocks.append(Heading(2, PUBLIC_HEADINGS[3]))
    if not summary.cases:
        blocks.append(Paragraph("The panel had no cases before it at this meeting."))
    for category in Category:
        cases = by_category.get(category, [])
        if cases:
            blocks.extend(_category_findings(category, cases, once))
    blocks.extend(
        _listed(
            "Across the cases, the panel also observed:",
            once.fresh(summary.panel_notes.observations),
        )
    )

    blocks.append(Heading(2, PUBLIC_HEADINGS[4]))
    good = once.fresh(
        [
            *(
                n
                for c in summary.cases
                if c.category is not Category.FULLY_COMPLIANT
                for n in c.good_practice
            ),
            *summary.panel_notes.good_practice,
        ]
    )
    learning = once.fresh(
        [*(n for c in summary.cases for n in c.learning), *summary.panel_notes.learning]
    )
    blocks.extend(_listed("The panel noted this good practice:", good))
    blocks.extend(_listed("The panel identified this learning for the partnership:", learning))
    if not good and not learning:
        blocks.append(Paragraph("The panel recorded no further good practice or learning."))

    blocks.extend(earlier_actions_blocks(summary))

    blocks.append(Heading(2, PUBLIC_HEADINGS[5]))
    blocks.extend(_kept_together(text_blocks(summary.report.further_information)))
    return Document(title=title, page_header=DRAFT_HEADER, blocks=tuple(blocks))


def earlier_actions_blocks(summary: DraftSummary) -> list[Block]:
    """``Actions from earlier meetings``: what agencies still owe, when there is anything."""
    if not summary.earlier_actions:
        return []
    rows = tuple(
        (
            clean(a.agency),
            clean(a.description),
            long_date(a.meeting_date),
            long_date(a.due) + (" (overdue)" if a.overdue else ""),
        )
        for a in summary.earlier_actions
    )
    return [
        Heading(2, EARLIER_ACTIONS_HEADING),
        Paragraph(
            "Actions agreed at earlier meetings that the agencies have not yet completed:",
            lead=True,
        ),
        Table(
            header=("Agency", "Action", "Agreed", "Due"),
            rows=rows,
            weights=(2.0, 5.0, 2.0, 2.0),
        ),
    ]


def _category_findings(
    category: Category, cases: Sequence[CaseSummary], once: _Once
) -> list[Block]:
    n = len(cases)
    blocks: list[Block] = [Paragraph(category_lead(category, n), lead=True)]
    meaning = _CATEGORY_MEANING.get(category)
    if meaning:
        blocks.append(Paragraph(meaning[0] if n == 1 else meaning[1]))
    if category is Category.FULLY_COMPLIANT:
        good = once.fresh(note for case in cases for note in case.good_practice)
        these = "this case" if n == 1 else "these cases"
        blocks.extend(_listed(f"Good practice noted on {these} included:", good))
    observations = once.fresh(note for case in cases for note in case.observations)
    blocks.extend(_listed("Observations included:", observations))
    return _kept_together(blocks)


def _sentence(text: str) -> str:
    text = clean(text)
    return text if text.endswith((".", "?", "!")) else f"{text}."


# The annex -----------------------------------------------------------------


def annex(summary: DraftSummary) -> Document:
    """The panel's own record of the meeting: every case in full, not for publication."""
    title = f"{report_title(summary)}: annex for the panel"
    blocks: list[Block] = [
        Heading(1, title),
        Paragraph(
            "For the panel only. This annex names cases, their outcomes and the "
            "chair's reasons; it is not for publication.",
            bold=True,
        ),
    ]
    notice = voting_open_notice(summary)
    if notice:
        blocks.append(Paragraph(notice, bold=True))
    blocks += [
        Paragraph(f"Generated {timestamp(summary.generated_at)}.", italic=True),
        Paragraph(summary.meeting_id, label="Meeting reference"),
        Paragraph(summary.code_edition, label="Victims' Code edition"),
        Heading(2, "Cases by category"),
        Table(
            ("Category", "Cases"),
            (
                *((c.value, str(n)) for c, n in summary.category_counts.items()),
                ("Total", str(len(summary.cases))),
            ),
            weights=(4, 1),
        ),
        Heading(2, "Cases"),
    ]
    if not summary.cases:
        blocks.append(Paragraph("No cases were on the agenda."))
    for case in summary.cases:
        blocks.extend(_case_blocks(case, summary.rights))

    blocks.append(Heading(2, "Panel-wide notes"))
    wide = summary.panel_notes
    points = [
        *(f"Good practice: {t}" for t in wide.good_practice),
        *(f"Observation: {t}" for t in wide.observations),
        *(f"Learning: {t}" for t in wide.learning),
    ]
    blocks.append(Bullets(tuple(points)) if points else Paragraph("None recorded."))

    blocks += [
        Landscape(),
        Heading(2, "Findings by right"),
        findings_matrix(
            summary.rights.numbers,
            [
                (case.ref, [_matrix_code(r) for r in case.rights], case.category)
                for case in summary.cases
            ],
        ),
        *matrix_key(summary.rights.items, resolved=True),
    ]
    return Document(title=title, page_header=ANNEX_HEADER, blocks=tuple(blocks))


def _case_blocks(case: CaseSummary, rights: RightsCatalogue) -> list[Block]:
    blocks: list[Block] = [
        Heading(3, f"{case.ref}: {case.offence}"),
        Paragraph(case.outcome, label="Outcome"),
        Paragraph(case.category.value, label="Category"),
    ]
    grouped = grouped_findings(case.not_fully_met)
    if grouped:
        blocks.extend(_listed("Rights not fully met:", grouped))
    else:
        blocks.append(Paragraph("Every right was met or did not apply."))
    notes = [
        *(f"Good practice: {t}" for t in case.good_practice),
        *(f"Observation: {t}" for t in case.observations),
        *(f"Learning: {t}" for t in case.learning),
    ]
    blocks.extend(_listed("Members' notes:", notes))
    resolutions = [_resolution_line(r, rights) for r in case.resolved]
    blocks.extend(_listed("The chair's resolutions:", resolutions))
    return _kept_together(blocks)


def _kept_together(blocks: list[Block]) -> list[Block]:
    """The blocks of one short section, each kept with the next so a page never splits it."""
    kept: list[Block] = []
    for block in blocks[:-1]:
        if isinstance(block, Paragraph):
            kept.append(replace(block, lead=True))
        elif isinstance(block, Bullets | Numbered):
            kept.append(replace(block, keep=True))
        else:
            kept.append(block)
    return [*kept, *blocks[-1:]]


def grouped_findings(rights: Iterable[RightTally]) -> tuple[str, ...]:
    """``Victim did not engage: rights 3–9, 11, 12``, one line per finding, in finding order."""
    by_finding: dict[Finding, list[int]] = {}
    for right in rights:
        by_finding.setdefault(right.finding, []).append(right.right)
    return tuple(
        f"{finding.value}: {rights_phrase(by_finding[finding])}"
        for finding in Finding
        if finding in by_finding and finding not in FULLY_MET
    )


def _resolution_line(tally: RightTally, rights: RightsCatalogue) -> str:
    return (
        f"{rights.get(tally.right).label}: {tally.finding.value} (the votes gave "
        f"{tally.vote_finding.value}). Reason: {tally.resolution_reason or ''}"
    )


def findings_matrix(
    numbers: Sequence[int], cases: Sequence[tuple[str, Sequence[str], Category]]
) -> Table:
    """Each case's finding on each right as a short code, its category last.

    ``cases`` holds each case's ref, its codes in the order of ``numbers`` and
    its category. Codes and ``R1``-style headings keep every column narrow
    enough that, on a landscape page, no cell has to break a word even with
    all twelve rights.
    """
    header = ("Case", *(f"R{n}" for n in numbers), "Category")
    rows = tuple((ref, *codes, CATEGORY_CODES[category]) for ref, codes, category in cases)
    longest_ref = max((len(ref) for ref, _, _ in cases), default=4)
    weights = (max(5.0, longest_ref * 1.1), *(4.0 for _ in numbers), 8.0)
    return Table(header, rows, weights=weights, small=True)


def matrix_key(rights: Iterable[Right], *, resolved: bool) -> list[Block]:
    """What the matrix's codes and ``R`` numbers mean, so its page reads on its own.

    ``resolved`` says whether the matrix marks the findings the chair resolved.
    """
    return [
        Paragraph(_finding_key(resolved=resolved), label="Key to findings"),
        Paragraph(category_key(), label="Key to categories"),
        Paragraph("Rights:", lead=True),
        Bullets(tuple(f"R{r.number}: {clean(r.short)}" for r in rights)),
    ]


def _matrix_code(right: RightTally) -> str:
    return FINDING_CODES[right.finding] + (RESOLVED_MARK if right.resolved else "")


def _finding_key(*, resolved: bool) -> str:
    codes = [f"{code} = {finding.value}" for finding, code in FINDING_CODES.items()]
    mark = [f"{RESOLVED_MARK} = resolved by the chair"] if resolved else []
    return "; ".join([*codes, *mark]) + "."


def category_key() -> str:
    """``FC = Fully compliant; PC = Partially compliant; …``: what each category's code means."""
    return "; ".join(f"{code} = {c.value}" for c, code in CATEGORY_CODES.items()) + "."
