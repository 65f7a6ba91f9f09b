"""Meetings in Excel: `vcop meeting template`, import of .xlsx, and `vcop meeting export`.

The commands run in this process through the CLI's own entry point, against a
real config and SQLite file in tmp_path; workbooks are written and read with
openpyxl, and the hostile ones are built byte by byte as an attacker would.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import yaml

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "bot" / "data" / "sample_meeting.yaml"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def vcop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    shutil.copy(ROOT / "app.yaml", tmp_path / "app.yaml")
    monkeypatch.setenv("VCOP_CONFIG", str(tmp_path / "app.yaml"))
    monkeypatch.setenv("VCOP_DB", str(tmp_path / "vcop.db"))
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def meetings(tmp_path: Path) -> int:
    path = tmp_path / "vcop.db"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master")}
        return (
            conn.execute("select count(*) from meetings").fetchone()[0]
            if "meetings" in tables
            else 0
        )


def filled_template(path: Path, **changes: object) -> openpyxl.Workbook:
    """The template with a valid two-case meeting in it; ``changes`` edit cells by address."""
    book = openpyxl.load_workbook(path)
    meeting = book["Meeting"]
    meeting["B2"] = "2099-03-burglary"
    meeting["B3"] = "Burglary"
    meeting["B4"] = dt.datetime(2099, 3, 20)
    meeting["B5"] = dt.datetime(2099, 3, 18, 17, 0)
    book["Cases"].append(
        ["BG-01", "Burglary of a dwelling", "Guilty plea", "Reported the same day."]
    )
    book["Cases"].append(["BG-02", "Burglary", "No further action", "Kept informed throughout."])
    book["Timeline"].append(["BG-02", 0, "Police", "Report received"])
    for address, value in changes.items():
        sheet, cell = address.split("_")
        book[sheet][cell] = value
    return book


def save(book: openpyxl.Workbook, path: Path) -> Path:
    book.save(path)
    return path


def import_filled_template(vcop: Run, tmp_path: Path, **changes: object) -> tuple[int, str, str]:
    """Write the template, fill in ``changes`` (e.g. ``Meeting_B5=...``), save it, import it."""
    vcop("meeting", "template")
    save(filled_template(tmp_path / "meeting-template.xlsx", **changes), tmp_path / "m.xlsx")
    return vcop("meeting", "import", "m.xlsx")


# The template --------------------------------------------------------------------------


def test_template_has_the_contracted_sheets_columns_comments_and_agency_drop_down(
    vcop: Run, tmp_path: Path
) -> None:
    code, out, _ = vcop("meeting", "template")
    assert code == 0 and "meeting-template.xlsx" in out
    book = openpyxl.load_workbook(tmp_path / "meeting-template.xlsx")
    assert book.sheetnames == ["Meeting", "Cases", "Timeline", "Guidance"]
    meeting = book["Meeting"]
    assert [c.value for c in meeting[1]] == ["field", "value"]
    assert [meeting.cell(row=r, column=1).value for r in range(2, 7)] == [
        "id",
        "title",
        "date",
        "voting_closes",
        "about",
    ]
    assert [c.value for c in book["Cases"][1]] == ["ref", "offence", "outcome", "summary"]
    assert [c.value for c in book["Timeline"][1]] == ["ref", "day", "agency", "entry"]
    for sheet in ("Meeting", "Cases", "Timeline"):
        assert all(cell.comment and cell.comment.text for cell in book[sheet][1])
    [agencies] = book["Timeline"].data_validations.dataValidation
    assert "C2" in str(agencies.sqref) and "Police" in str(agencies.formula1)
    assert agencies.showErrorMessage is False  # other agencies may be typed in
    guidance = " ".join(str(c.value) for c in book["Guidance"]["A"] if c.value)
    assert "personal data" in guidance and "Messages tab" in guidance


def test_template_never_overwrites_a_file_without_force(vcop: Run, tmp_path: Path) -> None:
    mine = tmp_path / "mine.xlsx"
    mine.write_bytes(b"my own work")
    code, _, err = vcop("meeting", "template", str(mine))
    assert code == 2 and "already exists" in err and "--force" in err
    assert mine.read_bytes() == b"my own work"
    assert vcop("meeting", "template", str(mine), "--force")[0] == 0
    assert zipfile.is_zipfile(mine)


def test_example_workbook_holds_the_sample_meeting_and_imports_as_the_yaml_does(
    vcop: Run, tmp_path: Path
) -> None:
    assert vcop("meeting", "template", "--example", "sample.xlsx")[0] == 0
    book = openpyxl.load_workbook(tmp_path / "sample.xlsx")
    assert book["Meeting"]["B2"].value == "2025-09-stalking"
    assert book["Meeting"]["B5"].value == dt.datetime(2025, 9, 15, 17, 0)
    assert book["Cases"].max_row == 7
    code, out, _ = vcop("meeting", "import", "sample.xlsx")
    assert code == 0 and "Imported meeting 2025-09-stalking" in out
    code, out, _ = vcop("meeting", "import", str(SAMPLE), "--replace")
    assert code == 0 and "nothing changed" in out


# Importing a workbook -------------------------------------------------------------------


def test_a_filled_template_imports_with_blank_rows_skipped_and_text_trimmed(
    vcop: Run, tmp_path: Path
) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx")
    book["Cases"].append([None, None, None, None])
    book["Cases"].append(["  BG-03 ", "  Theft  ", "Caution", "  Trimmed.  "])
    save(book, tmp_path / "m.xlsx")
    code, out, err = vcop("meeting", "import", "m.xlsx")
    assert code == 0, err
    assert "with 3 cases" in out
    code, out, _ = vcop("meeting", "export", "2099-03-burglary", "--format", "yaml")
    exported = (tmp_path / "2099-03-burglary.yaml").read_text(encoding="utf-8")
    assert "ref: BG-03\n  offence: Theft\n" in exported and "summary: Trimmed.\n" in exported
    assert "voting_closes: '2099-03-18T17:00:00+00:00'" in exported


def test_dates_typed_as_text_are_read_iso_or_uk(vcop: Run, tmp_path: Path) -> None:
    vcop("meeting", "template")
    path = tmp_path / "meeting-template.xlsx"
    save(
        filled_template(path, Meeting_B4="2099-03-20", Meeting_B5="18/03/2099 17:00"),
        tmp_path / "m.xlsx",
    )
    code, _, err = vcop("meeting", "import", "m.xlsx")
    assert code == 0, err


def _import_midnight_deadline_shown_as(
    vcop: Run, tmp_path: Path, number_format: str
) -> tuple[int, str, str]:
    """Midnight on 2099-03-18 in Meeting!B5, shown with ``number_format``, imported."""
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx", Meeting_B5=dt.datetime(2099, 3, 18))
    book["Meeting"]["B5"].number_format = number_format
    save(book, tmp_path / "m.xlsx")
    return vcop("meeting", "import", "m.xlsx")


# The template's own format shows a time, yet a date typed alone there is still midnight.
@pytest.mark.parametrize(
    "number_format",
    ["yyyy-mm-dd", "dd/mm/yyyy", "d mmmm yyyy", "dd/mm/yyyy hh:mm", "dd/mm/yyyy h:mm AM/PM"],
)
def test_a_deadline_cell_holding_a_date_without_a_time_is_refused_naming_the_cell(
    vcop: Run, tmp_path: Path, number_format: str
) -> None:
    code, out, err = _import_midnight_deadline_shown_as(vcop, tmp_path, number_format)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "Meeting!B5 (meeting voting_closes): 2099-03-18 has a date but no time of day; "
        "write a time too, such as 2099-03-18 17:00"
    ]
    assert meetings(tmp_path) == 0


@pytest.mark.parametrize(
    ("cell", "typed", "expected"),
    [
        pytest.param(
            "B5",
            3,
            "Meeting!B5 (meeting voting_closes): reads as 3 January 1900, which is what a "
            "number typed in a date cell becomes; type the date and time, e.g. 2025-09-17 17:00",
            id="deadline",
        ),
        pytest.param(
            "B4",
            20,
            "Meeting!B4 (meeting date): reads as 20 January 1900, which is what a number "
            "typed in a date cell becomes; type the date, e.g. 2025-09-17",
            id="meeting-date",
        ),
    ],
)
def test_a_number_typed_in_a_date_cell_is_named_as_the_1900_date_excel_made_of_it(
    vcop: Run, tmp_path: Path, cell: str, typed: int, expected: str
) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx", **{f"Meeting_{cell}": typed})
    book["Meeting"][cell].number_format = "dd/mm/yyyy hh:mm"
    save(book, tmp_path / "m.xlsx")

    code, out, err = vcop("meeting", "import", "m.xlsx")

    assert (code, out) == (2, "")
    assert expected in err.splitlines()
    assert meetings(tmp_path) == 0


def test_a_deadline_typed_as_a_uk_date_without_a_time_is_refused_not_read_as_midnight(
    vcop: Run, tmp_path: Path
) -> None:
    code, _, err = import_filled_template(vcop, tmp_path, Meeting_B5="18/03/2099")
    assert code == 2
    assert err.splitlines() == [
        "Meeting!B5 (meeting voting_closes): 2099-03-18 has a date but no time of day; "
        "write a time too, such as 2099-03-18 17:00"
    ]
    assert meetings(tmp_path) == 0


@pytest.mark.parametrize(
    ("cell", "value", "line"),
    [
        pytest.param(
            "Cases_B2",
            "x" * 400,
            "Cases!B2 (BG-01 offence): too long (400 characters; at most 300). Shorten it.",
            id="text-too-long",
        ),
        pytest.param(
            "Timeline_B2",
            2.5,
            "Timeline!B2 (BG-02 timeline entry 1 day): 2.5 is not a whole number of days; "
            "type a whole number such as 3.",
            id="day-with-a-fraction",
        ),
        pytest.param(
            "Timeline_B2",
            "three",
            "Timeline!B2 (BG-02 timeline entry 1 day): is not a whole number of days; "
            "type a whole number such as 3.",
            id="day-in-words",
        ),
        pytest.param(
            "Timeline_B2",
            40000,
            "Timeline!B2 (BG-02 timeline entry 1 day): too large; the most allowed is 36500",
            id="day-out-of-range",
        ),
        pytest.param(
            "Meeting_B4",
            "2099-13-45",
            "Meeting!B4 (meeting date): is not a date; dates are written YYYY-MM-DD, "
            "e.g. 2025-09-17",
            id="date-not-a-real-date",
        ),
        pytest.param(
            "Meeting_B4",
            dt.datetime(2099, 3, 20, 17, 0),
            "Meeting!B4 (meeting date): has a time of day; give the date alone, e.g. 2025-09-17",
            id="date-with-a-time",
        ),
        pytest.param(
            "Meeting_B5",
            "soon",
            "Meeting!B5 (meeting voting_closes): is not a date and time; write it as "
            "YYYY-MM-DD HH:MM on the 24-hour clock, e.g. 2025-09-15 17:00 (panel time)",
            id="deadline-not-a-date-and-time",
        ),
        pytest.param(
            "Meeting_B3",
            None,
            "Meeting!B3 (meeting title): empty; fill it in",
            id="missing",
        ),
    ],
)
def test_a_cell_validation_refuses_is_named_in_plain_words_without_pydantic_wording(
    vcop: Run, tmp_path: Path, cell: str, value: object, line: str
) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx", **{cell: value})
    save(book, tmp_path / "m.xlsx")
    code, _, err = vcop("meeting", "import", "m.xlsx")
    assert code == 2
    assert err.splitlines() == [line]
    assert "Input should" not in err and "String should" not in err
    assert meetings(tmp_path) == 0


def test_more_cases_than_a_meeting_holds_are_refused_in_plain_words(
    vcop: Run, tmp_path: Path
) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx")
    for number in range(3, 52):
        book["Cases"].append([f"BG-{number:02}", "Burglary", "Caution", "Kept informed."])
    save(book, tmp_path / "m.xlsx")
    code, _, err = vcop("meeting", "import", "m.xlsx")
    assert code == 2
    assert err.splitlines() == ["Cases!A2 (cases): too many (51; at most 50). Remove some."]
    assert meetings(tmp_path) == 0


@pytest.mark.parametrize(
    ("cell", "line"),
    [
        pytest.param(
            "Meeting_B5",
            "Meeting!B5 (meeting voting_closes): 17:00 is a time without a date; "
            "type the date and time, e.g. 2025-09-17 17:00",
            id="deadline",
        ),
        pytest.param(
            "Meeting_B4",
            "Meeting!B4 (meeting date): 17:00 is a time without a date; "
            "type the date, e.g. 2025-09-17",
            id="meeting-date",
        ),
    ],
)
def test_a_time_without_a_date_asks_for_the_date_written_yyyy_mm_dd_without_python_text(
    vcop: Run, tmp_path: Path, cell: str, line: str
) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx", **{cell: dt.time(17, 0)})
    save(book, tmp_path / "m.xlsx")
    code, _, err = vcop("meeting", "import", "m.xlsx")
    assert code == 2
    assert err.splitlines() == [line]
    assert meetings(tmp_path) == 0


def test_an_impossible_uk_date_is_named_without_python_quotes(vcop: Run, tmp_path: Path) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx", Meeting_B5="31/02/2099 17:00")
    save(book, tmp_path / "m.xlsx")
    code, _, err = vcop("meeting", "import", "m.xlsx")
    assert code == 2
    assert err.splitlines() == [
        "Meeting!B5 (meeting voting_closes): 31/02/2099 17:00 is not a real date; "
        "check the day and month"
    ]


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        pytest.param("18/03/2099 5:00 PM", "2099-03-18 17:00", id="uk-date-12-hour-clock"),
        pytest.param("2099-03-18 5:00 PM", "2099-03-18 17:00", id="iso-date-12-hour-clock"),
        pytest.param("18/03/2099 12:30 am", "2099-03-18 00:30", id="just-after-midnight"),
    ],
)
def test_a_deadline_on_the_12_hour_clock_suggests_text_that_then_imports(
    vcop: Run, tmp_path: Path, typed: str, suggested: str
) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx", Meeting_B5=typed)
    save(book, tmp_path / "m.xlsx")
    code, _, err = vcop("meeting", "import", "m.xlsx")
    [line] = err.splitlines()
    assert code == 2
    assert line.startswith("Meeting!B5 (meeting voting_closes): ")
    assert f"on the 24-hour clock, e.g. {suggested}" in line

    book["Meeting"]["B5"] = suggested
    save(book, tmp_path / "m.xlsx")
    code, out, err = vcop("meeting", "import", "m.xlsx")
    assert code == 0, err
    assert f"voting closes Wed 18 Mar 2099 {suggested[-5:]} GMT." in out


def test_a_deadline_after_the_meeting_date_is_shown_in_panel_time_not_as_a_timestamp(
    vcop: Run, tmp_path: Path
) -> None:
    code, _, err = import_filled_template(
        vcop,
        tmp_path,
        Meeting_B4=dt.datetime(2099, 7, 10),
        Meeting_B5=dt.datetime(2099, 7, 11, 17, 0),
    )
    assert code == 2
    assert err.splitlines() == [
        "Meeting!B5 (meeting voting_closes): Sat 11 Jul 2099 17:00 BST is after the meeting "
        "date 2099-07-10; voting must close on or before that day"
    ]


def test_problems_name_sheet_cell_case_and_field_and_nothing_is_stored(
    vcop: Run, tmp_path: Path
) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx", Cases_C2=None)
    save(book, tmp_path / "m.xlsx")
    code, _, err = vcop("meeting", "import", "m.xlsx")
    assert code == 2
    assert err.splitlines() == ["Cases!C2 (BG-01 outcome): empty; fill it in"]

    book["Cases"]["C2"] = "Guilty plea"
    book["Meeting"]["B5"] = dt.datetime(2099, 3, 25, 17, 0)
    save(book, tmp_path / "m.xlsx")
    code, _, err = vcop("meeting", "import", "m.xlsx")
    assert code == 2
    assert err.splitlines() == [
        "Meeting!B5 (meeting voting_closes): Wed 25 Mar 2099 17:00 GMT is after the meeting "
        "date 2099-03-20; voting must close on or before that day"
    ]

    book["Meeting"]["B5"] = dt.datetime(2099, 3, 18, 17, 0)
    book["Cases"]["D3"] = "Her email is jane.doe@example.com"
    book["Timeline"]["D2"] = "Met PC Smith at the station"
    save(book, tmp_path / "m.xlsx")
    code, _, err = vcop("meeting", "import", "m.xlsx")
    assert code == 2
    lines = err.splitlines()
    assert any(line.startswith("Cases!D3 (BG-02 summary): personal data: ") for line in lines)
    assert any(
        line.startswith("Timeline!D2 (BG-02 timeline entry 1 entry): personal data: ")
        for line in lines
    ), err
    assert "jane.doe@example.com" not in err
    assert meetings(tmp_path) == 0


@pytest.mark.parametrize(
    ("mistake", "first_line"),
    [
        pytest.param(
            ("Timeline", "A2", "BG-9"),
            "Timeline!A2: the ref in this cell matches no case on the Cases sheet",
            id="a-layout-problem",
        ),
        pytest.param(
            ("Cases", "C2", None), "Cases!C2 (BG-01 outcome): empty", id="a-cell-left-empty"
        ),
    ],
)
def test_personal_data_is_named_in_the_same_answer_as_another_mistake(
    vcop: Run, tmp_path: Path, mistake: tuple[str, str, str | None], first_line: str
) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx")
    sheet, cell, value = mistake
    book[sheet][cell] = value
    book["Cases"]["D3"] = "Sarah Jones phoned on 07700 900123 about the hearing."
    save(book, tmp_path / "m.xlsx")

    code, _, err = vcop("meeting", "import", "m.xlsx")

    lines = err.splitlines()
    assert code == 2
    assert lines[0].startswith(first_line), err
    assert any(line.startswith("Cases!D3 (BG-02 summary): personal data: ") for line in lines)
    assert "Sarah Jones" not in err and "900123" not in err
    assert meetings(tmp_path) == 0


def test_a_ref_typed_over_another_is_named_beside_the_timeline_rows_it_orphans(
    vcop: Run, tmp_path: Path
) -> None:
    code, _, err = import_filled_template(vcop, tmp_path, Cases_A3="BG-01")

    lines = err.splitlines()
    assert code == 2
    assert "Cases!A3 (BG-01 ref): this ref is used by more than one case" in lines, err
    assert any("matches no case on the Cases sheet" in line for line in lines), err


def test_a_timeline_row_for_no_case_is_named(vcop: Run, tmp_path: Path) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx")
    book["Timeline"].append(["BG-99", 1, "CPS", "Charge authorised"])
    save(book, tmp_path / "m.xlsx")
    code, _, err = vcop("meeting", "import", "m.xlsx")
    assert code == 2
    assert err.splitlines() == [
        f"Timeline!A{book['Timeline'].max_row}: the ref in this cell matches no case on the "
        "Cases sheet"
    ]


def test_an_unknown_cases_column_is_named_without_blaming_the_timeline_for_it(
    vcop: Run, tmp_path: Path
) -> None:
    code, _, err = import_filled_template(vcop, tmp_path, Cases_E1="notes")

    assert code == 2
    # No case could be read, so no timeline row is said to match no case.
    assert err.splitlines() == [
        "Cases!E1: unknown column 'notes'; the Cases sheet's columns are "
        "ref, offence, outcome, summary"
    ]


def _with_formula(path: Path, cached: str | None) -> bytes:
    """The workbook with a formula in Cases!B2, and optionally Excel's saved result of it."""
    book = filled_template(path)
    book["Cases"]["B2"] = '=CONCAT("Burglary", " of a dwelling")'
    out = io.BytesIO()
    book.save(out)
    if cached is None:
        return out.getvalue()
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode("utf-8")
                start = text.index('<c r="B2"')
                end = text.index("</c>", start) + len("</c>")
                formula = '<f>CONCAT("Burglary", " of a dwelling")</f>'
                text = text[:start] + f'<c r="B2" t="str">{formula}<v>{cached}</v></c>' + text[end:]
                data = text.encode("utf-8")
            rewritten.writestr(item, data)
    return target.getvalue()


