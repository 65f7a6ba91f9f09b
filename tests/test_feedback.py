"""Feedback packs per agency: the rights it owes, findings by case, the notes that name
it (screened for personal data), as Markdown and as DOCX opened with python-docx."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, Length

from bot.errors import NotAllowed, PanelError
from bot.feedback import build_feedback, initials, mentions, render_feedback_docx
from bot.feedback_service import FeedbackService
from bot.models import CaseNotes, MemberNotes, VoteOption

if TYPE_CHECKING:
    from conftest import Cli, Panel

NM, PM = VoteOption.NOT_MET, VoteOption.PARTIALLY_MET


def _closed_meeting(panel: Panel) -> None:
    """BG-01: right 8 Not met (WCU, CPS, HMCTS) and right 2 Partially met (Police)."""
    panel.import_meeting()
    cps_note = MemberNotes(
        observations="The CPS did not tell the victim about the hearing date.",
        learning="Police should confirm the crime reference in writing.",
    )
    for member in panel.members:
        panel.vote(member, "BG-01", changes={8: NM, 2: PM}, notes=cps_note)
        panel.vote(member, "BG-02")
    panel.service.meetings.close_voting(panel.MEETING_ID, panel.chair)


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Crown Prosecution Service", "CPS"),
        ("HM Courts and Tribunals Service", "HMCTS"),
        ("Witness Care Unit", "WCU"),
        ("Police", "P"),
    ],
)
def test_initials_are_the_ones_people_write(name: str, short: str) -> None:
    assert initials(name) == short


@pytest.mark.parametrize(
    ("text", "agency", "expected"),
    [
        ("The CPS gave no update.", "Crown Prosecution Service", True),
        ("the crown prosecution service gave no update", "Crown Prosecution Service", True),
        ("Cps is lower case here", "Crown Prosecution Service", False),
        ("Policemen attended", "Police", False),
        ("The police attended", "Police", True),
        ("Nothing about anyone", "Witness Care Unit", False),
    ],
)
def test_a_note_concerns_an_agency_that_it_names(text: str, agency: str, expected: bool) -> None:
    assert mentions(text, agency) is expected


def test_pack_lists_the_agencys_rights_and_findings_by_case(panel: Panel) -> None:
    _closed_meeting(panel)

    pack = FeedbackService(panel.service).pack(panel.MEETING_ID, "crown prosecution service")

    assert pack.agency == "Crown Prosecution Service"
    assert [r.number for r in pack.rights] == [1, 5, 6, 7, 8, 9, 10, 12]
    assert [c.ref for c in pack.cases] == ["BG-01", "BG-02", "BG-03"]
    assert pack.cases[0].findings[8].value == "Not met"
    assert pack.cases[1].findings[8].value == "Met"
    assert [n.text for n in pack.notes] == [
        "The CPS did not tell the victim about the hearing date."
    ]
    police = FeedbackService(panel.service).pack(panel.MEETING_ID, "Police")
    assert [n.kind for n in police.notes] == ["Learning"]
    assert police.cases[0].findings[2].value == "Partially met"


def test_pack_screens_the_notes_it_quotes(panel: Panel) -> None:
    panel.import_meeting()
    meeting = panel.service.meetings.get_meeting(panel.MEETING_ID)
    tally = panel.service.tallying.meeting_tally(meeting.id).cases
    leaked = CaseNotes(
        case_ref="BG-01",
        member=panel.members[0],
        notes=MemberNotes(observations="The WCU called her on 07700 900123 after the trial."),
    )

    pack = build_feedback(
        meeting,
        tally,
        [leaked],
        panel.settings.rights,
        "Witness Care Unit",
        "Panel",
        generated_at=panel.clock.now(),
    )

    [note] = pack.notes
    assert "07700" not in note.text and "900123" not in note.text
    assert note.text.startswith("The WCU called her on [")
    assert note.redacted == 1


def test_pack_of_an_open_meeting_or_unknown_agency_is_a_plain_error(imported: Panel) -> None:
    feedback = FeedbackService(imported.service)

    with pytest.raises(PanelError, match="still open; feedback packs come after the close"):
        feedback.pack(imported.MEETING_ID, "Police")
    imported.service.meetings.close_voting(imported.MEETING_ID, imported.chair)
    with pytest.raises(PanelError, match="no agency 'Fire Service'; the agencies are: Police"):
        feedback.pack(imported.MEETING_ID, "Fire Service")


def test_only_the_chair_secretariat_or_the_agencys_contact_may_see_its_pack(panel: Panel) -> None:
    police_contact = panel.settings.agencies["Police"]

    panel.service.access.require_pack_reader(panel.chair, "Police")
    panel.service.access.require_pack_reader(police_contact, "Police")
    with pytest.raises(NotAllowed, match="named contact"):
        panel.service.access.require_pack_reader(police_contact, "Crown Prosecution Service")
    with pytest.raises(NotAllowed):
        panel.service.access.require_pack_reader(panel.members[1], "Police")


def _wcu_docx(panel: Panel) -> DocxDocument:
    """The Witness Care Unit's pack of a closed meeting, as the service builds and renders it."""
    _closed_meeting(panel)
    pack = FeedbackService(panel.service).pack(panel.MEETING_ID, "Witness Care Unit")
    return docx.Document(io.BytesIO(render_feedback_docx(pack)))


