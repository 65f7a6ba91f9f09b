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

import io
import re
from collections.abc import Iterable, Sequence

import docx
from pydantic import BaseModel, ConfigDict

from bot.anonymity import ScreenRules, screen_text
from bot.models import CaseNotes, CaseTally, Finding, Meeting
from bot.rights import Right, RightsCatalogue
from bot.trends import Compliance, compliance_of

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
    category: str
    findings: dict[int, Finding]


class PackAction(BaseModel):
    """An action as the pack lists it (the actions themselves live elsewhere)."""

    model_config = ConfigDict(frozen=True)

    description: str
    due: str
    status: str
    source: str = ""


class FeedbackPack(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency: str
    meeting_id: str
    meeting_title: str
    meeting_date: str
    panel_name: str
    rights: tuple[Right, ...]
    cases: tuple[PackCase, ...]
    notes: tuple[PackNote, ...]
    actions: tuple[PackAction, ...]

    @property
    def compliance(self) -> Compliance:
        return compliance_of(f for case in self.cases for f in case.findings.values())

    @property
    def title(self) -> str:
        return f"Feedback for {self.agency}: {self.meeting_title} ({self.meeting_date})"

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
) -> FeedbackPack:
    """The pack for ``agency`` (spelled as configured) from a meeting's tally and notes."""
    owed = tuple(rights.rights_of(agency))
    numbers = {right.number for right in owed}
    cases = tuple(
        PackCase(
            ref=case.ref,
            category=case.category.value,
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
        meeting_date=meeting.date.isoformat(),
        panel_name=panel_name,
        rights=owed,
        cases=cases,
        notes=tuple(kept),
        actions=tuple(actions),
    )


def _findings_table(pack: FeedbackPack) -> tuple[list[str], list[list[str]]]:
    header = ["Case", "Category", *(f"Right {r.number}" for r in pack.rights)]
    rows = [
        [case.ref, case.category, *(case.findings[r.number].value for r in pack.rights)]
        for case in pack.cases
    ]
    return header, rows


def _intro(pack: FeedbackPack) -> str:
    c = pack.compliance
    return (
        f"{pack.panel_name}. What the panel found at its meeting on {pack.meeting_date} on the "
        f"rights {pack.agency} is responsible for, case by case (references are the panel's), "
        f"for the agency's own follow-up. Of {c.decided} decided findings, {c.met} were Met, "
        f"{c.partially_met} Partially met and {c.not_met} Not met."
    )


def render_feedback_markdown(pack: FeedbackPack) -> str:
    lines = [f"# {pack.title}", "", _intro(pack), "", "## Rights", ""]
    lines += [f"- {right.label}" for right in pack.rights] or ["No right names this agency."]
    header, rows = _findings_table(pack)
    lines += ["", "## Findings by case", ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", "## Observations and learning", ""]
    lines += [f"- {n.case_ref} ({n.kind}): {n.text}" for n in pack.notes] or [
        f"No member's note names {pack.agency}."
    ]
    lines += ["", "## Actions", ""]
    lines += [
        f"- {a.description} (due {a.due}; {a.status}){f'; from {a.source}' if a.source else ''}"
        for a in pack.actions
    ] or [f"No actions for {pack.agency}."]
    return "\n".join(lines) + "\n"


def render_feedback_docx(pack: FeedbackPack) -> bytes:
    document = docx.Document()
    document.core_properties.title = pack.title
    document.add_heading(pack.title, level=0)
    document.add_paragraph(_intro(pack))
    document.add_heading("Rights", level=1)
    for right in pack.rights:
        document.add_paragraph(right.label, style="List Bullet")
    document.add_heading("Findings by case", level=1)
    header, rows = _findings_table(pack)
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    document.add_heading("Observations and learning", level=1)
    if not pack.notes:
        document.add_paragraph(f"No member's note names {pack.agency}.")
    for note in pack.notes:
        document.add_paragraph(f"{note.case_ref} ({note.kind}): {note.text}", style="List Bullet")
    document.add_heading("Actions", level=1)
    if not pack.actions:
        document.add_paragraph(f"No actions for {pack.agency}.")
    for action in pack.actions:
        source = f"; from {action.source}" if action.source else ""
        document.add_paragraph(
            f"{action.description} (due {action.due}; {action.status}){source}",
            style="List Bullet",
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