def test_a_formula_uses_its_saved_result_or_is_refused_clearly(vcop: Run, tmp_path: Path) -> None:
    vcop("meeting", "template")
    path = tmp_path / "meeting-template.xlsx"
    (tmp_path / "none.xlsx").write_bytes(_with_formula(path, None))
    code, _, err = vcop("meeting", "import", "none.xlsx")
    assert code == 2
    assert err.strip() == (
        "Cases!B2: holds a formula with no saved result; type the value in instead of a formula"
    )
    (tmp_path / "cached.xlsx").write_bytes(_with_formula(path, "Burglary of a dwelling"))
    code, _, err = vcop("meeting", "import", "cached.xlsx")
    assert code == 0, err


# Hostile workbooks: refused in one line, before any parsing ---------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


XLSX_SKELETON = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("m.xlsm", b"PK\x03\x04", "a macro-enabled workbook (.xlsm) is not accepted"),
        (
            "m.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + "EncryptedPackage".encode("utf-16-le")
            + b"\0" * 512,
            "the workbook is password-protected",
        ),
        (
            "m.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
            "an old-style Excel file (.xls)",
        ),
        ("m.xlsx", b"meeting: not really a workbook\n", "not an Excel workbook (.xlsx)"),
        ("m.xlsx", _zip({"hello.txt": b"hi"}), "not an Excel workbook (.xlsx)"),
        (
            "m.xlsx",
            _zip({**XLSX_SKELETON, "xl/vbaProject.bin": b"\0"}),
            "the workbook contains macros",
        ),
        (
            "m.xlsx",
            _zip({**XLSX_SKELETON, "xl/worksheets/sheet1.xml": b"\0" * (51 * 1024 * 1024)}),
            "the workbook expands to 51.0 MB when opened; the most accepted is 50.0 MB",
        ),
        (
            "m.xlsx",
            b"PK" + b"\0" * (5 * 1024 * 1024 + 1),
            "the file is 5.0 MB; the most accepted is 5.0 MB",
        ),
    ],
    ids=["xlsm", "password", "xls", "text", "zip", "macros", "zip-bomb", "too-big"],
)
def test_hostile_or_wrong_files_are_refused_in_one_line(
    vcop: Run, tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    (tmp_path / name).write_bytes(data)
    code, _, err = vcop("meeting", "import", name)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err
    assert meetings(tmp_path) == 0


def test_an_xml_entity_bomb_is_refused_without_expanding_it(vcop: Run, tmp_path: Path) -> None:
    vcop("meeting", "template")
    book = filled_template(tmp_path / "meeting-template.xlsx")
    book.save(tmp_path / "ok.xlsx")
    entities = '<!DOCTYPE worksheet [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    source = zipfile.ZipFile(tmp_path / "ok.xlsx")
    entries = {item.filename: source.read(item.filename) for item in source.infolist()}
    sheet = entries["xl/worksheets/sheet2.xml"].decode("utf-8")
    start = sheet.index("<worksheet")
    sheet = sheet[:start] + entities + "]>" + sheet[start:]
    entries["xl/worksheets/sheet2.xml"] = sheet.replace("Guilty plea", "&lol9;").encode("utf-8")
    (tmp_path / "bomb.xlsx").write_bytes(_zip(entries))
    code, _, err = vcop("meeting", "import", "bomb.xlsx")
    assert code == 2
    assert "bomb.xlsx: the workbook could not be read" in err
    assert meetings(tmp_path) == 0


# Export ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["xlsx", "yaml"])
def test_export_then_import_with_replace_changes_nothing(
    vcop: Run, tmp_path: Path, form: str
) -> None:
    assert vcop("meeting", "import", str(SAMPLE))[0] == 0
    before = (
        sqlite3.connect(tmp_path / "vcop.db").execute("select * from cases order by ref").fetchall()
    )
    code, out, _ = vcop("meeting", "export", "2025-09-stalking", "--format", form)
    assert code == 0 and f"2025-09-stalking.{form}" in out
    code, out, _ = vcop("meeting", "import", f"2025-09-stalking.{form}", "--replace")
    assert code == 0 and "nothing changed" in out
    after = (
        sqlite3.connect(tmp_path / "vcop.db").execute("select * from cases order by ref").fetchall()
    )
    assert after == before


def test_export_never_overwrites_a_file_it_did_not_create(vcop: Run, tmp_path: Path) -> None:
    assert vcop("meeting", "import", str(SAMPLE))[0] == 0
    target = tmp_path / "keep.xlsx"
    target.write_bytes(b"someone else's file")
    code, _, err = vcop("meeting", "export", "2025-09-stalking", "--output", str(target))
    assert code == 2 and "already exists" in err
    assert target.read_bytes() == b"someone else's file"


def test_export_without_format_writes_yaml_when_its_output_ends_in_yml(
    vcop: Run, tmp_path: Path
) -> None:
    assert vcop("meeting", "import", str(SAMPLE))[0] == 0

    code, out, err = vcop("meeting", "export", "2025-09-stalking", "--output", "meeting.yml")

    assert code == 0, err
    assert out.strip() == "Wrote meeting.yml"
    exported = yaml.safe_load((tmp_path / "meeting.yml").read_text(encoding="utf-8"))
    assert exported["meeting"]["id"] == "2025-09-stalking"
    code, out, _ = vcop("meeting", "import", "meeting.yml", "--replace")
    assert code == 0 and "nothing changed" in out


def test_export_format_that_disagrees_with_the_output_ending_is_refused_even_with_force(
    vcop: Run, tmp_path: Path
) -> None:
    assert vcop("meeting", "import", str(SAMPLE))[0] == 0
    target = tmp_path / "meeting.yaml"
    target.write_bytes(b"someone else's file")

    code, out, err = vcop(
        "meeting", "export", "2025-09-stalking", "--format", "xlsx", "--output", str(target),
        "--force",
    )  # fmt: skip

    assert code == 2 and out == ""
    assert err.splitlines() == [
        "error: --format xlsx writes an Excel workbook, but the name meeting.yaml is for YAML "
        "text; nothing was written. Leave out --format to write YAML text, or name the file "
        f"{tmp_path / 'meeting.xlsx'}."
    ]
    assert target.read_bytes() == b"someone else's file"
    assert not (tmp_path / "meeting.xlsx").exists()


def test_export_of_an_unknown_meeting_says_so(vcop: Run) -> None:
    code, _, err = vcop("meeting", "export", "no-such-meeting")
    assert code == 2 and "No meeting 'no-such-meeting'" in err


def test_the_about_row_reaches_the_meeting_and_survives_export_and_import(
    vcop: Run, tmp_path: Path
) -> None:
    vcop("meeting", "template")
    about = "Stalking cases are rising locally.\n\nThe panel chose them to check early referrals."
    save(filled_template(tmp_path / "meeting-template.xlsx", Meeting_B6=about), tmp_path / "m.xlsx")
    assert vcop("meeting", "import", "m.xlsx")[0] == 0
    with sqlite3.connect(tmp_path / "vcop.db") as db:
        assert db.execute("select about from meetings").fetchone() == (about,)
    for form in ("xlsx", "yaml"):
        assert vcop("meeting", "export", "2099-03-burglary", "--format", form)[0] == 0
        code, out, _ = vcop("meeting", "import", f"2099-03-burglary.{form}", "--replace")
        assert code == 0 and "nothing changed" in out
    book = openpyxl.load_workbook(tmp_path / "2099-03-burglary.xlsx")
    assert book["Meeting"]["A6"].value == "about" and book["Meeting"]["B6"].value == about


def test_personal_data_in_the_about_row_names_its_cell(vcop: Run, tmp_path: Path) -> None:
    vcop("meeting", "template")
    about = "Raised by Mrs Patel at the last meeting."
    save(filled_template(tmp_path / "meeting-template.xlsx", Meeting_B6=about), tmp_path / "m.xlsx")
    code, _, err = vcop("meeting", "import", "m.xlsx")
    assert code == 2
    assert err.startswith("Meeting!B6 (meeting about): personal data: "), err
    assert "Patel" not in err
    assert meetings(tmp_path) == 0


def test_a_workbook_naming_a_stored_meeting_is_refused_naming_the_id_cell(
    vcop: Run, tmp_path: Path
) -> None:
    vcop("meeting", "template")
    save(filled_template(tmp_path / "meeting-template.xlsx"), tmp_path / "m.xlsx")
    assert vcop("meeting", "import", "m.xlsx")[0] == 0
    code, out, err = vcop("meeting", "import", "m.xlsx")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "error: Meeting!B2 (meeting id): a meeting '2099-03-burglary' already exists; "
        "use --replace to overwrite it"
    ]


def test_a_workbook_deadline_already_past_is_warned_about_naming_its_cell(
    vcop: Run, tmp_path: Path
) -> None:
    code, _, err = import_filled_template(
        vcop,
        tmp_path,
        Meeting_B4=dt.datetime(2020, 1, 10),
        Meeting_B5=dt.datetime(2020, 1, 8, 17, 0),
    )
    assert code == 0, err
    assert err.splitlines() == [
        "warning: Meeting!B5 (meeting voting_closes): Wed 08 Jan 2020 17:00 GMT is already "
        "past, so voting on this meeting is closed"
    ]
