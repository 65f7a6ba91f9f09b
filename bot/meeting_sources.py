"""Where a meeting comes from: a file on disk or bytes sent in Slack, in any accepted form.

Every way in ends in a ``MeetingDocument`` (the raw structure, and for a
workbook the cell behind each value), which the import service validates,
screens and stores the same way whatever the form.
"""

from __future__ import annotations

from pathlib import Path

from bot.meeting_file import MeetingDocument, MeetingFileError, read_meeting_file, read_meeting_text
from bot.workbook_layout import MAX_WORKBOOK_BYTES
from bot.workbook_reader import check_workbook_name, read_workbook

#: The forms a meeting file may take, by the end of its name.
TEXT_SUFFIXES = (".yaml", ".yml", ".json")
WORKBOOK_SUFFIXES = (".xlsx",)
ACCEPTED_SUFFIXES = TEXT_SUFFIXES + WORKBOOK_SUFFIXES


# Files people send by mistake, by the end of their name, and what to do instead: read as
# YAML they would only earn advice about text encodings.
_TEMPLATE = (
    "fill in the meeting template (`vcop meeting template`, or `/vcop template` in Slack) "
    "and import that .xlsx"
)
_NOT_MEETING_FILES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        (".csv",),
        "a CSV file holds one sheet, and a meeting needs the Meeting, Cases and Timeline "
        f"sheets; {_TEMPLATE}",
    ),
    (
        (".ods", ".numbers"),
        "a spreadsheet in another program's format; save it as an Excel Workbook (.xlsx) "
        "and import that",
    ),
    ((".docx", ".doc", ".odt", ".rtf", ".pdf", ".pages"), f"a document; {_TEMPLATE}"),
)


def refuse_a_known_other_kind(name: str) -> None:
    """Refuse a Word document, a PDF, a CSV… with what to do instead."""
    lower = name.lower()
    for suffixes, advice in _NOT_MEETING_FILES:
        if lower.endswith(suffixes):
            raise MeetingFileError([f"{name}: not a meeting file: {advice}"])


def is_workbook(name: str) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm", ".xltm", ".xlam", ".xls"))


def check_sendable(name: str, size: int) -> None:
    """What can be refused from a file's name and size alone, before it is downloaded."""
    if is_workbook(name):
        check_workbook_name(name)
    if name.lower().endswith(".xls"):
        raise MeetingFileError(
            [
                f"{name}: an old-style Excel file (.xls); in Excel use File → Save As → "
                "Excel Workbook (.xlsx) and send that instead"
            ]
        )
    refuse_a_known_other_kind(name)
    if not name.lower().endswith(ACCEPTED_SUFFIXES):
        raise MeetingFileError(
            [
                f"{name}: not a meeting file; send the meeting as an Excel workbook (.xlsx), "
                "or as YAML or JSON"
            ]
        )
    if size > MAX_WORKBOOK_BYTES:
        raise MeetingFileError([_too_big(name, size)])


def load_meeting_document(path: Path) -> MeetingDocument:
    """A meeting file on disk: a workbook by its .xlsx name, else YAML or JSON."""
    # Whether there is a file at all comes first: its name's advice helps no one otherwise.
    if path.is_dir():
        raise MeetingFileError([f"{path}: is a folder, not a meeting file"])
    if not path.exists():
        raise MeetingFileError([f"{path}: file not found"])
    if not is_workbook(path.name):
        refuse_a_known_other_kind(path.name)
        _refuse_a_workbook_named_as_text(path)
        return MeetingDocument(raw=read_meeting_file(path))
    check_workbook_name(path.name)
    try:
        size = path.stat().st_size
        if size > MAX_WORKBOOK_BYTES:  # refused before a byte is read
            raise MeetingFileError([_too_big(path.name, size)])
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise MeetingFileError([f"{path}: file not found"]) from exc
    except OSError as exc:
        raise MeetingFileError([f"{path}: cannot read: {exc}"]) from exc
    return read_workbook(path.name, data)


def _refuse_a_workbook_named_as_text(path: Path) -> None:
    """An Excel workbook renamed .yaml would earn advice about text encodings instead."""
    try:
        with path.open("rb") as handle:
            start = handle.read(4)
    except OSError:
        return  # reading it as text names the problem
    if start == b"PK\x03\x04":  # every .xlsx is a zip archive
        raise MeetingFileError(
            [
                f"{path.name}: this is an Excel workbook (or another zipped file) with a text "
                "file's name; if it is the meeting workbook, rename it to end in .xlsx"
            ]
        )


def _too_big(name: str, size: int) -> str:
    return (
        f"{name}: the file is {size / (1024 * 1024):.1f} MB; the most accepted is "
        f"{MAX_WORKBOOK_BYTES / (1024 * 1024):.1f} MB"
    )


def meeting_document_from_bytes(name: str, data: bytes) -> MeetingDocument:
    """A meeting file's bytes (as sent in Slack), read by the form its name gives."""
    check_sendable(name, len(data))
    if is_workbook(name):
        return read_workbook(name, data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MeetingFileError(
            [f"{name}: not UTF-8 text; save it as UTF-8 (or send the Excel workbook)"]
        ) from exc
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    return MeetingDocument(raw=read_meeting_text(text, name, suffix))
