"""The real `vcop` executable, run like a user would, over a real database file."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

import docx
import pytest
import yaml

from bot.models import Finding, VoteOption

if TYPE_CHECKING:
    from conftest import Cli, Panel

COMMANDS = ("meeting", "tally", "summary", "manifest", "serve", "demo")
CSV_HEADER = [
    "meeting",
    "ref",
    "right",
    "title",
    "finding",
    "resolved",
    "category",
    "Met",
    "Partially met",
    "Not met",
    "Victim did not engage",
    "Information not recorded",
    "Not applicable",
    "Abstain",
]
REQUIRED_SCOPES = {"commands", "chat:write", "im:write", "users:read", "files:write"}


@pytest.fixture
def voted(cli: Cli) -> Panel:
    """The standard meeting, imported and voted on through the services, in the CLI's file.

    BG-01: three members, all Met, except one abstains on Right 12, leaving it short of
    quorum; the chair resolves Right 12 as Met. BG-02: no votes. BG-03: Not met 3 to 1.
    """
    panel = cli.panel()
    panel.import_meeting()
    m = panel.members
    panel.vote(m[0], "BG-01", VoteOption.MET)
    panel.vote(m[1], "BG-01", VoteOption.MET)
    panel.vote(m[2], "BG-01", VoteOption.MET, changes={12: VoteOption.ABSTAIN})
    panel.service.resolutions.resolve_right(
        panel.MEETING_ID, "BG-01", 12, Finding.MET, "Complaints leaflet on file", panel.chair
    )
    for member in m[:3]:
        panel.vote(member, "BG-03", VoteOption.NOT_MET)
    panel.vote(m[3], "BG-03", VoteOption.PARTIALLY_MET)
    return panel


def _rights(votes: dict[int, tuple[str, dict[str, int], bool]]) -> list[dict[str, Any]]:
    return [
        {"right": n, "finding": finding, "votes": counts, "resolved": resolved}
        for n, (finding, counts, resolved) in sorted(votes.items())
    ]


# Help -----------------------------------------------------------------------------------


def test_help_lists_every_command_without_needing_a_config(cli: Cli) -> None:
    result = cli.run("--help", config=cli.tmp / "no-such-app.yaml")

    assert result.returncode == 0
    assert result.stdout.startswith("usage: vcop")
    listed = {
        line.split()[0]
        for line in result.stdout.split("COMMAND\n", 2)[-1].splitlines()
        if line.startswith("    ") and not line.startswith("     ")
    }
    assert set(COMMANDS) <= listed, result.stdout


HELP_EXPECTS = {
    ("meeting", "import"): ["file", "--replace", "personal data"],
    ("meeting", "list"): ["newest first"],
    ("tally",): ["meeting", "--json"],
    ("summary",): ["--format", "{md,docx,csv}", "--annex", "--output"],
    ("manifest",): ["manifest"],
    ("serve",): ["--http", "--port"],
    ("demo",): ["--output", "--members"],
}


def test_each_command_has_working_help(cli: Cli) -> None:
    commands = [[*command, "--help"] for command in HELP_EXPECTS]

    results = cli.run_all(commands, config=cli.tmp / "no-such-app.yaml")

    for command, result in zip(HELP_EXPECTS, results, strict=True):
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.startswith(f"usage: vcop {' '.join(command)}"), result.stdout
        text = " ".join(result.stdout.split())
        for expected in HELP_EXPECTS[command]:
            assert expected in text, (command, expected)


# Meetings and tallies -------------------------------------------------------------------------


def test_tally_json_matches_the_contract_shape(cli: Cli, voted: Panel) -> None:
    result = cli.run("tally", voted.MEETING_ID, "--json")

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    met3 = ("Met", {"Met": 3}, False)
    expected = {
        "meeting": voted.MEETING_ID,
        "cases": [
            {
                "ref": "BG-01",
                "category": "Fully compliant",
                "voters": 3,
                "rights": _rights(
                    {
                        **dict.fromkeys(range(1, 12), met3),
                        12: ("Met", {"Met": 2, "Abstain": 1}, True),
                    }
                ),
            },
            {
                "ref": "BG-02",
                "category": "Panel failed to reach a decision",
                "voters": 0,
                "rights": _rights(dict.fromkeys(range(1, 13), ("Undecided", {}, False))),
            },
            {
                "ref": "BG-03",
                "category": "Non-compliant",
                "voters": 4,
                "rights": _rights(
                    dict.fromkeys(
                        range(1, 13), ("Not met", {"Not met": 3, "Partially met": 1}, False)
                    )
                ),
            },
        ],
    }
    assert document == expected
    assert list(document) == ["meeting", "cases"]
    assert list(document["cases"][0]) == ["ref", "category", "voters", "rights"]
    assert list(document["cases"][0]["rights"][0]) == ["right", "finding", "votes", "resolved"]


def test_tally_of_an_unknown_meeting_is_exit_2(cli: Cli) -> None:
    result = cli.run("tally", "no-such-meeting", "--json")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: No meeting 'no-such-meeting'. `vcop meeting list` shows them."
    ]


# Summaries -----------------------------------------------------------------------------------


def test_summary_markdown_is_the_public_report_without_case_details(cli: Cli, voted: Panel) -> None:
    voted.service.meetings.close_voting(voted.MEETING_ID, voted.chair)

    result = cli.run("summary", voted.MEETING_ID)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    text = result.stdout
    assert text.startswith("# Victims' Code of Practice – Burglary Scrutiny Panel ")
    assert "voting is still open" not in text
    assert "scrutinised 3 cases relating to burglary." in text
    assert "The panel deemed 1 case to be Fully compliant." in text
    assert "The panel deemed 1 case to be Non-compliant." in text
    assert "The panel placed 1 case in the category ‘Panel failed to reach a decision’." in text
    for ref in voted.REFS:
        assert ref not in text
    assert "Burglary of a dwelling" not in text
    assert "Complaints leaflet on file" not in text  # the chair's reason


def test_summary_of_a_meeting_still_voting_says_so_and_warns(cli: Cli, voted: Panel) -> None:
    result = cli.run("summary", voted.MEETING_ID)

    assert result.returncode == 0, result.stderr
    assert "voting is still open" in result.stdout.split("## ")[0]
    [warning] = result.stderr.splitlines()
    assert warning.startswith(f"warning: voting is still open on {voted.MEETING_ID} until ")
    docx_result = cli.run("summary", voted.MEETING_ID, "--format", "docx")
    assert "voting is still open" in docx_result.stderr
    document = docx.Document(str(cli.tmp / f"{voted.MEETING_ID}-summary.docx"))
    assert "voting is still open" in " ".join(p.text for p in document.paragraphs[:3])


def test_summary_of_a_closed_meeting_nobody_voted_on_warns_why_every_case_is_undecided(
    cli: Cli,
) -> None:
    panel = cli.panel()
    panel.import_meeting()
    panel.service.meetings.close_voting(panel.MEETING_ID, panel.chair)

    result = cli.run("summary", panel.MEETING_ID)

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"warning: nobody voted on {panel.MEETING_ID}, so every case reads 'Panel failed to "
        "reach a decision' for want of votes; check the meeting before using this draft."
    ]


SUMMER_BANNER = (
    "Not final: voting is still open until 18 June 2099 17:00 BST, "
    "so the counts and findings below may still change."
)


def _import_meeting_closing_in_summer_time(cli: Cli) -> None:
    """The standard meeting, its voting closing at 17:00 London time on a day in BST."""
    doc = cli.meeting_doc(date="2099-06-20", voting_closes="2099-06-18 17:00")
    result = cli.run("meeting", "import", str(cli.write_meeting(doc)))
    assert result.returncode == 0, result.stderr
    assert "voting closes Thu 18 Jun 2099 17:00 BST." in result.stdout


def test_summary_markdown_and_annex_give_the_open_voting_deadline_in_panel_time_not_utc(
    cli: Cli,
) -> None:
    _import_meeting_closing_in_summer_time(cli)

    report, annex = cli.run_all(
        [["summary", cli.MEETING_ID], ["summary", cli.MEETING_ID, "--annex"]]
    )

    for result in (report, annex):
        assert result.returncode == 0, result.stderr
        top = result.stdout.split("\n## ")[0]
        assert f"**{SUMMER_BANNER}**" in top
        assert "UTC" not in top


def test_summary_docx_and_annex_docx_give_the_open_voting_deadline_in_panel_time_not_utc(
    cli: Cli,
) -> None:
    _import_meeting_closing_in_summer_time(cli)

    results = cli.run_all(
        [
            ["summary", cli.MEETING_ID, "--format", "docx"],
            ["summary", cli.MEETING_ID, "--annex", "--format", "docx"],
        ]
    )

    for result, name in zip(results, ("summary", "annex"), strict=True):
        assert result.returncode == 0, result.stderr
        document = docx.Document(str(cli.tmp / f"{cli.MEETING_ID}-{name}.docx"))
        opening = [p.text for p in document.paragraphs[:4]]
        assert SUMMER_BANNER in opening, opening
        assert not any("UTC" in text for text in opening)


def test_summary_annex_gives_each_case_with_its_resolutions(cli: Cli, voted: Panel) -> None:
    result = cli.run("summary", voted.MEETING_ID, "--annex")

    assert result.returncode == 0, result.stderr
    text = result.stdout
    for ref in voted.REFS:
        assert f"### {ref}: Burglary of a dwelling" in text
    assert "Complaints leaflet on file" in text
    assert "- Not met: rights 1–12" in text
    assert "## Findings by right" in text


def test_summary_annex_as_docx_has_its_own_default_name(cli: Cli, voted: Panel) -> None:
    result = cli.run("summary", voted.MEETING_ID, "--annex", "--format", "docx")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote {voted.MEETING_ID}-annex.docx"
    document = docx.Document(str(cli.tmp / f"{voted.MEETING_ID}-annex.docx"))
    headings = [
        p.text
        for p in document.paragraphs
        if p.style and (p.style.name or "").startswith("Heading")
    ]
    assert "BG-01: Burglary of a dwelling" in headings


def test_summary_annex_has_no_csv_form(cli: Cli, voted: Panel) -> None:
    result = cli.run("summary", voted.MEETING_ID, "--annex", "--format", "csv")

    assert result.returncode == 2
    assert "--annex has no CSV form" in result.stderr


def test_summary_annex_with_an_output_named_csv_is_refused_as_having_no_csv_form(
    cli: Cli, voted: Panel
) -> None:
    result = cli.run("summary", voted.MEETING_ID, "--annex", "--output", "annex.csv")

    assert result.returncode == 2
    assert "--annex has no CSV form" in result.stderr
    assert not (cli.tmp / "annex.csv").exists()


def test_summary_without_format_writes_the_format_its_output_name_ends_in(
    cli: Cli, voted: Panel
) -> None:
    names = ("report.docx", "report.md", "return.csv")

    results = cli.run_all([["summary", voted.MEETING_ID, "--output", name] for name in names])

    for name, result in zip(names, results, strict=True):
        assert result.returncode == 0, (name, result.stderr)
        assert result.stdout.strip() == f"Wrote {name}"
    document = docx.Document(str(cli.tmp / "report.docx"))
    assert document.paragraphs[0].text.startswith("Victims' Code of Practice – Burglary")
    markdown = (cli.tmp / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Victims' Code of Practice – Burglary")
    rows = list(csv.reader(io.StringIO((cli.tmp / "return.csv").read_text(encoding="utf-8"))))
    assert rows[0] == CSV_HEADER


def test_summary_format_that_disagrees_with_the_output_ending_is_refused_naming_both(
    cli: Cli, voted: Panel
) -> None:
    result = cli.run("summary", voted.MEETING_ID, "--format", "md", "--output", "report.docx")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: --format md writes Markdown text, but the name report.docx is for a Word "
        "document; nothing was written. Leave out --format to write a Word document, or "
        "name the file report.md."
    ]
    assert not (cli.tmp / "report.docx").exists()
    assert not (cli.tmp / "report.md").exists()


def test_summary_output_named_for_a_format_it_cannot_write_is_refused_with_names_it_can(
    cli: Cli, voted: Panel
) -> None:
    result = cli.run("summary", voted.MEETING_ID, "--output", "report.xlsx")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: vcop summary writes Markdown text, a Word document or a CSV file, not an "
        "Excel workbook as the name report.xlsx asks; nothing was written. Name the file "
        "report.md, report.docx or report.csv."
    ]
    assert not (cli.tmp / "report.xlsx").exists()


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("report.doc", "an older Word document (.doc)"),
        ("report.pdf", "a PDF"),
        ("Report.PDF", "a PDF"),
        ("report.odt", "an OpenDocument text"),
    ],
)
def test_summary_output_named_for_another_programs_file_is_refused_with_names_it_can(
    cli: Cli, voted: Panel, name: str, other: str
) -> None:
    result = cli.run("summary", voted.MEETING_ID, "--output", name)

    stem = name.split(".")[0]
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: vcop summary writes Markdown text, a Word document or a CSV file, not "
        f"{other} as the name {name} asks; nothing was written. Name the file {stem}.md, "
        f"{stem}.docx or {stem}.csv."
    ]
    assert not (cli.tmp / name).exists()


def test_summary_with_a_format_and_a_pdf_name_suggests_that_formats_own_name(
    cli: Cli, voted: Panel
) -> None:
    result = cli.run("summary", voted.MEETING_ID, "--format", "docx", "--output", "r.pdf")

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith("Name the file r.docx.")
    assert not (cli.tmp / "r.pdf").exists()


def test_meeting_export_named_json_is_refused_naming_the_formats_it_writes(
    cli: Cli, voted: Panel
) -> None:
    result = cli.run("meeting", "export", voted.MEETING_ID, "--output", "meeting.json")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: vcop meeting export writes an Excel workbook or YAML text, not JSON as the "
        "name meeting.json asks; nothing was written. Name the file meeting.xlsx or "
        "meeting.yaml."
    ]
    assert not (cli.tmp / "meeting.json").exists()


def test_summary_docx_output_named_without_the_docx_ending_is_refused(
    cli: Cli, voted: Panel
) -> None:
    result = cli.run("summary", voted.MEETING_ID, "--format", "docx", "--output", "report")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: report would be a Word document, which needs a name ending in .docx to "
        "open; nothing was written. Name the file report.docx, or choose another --format."
    ]
    assert not (cli.tmp / "report").exists()


def test_summary_csv_has_the_contract_header_and_one_row_per_case_and_right(
    cli: Cli, voted: Panel
) -> None:
    out = cli.tmp / "return.csv"

    result = cli.run("summary", voted.MEETING_ID, "--format", "csv", "--output", str(out))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote {out}"
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    header, *body = rows
    assert header == CSV_HEADER
    assert len(body) == 3 * 12
    assert [(row[1], row[2]) for row in body] == [
        (ref, str(n)) for ref in voted.REFS for n in range(1, 13)
    ]
    by_key = {(row[1], int(row[2])): dict(zip(header, row, strict=True)) for row in body}
    resolved = by_key[("BG-01", 12)]
    assert resolved == {
        "meeting": voted.MEETING_ID,
        "ref": "BG-01",
        "right": "12",
        "title": "Making a complaint",
        "finding": "Met",
        "resolved": "true",
        "category": "Fully compliant",
        "Met": "2",
        "Partially met": "0",
        "Not met": "0",
        "Victim did not engage": "0",
        "Information not recorded": "0",
        "Not applicable": "0",
        "Abstain": "1",
    }
    assert by_key[("BG-03", 3)]["title"] == "Information when reporting"
    assert (by_key[("BG-03", 3)]["Not met"], by_key[("BG-03", 3)]["Partially met"]) == ("3", "1")
    assert {by_key[("BG-02", n)]["finding"] for n in range(1, 13)} == {"Undecided"}


def test_summary_docx_is_a_word_document(cli: Cli, voted: Panel) -> None:
    result = cli.run("summary", voted.MEETING_ID, "--format", "docx")

    default = cli.tmp / f"{voted.MEETING_ID}-summary.docx"
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote {default.name}"
    document = docx.Document(str(default))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "Victims' Code of Practice – Burglary Scrutiny Panel" in text
    assert "The panel deemed 1 case to be Fully compliant." in text
    for ref in voted.REFS:
        assert ref not in text
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert "DRAFT" in header


# The Slack manifest ----------------------------------------------------------------------------


def test_meeting_extend_takes_the_deadline_typed_without_quotes(cli: Cli) -> None:
    cli.panel().import_meeting()

    unquoted = cli.run("meeting", "extend", cli.MEETING_ID, "2099-03-19", "17:00")
    date_alone = cli.run("meeting", "extend", cli.MEETING_ID, "2099-03-19")

    assert unquoted.returncode == 0, unquoted.stderr
    assert unquoted.stdout.strip() == (
        f"Voting on {cli.MEETING_ID} now closes Thu 19 Mar 2099 17:00 GMT."
    )
    assert date_alone.returncode == 2
    assert "is a date without a time; add the time, e.g. 2099-03-19 17:00" in date_alone.stderr


def test_meeting_extend_of_a_closed_meeting_names_it_by_id_and_says_why_not(cli: Cli) -> None:
    panel = cli.panel()
    panel.import_meeting()
    panel.service.meetings.close_voting(panel.MEETING_ID, panel.chair)

    result = cli.run("meeting", "extend", cli.MEETING_ID, "2099-03-19", "17:00")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: Voting on {cli.MEETING_ID} (Burglary) has already closed; the deadline of a "
        "closed meeting cannot be moved."
    )


def test_manifest_prints_the_slack_app_manifest(cli: Cli) -> None:
    result = cli.run("manifest")

    assert result.returncode == 0, result.stderr
    manifest = yaml.safe_load(result.stdout)
    configured = yaml.safe_load(cli.config_path.read_text(encoding="utf-8"))["slack"]["manifest"]
    assert manifest == configured
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= REQUIRED_SCOPES
    commands = [command["command"] for command in manifest["features"]["slash_commands"]]
    assert commands == ["/vcop"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True


def test_manifest_lets_the_secretariat_send_meeting_files_to_the_app(cli: Cli) -> None:
    manifest = yaml.safe_load(cli.run("manifest").stdout)
    assert {"files:read", "im:history"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert "message.im" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False
