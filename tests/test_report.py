"""The public report and the panel's annex: what each section says, what the public report
must never say, and the Word file's structure (headings, lists, header, footer, template)."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zlib
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from summary_data import (
    A_REASON,
    ALL_CATEGORY_PLANS,
    CASES,
    CHAIR,
    MEETING_ID,
    MEMBERS,
    assert_tables_intact,
    build,
    case,
    category_counts,
    docx_text,
    every_category,
    make_tally,
    meeting,
    tag,
)

from bot.errors import PanelError
from bot.models import CaseNotes, Category, MemberNotes, PanelNotes
from bot.report_docx import render_docx
from bot.report_layout import PUBLIC_HEADINGS, rights_phrase, theme_phrase
from bot.report_markdown import render_markdown
from bot.report_settings import ReportSettings
from bot.summary import DraftSummary

TITLE = "Victims' Code of Practice – Keeping victims informed Scrutiny Panel 12 March 2026"
WIDE = PanelNotes(
    good_practice="A specialist clinic now advises officers on complex cases",
    observations="Leaflets given to victims are not always recorded in the police system",
    learning="Agree one way of recording the leaflet",
)


def sections(markdown: str) -> dict[str, str]:
    """The public report's level-2 sections by heading, each without its heading line."""
    parts = re.split(r"^## (.+)$", markdown, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def case_details(summary: DraftSummary) -> list[str]:
    """Everything about a case that must stay out of the public report."""
    details = [A_REASON, "Updates were given", *MEMBERS, CHAIR, MEETING_ID]
    for c in summary.cases:
        details += [c.ref, c.offence, c.outcome]
    return details


@pytest.fixture(scope="module")
def public() -> str:
    return render_markdown(build(panel_notes=WIDE))


@pytest.fixture(scope="module")
def annex() -> str:
    return render_markdown(build(panel_notes=WIDE), annex_only=True)


@pytest.fixture(scope="module")
def public_docx() -> DocxDocument:
    return docx.Document(io.BytesIO(render_docx(build(panel_notes=WIDE))))


@pytest.fixture(scope="module")
def annex_docx() -> DocxDocument:
    return docx.Document(io.BytesIO(render_docx(build(panel_notes=WIDE), annex_only=True)))


# The public report, section by section ------------------------------------------------


def test_public_report_opens_with_the_published_title_and_the_introduction(public: str) -> None:
    assert public.startswith(f"# {TITLE}\n\n**DRAFT**\n")
    top = public.split("\n## ")[0]
    assert "generated 20 March 2026 16:05 UTC" in top
    assert "The Victims' Code of Practice sets out the minimum service" in top
    assert "- what worked well for victims, so that it can be repeated;" in top


def test_public_report_has_the_six_sections_in_the_published_order(public: str) -> None:
    headings = re.findall(r"^## (.+)$", public, flags=re.M)
    assert headings == list(PUBLIC_HEADINGS)


def test_public_report_lists_the_12_rights_numbered_in_the_codes_words(public: str) -> None:
    rights = sections(public)["What are the 12 victim rights?"]
    numbered = re.findall(r"^(\d+)\. (.+)$", rights, flags=re.M)
    assert [int(n) for n, _ in numbered] == list(range(1, 13))
    assert numbered[0][1] == "To understand and be understood."


def test_public_report_explains_the_method_and_lists_the_seven_categories(public: str) -> None:
    method = sections(public)["How the panel scrutinises cases"]
    assert "Every detail that could identify a victim" in method
    categories = re.findall(r"^\d+\. (.+)$", method, flags=re.M)
    assert categories == [category.value for category in Category]


def test_public_report_says_when_the_panel_met_and_on_what(public: str) -> None:
    meeting_section = sections(public)["The panel meeting"]
    assert meeting_section.strip() == (
        "The panel met on 12 March 2026 and scrutinised 3 cases relating to keeping "
        "victims informed."
    )


def test_public_report_prints_the_meeting_files_theme_text() -> None:
    about = "Being kept informed matters.\n\n- updates\n- outcomes"
    text = render_markdown(build(meeting=meeting(about=about)))
    meeting_section = sections(text)["The panel meeting"]
    assert "Being kept informed matters.\n\n- updates\n- outcomes" in meeting_section


def test_findings_count_each_category_with_its_notes_and_no_refs(public: str) -> None:
    findings = sections(public)["The findings from the panel's meeting"]
    fully, partly, undecided = re.split(r"(?=^The panel (?:deemed|placed) )", findings, flags=re.M)[
        1:4
    ]
    assert fully.startswith("The panel deemed 1 case to be Fully compliant.")
    assert "- Victim kept informed \\| weekly calls" in fully
    assert partly.startswith("The panel deemed 1 case to be Partially compliant.")
    assert "Observations included:\n\n- No record of a referral to support services" in partly
    assert "- Updates were late &lt;!channel&gt;" in partly
    assert undecided.startswith(
        "The panel placed 1 case in the category ‘Panel failed to reach a decision’."
    )
    assert "Across the cases, the panel also observed:\n\n- Leaflets given" in undecided
    assert "Non-compliant" not in findings  # a category without cases says nothing


def test_good_practice_and_learning_hold_the_learning_and_the_panel_wide_points(
    public: str,
) -> None:
    learning = sections(public)["Good practice and learning from the panel"]
    assert "- A specialist clinic now advises officers on complex cases" in learning
    assert "- Record the VPS offer in the case file" in learning
    assert "- Agree one way of recording the leaflet" in learning


def test_further_information_closes_the_report(public: str) -> None:
    closing = sections(public)["Further information"]
    assert "free and confidential support" in closing
    assert public.rstrip().endswith("please contact the Local Criminal Justice Board.")


def test_public_report_holds_no_case_detail_member_or_reason(public: str) -> None:
    summary = build(panel_notes=WIDE)
    for detail in case_details(summary):
        assert detail not in public, detail
    assert "Right 6" not in public and "resolved" not in public


def test_every_category_is_worded_for_what_it_is() -> None:
    summary = every_category()
    text = render_markdown(summary)
    findings = sections(text)["The findings from the panel's meeting"]
    leads = [
        "The panel deemed 1 case to be Fully compliant.",
        "The panel deemed 1 case to be Partially compliant.",
        "The panel deemed 1 case to be Non-compliant.",
        "The panel placed 1 case in the category \u2018Victim did not engage\u2019.",
        "The panel placed 1 case in the category \u2018Panel failed to reach a decision\u2019.",
        "The panel placed 1 case in the category \u2018Information not recorded\u2019.",
        "The panel placed 1 case in the category \u2018Not applicable\u2019.",
    ]
    assert [lead in findings for lead in leads] == [True] * len(leads)
    assert [findings.index(lead) for lead in leads] == sorted(findings.index(x) for x in leads)
    assert list(category_counts(findings)) == [label for label, _ in ALL_CATEGORY_PLANS.values()]
    assert "the victim chose not to engage" in findings
    assert "not a failing by any agency" in findings
    assert "a gap in the record, not evidence that the victim's rights were missed" in findings
    assert "failure" not in text.lower() and "failed to meet" not in text.lower()
    # Good practice of a fully compliant case is a finding; the rest is panel learning.
    assert "- Good practice on the first case" in findings
    learning = sections(text)["Good practice and learning from the panel"]
    assert "- Good practice on the second case" in learning
    assert "- Learning from the seventh case" in learning
    for ref in ALL_CATEGORY_PLANS:
        assert ref not in text and f"Offence {ref}" not in text and f"Outcome {ref}" not in text
        assert f"- Observation on the {tag(ref)} case" in findings


def test_counts_agree_with_the_tally_and_are_singular_or_plural() -> None:
    doubled = every_category()
    cases = tuple(case(f"X-{n}", n, "Theft", "Caution") for n in range(1, 3))
    tally = make_tally(CASES).model_copy(
        update={
            "cases": tuple(
                t.model_copy(update={"ref": f"X-{n}"})
                for n, t in enumerate(make_tally(CASES).cases[:2], start=1)
            )
        }
    )
    two = build(cases=cases, tally=tally, notes=())
    text = render_markdown(two)
    assert "scrutinised 2 cases relating to" in text
    assert "The panel deemed 1 case to be Fully compliant." in text
    one = build(cases=CASES[:1], tally=make_tally(CASES[:1]), notes=())
    assert "scrutinised 1 case relating to" in render_markdown(one)
    assert category_counts(render_markdown(doubled)) == {
        category.value: n for category, n in doubled.category_counts.items() if n
    }


def test_a_note_naming_a_case_or_a_member_is_cleared_of_both_in_the_public_report() -> None:
    notes = (
        CaseNotes(
            case_ref="OP-102",
            member=MEMBERS[0],
            notes=MemberNotes(
                observations="In OP-102 and op-101 the leaflet was late",
                learning="As <@U0CPS0001> said, and U0COURTS1 agreed: record the leaflet",
            ),
        ),
    )
    summary = build(notes=notes)
    text = render_markdown(summary)
    assert "In one case and one case the leaflet was late" in text
    assert "As a panel member said, and a panel member agreed: record the leaflet" in text
    for detail in case_details(summary):
        assert detail not in text, detail
    annex = render_markdown(summary, annex_only=True)
    assert "In OP-102 and op-101 the leaflet was late" in annex  # the panel's own record


def test_a_members_note_appears_once_whoever_wrote_it_and_however_spaced() -> None:
    notes = tuple(
        CaseNotes(case_ref=ref, member=member, notes=MemberNotes(observations=text))
        for ref, member, text in (
            ("OP-101", MEMBERS[0], "Leaflet not recorded"),
            ("OP-102", MEMBERS[1], "leaflet  NOT recorded"),
            ("OP-103", MEMBERS[2], "Leaflet not\nrecorded"),
        )
    )
    wide = PanelNotes(observations="LEAFLET not recorded")
    text = render_markdown(build(notes=notes, panel_notes=wide))
    assert text.lower().count("leaflet not recorded") == 1


def test_a_meeting_still_voting_says_so_at_the_top_and_not_once_closed() -> None:
    open_meeting = build(voting_open=True)
    for document in (render_markdown(open_meeting), render_markdown(open_meeting, annex_only=True)):
        top = document.split("\n## ")[0]
        assert "voting is still open until 10 March 2026 17:00 UTC" in top
    for annex_only in (False, True):
        opened = docx.Document(io.BytesIO(render_docx(open_meeting, annex_only=annex_only)))
        assert any("voting is still open" in p.text for p in opened.paragraphs[:4])
        closed = docx.Document(io.BytesIO(render_docx(build(), annex_only=annex_only)))
        assert "voting is still open" not in docx_text(closed)
    assert "voting is still open" not in render_markdown(build())


def test_a_meeting_without_cases_still_renders() -> None:
    empty = build(cases=(), tally=make_tally(()), notes=())
    text = render_markdown(empty)
    assert "scrutinised 0 cases relating to" in text
    assert "The panel had no cases before it at this meeting." in text
    assert "No cases were on the agenda." in render_markdown(empty, annex_only=True)
    assert docx.Document(io.BytesIO(render_docx(empty, annex_only=True))).tables


def test_the_panels_own_words_replace_the_defaults() -> None:
    words = ReportSettings(
        introduction="Our introduction.",
        method="Our method.",
        further_information="Call us.\n\n- phone 0000\n- write to us",
    )
    text = render_markdown(build(report=words))
    assert "Our introduction." in text.split("\n## ")[0]
    assert "Our method." in sections(text)["How the panel scrutinises cases"]
    assert sections(text)["Further information"].strip() == (
        "Call us.\n\n- phone 0000\n- write to us"
    )
    assert "The Victims' Code of Practice sets out" not in text


def test_theme_and_rights_phrases() -> None:
    assert theme_phrase("Stalking or harassment") == "stalking or harassment"
    assert theme_phrase("ASB and hate crime") == "ASB and hate crime"
    assert rights_phrase([4]) == "right 4"
    assert rights_phrase([3, 4, 5, 6, 7, 8, 9, 11, 12]) == "rights 3–9, 11, 12"
    assert rights_phrase([1, 2]) == "rights 1, 2"


# The annex -----------------------------------------------------------------------------


def test_annex_gives_each_case_with_its_grouped_rights_notes_and_resolutions(annex: str) -> None:
    op_102 = annex.split("### OP-102: Assault occasioning ABH")[1].split("###")[0]
    assert "**Outcome:** Convicted after trial \\| community order" in op_102
    assert "**Category:** Partially compliant" in op_102
    assert "- Partially met: right 6\n- Not met: right 4" in op_102
    assert "- Observation: Updates were late &lt;!channel&gt;" in op_102
    assert "The chair's resolutions:" in op_102
    assert "Partially met (the votes gave Undecided). Reason: Updates were given, but late" in (
        op_102
    )
    op_103 = annex.split("### OP-103")[1].split("## ")[0]
    assert "- Undecided: rights 1–12" in op_103
    assert "Every right was met or did not apply." in annex.split("### OP-101")[1]


def test_annex_groups_victim_did_not_engage_into_one_line() -> None:
    summary = every_category()
    text = render_markdown(summary, annex_only=True)
    assert "- Victim did not engage: rights 1–12" in text
    assert text.count("Victim did not engage: right") == 1


def test_annex_carries_panel_wide_notes_and_the_matrix_with_keys(annex: str) -> None:
    wide = annex.split("## Panel-wide notes")[1].split("## ")[0]
    assert "- Observation: Leaflets given to victims" in wide
    matrix = annex.split("## Findings by right")[1]
    rows = [line for line in matrix.splitlines() if line.startswith("| OP-")]
    assert rows[0].replace(" ", "").endswith("|M\\*|M|N/A|M|FC|")
    assert "**Key to findings:** M = Met; PM = Partially met" in matrix
    assert "FC = Fully compliant" in matrix and "NRD = Panel failed to reach a decision" in matrix
    assert "- R6: Investigation and prosecution updates" in matrix
    assert_tables_intact(annex)


def test_annex_is_marked_for_the_panel_only(annex: str) -> None:
    assert annex.startswith(f"# {TITLE}: annex for the panel\n\n**DRAFT · For the panel only")


def test_no_member_id_reaches_either_document(public: str, annex: str) -> None:
    for member in (*MEMBERS, CHAIR):
        assert member not in public and member not in annex


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
    plain_cases = (case("OP-103", 1, "Offence", "Outcome"),)
    for annex_only in (False, True):
        rendered = render_markdown(
            build(cases=cases, tally=tally, notes=hostile), annex_only=annex_only
        )
        baseline = render_markdown(
            build(cases=plain_cases, tally=tally, notes=plain), annex_only=annex_only
        )
        assert len(rendered.splitlines()) == len(baseline.splitlines())
        assert "<" not in rendered
        assert_tables_intact(rendered)


# The Word file -----------------------------------------------------------------------------


def style(paragraph: DocxParagraph) -> str:
    return paragraph.style.name if paragraph.style is not None else ""


def num_id(paragraph: DocxParagraph) -> int | None:
    """The numbering instance a list paragraph belongs to, None when it is no list item."""
    found = paragraph._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")
    return int(found[0]) if found else None


def headings(document: DocxDocument) -> list[tuple[str, str]]:
    return [(style(p), p.text) for p in document.paragraphs if style(p).startswith("Heading")]


def field_codes(part: object) -> list[str]:
    element = part._element  # type: ignore[attr-defined]  # python-docx exposes a part's XML only as _element
    return [str(t).strip() for t in element.xpath(".//w:instrText/text()")]


def test_docx_headings_are_real_and_in_order(public_docx: DocxDocument) -> None:
    assert headings(public_docx) == [
        ("Heading 1", TITLE),
        *(("Heading 2", h) for h in PUBLIC_HEADINGS[:1]),
        *(("Heading 2", h) for h in PUBLIC_HEADINGS[1:]),
    ]
    assert public_docx.core_properties.title == TITLE


def test_docx_lists_are_real_numbered_and_bulleted_lists(public_docx: DocxDocument) -> None:
    numbered = [p for p in public_docx.paragraphs if style(p) == "List Number" and p.text]
    assert [p.text for p in numbered[:2]] == [
        "To understand and be understood.",
        "To crime recorded without delay.",
    ]
    assert all(num_id(p) is not None for p in numbered)
    # The categories' list starts again at 1: it has its own numbering instance.
    categories = next(p for p in numbered if p.text == "Fully compliant")
    assert num_id(categories) != num_id(numbered[0])
    bullets = [p.text for p in public_docx.paragraphs if style(p) == "List Bullet"]
    assert "Victim kept informed | weekly calls" in bullets


def test_docx_every_page_header_says_draft_and_the_footer_has_a_page_field(
    public_docx: DocxDocument, annex_docx: DocxDocument
) -> None:
    for document in (public_docx, annex_docx):
        for section in document.sections:
            header = section.header
            assert header.is_linked_to_previous or "DRAFT" in header.paragraphs[0].text
        first = document.sections[0]
        assert not first.different_first_page_header_footer
        assert "DRAFT" in "\n".join(p.text for p in first.header.paragraphs)
        footer = first.footer
        assert "PAGE" in field_codes(footer)
        assert "Generated 20 March 2026 16:05 UTC" in footer.paragraphs[0].text


def test_docx_is_a4_with_headings_kept_with_their_text(public_docx: DocxDocument) -> None:
    section = public_docx.sections[0]
    width, height = section.page_width or 0, section.page_height or 0
    assert (abs(width - Cm(21.0)), abs(height - Cm(29.7))) < (Cm(0.01), Cm(0.01))
    for paragraph in public_docx.paragraphs:
        if style(paragraph).startswith("Heading"):
            assert paragraph.paragraph_format.keep_with_next
        if paragraph.text.endswith("included:"):
            assert paragraph.paragraph_format.keep_with_next
    assert public_docx.styles["Normal"].paragraph_format.widow_control


def test_docx_annex_matrix_is_landscape_with_fixed_columns_and_codes(
    annex_docx: DocxDocument,
) -> None:
    counts, matrix = annex_docx.tables
    assert [c.text for c in counts.rows[0].cells] == ["Category", "Cases"]
    assert [c.text for c in counts.rows[-1].cells] == ["Total", "3"]
    last = annex_docx.sections[-1]
    assert last.orientation == WD_ORIENT.LANDSCAPE
    assert (last.page_width or 0) > (last.page_height or 0)
    assert [c.text for c in matrix.rows[0].cells][:3] == ["Case", "R1", "R2"]
    assert [c.text for c in matrix.rows[2].cells][4:7] == ["NM", "M", "PM*"]
    assert matrix.rows[3].cells[-1].text == "NRD"
    assert "fixed" in matrix._tbl.tblPr.xml
    widths = [cell.width or 0 for cell in matrix.rows[0].cells]
    assert min(widths) >= widths[1] and widths[-1] > widths[1]
    assert all(len(cell.text) <= 4 for row in matrix.rows[1:] for cell in row.cells[1:])


def test_docx_survives_control_characters() -> None:
    notes = (
        CaseNotes(
            case_ref="OP-101",
            member="U0POLICE1",
            notes=MemberNotes(observations="bell\x07 and\x0bvertical tab\x00"),
        ),
    )
    data = render_docx(build(notes=notes))
    assert "bell and vertical tab" in docx_text(docx.Document(io.BytesIO(data)))


def test_docx_generated_date_is_printed_in_the_time_it_was_given() -> None:
    london = dt.datetime(2026, 7, 1, 9, 5, tzinfo=ZoneInfo("Europe/London"))
    document = docx.Document(io.BytesIO(render_docx(build(generated_at=london))))
    assert "Generated 1 July 2026 09:05 BST" in document.sections[0].footer.paragraphs[0].text


def test_docx_created_property_is_the_generated_moment_in_summer_time_too() -> None:
    london = dt.datetime(2026, 7, 1, 9, 5, tzinfo=ZoneInfo("Europe/London"))
    document = docx.Document(io.BytesIO(render_docx(build(generated_at=london))))
    assert document.core_properties.created == london
    assert document.core_properties.modified == london


def _png() -> bytes:
    """A 2×2 red PNG, enough to stand for a panel's logo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _template(path: Path, *, page_field: bool = False) -> Path:
    """A panel's Word template: its own heading style, a header with its name and logo,
    a footer."""
    document = docx.Document()
    heading = document.styles["Heading 2"]
    heading.font.size = Pt(17)
    heading.font.color.rgb = RGBColor(0x80, 0x00, 0x20)
    header_line = document.sections[0].header.paragraphs[0]
    header_line.text = "Example Criminal Justice Board"
    header_line.add_run().add_picture(io.BytesIO(_png()), width=Cm(1))
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = "Example Board · www.example.org"
    if page_field:
        footer.add_run()._r.append(
            docx.oxml.parse_xml(
                '<w:instrText xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                '2006/main"> PAGE </w:instrText>'
            )
        )
    document.add_paragraph("Template body text that must not reach the report.")
    document.save(str(path))
    return path


def test_docx_template_styles_header_and_footer_are_used(tmp_path: Path) -> None:
    template = _template(tmp_path / "house.docx")
    summary = build(report=ReportSettings(docx_template=str(template)))
    document = docx.Document(io.BytesIO(render_docx(summary)))
    assert document.styles["Heading 2"].font.size == Pt(17)
    assert document.styles["Heading 2"].font.color.rgb == RGBColor(0x80, 0x00, 0x20)
    assert headings(document)[1] == ("Heading 2", "What are the 12 victim rights?")
    header = [p.text for p in document.sections[0].header.paragraphs]
    assert header[0] == "Example Criminal Justice Board" and "DRAFT" in header
    logo = document.sections[0].header._element.xpath(".//a:blip/@r:embed")
    assert len(logo) == 1
    image = document.sections[0].header.part.related_parts[logo[0]]
    assert image.blob == _png()
    footer = [p.text for p in document.sections[0].footer.paragraphs]
    assert footer[0] == "Example Board · www.example.org"
    assert "PAGE" in field_codes(document.sections[0].footer)
    assert "Template body text" not in docx_text(document)
    assert any(style(p) == "List Number" for p in document.paragraphs)


def test_docx_template_with_its_own_page_number_gets_no_second_one(tmp_path: Path) -> None:
    template = _template(tmp_path / "numbered.docx", page_field=True)
    summary = build(report=ReportSettings(docx_template=str(template)))
    document = docx.Document(io.BytesIO(render_docx(summary)))
    assert field_codes(document.sections[0].footer).count("PAGE") == 1


def test_docx_template_that_is_not_a_word_file_is_a_plain_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_text("not a word file", encoding="utf-8")
    with pytest.raises(PanelError, match=r"report\.docx_template: .*could not be opened"):
        render_docx(build(report=ReportSettings(docx_template=str(broken))))
