"""A feedback pack for one agency after a meeting, and its Markdown and DOCX renderings.

The pack goes to the agency for its own follow-up, so unlike the public report
it names cases by their panel reference: the agency can find its own file. It
holds the rights the agency owes, the panel's finding on each of them case by
case, the members' observations and learning that concern the agency, and the
agency's actions. Every note is screened for personal data on the way in, and
anything the screen finds is replaced by a mark saying what was removed, so a
pack never carries more than the public report would.

A note concerns an agency when it names it, by its full name or by the initials
people write for it (``Crown Prosecution Service`` → ``CPS``, ``HM Courts and
Tribunals Service`` → ``HMCTS``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from pydantic import AwareDatetime, BaseModel, ConfigDict

from bot.anonymity import ScreenRules, screen_text
from bot.models import CaseNotes, CaseTally, Category, Finding, Meeting
from bot.report_layout import (
    FINDING_CODES,
    Block,
    Bullets,
    Document,
    Heading,
    Landscape,
    Paragraph,
    findings_matrix,
    long_date,
    matrix_key,
)
from bot.rights import Right, RightsCatalogue
from bot.trends import Compliance, compliance_of
from bot.word_document import write_docx
from bot.wording import counted

NOTE_FIELDS = (("observations", "Observation"), ("learning", "Learning"))


class PackNote(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_ref: str
    kind: str
    text: str
    redacted: int = 0


class PackCase(BaseModel):
    model_config = ConfigDict(frozen=True)

    ref: str
    category: Category
    findings: dict[int, Finding]


class PackAction(BaseModel):
    """An action as the pack lists it (the actions themselves live elsewhere)."""

    model_config = ConfigDict(frozen=True)

    description: str
    due: dt.date
    status: str
    source: str = ""


class FeedbackPack(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency: str
    meeting_id: str
    meeting_title: str
    meeting_date: dt.date
    panel_name: str
    #: When the pack was built, in the panel's timezone: the DOCX prints and records it.
    generated_at: AwareDatetime
    rights: tuple[Right, ...]
    cases: tuple[PackCase, ...]
    notes: tuple[PackNote, ...]
    actions: tuple[PackAction, ...]

    @property
    def compliance(self) -> Compliance:
        return compliance_of(f for case in self.cases for f in case.findings.values())

    @property
    def title(self) -> str:
        return f"Feedback for {self.agency}: {self.meeting_title} ({long_date(self.meeting_date)})"

    @property
    def filename(self) -> str:
        """``2025-09-stalking-feedback-crown-prosecution-service.docx``: safe on every system."""
        words = "".join(c if c.isalnum() else " " for c in self.agency.lower()).split()
        return f"{self.meeting_id}-feedback-{'-'.join(words)}.docx"


def initials(name: str) -> str:
    """The initials people write for an agency: capitalised words, ``HM`` kept whole."""
    parts = [w if w.isupper() else w[0] for w in name.split() if w[:1].isupper()]
    return "".join(parts)


def mentions(text: str, agency: str) -> bool:
    """Whether ``text`` names ``agency`` (full name, any case; or its initials, as capitals)."""
    if re.search(rf"\b{re.escape(agency)}\b", text, re.IGNORECASE):
        return True
    short = initials(agency)
    return len(short) >= 2 and re.search(rf"\b{re.escape(short)}\b", text) is not None


def screened(text: str, field: str, rules: ScreenRules | None) -> tuple[str, int]:
    """``text`` with each apparent piece of personal data replaced by a mark; and how many."""
    findings = screen_text(text, field, rules)
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        text = f"{text[: finding.start]}[{finding.kind.value} removed]{text[finding.end :]}"
    return text, len(findings)


def build_feedback(
    meeting: Meeting,
    tallies: Sequence[CaseTally],
    notes: Iterable[CaseNotes],
    rights: RightsCatalogue,
    agency: str,
    panel_name: str,
    actions: Sequence[PackAction] = (),
    rules: ScreenRules | None = None,
    *,
    generated_at: dt.datetime,
) -> FeedbackPack:
    """The pack for ``agency`` (spelled as configured) from a meeting's tally and notes.

    ``generated_at`` should already be in the panel's timezone: it is printed.
    """
    owed = tuple(rights.rights_of(agency))
    numbers = {right.number for right in owed}
    cases = tuple(
        PackCase(
            ref=case.ref,
            category=case.category,
            findings={r.right: r.finding for r in case.rights if r.right in numbers},
        )
        for case in tallies
    )
    order = {case.ref: index for index, case in enumerate(tallies)}
    kept: list[PackNote] = []
    for entry in notes:
        for field, kind in NOTE_FIELDS:
            text = getattr(entry.notes, field)
            if text and mentions(text, agency):
                clean, removed = screened(text, f"{entry.case_ref} {field}", rules)
                kept.append(
                    PackNote(case_ref=entry.case_ref, kind=kind, text=clean, redacted=removed)
                )
    # The same words from several members are one point. By case, then kind, then text:
    # never in the order members wrote them (notes are anonymous).
    unique = {(n.case_ref, n.kind, n.text): n for n in kept}
    kept = sorted(
        unique.values(), key=lambda n: (order.get(n.case_ref, len(order)), n.kind, n.text)
    )
    return FeedbackPack(
        agency=agency,
        meeting_id=meeting.id,
        meeting_title=meeting.title,
        meeting_date=meeting.date,
        panel_name=panel_name,
        generated_at=generated_at,
        rights=owed,
        cases=cases,
        notes=tuple(kept),
        actions=tuple(actions),
    )


def _findings_table(pack: FeedbackPack) -> tuple[list[str], list[list[str]]]:
    header = ["Case", "Category", *(f"Right {r.number}" for r in pack.rights)]
    rows = [
        [case.ref, case.category.value, *(case.findings[r.number].value for r in pack.rights)]
        for case in pack.cases
    ]
    return header, rows


def _intro(pack: FeedbackPack) -> str:
    c = pack.compliance
    return (
        f"{pack.panel_name}. What the panel found at its meeting on "
        f"{long_date(pack.meeting_date)} on the rights {pack.agency} is responsible for, "
        "case by case (references are the panel's), for the agency's own follow-up. "
        + _decided_sentence(c.decided, c.met, c.partially_met, c.not_met)
    )


def _decided_sentence(decided: int, met: int, partially_met: int, not_met: int) -> str:
    """The counts in words; a meeting that decided nothing says so rather than 'Of 0'."""
    if decided == 0:
        return "The panel reached no decided finding on these rights."
    return (
        f"Of {counted(decided, 'decided finding')}, {met} {'was' if met == 1 else 'were'} Met, "
        f"{partially_met} Partially met and {not_met} Not met."
    )


def _note_line(note: PackNote) -> str:
    return f"{note.case_ref} ({note.kind}): {note.text}"


def _action_line(action: PackAction) -> str:
    source = f"; from {action.source}" if action.source else ""
    return f"{action.description} (due {long_date(action.due)}; {action.status}){source}"


def render_feedback_markdown(pack: FeedbackPack) -> str:
    """The pack in the DOCX's order; Markdown has no page width, so findings stay in words."""
    lines = [f"# {pack.title}", "", _intro(pack), "", "## Rights", ""]
    lines += [f"- {right.label}" for right in pack.rights] or ["No right names this agency."]
    lines += ["", "## Observations and learning", ""]
    lines += [f"- {_note_line(n)}" for n in pack.notes] or [
        f"No member's note names {pack.agency}."
    ]
    lines += ["", "## Actions", ""]
    lines += [f"- {_action_line(a)}" for a in pack.actions] or [f"No actions for {pack.agency}."]
    header, rows = _findings_table(pack)
    lines += ["", "## Findings by case", ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def feedback_layout(pack: FeedbackPack) -> Document:
    """The pack as the DOCX lays it out, findings last on a landscape page.

    The findings matrix has a column for each right the agency owes (up to
    twelve); on a portrait page those columns are too narrow for a word, so
    it takes the annex's codes and its landscape page.
    """
    blocks: list[Block] = [Heading(1, pack.title), Paragraph(_intro(pack)), Heading(2, "Rights")]
    blocks.append(_listed([right.label for right in pack.rights], "No right names this agency."))
    blocks.append(Heading(2, "Observations and learning"))
    notes = [_note_line(note) for note in pack.notes]
    blocks.append(_listed(notes, f"No member's note names {pack.agency}."))
    blocks.append(Heading(2, "Actions"))
    actions = [_action_line(action) for action in pack.actions]
    blocks.append(_listed(actions, f"No actions for {pack.agency}."))
    numbers = [right.number for right in pack.rights]
    matrix = findings_matrix(
        numbers,
        [
            (case.ref, [FINDING_CODES[case.findings[n]] for n in numbers], case.category)
            for case in pack.cases
        ],
    )
    blocks += [
        Landscape(),
        Heading(2, "Findings by case"),
        matrix,
        *matrix_key(pack.rights, resolved=False),
    ]
    return Document(title=pack.title, page_header=_marking(pack), blocks=tuple(blocks))


def _marking(pack: FeedbackPack) -> str:
    """What every page's header says: whose pack it is, and that it names cases."""
    return f"Feedback for {pack.agency} · Not for publication"


def _listed(items: Sequence[str], otherwise: str) -> Block:
    return Bullets(tuple(items)) if items else Paragraph(otherwise)


def render_feedback_docx(pack: FeedbackPack) -> bytes:
    """The pack as a Word document: A4, marked and numbered on every page, findings landscape."""
    return write_docx(
        feedback_layout(pack),
        author=pack.panel_name,
        subject=f"Victims' Code of Practice scrutiny panel feedback for {pack.agency}",
        generated_at=pack.generated_at,
    )
