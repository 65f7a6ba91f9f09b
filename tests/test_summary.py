"""The draft summary: what it says, that it says it the same way in every format,
and that no member can be told from the notes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import docx
import pytest
from docx.text.paragraph import Paragraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.models import (
    Case,
    CaseNotes,
    Category,
    Finding,
    Meeting,
    MeetingStatus,
    MeetingTally,
    MemberNotes,
    Resolution,
    Vote,
    VoteOption,
)
from bot.rights import Right, RightsCatalogue
from bot.summary import (
    CSV_HEADER,
    DRAFT_MARKER,
    DraftSummary,
    NoteItem,
    build_summary,
    render_csv,
    render_docx,
    render_markdown,
)
from bot.tally import TallyRules, tally_case

MEETING_ID = "2026-03-updates"
PANEL = "Example LCJB Victims' Code scrutiny panel"
MEMBERS = ("U0POLICE1", "U0CPS0001", "U0COURTS1")
CHAIR = "U0CHAIR01"
AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
GENERATED = dt.datetime(2026, 3, 20, 16, 5, tzinfo=dt.UTC)
SHORTS = (
    "Understand and be understood",
    "Crime recorded without delay",
    "Information when reporting",
    "Referral to support services",
    "Information about compensation",
    "Investigation and prosecution updates",
    "Victim Personal Statement",
    "Trial and witness information",
    "Outcome and appeals",
    "Expenses and property",
    "Information about the offender",
    "Making a complaint",
)
RIGHTS = RightsCatalogue(
    code_edition="2021",
    items=tuple(
        Right(number=n, short=short, title=f"To {short.lower()}", checks="What a reviewer checks")
        for n, short in enumerate(SHORTS, start=1)
    ),
)
M, PM, NM, NA = (
    VoteOption.MET,
    VoteOption.PARTIALLY_MET,
    VoteOption.NOT_MET,
    VoteOption.NOT_APPLICABLE,
)

A_REASON = "The outcome letter is on file | dated day 40"
B_REASON = "Updates were given,\nbut late"


def meeting(**changes: object) -> Meeting:
    base = Meeting(
        id=MEETING_ID,
        title="Keeping victims informed",
        date=dt.date(2026, 3, 12),
        voting_closes=dt.datetime(2026, 3, 10, 17, tzinfo=dt.UTC),
        code_edition="2021",
        status=MeetingStatus.CLOSED,
    )
    return base.model_copy(update=changes)


def case(ref: str, position: int, offence: str, outcome: str) -> Case:
    return Case(
        meeting_id=MEETING_ID,
        ref=ref,
        position=position,
        offence=offence,
        outcome=outcome,
        summary="An anonymised account of the case.",
    )


CASES = (
    case("OP-101", 1, "Burglary of a dwelling", "Guilty plea; 2 years' custody"),
    case("OP-102", 2, "Assault occasioning ABH", "Convicted after trial | community order"),
    case("OP-103", 3, "Criminal damage", "No further action"),
)


def votes(ref: str, columns: dict[int, tuple[VoteOption, ...]]) -> list[Vote]:
    """Every member votes Met on every right, except where ``columns`` says otherwise."""
    return [
        Vote(
            meeting_id=MEETING_ID,
            case_ref=ref,
            member=member,
            right=number,
            option=columns.get(number, (M, M, M))[index],
            cast_at=AT,
        )
        for index, member in enumerate(MEMBERS)
        for number in RIGHTS.numbers
    ]


def resolution(ref: str, right: int, finding: Finding, reason: str) -> Resolution:
    return Resolution(
        meeting_id=MEETING_ID,
        case_ref=ref,
        right=right,
        finding=finding,
        reason=reason,
        chair=CHAIR,
        resolved_at=AT,
    )


def make_tally(cases: tuple[Case, ...] = CASES) -> MeetingTally:
    """OP-101 Fully compliant (R9 split, resolved Met; R11 N/A); OP-102 Partially compliant
    (R4 Not met; R6 split, resolved Partially met); OP-103 no votes at all."""
    rules = TallyRules()
    plans = {
        "OP-101": (
            votes("OP-101", {9: (M, PM, NM), 11: (NA, NA, NA)}),
            {9: resolution("OP-101", 9, Finding.MET, A_REASON)},
        ),
        "OP-102": (
            votes("OP-102", {4: (NM, NM, M), 6: (M, NM, VoteOption.DID_NOT_ENGAGE)}),
            {6: resolution("OP-102", 6, Finding.PARTIALLY_MET, B_REASON)},
        ),
    }
    return MeetingTally(
        meeting=MEETING_ID,
        cases=tuple(tally_case(c.ref, RIGHTS, *plans.get(c.ref, ([], {})), rules) for c in cases),
    )


NOTES = (
    CaseNotes(
        case_ref="OP-101",
        member="U0POLICE1",
        notes=MemberNotes(good_practice="Victim kept informed | weekly calls"),
    ),
    CaseNotes(
        case_ref="OP-101",
        member="U0CPS0001",
        notes=MemberNotes(
            good_practice="victim kept  informed | weekly calls",
            learning="Record the VPS offer\nin the case file",
        ),
    ),
    CaseNotes(
        case_ref="OP-102",
        member="U0COURTS1",
        notes=MemberNotes(observations="Updates were late <!channel>", learning="   "),
    ),
    CaseNotes(
        case_ref="OP-102",
        member="U0CPS0001",
        notes=MemberNotes(observations="No record of a referral to support services"),
    ),
    CaseNotes(case_ref="OP-103", member="U0POLICE1", notes=MemberNotes()),
)


def build(**overrides: object) -> DraftSummary:
    arguments: dict[object, object] = {
        "meeting": meeting(),
        "cases": CASES,
        "tally": make_tally(),
        "notes": NOTES,
        "rights": RIGHTS,
        "panel_name": PANEL,
        "generated_at": GENERATED,
    }
    arguments.update(overrides)
    return build_summary(**arguments)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def summary() -> DraftSummary:
    return build()


@pytest.fixture(scope="module")
def markdown(summary: DraftSummary) -> str:
    return render_markdown(summary)


@pytest.fixture(scope="module")
def document(summary: DraftSummary) -> docx.document.Document:
    return docx.Document(io.BytesIO(render_docx(summary)))


def docx_text(document: docx.document.Document) -> str:
    paragraphs = [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(paragraphs + cells)


def table_cells(line: str) -> list[str]:
    """A Markdown table row split on its unescaped pipes."""
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def assert_tables_intact(markdown: str) -> None:
    """Every row of every table has as many cells as its header."""
    width = None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        cells = table_cells(line)
        if width is None:
            width = len(cells)
        assert len(cells) == width, line


# The model -------------------------------------------------------------------


def test_cases_keep_agenda_order_and_their_categories(summary: DraftSummary) -> None:
    assert [c.ref for c in summary.cases] == ["OP-101", "OP-102", "OP-103"]
    assert [c.category for c in summary.cases] == [
        Category.FULLY_COMPLIANT,
        Category.PARTIALLY_COMPLIANT,
        Category.NO_DECISION,
    ]


def test_category_counts_cover_all_seven_in_order(summary: DraftSummary) -> None:
    assert list(summary.category_counts) == list(Category)
    assert summary.category_counts[Category.FULLY_COMPLIANT] == 1
    assert summary.category_counts[Category.PARTIALLY_COMPLIANT] == 1
    assert summary.category_counts[Category.NO_DECISION] == 1
    assert sum(summary.category_counts.values()) == 3


def test_not_fully_met_lists_rights_in_order(summary: DraftSummary) -> None:
    first, second, third = summary.cases
    assert first.not_fully_met == ()
    assert [(r.right, r.finding) for r in second.not_fully_met] == [
        (4, Finding.NOT_MET),
        (6, Finding.PARTIALLY_MET),
    ]
    assert [r.right for r in third.not_fully_met] == RIGHTS.numbers
    assert {r.finding for r in third.not_fully_met} == {Finding.UNDECIDED}


def test_notes_are_deduplicated_blank_dropped_and_tagged(summary: DraftSummary) -> None:
    first, second, third = summary.cases
    assert len(first.good_practice) == 1
    assert first.learning == ("Record the VPS offer in the case file",)
    assert second.learning == ()
    assert third.good_practice == third.observations == third.learning == ()
    assert summary.observations == (
        NoteItem(ref="OP-102", text="No record of a referral to support services"),
        NoteItem(ref="OP-102", text="Updates were late <!channel>"),
    )
    assert [item.ref for item in summary.good_practice] == ["OP-101"]


def test_note_order_does_not_follow_the_members(summary: DraftSummary) -> None:
    reversed_notes = build(notes=tuple(reversed(NOTES)))
    assert reversed_notes.model_dump() == summary.model_dump()


def test_the_model_holds_no_member_ids(summary: DraftSummary) -> None:
    dumped = summary.model_dump_json()
    for member in (*MEMBERS, CHAIR):
        assert member not in dumped


def test_generated_at_must_be_aware() -> None:
    with pytest.raises(ValidationError):
        build(generated_at=dt.datetime(2026, 3, 20, 16, 5))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"meeting": meeting(code_edition="2026")}, "2026 Code"),
        ({"tally": MeetingTally(meeting="other", cases=())}, "the tally is for"),
        ({"tally": make_tally(CASES[:2])}, "the tally covers"),
        ({"cases": (*CASES, CASES[0])}, "more than once"),
        (
            {"notes": (CaseNotes(case_ref="OP-999", member="U0POLICE1", notes=MemberNotes()),)},
            "OP-999",
        ),
    ],
)
def test_inputs_that_do_not_belong_together_are_refused(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build(**overrides)


# Markdown --------------------------------------------------------------------


def test_markdown_header(markdown: str) -> None:
    assert markdown.startswith(
        f"# {PANEL}: draft summary — Keeping victims informed\n\n**{DRAFT_MARKER}**\n"
    )
    assert "**Meeting date:** 12 March 2026" in markdown
    assert "**Theme:** Keeping victims informed" in markdown
    assert "**Victims' Code edition:** 2021" in markdown
    assert "**Generated:** 20 March 2026 16:05 UTC" in markdown


def test_markdown_counts_table(markdown: str) -> None:
    assert "The panel scrutinised 3 cases." in markdown
    expected = {
        "Fully compliant": "1",
        "Partially compliant": "1",
        "Non-compliant": "0",
        "Victim did not engage": "0",
        "Panel failed to reach a decision": "1",
        "Information not recorded": "0",
        "Not applicable": "0",
        "Total": "3",
    }
    rows = [
        [cell.strip() for cell in table_cells(line)]
        for line in markdown.splitlines()
        if line.startswith("|") and table_cells(line)[0].strip() in expected
    ]
    assert [row[0] for row in rows] == list(expected)
    assert dict(rows) == expected


def test_markdown_case_sections(markdown: str) -> None:
    assert "### OP-101: Burglary of a dwelling" in markdown
    assert "**Outcome:** Convicted after trial \\| community order" in markdown
    assert "**Category:** Panel failed to reach a decision" in markdown
    assert "- Right 4 · Referral to support services: Not met\n" in markdown
    assert (
        "- Right 6 · Investigation and prosecution updates: Partially met "
        "(resolved by the chair: Updates were given, but late)\n"
    ) in markdown
    assert (
        "- Right 9 · Outcome and appeals: Met "
        "(resolved by the chair: The outcome letter is on file \\| dated day 40)"
    ) in markdown
    assert "- Right 12 · Making a complaint: Undecided" in markdown
    op_101 = markdown.split("### OP-101")[1].split("###")[0]
    assert "Every right was met or not applicable." in op_101


def test_markdown_case_section_gives_its_observations(markdown: str) -> None:
    op_102 = markdown.split("### OP-102")[1].split("### OP-103")[0]
    assert "Panel observations:\n\n- No record of a referral to support services" in op_102


def test_markdown_collected_notes_carry_their_refs(markdown: str) -> None:
    good = markdown.split("## Good practice")[1].split("## Observations")[0]
    assert good.strip() == "- OP-101: Victim kept informed \\| weekly calls"
    observations = markdown.split("## Observations")[1].split("## Learning")[0]
    assert "- OP-102: Updates were late &lt;!channel&gt;" in observations
    learning = markdown.split("## Learning")[1].split("## Findings by right")[0]
    assert learning.strip() == "- OP-101: Record the VPS offer in the case file"


def test_markdown_user_text_cannot_notify_or_break_tables(markdown: str) -> None:
    assert "<!channel>" not in markdown
    assert "<" not in markdown
    assert_tables_intact(markdown)


def test_markdown_matrix_and_legend(markdown: str) -> None:
    matrix = markdown.split("## Findings by right")[1]
    header, _, *rows = [line for line in matrix.splitlines() if line.startswith("|")]
    assert [c.strip() for c in table_cells(header)] == [
        "Case",
        *(f"R{n}" for n in range(1, 13)),
        "Category",
    ]
    cells = {table_cells(row)[0].strip(): [c.strip() for c in table_cells(row)] for row in rows}
    assert cells["OP-101"][1:] == [*["M"] * 8, "M\\*", "M", "N/A", "M", "Fully compliant"]
    assert cells["OP-102"][4] == "NM"
    assert cells["OP-102"][6] == "PM\\*"
    assert cells["OP-103"][1:13] == ["U"] * 12
    assert "M = Met; PM = Partially met; NM = Not met; DNE = Victim did not engage;" in matrix
    assert "\\* = resolved by the chair" in matrix
    assert "- R6: Right 6 · Investigation and prosecution updates" in matrix


def test_markdown_has_no_member_ids(markdown: str) -> None:
    for member in (*MEMBERS, CHAIR):
        assert member not in markdown


def test_one_case_is_singular_and_empty_notes_say_so() -> None:
    one = build(cases=CASES[2:], tally=make_tally(CASES[2:]), notes=())
    text = render_markdown(one)
    assert "The panel scrutinised 1 case." in text
    for section in ("## Good practice", "## Observations", "## Learning"):
        assert f"{section}\n\nNone recorded." in text
    assert one.category_counts[Category.NO_DECISION] == 1


def test_a_meeting_without_cases_still_renders() -> None:
    empty = build(cases=(), tally=MeetingTally(meeting=MEETING_ID, cases=()), notes=())
    text = render_markdown(empty)
    assert "The panel scrutinised 0 cases." in text
    assert "| Total | 0 |" in text
    assert render_csv(empty) == ",".join(CSV_HEADER) + "\n"
    assert docx.Document(io.BytesIO(render_docx(empty))).tables


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=80))
def test_any_user_text_stays_inside_its_line(text: str) -> None:
    hostile = (
        CaseNotes(
            case_ref="OP-103",
            member="U0POLICE1",
            notes=MemberNotes(good_practice=f"a {text}", observations=f"b {text}"),
        ),
    )
    plain = (
        CaseNotes(
            case_ref="OP-103",
            member="U0POLICE1",
            notes=MemberNotes(good_practice="a", observations="b"),
        ),
    )
    cases = (case("OP-103", 1, f"Offence {text}", f"Outcome {text}"),)
    tally = make_tally(cases)
    rendered = render_markdown(build(cases=cases, tally=tally, notes=hostile))
    plain_cases = (case("OP-103", 1, "Offence", "Outcome"),)
    baseline = render_markdown(build(cases=plain_cases, tally=tally, notes=plain))
    assert len(rendered.splitlines()) == len(baseline.splitlines())
    assert "<" not in rendered
    assert_tables_intact(rendered)


# DOCX ------------------------------------------------------------------------


def test_docx_headings_use_heading_styles(document: docx.document.Document) -> None:
    headings = {p.text: style_name(p) for p in document.paragraphs if style_name(p).startswith("H")}
    assert headings[f"{PANEL}: draft summary — Keeping victims informed"] == "Heading 1"
    for section in ("Summary of findings", "Cases", "Good practice", "Observations", "Learning"):
        assert headings[section] == "Heading 2"
    assert headings["OP-102: Assault occasioning ABH"] == "Heading 3"


def test_docx_carries_the_same_content(document: docx.document.Document) -> None:
    text = docx_text(document)
    assert DRAFT_MARKER in text
    assert "Meeting date: 12 March 2026" in text
    assert "The panel scrutinised 3 cases." in text
    assert (
        "Right 6 · Investigation and prosecution updates: Partially met "
        "(resolved by the chair: Updates were given, but late)"
    ) in text
    assert "OP-101: Victim kept informed | weekly calls" in text
    assert "OP-102: Updates were late <!channel>" in text
    bullets = [p.text for p in document.paragraphs if style_name(p) == "List Bullet"]
    assert "Right 4 · Referral to support services: Not met" in bullets
    for member in (*MEMBERS, CHAIR):
        assert member not in text


def test_docx_tables(document: docx.document.Document) -> None:
    counts, matrix = document.tables
    assert counts.style is not None and counts.style.name == "Table Grid"
    assert [[c.text for c in row.cells] for row in counts.rows] == [
        ["Category", "Cases"],
        ["Fully compliant", "1"],
        ["Partially compliant", "1"],
        ["Non-compliant", "0"],
        ["Victim did not engage", "0"],
        ["Panel failed to reach a decision", "1"],
        ["Information not recorded", "0"],
        ["Not applicable", "0"],
        ["Total", "3"],
    ]
    assert [c.text for c in matrix.rows[0].cells][:3] == ["Case", "R1", "R2"]
    assert [c.text for c in matrix.rows[2].cells][4:7] == ["NM", "M", "PM*"]
    assert matrix.rows[3].cells[-1].text == "Panel failed to reach a decision"


def test_docx_properties_and_landscape_matrix(document: docx.document.Document) -> None:
    properties = document.core_properties
    assert properties.title == f"{PANEL}: draft summary — Keeping victims informed"
    assert properties.author == PANEL
    assert "python-docx" not in properties.comments
    last = document.sections[-1]
    assert last.page_width is not None and last.page_height is not None
    assert last.page_width > last.page_height


def test_docx_survives_control_characters() -> None:
    notes = (
        CaseNotes(
            case_ref="OP-101",
            member="U0POLICE1",
            notes=MemberNotes(observations="bell\x07 and\x0bvertical tab\x00"),
        ),
    )
    data = render_docx(build(notes=notes))
    assert "OP-101: bell and vertical tab" in docx_text(docx.Document(io.BytesIO(data)))


# CSV -------------------------------------------------------------------------


def test_csv_header_and_rows(summary: DraftSummary) -> None:
    text = render_csv(summary)
    assert text.splitlines()[0] == (
        "meeting,ref,right,title,finding,resolved,category,Met,Partially met,Not met,"
        "Victim did not engage,Information not recorded,Not applicable,Abstain"
    )
    assert "\r" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3 * 12
    by_key = {(row["ref"], row["right"]): row for row in rows}
    assert by_key[("OP-102", "6")] == {
        "meeting": MEETING_ID,
        "ref": "OP-102",
        "right": "6",
        "title": "Investigation and prosecution updates",
        "finding": "Partially met",
        "resolved": "true",
        "category": "Partially compliant",
        "Met": "1",
        "Partially met": "0",
        "Not met": "1",
        "Victim did not engage": "1",
        "Information not recorded": "0",
        "Not applicable": "0",
        "Abstain": "0",
    }
    assert by_key[("OP-101", "11")]["Not applicable"] == "3"
    assert by_key[("OP-101", "1")]["resolved"] == "false"
    assert {row["finding"] for row in rows if row["ref"] == "OP-103"} == {"Undecided"}
    assert {row["Met"] for row in rows if row["ref"] == "OP-103"} == {"0"}


def test_csv_quotes_and_defuses_formulas() -> None:
    items = list(RIGHTS.items)
    items[0] = items[0].model_copy(update={"short": "Understand, and be understood"})
    rights = RIGHTS.model_copy(update={"items": tuple(items)})
    cases = (case("=1+1", 1, "Theft", "Caution"),)
    tally = MeetingTally(
        meeting=MEETING_ID,
        cases=(tally_case("=1+1", rights, [], {}, TallyRules()),),
    )
    text = render_csv(build(cases=cases, tally=tally, notes=(), rights=rights))
    first = next(csv.DictReader(io.StringIO(text)))
    assert first["title"] == "Understand, and be understood"
    assert first["ref"] == "'=1+1"


def style_name(paragraph: Paragraph) -> str:
    """The paragraph's style name; python-docx types the style as optional."""
    return paragraph.style.name if paragraph.style is not None and paragraph.style.name else ""
