"""The trends as tidy data: one row per meeting, case and right, as CSV or XLSX.

A force's or a PCC's dashboard reads these files unattended, so the columns
are a versioned contract: ``schema_version`` is the first column of every
row, and a change of meaning or order gets a new version (the README lists
the columns of each version). New versions add columns at the end.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from bot.models import VoteOption
from bot.rights import RightsCatalogue
from bot.trends import DECIDED, MeetingFindings

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

SCHEMA_VERSION = 1
_VOTE_COLUMNS = tuple(
    (option, "votes_" + option.value.lower().replace(" ", "_")) for option in VoteOption
)
#: The columns of schema version 1, in order.
TIDY_COLUMNS: tuple[str, ...] = (
    "schema_version",
    "meeting_id",
    "meeting_date",
    "theme",
    "case_ref",
    "case_category",
    "right",
    "right_label",
    "agencies",
    "finding",
    "decided",
    "resolved_by_chair",
    "voters",
    *(column for _, column in _VOTE_COLUMNS),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DECIDED_LABELS = frozenset(f.value for f in DECIDED)


def _text(value: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def tidy_rows(
    findings: Sequence[MeetingFindings], rights: RightsCatalogue
) -> Iterator[list[str | int]]:
    """The rows of ``TIDY_COLUMNS``: meetings oldest first, cases in agenda order."""
    for item in findings:
        meeting = item.meeting
        for case in item.cases:
            for tally in case.rights:
                right = rights.get(tally.right)
                yield [
                    SCHEMA_VERSION,
                    _text(meeting.id),
                    meeting.date.isoformat(),
                    _text(meeting.title),
                    _text(case.ref),
                    case.category.value,
                    tally.right,
                    _text(right.label),
                    _text("; ".join(right.agencies)),
                    tally.finding.value,
                    "true" if tally.finding.value in _DECIDED_LABELS else "false",
                    "true" if tally.resolved else "false",
                    case.voters,
                    *(tally.votes.get(option.value, 0) for option, _ in _VOTE_COLUMNS),
                ]


def render_tidy_csv(findings: Sequence[MeetingFindings], rights: RightsCatalogue) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TIDY_COLUMNS)
    writer.writerows(tidy_rows(findings, rights))
    return buffer.getvalue()


def render_tidy_xlsx(findings: Sequence[MeetingFindings], rights: RightsCatalogue) -> bytes:
    """A workbook whose ``Findings`` sheet holds the same rows as the CSV, numbers as numbers."""
    from openpyxl import Workbook  # slow to load; only this format needs it

    workbook = Workbook(write_only=True)
    sheet: Worksheet = workbook.create_sheet("Findings")
    sheet.append(list(TIDY_COLUMNS))
    for row in tidy_rows(findings, rights):
        sheet.append(row)
    about = workbook.create_sheet("About")
    about.append(["schema_version", SCHEMA_VERSION])
    about.append(["rows", "one per meeting, case and right; columns as in the README"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
