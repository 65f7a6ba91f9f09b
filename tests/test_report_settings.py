"""The panel's own words: app.yaml's `report:` section, the meeting file's `about`, and the
panel-wide notes, each checked where it enters (config, import, the service) and where it
comes out (the report)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docx
import pytest

from bot.config import ConfigError, load_settings
from bot.errors import NotAllowed
from bot.meeting_file import MeetingFileError
from bot.models import PanelNotes
from bot.report_docx import render_docx
from bot.report_markdown import render_markdown
from bot.report_settings import DEFAULT_INTRODUCTION, ReportSettings
from bot.typed_text import PersonalDataInText
from bot.workbook_writer import meeting_workbook

if TYPE_CHECKING:
    from conftest import Cli, CoreData, Panel


def _with_report(report: object) -> Any:
    def mutate(raw: dict[str, Any]) -> None:
        raw["report"] = report

    return mutate


def _problems(core: type[CoreData], directory: Path, report: object) -> list[str]:
    path = core.write_config(directory, _with_report(report))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    return caught.value.problems


def test_without_a_report_section_the_generic_defaults_apply(
    core: type[CoreData], tmp_path: Path
) -> None:
    settings = load_settings(core.write_config(tmp_path), env={})
    assert settings.report == ReportSettings()
    assert settings.report.introduction == DEFAULT_INTRODUCTION
    assert settings.report.docx_template is None


def test_the_defaults_name_no_real_organisation() -> None:
    defaults = ReportSettings()
    text = " ".join((defaults.introduction, defaults.method, defaults.further_information))
    for name in ("Devon", "Cornwall", "Scilly", "OPCC", "@", "http", "01392"):
        assert name not in text


def test_an_empty_report_section_means_the_defaults(core: type[CoreData], tmp_path: Path) -> None:
    path = core.write_config(tmp_path, _with_report(None))  # `report:` with nothing under it
    assert load_settings(path, env={}).report == ReportSettings()


def test_a_report_section_that_is_not_keys_is_one_plain_line(
    core: type[CoreData], tmp_path: Path
) -> None:
    [problem] = _problems(core, tmp_path, "Our introduction")
    assert problem.startswith("report: write report as a section of keys (introduction,")
    assert "dictionary" not in problem


def test_the_panels_own_text_is_read(core: type[CoreData], tmp_path: Path) -> None:
    path = core.write_config(
        tmp_path, _with_report({"introduction": "  Our words.  ", "further_information": "Ring."})
    )
    report = load_settings(path, env={}).report
    assert (report.introduction, report.further_information) == ("Our words.", "Ring.")
    assert report.method == ReportSettings().method


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ({"introduction": "   "}, "report.introduction: this text is empty; write the text"),
        ({"intro": "Hello"}, "report.intro: "),
        ({"docx_template": "house.dotx"}, "report.docx_template: 'house.dotx' is not a .docx"),
        ({"docx_template": "missing.docx"}, "report.docx_template: no file "),
    ],
)
def test_report_mistakes_are_one_plain_line_naming_the_key(
    core: type[CoreData], tmp_path: Path, report: dict[str, Any], expected: str
) -> None:
    [problem] = _problems(core, tmp_path, report)
    assert problem.startswith(expected), problem


def test_a_missing_template_says_paths_are_relative_to_app_yaml(
    core: type[CoreData], tmp_path: Path
) -> None:
    [problem] = _problems(core, tmp_path, {"docx_template": "missing.docx"})
    assert "relative to the folder that holds app.yaml" in problem
    assert str(tmp_path.resolve()) in problem


def test_the_template_path_is_relative_to_app_yaml_not_the_working_folder(
    cli: Cli, tmp_path: Path
) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    template = docx.Document()
    template.sections[0].header.paragraphs[0].text = "Example Board letterhead"
    template.save(str(config_dir / "house.docx"))
    config = cli.write_config(config_dir, _with_report({"docx_template": "house.docx"}))
    panel = cli.panel()
    panel.import_meeting()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = elsewhere / "report.docx"

    result = cli.run(
        "summary", panel.MEETING_ID, "--format", "docx", "--output", str(out),
        config=config, cwd=elsewhere,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    header = [p.text for p in docx.Document(str(out)).sections[0].header.paragraphs]
    assert header[0] == "Example Board letterhead" and "DRAFT" in header


# The meeting file's `about` ---------------------------------------------------------------


def test_about_is_imported_stored_and_printed_in_the_panel_meeting_section(panel: Panel) -> None:
    doc = panel.meeting_doc()
    doc["meeting"]["about"] = "Stalking is repeated, unwanted behaviour.\n\nIt harms."
    panel.import_meeting(doc)

    stored = panel.service.meetings.get_meeting(panel.MEETING_ID)
    assert stored.about == "Stalking is repeated, unwanted behaviour.\n\nIt harms."
    text = render_markdown(panel.service.reports.draft_summary(panel.MEETING_ID))
    meeting_section = text.split("## The panel meeting")[1].split("## ")[0]
    assert "Stalking is repeated, unwanted behaviour.\n\nIt harms." in meeting_section


def test_about_is_screened_for_personal_data_like_every_case_text(panel: Panel) -> None:
    doc = panel.meeting_doc()
    doc["meeting"]["about"] = "Call jane.doe@example.com for details."
    with pytest.raises(MeetingFileError) as caught:
        panel.import_meeting(doc)
    [problem] = caught.value.problems
    assert problem.startswith("meeting.about: personal data: email address")
    assert "jane.doe" not in problem


def test_about_survives_a_round_trip_through_the_meeting_workbook(panel: Panel) -> None:
    doc = panel.meeting_doc()
    doc["meeting"]["about"] = "Why the panel chose this theme."
    panel.import_meeting(doc)
    exported = panel.service.meetings.export_meeting(panel.MEETING_ID)
    workbook = meeting_workbook(exported, panel.settings.voting.zone)

    report = panel.service.meetings.import_bytes("meeting.xlsx", workbook, replace=True)

    assert report.meeting.about == "Why the panel chose this theme."
    assert (
        panel.service.meetings.get_meeting(panel.MEETING_ID).about
        == "Why the panel chose this theme."
    )


def test_a_meeting_file_without_about_has_none(panel: Panel) -> None:
    panel.import_meeting()
    assert panel.service.meetings.get_meeting(panel.MEETING_ID).about == ""


# Panel-wide notes --------------------------------------------------------------------------


def test_panel_wide_notes_are_saved_audited_and_reach_sections_5_and_6(panel: Panel) -> None:
    panel.import_meeting()
    secretariat = panel.settings.panel.secretariat[0]
    notes = PanelNotes(
        good_practice="A stalking clinic now advises officers",
        observations="Leaflets are not always recorded as given",
        learning="Record the leaflet in one place",
    )

    panel.service.panel_notes.save(secretariat, panel.MEETING_ID, notes)

    meeting, stored = panel.service.panel_notes.current(panel.chair, panel.MEETING_ID)
    assert meeting.id == panel.MEETING_ID and stored == notes
    [entry] = [e for e in panel.service.repo.audit_entries() if e.action == "panel_notes.save"]
    assert entry.actor == secretariat
    text = render_markdown(panel.service.reports.draft_summary(panel.MEETING_ID))
    findings = text.split("## The findings from the panel's meeting")[1].split("## ")[0]
    learning = text.split("## Good practice and learning from the panel")[1].split("## ")[0]
    assert "- Leaflets are not always recorded as given" in findings
    assert "- A stalking clinic now advises officers" in learning
    assert "- Record the leaflet in one place" in learning


def test_panel_wide_notes_with_personal_data_are_refused_and_nothing_is_stored(
    panel: Panel,
) -> None:
    panel.import_meeting()
    notes = PanelNotes(observations="DC Smith forgot the leaflet", learning="fine")
    with pytest.raises(PersonalDataInText) as caught:
        panel.service.panel_notes.save(panel.chair, panel.MEETING_ID, notes)
    assert list(caught.value.problems) == ["observations"]
    assert "Smith" not in str(caught.value)
    assert panel.service.repo.panel_notes(panel.MEETING_ID) is None
    [refused] = [
        e for e in panel.service.repo.audit_entries() if e.action == "personal_data.refused"
    ]
    assert refused.actor == panel.chair and "Smith" not in (refused.new or "")


def test_only_the_chair_and_secretariat_write_panel_wide_notes(panel: Panel) -> None:
    panel.import_meeting()
    member = panel.members[0]
    with pytest.raises(NotAllowed):
        panel.service.panel_notes.current(member, panel.MEETING_ID)
    with pytest.raises(NotAllowed):
        panel.service.panel_notes.save(member, panel.MEETING_ID, PanelNotes(learning="x"))


def test_panel_wide_notes_survive_the_annex_and_docx(panel: Panel) -> None:
    panel.import_meeting()
    panel.service.panel_notes.save(
        panel.chair, panel.MEETING_ID, PanelNotes(good_practice="Champions in every station")
    )
    summary = panel.service.reports.draft_summary(panel.MEETING_ID)
    assert "- Good practice: Champions in every station" in render_markdown(
        summary, annex_only=True
    )
    document = docx.Document(io.BytesIO(render_docx(summary)))
    assert any(p.text == "Champions in every station" for p in document.paragraphs)
