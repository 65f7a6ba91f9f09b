"""Writing a meeting workbook: the blank template, the sample, or a stored meeting.

What is written is exactly what ``workbook_reader`` reads back: the same sheet
and column names, dates as real Excel dates in the panel's timezone, so an
exported meeting imported again is the same meeting.
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from bot.meeting_file import MeetingFile
from bot.workbook_layout import (
    CASE_COLUMNS,
    CASES_SHEET,
    GUIDANCE,
    GUIDANCE_SHEET,
    HEADER_COMMENTS,
    MEETING_COLUMNS,
    MEETING_FIELD_NOTES,
    MEETING_FIELDS,
    MEETING_SHEET,
    TIMELINE_COLUMNS,
    TIMELINE_SHEET,
    USUAL_AGENCIES,
)

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_WRAP = Alignment(wrap_text=True, vertical="top")
_COMMENT_AUTHOR = "VCoP Panel"
#: Rows of the Timeline sheet that offer the agency drop-down.
_AGENCY_ROWS = 2000


def _header_row(sheet: Worksheet, columns: tuple[str, ...], widths: tuple[int, ...]) -> None:
    sheet.append(list(columns))
    for index, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        note = HEADER_COMMENTS.get((sheet.title, name))
        if note:
            cell.comment = Comment(note, _COMMENT_AUTHOR, width=300, height=110)
        sheet.column_dimensions[cell.column_letter].width = widths[index - 1]
    sheet.freeze_panes = "A2"


def _meeting_sheet(sheet: Worksheet, content: MeetingFile | None, zone: ZoneInfo) -> None:
    _header_row(sheet, MEETING_COLUMNS, (16, 60))
    header = content.meeting if content else None
    about = header.about if header else None
    values: dict[str, object] = {
        "id": header.id if header else None,
        "title": header.title if header else None,
        "date": header.date if header else None,
        # Excel has no timezones: the deadline is written as the panel reads it.
        "voting_closes": (
            header.voting_closes.astimezone(zone).replace(tzinfo=None) if header else None
        ),
        "about": about or None,
    }
    for row, name in enumerate(MEETING_FIELDS, start=2):
        sheet.cell(row=row, column=1, value=name).comment = Comment(
            MEETING_FIELD_NOTES[name], _COMMENT_AUTHOR, width=300, height=90
        )
        cell = sheet.cell(row=row, column=2, value=values[name])
        cell.alignment = _WRAP
        if name == "date":
            cell.number_format = "dd/mm/yyyy"
        elif name == "voting_closes":
            cell.number_format = "dd/mm/yyyy hh:mm"


def _cases_sheet(sheet: Worksheet, content: MeetingFile | None) -> None:
    _header_row(sheet, CASE_COLUMNS, (12, 40, 40, 100))
    for case in content.cases if content else ():
        sheet.append([case.ref, case.offence, case.outcome, case.summary])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP


def _timeline_sheet(sheet: Worksheet, content: MeetingFile | None) -> None:
    _header_row(sheet, TIMELINE_COLUMNS, (12, 8, 24, 80))
    for case in content.cases if content else ():
        for item in case.timeline:
            sheet.append([case.ref, item.day, item.agency, item.entry])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP
    agencies = DataValidation(
        type="list",
        formula1='"' + ",".join(USUAL_AGENCIES) + '"',
        allow_blank=True,
        showDropDown=False,  # (sic) False shows the arrow: openpyxl mirrors Excel's inverted flag
        showErrorMessage=False,  # any other agency may be typed in
        promptTitle="Agency",
        prompt="Pick an agency, or type another.",
        showInputMessage=True,
    )
    sheet.add_data_validation(agencies)
    agencies.add(f"C2:C{_AGENCY_ROWS}")


def _guidance_sheet(sheet: Worksheet) -> None:
    sheet.column_dimensions["A"].width = 110
    for line in GUIDANCE:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    for row in sheet.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


def meeting_workbook(content: MeetingFile | None, zone: ZoneInfo) -> bytes:
    """The workbook as bytes: blank (a template) when ``content`` is None."""
    book = Workbook()
    meeting = book.active
    assert meeting is not None  # a new workbook always has its first sheet
    meeting.title = MEETING_SHEET
    _meeting_sheet(meeting, content, zone)
    _cases_sheet(book.create_sheet(CASES_SHEET), content)
    _timeline_sheet(book.create_sheet(TIMELINE_SHEET), content)
    _guidance_sheet(book.create_sheet(GUIDANCE_SHEET))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
