"""Feedback packs per agency: the rights it owes, findings by case, the notes that name
it (screened for personal data), as Markdown and as DOCX opened with python-docx."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import docx
import pytest

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
        meeting, tally, [leaked], panel.settings.rights, "Witness Care Unit", "Panel"
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


def test_pack_docx_opened_with_python_docx(panel: Panel) -> None:
    _closed_meeting(panel)
    pack = FeedbackService(panel.service).pack(panel.MEETING_ID, "Witness Care Unit")

    document = docx.Document(io.BytesIO(render_feedback_docx(pack)))

    headings = [
        p.text
        for p in document.paragraphs
        if p.style is not None and (p.style.name or "").startswith("Heading")
    ]
    assert headings == ["Rights", "Findings by case", "Observations and learning", "Actions"]
    assert (
        document.core_properties.title
        == f"Feedback for Witness Care Unit: Burglary ({panel.MEETING_DATE})"
    )
    [table] = document.tables
    assert [c.text for c in table.rows[0].cells] == [
        "Case",
        "Category",
        "Right 1",
        "Right 4",
        "Right 8",
        "Right 9",
        "Right 12",
    ]
    assert [c.text for c in table.rows[1].cells][:5] == [
        "BG-01",
        "Partially compliant",
        "Met",
        "Met",
        "Not met",
    ]


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
    assert again.returncode == 2
    assert "already exists; nothing was written. Choose another --output" in again.stderr
    assert police.read_bytes() == before
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert (cli.tmp / "april" / police.name).is_file()


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
