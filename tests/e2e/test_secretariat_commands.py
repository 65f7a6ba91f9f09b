"""`/vcop summary [MEETING] [md|docx|csv]`, `/vcop meetings` and `/vcop purge MEETING` over HTTP."""

from __future__ import annotations

import csv
import io
import sqlite3

import openpyxl
import pytest

from bot.config import Settings
from bot.meetings import NARRATIVE_PURGED
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

from .helpers import ballot, close_voting, mrkdwn_texts, vote


@pytest.mark.parametrize(
    ("arguments", "suffix"),
    [("", "docx"), ("md", "md"), ("csv", "csv"), ("{m} csv", "csv"), ("docx {m}", "docx")],
)
def test_summary_sends_the_format_asked_for_and_docx_by_default(
    local: LocalWorkspace,
    opened: str,
    slack: SimulatedSlack,
    settings: Settings,
    arguments: str,
    suffix: str,
) -> None:
    secretariat = settings.panel.secretariat[0]
    result = slack.slash_command(secretariat, f"summary {arguments.format(m=opened)}".strip())
    assert result.status == 200 and "DM" in result.shown_text
    record, *annex = local.workspace.files()
    assert record.name == f"{opened}-draft-summary.{suffix}"
    assert record.content
    # The public report travels with the panel's annex; the CSV return goes alone.
    assert [f.name for f in annex] == ([] if suffix == "csv" else [f"{opened}-annex.{suffix}"])
    if suffix == "csv":
        rows = list(csv.reader(io.StringIO(record.content.decode("utf-8"))))
        assert rows[0][:2] == ["meeting", "ref"] and len(rows) == 1 + 6 * 12
    if suffix == "md":
        assert record.content.decode("utf-8").startswith("#")


def test_summary_with_two_meeting_names_says_how_to_use_it(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    result = slack.slash_command(settings.panel.chair[0], f"summary {opened} other")
    assert "Usage: /vcop summary [MEETING] [md|docx|csv]" in result.shown_text


def test_meetings_lists_them_as_the_cli_does_for_chair_and_secretariat_only(
    imported: str, slack: SimulatedSlack, service: PanelServices, settings: Settings
) -> None:
    [line] = service.meetings.meeting_list_lines()
    for user in (settings.panel.chair[0], settings.panel.secretariat[0]):
        shown = slack.slash_command(user, "meetings").shown_text
        assert "Meetings" in shown and line.replace("\t", " ") in shown.replace("\t", " ")
    refused = slack.slash_command(settings.panel.members[0], "meetings").shown_text
    assert "Only the panel chair or the secretariat can list the meetings." in refused


def test_purge_is_refused_while_voting_is_open_and_nothing_is_purged(
    opened: str, slack: SimulatedSlack, service: PanelServices, settings: Settings
) -> None:
    shown = slack.slash_command(settings.panel.secretariat[0], f"purge {opened}").shown_text
    assert "is still open" in shown and "Nothing was purged." in shown
    assert slack.open_modal(settings.panel.secretariat[0]) is None
    assert service.meetings.get_meeting(opened).purged_at is None


def test_purge_asks_first_saying_what_goes_then_purges_and_audits(
    local: LocalWorkspace,
    opened: str,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
) -> None:
    chair, secretariat = settings.panel.chair[0], settings.panel.secretariat[0]
    vote(slack, settings.panel.members[0], settings.panel.channel, "SH-01", ballot())
    assert close_voting(slack, chair, opened).status == 200
    assert slack.slash_command(secretariat, f"purge {opened}").status == 200
    modal = slack.open_modal(secretariat)
    assert modal is not None and modal.callback_id == "meeting_purge"
    text = "\n".join(mrkdwn_texts(modal.blocks))
    assert "outcome, narrative and timeline of each of its 6 cases" in text
    assert "members' notes (1 set)" in text and "This cannot be undone." in text
    assert service.meetings.get_meeting(opened).purged_at is None  # only asked so far

    result = slack.submit_view(secretariat, modal.id, {})
    assert result.status == 200
    done = slack.open_modal(secretariat)
    assert done is not None and "Purged Stalking or harassment" in str(done.blocks)
    assert service.meetings.get_meeting(opened).purged_at is not None
    assert service.meetings.get_case(opened, "SH-01").summary == NARRATIVE_PURGED
    with sqlite3.connect(settings.storage.database) as db:
        audit = db.execute(
            "select actor, meeting_id from audit where action = 'meeting.purge'"
        ).fetchall()
    assert audit == [(secretariat, opened)]


def test_purge_is_refused_to_a_member(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    shown = slack.slash_command(settings.panel.members[0], f"purge {opened}").shown_text
    assert "Only the panel chair or the secretariat can purge a meeting." in shown


def test_template_and_export_arrive_as_workbooks_in_a_dm(
    local: LocalWorkspace, imported: str, slack: SimulatedSlack, settings: Settings
) -> None:
    secretariat = settings.panel.secretariat[0]
    assert "DM" in slack.slash_command(secretariat, "template").shown_text
    assert "DM" in slack.slash_command(secretariat, f"export {imported}").shown_text
    files = {record.name: record for record in local.workspace.files()}
    assert set(files) == {"meeting-template.xlsx", f"{imported}.xlsx"}
    template = openpyxl.load_workbook(io.BytesIO(files["meeting-template.xlsx"].content or b""))
    assert template.sheetnames == ["Meeting", "Cases", "Timeline", "Guidance"]
    exported = openpyxl.load_workbook(io.BytesIO(files[f"{imported}.xlsx"].content or b""))
    assert [row[0].value for row in exported["Cases"].iter_rows(min_row=2)] == [
        f"SH-0{n}" for n in range(1, 7)
    ]
    refused = slack.slash_command(settings.panel.members[0], "template").shown_text
    assert "Only the panel chair or the secretariat can get the meeting template." in refused