def _close_to(length: Length | None, cm: float) -> bool:
    return abs((length or 0) - Cm(cm)) < Cm(0.01)


def test_pack_docx_has_the_sections_and_the_findings_matrix_in_codes(panel: Panel) -> None:
    document = _wcu_docx(panel)

    headings = [
        p.text
        for p in document.paragraphs
        if p.style is not None and (p.style.name or "").startswith("Heading")
    ]
    assert headings[1:] == ["Rights", "Observations and learning", "Actions", "Findings by case"]
    [table] = document.tables
    header = ["Case", "R1", "R4", "R8", "R9", "R12", "Category"]
    assert [c.text for c in table.rows[0].cells] == header
    assert [c.text for c in table.rows[1].cells] == ["BG-01", "M", "M", "NM", "M", "M", "PC"]
    assert "Key to findings: M = Met; PM = Partially met; NM = Not met" in "\n".join(
        p.text for p in document.paragraphs
    )


def test_every_packs_findings_table_sits_in_a_landscape_section_wide_enough_for_its_words(
    panel: Panel,
) -> None:
    _closed_meeting(panel)
    packs = FeedbackService(panel.service).packs(panel.MEETING_ID, None)

    assert max(len(pack.rights) for pack in packs) >= 8
    for pack in packs:
        document = docx.Document(io.BytesIO(render_feedback_docx(pack)))
        [table] = document.tables
        body = list(document.element.body)
        [section_break] = [
            i for i, e in enumerate(body) if e.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
        ]
        assert body.index(table._tbl) > section_break
        landscape = document.sections[-1]
        assert landscape.orientation == WD_ORIENT.LANDSCAPE
        assert _close_to(landscape.page_width, 29.7) and _close_to(landscape.page_height, 21.0)
        # A 9-point character is at most about 6 points wide; a cell has 11 points of margin.
        for index, column in enumerate(table.columns):
            longest = max(len(word) for cell in column.cells for word in cell.text.split())
            width = Length(table.rows[0].cells[index].width or 0)
            assert width.pt >= longest * 6 + 11, (pack.agency, table.rows[0].cells[index].text)


def test_pack_docx_table_rows_never_split_and_the_header_row_repeats(panel: Panel) -> None:
    document = _wcu_docx(panel)

    [table] = document.tables
    header, *rest = [row._tr.get_or_add_trPr() for row in table.rows]
    assert all(row.find(qn("w:cantSplit")) is not None for row in [header, *rest])
    assert header.find(qn("w:tblHeader")) is not None
    assert all(row.find(qn("w:tblHeader")) is None for row in rest)


def test_pack_docx_pages_are_a4_with_margins_of_2_2_cm(panel: Panel) -> None:
    document = _wcu_docx(panel)

    portrait, landscape = document.sections
    assert _close_to(portrait.page_width, 21.0) and _close_to(portrait.page_height, 29.7)
    assert _close_to(landscape.page_width, 29.7) and _close_to(landscape.page_height, 21.0)
    for section in document.sections:
        for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            assert _close_to(getattr(section, margin), 2.2), margin


def test_pack_docx_every_page_is_marked_with_the_pack_and_numbered_page_n_of_m(
    panel: Panel,
) -> None:
    document = _wcu_docx(panel)

    for section in document.sections:
        header = "\n".join(p.text for p in section.header.paragraphs)
        assert header == "Feedback for Witness Care Unit · Not for publication"
        footer = section.footer
        assert footer.paragraphs[0].text.startswith("Generated 1 March 2099 09:00 GMT · Page ")
        codes = [str(t).strip() for t in footer._element.xpath(".//w:instrText/text()")]
        assert codes == ["PAGE", "NUMPAGES"]


def test_pack_title_and_intro_write_the_meeting_date_as_in_england(panel: Panel) -> None:
    document = _wcu_docx(panel)

    title = "Feedback for Witness Care Unit: Burglary (20 March 2099)"
    assert document.paragraphs[0].text == title
    assert document.paragraphs[0].style is not None
    assert document.paragraphs[0].style.name == "Heading 1"
    assert "at its meeting on 20 March 2099 on the rights" in document.paragraphs[1].text
    assert document.core_properties.title == title


def test_pack_intro_counts_the_decided_findings_in_words(panel: Panel) -> None:
    document = _wcu_docx(panel)

    # The WCU owes rights 1, 4, 8, 9 and 12: on two cases, all Met but BG-01's right 8.
    assert document.paragraphs[1].text.endswith(
        "Of 10 decided findings, 9 were Met, 0 Partially met and 1 Not met."
    )


