"""The summary model (what a report is made of) and the CSV compliance return.

The public report's and the annex's wording and layout are tested in
test_report.py; no member can be told from the notes in either.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from pydantic import ValidationError
from summary_data import (
    CASES,
    CHAIR,
    MEETING_ID,
    MEMBERS,
    NOTES,
    RIGHTS,
    build,
    case,
    make_tally,
    meeting,
)

from bot.models import CaseNotes, Category, Finding, MeetingTally, MemberNotes, PanelNotes
from bot.summary import CSV_HEADER, DraftSummary, render_csv
from bot.tally import TallyRules, tally_case


@pytest.fixture(scope="module")
def summary() -> DraftSummary:
    return build()


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


def test_notes_are_deduplicated_ignoring_case_and_spacing_and_blanks_dropped(
    summary: DraftSummary,
) -> None:
    first, second, third = summary.cases
    assert first.good_practice == ("Victim kept informed | weekly calls",)
    assert first.learning == ("Record the VPS offer in the case file",)
    assert second.observations == (
        "No record of a referral to support services",
        "Updates were late <!channel>",
    )
    assert second.learning == ()
    assert third.good_practice == third.observations == third.learning == ()


def test_panel_wide_notes_become_one_point_per_line_once_each() -> None:
    wide = PanelNotes(
        good_practice="- A stalking clinic now advises officers\n\n  a STALKING clinic now "
        "advises officers  \nChampions in every station",
        observations="Leaflets are not always recorded as given",
    )
    built = build(panel_notes=wide)
    assert built.panel_notes.good_practice == (
        "A stalking clinic now advises officers",
        "Champions in every station",
    )
    assert built.panel_notes.observations == ("Leaflets are not always recorded as given",)
    assert built.panel_notes.learning == ()


def test_voting_open_is_carried_with_its_deadline() -> None:
    assert build().voting_open is False and build().voting_closes is None
    still_voting = build(voting_open=True)
    assert still_voting.voting_open
    assert still_voting.voting_closes == meeting().voting_closes


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


def test_csv_of_a_meeting_without_cases_is_the_header_alone() -> None:
    empty = build(cases=(), tally=MeetingTally(meeting=MEETING_ID, cases=()), notes=())
    assert render_csv(empty) == ",".join(CSV_HEADER) + "\n"
