"""Reading a meeting workbook (.xlsx) into the same raw structure a YAML file gives.

The workbook is turned into ``{"meeting": {...}, "cases": [...]}`` and handed
to the same validation, screening and store as YAML, so the two ways in can
never drift apart. Each value remembers its cell, so every problem line names
the sheet and cell a secretariat has to fix (``Cases!D4 (SH-03 summary): ...``).

A workbook comes from outside (possibly from Slack, from anyone the
secretariat forwarded it from), so it is checked as a zip before openpyxl
sees it: its size as sent and once unzipped, macros, encryption. openpyxl
parses the XML through defusedxml, which refuses entity-expansion bombs.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.meeting_file import CellSource, MeetingDocument, MeetingFileError, case_label
from bot.workbook_layout import (
    CASE_COLUMNS,
    CASES_SHEET,
    MAX_EXPANDED_BYTES,
    MAX_WORKBOOK_BYTES,
    MEETING_FIELDS,
    MEETING_SHEET,
    TIMELINE_COLUMNS,
    TIMELINE_SHEET,
)

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

logger = logging.getLogger(__name__)

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, or an encrypted .xlsx
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_MAX_ZIP_ENTRIES = 2_000
#: Rows read per sheet before giving up: far more than 50 cases will ever need.
_MAX_ROWS = 5_000
#: Columns read per row: a sheet claiming 16,384 columns is not padded out cell by cell.
_MAX_COLUMNS = 26
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2}))?$")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_workbook_name(name: str) -> None:
    """Refuse a macro-enabled workbook by its name alone, before anything is read."""
    if name.lower().endswith((".xlsm", ".xltm", ".xlam")):
        raise MeetingFileError(
            [
                f"{name}: a macro-enabled workbook (.xlsm) is not accepted; in Excel use "
                "File → Save As → Excel Workbook (.xlsx) and send that instead"
            ]
        )


def check_workbook_bytes(name: str, data: bytes) -> zipfile.ZipFile:
    """The checks made before parsing: size, form, encryption, macros, unzipped size."""
    check_workbook_name(name)
    if len(data) > MAX_WORKBOOK_BYTES:
        raise MeetingFileError(
            [
                f"{name}: the workbook is {_mb(len(data))}; the most accepted is "
                f"{_mb(MAX_WORKBOOK_BYTES)}. A meeting's cases fit in far less: "
                "remove pictures or other sheets and save it again"
            ]
        )
    if data.startswith(_CFB_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise MeetingFileError(
                [
                    f"{name}: the workbook is password-protected, so the bot cannot read "
                    "it; remove the password (File → Info → Protect Workbook → Encrypt "
                    "with Password, clear it) and send it again"
                ]
            )
        raise MeetingFileError(
            [
                f"{name}: this is an old-style Excel file (.xls); in Excel use "
                "File → Save As → Excel Workbook (.xlsx) and send that instead"
            ]
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise MeetingFileError(
            [f"{name}: not an Excel workbook (.xlsx); save the meeting from Excel as .xlsx"]
        ) from exc
    problem = _zip_problem(name, entries)
    if problem:
        archive.close()
        raise MeetingFileError([problem])
    return archive


def _zip_problem(name: str, entries: list[zipfile.ZipInfo]) -> str | None:
    names = {entry.filename for entry in entries}
    if len(entries) > _MAX_ZIP_ENTRIES:
        return f"{name}: not a meeting workbook (it holds {len(entries)} parts)"
    if any(entry.flag_bits & 0x1 for entry in entries):
        return f"{name}: the workbook is password-protected; remove the password and send it again"
    if "xl/vbaProject.bin" in names:
        return (
            f"{name}: the workbook contains macros; in Excel use File → Save As → "
            "Excel Workbook (.xlsx) and send that instead"
        )
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return f"{name}: not an Excel workbook (.xlsx); save the meeting from Excel as .xlsx"
    expanded = sum(entry.file_size for entry in entries)
    if expanded > MAX_EXPANDED_BYTES:
        return (
            f"{name}: the workbook expands to {_mb(expanded)} when opened; the most accepted "
            f"is {_mb(MAX_EXPANDED_BYTES)}. Remove pictures or other sheets and save it again"
        )
    return None


def _column_letter(index: int) -> str:
    """Excel's letters for a column number.

    openpyxl is imported where it is used: it takes a tenth of a second to load, and
    every command that never reads a workbook (a year's trends report) would pay it.
    """
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index))


class _Raw(NamedTuple):
    """One cell as read: its value (a formula's saved result), formula and kind."""

    value: Any
    formula: Any
    kind: str


_EMPTY = _Raw(None, None, "n")


@dataclass
class _Sheets:
    """Formulas and their cached values side by side (openpyxl loads them separately)."""

    formulas: Workbook
    values: Workbook

    def rows(self, sheet: str) -> Iterator[tuple[int, list[_Raw]]]:
        """(row number, one ``_Raw`` per column), blank rows skipped."""
        pairs = zip(
            self.formulas[sheet].iter_rows(max_row=_MAX_ROWS + 1, max_col=_MAX_COLUMNS),
            self.values[sheet].iter_rows(max_row=_MAX_ROWS + 1, max_col=_MAX_COLUMNS),
            strict=False,
        )
        for number, (with_formulas, with_values) in enumerate(pairs, start=1):
            cells = []
            for formula_cell, value_cell in zip(with_formulas, with_values, strict=False):
                formula = formula_cell.value if formula_cell.data_type == "f" else None
                cells.append(
                    _Raw(
                        value_cell.value,
                        formula,
                        value_cell.data_type,
                    )
                )
            if all(_blank(cell.value) and cell.formula is None for cell in cells):
                continue
            yield number, cells

    def close(self) -> None:
        self.formulas.close()
        self.values.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Reading:
    """What a workbook said, gathered sheet by sheet before anything is validated."""

    name: str
    problems: list[str] = field(default_factory=list)
    meeting: dict[str, Any] = field(default_factory=dict)
    cases: list[dict[str, Any]] = field(default_factory=list)
    cells: dict[str, CellSource] = field(default_factory=dict)

    def cell_value(self, sheet: str, row: int, column: int, raw: _Raw) -> Any:
        """A cell's usable value: trimmed text, the cached result of a formula, or a problem."""
        value, formula, kind = raw
        where = f"{sheet}!{_column_letter(column)}{row}"
        if formula is not None and value is None:
            self.problems.append(
                f"{where}: holds a formula with no saved result; type the value in "
                "instead of a formula"
            )
            return None
        if kind == "e":
            self.problems.append(
                f"{where}: shows an Excel error ({value}); type the value in instead"
            )
            return None
        if isinstance(value, str):
            value = value.strip()
            return value or None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


def read_workbook(name: str, data: bytes) -> MeetingDocument:
    """The meeting in a workbook, each value tied to its cell; refuses a hostile file."""
    from openpyxl import load_workbook

    archive = check_workbook_bytes(name, data)
    archive.close()
    try:
        sheets = _Sheets(
            formulas=load_workbook(io.BytesIO(data), read_only=True, data_only=False),
            values=load_workbook(io.BytesIO(data), read_only=True, data_only=True),
        )
    except Exception as exc:  # openpyxl raises many kinds on a malformed part; none is ours
        logger.info("workbook %s could not be parsed: %s", name, type(exc).__name__)
        raise MeetingFileError(
            [
                f"{name}: the workbook could not be read ({type(exc).__name__}); open it in "
                "Excel, save it as an Excel Workbook (.xlsx) and send it again"
            ]
        ) from exc
    reading = _Reading(name)
    try:
        _read_all(sheets, reading)
    except Exception as exc:  # a part that only fails once its rows are read
        if isinstance(exc, MeetingFileError):
            raise
        logger.info("workbook %s could not be read: %s", name, type(exc).__name__)
        raise MeetingFileError(
            [
                f"{name}: the workbook could not be read ({type(exc).__name__}); open it in "
                "Excel, save it as an Excel Workbook (.xlsx) and send it again"
            ]
        ) from exc
    finally:
        sheets.close()
    return MeetingDocument(
        raw={"meeting": reading.meeting, "cases": reading.cases},
        cells=reading.cells,
        problems=tuple(reading.problems),
    )


def _read_all(sheets: _Sheets, reading: _Reading) -> None:
    names = set(sheets.values.sheetnames)
    missing = [sheet for sheet in (MEETING_SHEET, CASES_SHEET) if sheet not in names]
    if missing:
        raise MeetingFileError(
            [
                f"{reading.name}: the workbook has no {' or '.join(repr(s) for s in missing)} "
                "sheet; start from the template (`Meeting`, `Cases` and `Timeline` sheets) "
                "and keep the sheet names as they are"
            ]
        )
    _read_meeting(sheets, reading)
    refs = _read_cases(sheets, reading)
    # Without a usable Cases header no case was read, and every timeline row would be
    # reported as matching no case: the header's own problem says what to fix.
    if refs is not None and TIMELINE_SHEET in names:
        _read_timeline(sheets, reading, refs)


def _header(
    reading: _Reading, sheet: str, number: int, row: list[_Raw], expected: tuple[str, ...]
) -> dict[str, int] | None:
    """Column number per expected name, from the header row; None (and problems) if wrong."""
    columns: dict[str, int] = {}
    problems = []
    for index, (value, *_) in enumerate(row, start=1):
        if _blank(value):
            continue
        name = str(value).strip().lower()
        where = f"{sheet}!{_column_letter(index)}{number}"
        if name not in expected:
            problems.append(
                f"{where}: unknown column {str(value).strip()[:40]!r}; the {sheet} sheet's "
                f"columns are {', '.join(expected)}"
            )
        elif name in columns:
            problems.append(f"{where}: the column {name!r} appears twice")
        else:
            columns[name] = index
    absent = [name for name in expected if name not in columns]
    if absent:
        problems.append(
            f"{sheet}!{number}:{number}: the header row has no "
            f"{', '.join(repr(n) for n in absent)} column; the columns are "
            f"{', '.join(expected)}"
        )
    reading.problems.extend(problems)
    return None if problems else columns


def _cell(row: list[_Raw], column: int) -> _Raw:
    return row[column - 1] if column - 1 < len(row) else _EMPTY


def _read_meeting(sheets: _Sheets, reading: _Reading) -> None:
    sheet = MEETING_SHEET
    seen: dict[str, int] = {}
    for number, row in sheets.rows(sheet):
        label = reading.cell_value(sheet, number, 1, _cell(row, 1))
        name = str(label).strip().lower() if label is not None else ""
        if name == "field" and number == 1:
            continue  # the header row
        if not name:
            reading.problems.append(
                f"{sheet}!A{number}: a value with no field name; put id, title, date, "
                "voting_closes or about in column A"
            )
            continue
        if name not in MEETING_FIELDS:
            reading.problems.append(
                f"{sheet}!A{number}: unknown field {str(label)[:40]!r}; the fields are "
                f"{', '.join(MEETING_FIELDS)}"
            )
            continue
        if name in seen:
            reading.problems.append(
                f"{sheet}!A{number}: {name} is given twice (also in row {seen[name]})"
            )
            continue
        seen[name] = number
        reading.cells[f"meeting.{name}"] = CellSource(f"{sheet}!B{number}", f"meeting {name}")
        raw = _cell(row, 2)
        value = reading.cell_value(sheet, number, 2, raw)
        if value is None:
            continue
        where = f"{sheet}!B{number} (meeting {name})"
        if name == "date":
            value = _date_value(reading, where, value, with_time=False)
        elif name == "voting_closes":
            value = _date_value(reading, where, value, with_time=True)
        elif not isinstance(value, str):
            value = str(value)
        if value is not None:
            reading.meeting[name] = value
    for name in ("id", "title", "date", "voting_closes"):
        reading.cells.setdefault(f"meeting.{name}", CellSource(f"{sheet}!A:B", f"meeting {name}"))


#: No panel met before the Victims' Code: an earlier date in a date cell is a typing slip.
_EARLIEST_YEAR = 2000


def _date_value(reading: _Reading, where: str, value: Any, *, with_time: bool) -> Any:
    """A real Excel date or datetime, or text: ISO (2025-09-17) or UK (17/09/2025 17:00).

    Excel stores a date typed without a time as midnight, whatever the cell's format
    shows, so midnight is handed on as a date alone: validation refuses it in the
    deadline cell exactly as it refuses the text 2025-09-15, since it would close
    voting as the day begins.
    """
    example = (
        "the date and time, e.g. 2025-09-17 17:00" if with_time else "the date, e.g. 2025-09-17"
    )
    if isinstance(value, dt.date) and value.year < _EARLIEST_YEAR:
        # Excel shows a number typed in a date cell as that many days after 1900: a "3"
        # reads as 3 January 1900. Naming the date it became says what happened.
        reading.problems.append(
            f"{where}: reads as {value.day} {value:%B %Y}, which is what a number typed in a "
            f"date cell becomes; type {example}"
        )
        return None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dt.time):
        reading.problems.append(f"{where}: {value:%H:%M} is a time without a date; type {example}")
        return None
    if not isinstance(value, str):
        reading.problems.append(f"{where}: {value} is not a date; type {example}")
        return None
    match = _UK_DATE.match(value)
    if match is None:
        return value  # ISO text, or a mistake that validation names
    day, month, year, hour, minute = match.groups()
    try:
        if with_time and hour is not None:
            return dt.datetime(int(year), int(month), int(day), int(hour), int(minute))
        if with_time:
            return dt.date(int(year), int(month), int(day))  # validation asks for a time
        if hour is not None:
            return value  # a time on the meeting date: validation refuses it by name
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        reading.problems.append(f"{where}: {value} is not a real date; check the day and month")
        return None


def _text(value: Any) -> Any:
    """Text fields hold text; a number typed in one (a ref like 101) becomes its digits."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _read_cases(sheets: _Sheets, reading: _Reading) -> dict[str, int] | None:
    """Read the Cases sheet; each ref's case index, for the timeline (None: no header)."""
    sheet = CASES_SHEET
    columns: dict[str, int] | None = None
    refs: dict[str, int] = {}
    reading.cells["cases"] = CellSource(f"{sheet}!A2", "cases")
    for number, row in sheets.rows(sheet):
        if columns is None:
            columns = _header(reading, sheet, number, row, CASE_COLUMNS)
            if columns is None:
                return None
            continue
        if len(reading.cases) >= _MAX_ROWS:
            reading.problems.append(f"{sheet}!A{number}: too many rows for one meeting")
            return refs
        index = len(reading.cases)
        case: dict[str, Any] = {}
        values = {
            name: _text(reading.cell_value(sheet, number, column, _cell(row, column)))
            for name, column in columns.items()
        }
        ref = values.get("ref")
        label = case_label(ref, index)  # ``cases[SH-03]``, or ``cases[#4]`` for an unsafe ref
        short = label.removeprefix("cases[").removesuffix("]")
        short = f"case {short[1:]}" if short.startswith("#") else short
        reading.cells[label] = CellSource(f"{sheet}!A{number}", f"{short}")
        for name, column in columns.items():
            letter = _column_letter(column)
            reading.cells[f"{label}.{name}"] = CellSource(
                f"{sheet}!{letter}{number}", f"{short} {name}"
            )
            if values[name] is not None:
                case[name] = values[name]
        if isinstance(ref, str) and ref in refs:
            # Named here, not only by validation: the timeline rows of the case whose ref
            # was overtyped would otherwise be the only lines, each matching no case.
            reading.problems.append(
                f"{sheet}!A{number} ({short} ref): this ref is used by more than one case"
            )
        elif isinstance(ref, str):
            refs[ref] = index
        reading.cases.append(case)
    if columns is None:
        reading.problems.append(
            f"{sheet}!A1: the Cases sheet is empty; put the header row "
            f"({', '.join(CASE_COLUMNS)}) in row 1 and one case per row below it"
        )
        return None
    return refs


def _read_timeline(sheets: _Sheets, reading: _Reading, refs: dict[str, int]) -> None:
    sheet = TIMELINE_SHEET
    columns: dict[str, int] | None = None
    rows = 0
    for number, row in sheets.rows(sheet):
        if columns is None:
            columns = _header(reading, sheet, number, row, TIMELINE_COLUMNS)
            if columns is None:
                return
            continue
        rows += 1
        if rows > _MAX_ROWS:
            reading.problems.append(f"{sheet}!A{number}: too many rows for one meeting")
            return
        values = {
            name: reading.cell_value(sheet, number, column, _cell(row, column))
            for name, column in columns.items()
        }
        ref = _text(values["ref"])
        if ref is None:
            reading.problems.append(
                f"{sheet}!A{number}: no ref; give the ref of the case on the Cases sheet "
                "this entry belongs to"
            )
            continue
        index = refs.get(ref) if isinstance(ref, str) else None
        if index is None:
            reading.problems.append(
                f"{sheet}!A{number}: the ref in this cell matches no case on the Cases sheet"
            )
            continue
        case = reading.cases[index]
        timeline = case.setdefault("timeline", [])
        position = len(timeline)
        label = case_label(ref, index)
        short = label.removeprefix("cases[").removesuffix("]")
        short = f"case {short[1:]}" if short.startswith("#") else short
        entry: dict[str, Any] = {}
        key = f"{label}.timeline[{position}]"
        reading.cells[key] = CellSource(
            f"{sheet}!A{number}", f"{short} timeline entry {position + 1}"
        )
        for name in ("day", "agency", "entry"):
            column = columns[name]
            reading.cells[f"{key}.{name}"] = CellSource(
                f"{sheet}!{_column_letter(column)}{number}",
                f"{short} timeline entry {position + 1} {name}",
            )
            value = values[name]
            if value is None:
                continue
            entry[name] = value if name == "day" else _text(value)
        timeline.append(entry)