def test_pack_of_a_meeting_that_decided_nothing_says_so_in_words(panel: Panel) -> None:
    panel.import_meeting()
    panel.service.meetings.close_voting(panel.MEETING_ID, panel.chair)  # nobody voted
    pack = FeedbackService(panel.service).pack(panel.MEETING_ID, "Witness Care Unit")

    intro = docx.Document(io.BytesIO(render_feedback_docx(pack))).paragraphs[1].text

    assert intro.endswith("The panel reached no decided finding on these rights.")
    assert "Of 0" not in intro


def test_pack_docx_properties_name_the_panel_and_the_time_not_python_docx(panel: Panel) -> None:
    document = _wcu_docx(panel)

    properties = document.core_properties
    assert properties.author == panel.settings.panel.name
    assert properties.last_modified_by == panel.settings.panel.name
    assert properties.comments == "Feedback for Witness Care Unit · Not for publication"
    assert "python-docx" not in f"{properties.comments} {properties.author} {properties.keywords}"
    moment = panel.clock.now()
    assert properties.created == moment
    assert properties.modified == moment
    assert properties.subject.endswith("feedback for Witness Care Unit")


def test_feedback_cli_writes_one_docx_per_agency_and_markdown_to_stdout(cli: Cli) -> None:
    _closed_meeting(cli.panel())

    md = cli.run(
        "feedback",
        cli.MEETING_ID,
        "--agency",
        "crown prosecution service",
        "--format",
        "md",
    )
    every = cli.run("feedback", cli.MEETING_ID)
    again = cli.run("feedback", cli.MEETING_ID, "--agency", "Police")

    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# Feedback for Crown Prosecution Service: Burglary")
    assert (
        "- BG-01 (Observation): The CPS did not tell the victim about the hearing date."
        in md.stdout
    )
    assert "| BG-01 | Partially compliant |" in md.stdout
    assert "(20 March 2099)" in md.stdout.splitlines()[0]
    assert every.returncode == 0, every.stderr
    written = sorted(p.name for p in cli.tmp.glob("*-feedback-*.docx"))
    assert f"{cli.MEETING_ID}-feedback-police.docx" in written
    assert f"{cli.MEETING_ID}-feedback-hm-courts-and-tribunals-service.docx" in written
    assert again.returncode == 2
    assert "already exists; nothing was written" in again.stderr


def test_feedback_cli_writes_into_an_output_folder_and_never_over_its_own_packs(cli: Cli) -> None:
    _closed_meeting(cli.panel())
    folder = cli.tmp / "packs" / "march"

    first = cli.run("feedback", cli.MEETING_ID, "--output", str(folder))
    police = folder / f"{cli.MEETING_ID}-feedback-police.docx"
    before = police.read_bytes()
    again = cli.run("feedback", cli.MEETING_ID, "--agency", "Police", "--output", str(folder))
    elsewhere = cli.run(
        "feedback", cli.MEETING_ID, "--agency", "Police", "--output", str(cli.tmp / "april")
    )

    assert first.returncode == 0, first.stderr
    assert f"Wrote {police}" in first.stdout.splitlines()
    every_again = cli.run("feedback", cli.MEETING_ID, "--output", str(folder))
    assert again.returncode == 2
    assert "already exists; nothing was written. Choose another --output" in again.stderr
    assert again.stderr.rstrip().endswith("move the old file away first.")
    assert every_again.returncode == 2
    assert " already exist; nothing was written." in every_again.stderr
    assert every_again.stderr.rstrip().endswith("move the old files away first.")
    assert police.read_bytes() == before
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert (cli.tmp / "april" / police.name).is_file()


@pytest.mark.parametrize("name", ["packs.docx", "feedback.pdf"])
def test_feedback_output_named_like_a_file_is_refused_and_nothing_is_made(
    cli: Cli, name: str
) -> None:
    _closed_meeting(cli.panel())

    result = cli.run("feedback", cli.MEETING_ID, "--output", name)

    stem = name.split(".")[0]
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: --output {name} reads as a file name, but feedback writes one Word file per "
        f"agency into a folder; nothing was written. Give a folder, such as "
        f"--output {stem}-feedback."
    )
    assert not (cli.tmp / name).exists()


def test_feedback_output_must_be_a_folder_and_is_only_for_docx(cli: Cli) -> None:
    _closed_meeting(cli.panel())
    a_file = cli.tmp / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")

    into_file = cli.run("feedback", cli.MEETING_ID, "--output", str(a_file))
    markdown = cli.run("feedback", cli.MEETING_ID, "--format", "md", "--output", "packs")

    assert into_file.returncode == 2
    assert into_file.stderr.strip() == (
        f"error: --output {a_file} is a file; give a folder for the packs"
    )
    assert a_file.read_text(encoding="utf-8") == "mine"
    assert markdown.returncode == 2
    assert "Markdown goes to the screen" in markdown.stderr
    assert not (cli.tmp / "packs").exists()
