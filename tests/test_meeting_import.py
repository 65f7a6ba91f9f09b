"""`vcop meeting import`: validate, screen for personal data, store all or nothing.

Every refusal is exit 2 with one line per problem naming the case ref and the
field, personal data is never printed in full, and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import NotAllowed, VotingClosed
from bot.meeting_file import MeetingFileError
from bot.models import MeetingStatus

if TYPE_CHECKING:
    from conftest import Cli, CoreData, Panel

STORED_TABLES = ("meetings", "cases", "votes", "notes", "audit")

#: Personal data planted in a meeting file, and where each piece is planted.
EMAIL = "john.smith@example.com"
PHONE = "07700 900123"
POSTCODE = "SW1A 1AA"
NAME = "Mr John Smith"
TITLE_NAME = "Mrs Jane Doe"
LEAK_FRAGMENTS = (EMAIL, "john.smith", PHONE, "900123", POSTCODE, "1AA", "Smith", "Jane Doe")
PROBLEM_LINE = re.compile(r"^(meeting\.[a-z_]+|cases\[[^\]]+\]\.[a-z_]+(\[\d+\]\.[a-z]+)?): \S")


def _nothing_stored(where: Panel | Cli) -> None:
    for table in STORED_TABLES:
        assert where.count(table) == 0, f"{table} has rows after a refused import"


def _problems(panel: Panel, doc: dict[str, Any], name: str = "meeting.yaml") -> list[str]:
    """The problem lines an import of ``doc`` is refused with (nothing may be stored)."""
    with pytest.raises(MeetingFileError) as caught:
        panel.service.meetings.import_meeting(panel.write_meeting(doc, name))
    _nothing_stored(panel)
    return caught.value.problems


def _personal_data_doc(panel: CoreData) -> dict[str, Any]:
    timeline = [
        {"day": 0, "agency": "Police", "entry": "Report received and crime recorded"},
        {"day": 3, "agency": "Police", "entry": f"Victim moved to an address near {POSTCODE}"},
    ]
    return panel.meeting_doc(
        title=f"Burglary, including the case of {TITLE_NAME}",
        cases=[
            panel.case_doc(
                "BG-01",
                summary=f"The OIC spoke to {NAME} and then wrote to {EMAIL} the same day.",
            ),
            panel.case_doc("BG-02", offence=f"Harassment by repeated calls from {PHONE}"),
            panel.case_doc("BG-03", timeline=timeline),
        ],
    )


# The sample meeting -------------------------------------------------------------------


def test_the_sample_meeting_imports_with_its_six_cases(cli: Cli) -> None:
    result = cli.run("meeting", "import", str(cli.SAMPLE_MEETING))
    listing = cli.run("meeting", "list")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Imported meeting 2025-09-stalking (Stalking or harassment) with 6 cases; "
        "voting closes Mon 15 Sep 2025 17:00 BST."
    )
    # Its deadline (September 2025) is past: accepted, with a warning, and closed.
    assert result.stderr.startswith("warning: meeting.voting_closes: ")
    assert "already past" in result.stderr
    assert cli.count("meetings") == 1
    assert cli.count("cases") == 6
    assert listing.returncode == 0
    [line] = listing.stdout.splitlines()
    fields = line.split("\t")
    assert fields[:4] == ["2025-09-stalking", "2025-09-17", "closed", "6 cases"]
    assert fields[-1] == "Stalking or harassment"


def test_the_sample_meeting_cases_are_stored_in_file_order(panel: Panel) -> None:
    report = panel.service.meetings.import_meeting(panel.SAMPLE_MEETING)

    cases = panel.service.meetings.cases("2025-09-stalking")
    assert report.cases == 6
    assert [case.ref for case in cases] == [f"SH-0{n}" for n in range(1, 7)]
    assert [case.position for case in cases] == list(range(1, 7))
    assert all(case.timeline for case in cases)
    assert report.meeting.code_edition == "2021"


# Personal data ------------------------------------------------------------------------


def test_personal_data_is_refused_per_field_and_never_printed_in_full(cli: Cli) -> None:
    path = cli.write_meeting(_personal_data_doc(cli))

    result = cli.run("meeting", "import", str(path))

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert all(PROBLEM_LINE.match(line) for line in lines), lines
    assert all(": personal data: " in line for line in lines), lines
    assert sorted(line.split(": ", 1)[0] for line in lines) == [
        "cases[BG-01].summary",
        "cases[BG-01].summary",
        "cases[BG-02].offence",
        "cases[BG-03].timeline[1].entry",
        "meeting.title",
    ]
    kinds = " ".join(lines)
    for kind in ("email address", "phone number", "postcode", "personal name"):
        assert kind in kinds
    for fragment in LEAK_FRAGMENTS:
        assert fragment not in result.stderr
        assert fragment not in result.stdout
    _nothing_stored(cli)


def test_personal_data_is_named_with_the_problems_of_a_file_that_does_not_validate(
    cli: Cli,
) -> None:
    doc = cli.meeting_doc(
        cases=[
            {**cli.case_doc("BG-01"), "outcome": ""},
            cli.case_doc("BG-02", summary="Sarah Jones phoned on 07700 900123 about the trial."),
        ]
    )

    result = cli.run("meeting", "import", str(cli.write_meeting(doc)))

    assert result.returncode == 2
    heads = [line.split(": ", 1)[0] for line in result.stderr.splitlines()]
    assert heads[0].startswith("cases[BG-01].outcome"), result.stderr
    assert heads.count("cases[BG-02].summary") >= 1
    assert "personal data" in result.stderr
    assert "Sarah Jones" not in result.stderr and "900123" not in result.stderr
    _nothing_stored(cli)


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("cases.csv", "a CSV file holds one sheet, and a meeting needs the Meeting, Cases"),
        ("cases.docx", "a document; fill in the meeting template (`vcop meeting template`"),
        ("cases.ods", "save it as an Excel Workbook (.xlsx) and import that"),
    ],
)
def test_a_file_of_another_kind_is_refused_with_what_to_do_instead(
    cli: Cli, name: str, advice: str
) -> None:
    path = cli.tmp / name
    path.write_bytes(b"PK\x03\x04 not a meeting")

    result = cli.run("meeting", "import", str(path))

    assert result.returncode == 2
    assert result.stderr.startswith(f"{name}: not a meeting file: "), result.stderr
    assert advice in result.stderr
    assert "UTF-8" not in result.stderr
    assert path.read_bytes() == b"PK\x03\x04 not a meeting"
    _nothing_stored(cli)


def test_a_meeting_id_holding_personal_data_is_refused_and_never_printed(cli: Cli) -> None:
    doc = cli.meeting_doc(meeting_id="07700900123")

    result = cli.run("meeting", "import", str(cli.write_meeting(doc)))

    assert result.returncode == 2
    assert result.stderr.startswith("meeting.id: personal data: phone number"), result.stderr
    assert "07700900123" not in result.stderr + result.stdout
    _nothing_stored(cli)


def test_a_missing_file_a_folder_and_a_renamed_workbook_are_each_named_for_what_they_are(
    cli: Cli,
) -> None:
    folder = cli.tmp / "cases.xlsx"
    folder.mkdir()
    renamed = cli.tmp / "meeting.yaml"
    renamed.write_bytes(b"PK\x03\x04" + b"\0" * 40)

    missing = cli.run("meeting", "import", str(cli.tmp / "nothere.csv"))
    a_folder = cli.run("meeting", "import", str(folder))
    a_workbook = cli.run("meeting", "import", str(renamed))

    assert (missing.returncode, a_folder.returncode, a_workbook.returncode) == (2, 2, 2)
    assert missing.stderr.strip() == f"{cli.tmp / 'nothere.csv'}: file not found"
    assert a_folder.stderr.strip() == f"{folder}: is a folder, not a meeting file"
    assert a_workbook.stderr.strip() == (
        "meeting.yaml: this is an Excel workbook (or another zipped file) with a text file's "
        "name; if it is the meeting workbook, rename it to end in .xlsx"
    )
    _nothing_stored(cli)


def test_bare_names_and_a_street_address_are_refused_at_import_over_the_cli(cli: Cli) -> None:
    summary = "Sarah Jones was assaulted by Mark Thompson at 14 Acacia Avenue, Torquay."
    doc = cli.meeting_doc(cases=[cli.case_doc("BG-01", summary=summary)])
    path = cli.write_meeting(doc)

    result = cli.run("meeting", "import", str(path))

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines == [
        "cases[BG-01].summary: personal data: personal name (S**** J****) at characters 0-11",
        "cases[BG-01].summary: personal data: personal name (M*** T*******) at characters 29-42",
        "cases[BG-01].summary: personal data: street address (** A***** A*****) "
        "at characters 46-62",
    ]
    for fragment in ("Sarah", "Jones", "Thompson", "Acacia"):
        assert fragment not in result.stderr and fragment not in result.stdout
    _nothing_stored(cli)


def test_names_in_a_timeline_entry_and_lowercase_names_are_refused(panel: Panel) -> None:
    case = panel.case_doc(
        "BG-01",
        timeline=[
            {"day": 0, "agency": "Police", "entry": "Police interviewed Marek Zielinski"},
            {"day": 1, "agency": "Police", "entry": "the witness, ellen marsh, gave a statement"},
        ],
    )

    problems = _problems(panel, panel.meeting_doc(cases=[case]))

    assert [line.split(": personal data: ")[0] for line in problems] == [
        "cases[BG-01].timeline[0].entry",
        "cases[BG-01].timeline[1].entry",
    ]
    assert all("personal name" in line for line in problems)


def test_personal_data_in_a_case_ref_is_masked_in_the_problem_lines(panel: Panel) -> None:
    doc = panel.meeting_doc(cases=[panel.case_doc("jo@example.com")])

    problems = _problems(panel, doc)

    assert any("email address" in line for line in problems)
    assert not any("jo@example.com" in line for line in problems), problems


def test_personal_data_in_a_case_ref_is_masked_in_schema_errors(panel: Panel) -> None:
    case = panel.case_doc("jo@example.com")
    del case["summary"]

    problems = _problems(panel, panel.meeting_doc(cases=[case]))

    assert any(line.endswith('.summary: missing; add a line "summary: …"') for line in problems), (
        problems
    )
    assert not any("jo@example.com" in line for line in problems), problems


def test_a_yaml_syntax_error_does_not_print_the_offending_line(panel: Panel) -> None:
    path = panel.tmp / "broken.yaml"
    path.write_text(
        f'meeting:\n  id: m1\ncases:\n  - ref: BG-01\n    summary: "wrote to {EMAIL}" and more\n',
        encoding="utf-8",
    )

    with pytest.raises(MeetingFileError) as caught:
        panel.service.meetings.import_meeting(path)

    [problem] = caught.value.problems
    assert "not valid" in problem
    assert EMAIL not in problem, problem


def test_a_yaml_syntax_error_is_one_line_and_stores_nothing(panel: Panel) -> None:
    path = panel.tmp / "broken.yaml"
    path.write_text("meeting: [unclosed\n", encoding="utf-8")

    with pytest.raises(MeetingFileError) as caught:
        panel.service.meetings.import_meeting(path)

    [problem] = caught.value.problems
    assert problem.startswith(f"{path}: not valid")
    assert "\n" not in problem
    _nothing_stored(panel)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    local=st.from_regex(r"[a-z]{3,8}\.[a-z]{3,8}", fullmatch=True),
    domain=st.from_regex(r"[a-z]{4,10}", fullmatch=True),
    field=st.sampled_from(["summary", "offence", "outcome"]),
    before=st.sampled_from(["Contact was by email to ", "The OIC wrote to ", ""]),
)
def test_an_email_anywhere_is_refused_and_masked(
    panel: Panel, local: str, domain: str, field: str, before: str
) -> None:
    email = f"{local}@{domain}.org"
    doc = panel.meeting_doc(
        cases=[panel.case_doc("BG-01"), panel.case_doc("BG-02", **{field: f"{before}{email}."})]
    )

    problems = _problems(panel, doc)

    assert [line.split(": ", 1)[0] for line in problems] == [f"cases[BG-02].{field}"]
    assert "email address" in problems[0]
    assert email not in problems[0]
    assert local not in problems[0]


# Schema, refs, dates and lengths ----------------------------------------------------------


def _schema_problem_doc(cli: CoreData) -> dict[str, Any]:
    missing_outcome = cli.case_doc("BG-01")
    del missing_outcome["outcome"]
    long_entry = [{"day": 1, "agency": "Police", "entry": "e" * 501}]
    return cli.meeting_doc(
        cases=[
            missing_outcome,
            cli.case_doc("BG-02", summary="s" * 12_001),
            cli.case_doc("BG-03", timeline=long_entry),
        ]
    )


SCHEMA_PROBLEMS = [
    'cases[BG-01].outcome: missing; add a line "outcome: …"',
    "cases[BG-02].summary: too long (12,001 characters; at most 12,000). Shorten it.",
    "cases[BG-03].timeline[0].entry: too long (501 characters; at most 500). Shorten it.",
]


def test_schema_errors_name_the_case_ref_and_field(cli: Cli) -> None:
    path = cli.write_meeting(_schema_problem_doc(cli))

    result = cli.run("meeting", "import", str(path))

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    for expected in SCHEMA_PROBLEMS:
        assert expected in lines
    assert result.stdout == ""
    _nothing_stored(cli)


def test_schema_errors_are_exactly_one_line_per_problem(panel: Panel) -> None:
    problems = _problems(panel, _schema_problem_doc(panel))

    assert problems == SCHEMA_PROBLEMS


def test_duplicate_refs_and_a_late_deadline_are_reported_together(panel: Panel) -> None:
    doc = panel.meeting_doc(
        voting_closes="2099-03-21T09:00:00+00:00",
        cases=[panel.case_doc("BG-01"), panel.case_doc("BG-02"), panel.case_doc("BG-01")],
    )

    problems = _problems(panel, doc)

    assert len(problems) == 2, problems
    assert "cases[BG-01].ref: this ref is used by more than one case" in problems
    [late] = [line for line in problems if line.startswith("meeting.voting_closes: ")]
    assert late.startswith(
        "meeting.voting_closes: Sat 21 Mar 2099 09:00 GMT is after the meeting date 2099-03-20"
    )


def _long(n: int) -> str:
    return ("lorem ipsum dolor " * (n // 18 + 1))[:n].strip().ljust(n, "x")


@pytest.mark.parametrize(
    ("field", "limit"),
    [("offence", 300), ("outcome", 300), ("summary", 12_000)],
)
def test_case_text_lengths_are_limited(panel: Panel, field: str, limit: int) -> None:
    at_limit = panel.meeting_doc(cases=[panel.case_doc("BG-01", **{field: _long(limit)})])
    over = panel.meeting_doc(cases=[panel.case_doc("BG-01", **{field: _long(limit + 1)})])

    problems = _problems(panel, over)
    report = panel.import_meeting(at_limit)

    assert (
        f"cases[BG-01].{field}: too long ({limit + 1:,} characters; at most {limit:,}). Shorten it."
    ) in problems
    assert report.cases == 1
    assert len(getattr(panel.service.meetings.get_case(panel.MEETING_ID, "BG-01"), field)) == limit


def test_case_ref_is_at_most_24_characters(panel: Panel) -> None:
    ok, too_long = "Case-" + "a" * 19, "Case-" + "a" * 20

    problems = _problems(panel, panel.meeting_doc(cases=[panel.case_doc(too_long)]))
    panel.import_meeting(panel.meeting_doc(cases=[panel.case_doc(ok)]))

    assert any(
        line.startswith("cases[")
        and ".ref: too long (25 characters; at most 24). Shorten it." in line
        for line in problems
    ), problems
    assert [case.ref for case in panel.service.meetings.cases(panel.MEETING_ID)] == [ok]


def test_meeting_title_is_at_most_150_characters(panel: Panel) -> None:
    problems = _problems(panel, panel.meeting_doc(title=_long(151)))
    report = panel.import_meeting(panel.meeting_doc(title=_long(150)))

    assert problems == ["meeting.title: too long (151 characters; at most 150). Shorten it."]
    assert len(report.meeting.title) == 150


def test_timeline_entries_are_at_most_500_characters(panel: Panel) -> None:
    def doc(n: int) -> dict[str, Any]:
        timeline = [
            {"day": 0, "agency": "Police", "entry": "Report received"},
            {"day": 1, "agency": "Police", "entry": _long(n)},
        ]
        return panel.meeting_doc(cases=[panel.case_doc("BG-01", timeline=timeline)])

    problems = _problems(panel, doc(501))
    panel.import_meeting(doc(500))

    assert (
        "cases[BG-01].timeline[1].entry: too long (501 characters; at most 500). Shorten it."
        in (problems)
    )
    [case] = panel.service.meetings.cases(panel.MEETING_ID)
    assert len(case.timeline[1].entry) == 500


def test_a_case_with_an_unknown_field_is_refused(panel: Panel) -> None:
    problems = _problems(panel, panel.meeting_doc(cases=[panel.case_doc("BG-01", victim_name="x")]))

    assert (
        "cases[BG-01].victim_name: not a known key (the keys here are ref, offence, outcome, "
        "summary, timeline)"
    ) in problems


def test_a_missing_meeting_field_is_named(panel: Panel) -> None:
    doc = panel.meeting_doc()
    del doc["meeting"]["date"]

    assert _problems(panel, doc) == ['meeting.date: missing; add a line "date: …"']


def test_voting_may_close_on_the_meeting_date_itself(panel: Panel) -> None:
    report = panel.import_meeting(
        panel.meeting_doc(date="2099-03-20", voting_closes="2099-03-20T23:59:00+00:00")
    )

    assert report.meeting.voting_closes == dt.datetime(2099, 3, 20, 23, 59, tzinfo=dt.UTC)


def test_the_late_deadline_check_uses_the_panel_timezone(panel: Panel) -> None:
    # 23:30 UTC on 10 July is 00:30 on 11 July in London (BST), after the meeting.
    doc = panel.meeting_doc(date="2099-07-10", voting_closes="2099-07-10T23:30:00+00:00")

    [problem] = _problems(panel, doc)

    assert problem.startswith("meeting.voting_closes: ")
    assert "after the meeting date 2099-07-10" in problem


def test_a_naive_deadline_is_read_in_the_panel_timezone(panel: Panel) -> None:
    report = panel.import_meeting(
        panel.meeting_doc(date="2099-07-10", voting_closes="2099-07-08T17:00:00")
    )

    # 17:00 British Summer Time is 16:00 UTC.
    assert report.meeting.voting_closes == dt.datetime(2099, 7, 8, 16, 0, tzinfo=dt.UTC)
    stored = panel.service.meetings.get_meeting(panel.MEETING_ID)
    assert stored.voting_closes == dt.datetime(2099, 7, 8, 16, 0, tzinfo=dt.UTC)


def test_an_impossible_date_is_a_problem_line(panel: Panel) -> None:
    path = panel.tmp / "feb30.yaml"
    path.write_text(
        "meeting:\n  id: m1\n  title: T\n  date: 2099-02-30\n"
        "  voting_closes: 2099-02-27T17:00:00\n"
        "cases:\n  - {ref: BG-01, offence: Theft, outcome: Charged, summary: Text.}\n",
        encoding="utf-8",
    )

    with pytest.raises(MeetingFileError) as caught:
        panel.service.meetings.import_meeting(path)

    [problem] = caught.value.problems
    assert "date" in problem
    _nothing_stored(panel)


def test_a_missing_meeting_file_is_one_line(panel: Panel) -> None:
    missing = panel.tmp / "nope.yaml"

    with pytest.raises(MeetingFileError) as caught:
        panel.service.meetings.import_meeting(missing)

    assert caught.value.problems == [f"{missing}: file not found"]


# JSON -------------------------------------------------------------------------------------


def test_a_json_meeting_file_imports_like_yaml(cli: Cli) -> None:
    path = cli.write_meeting(cli.meeting_doc(), "meeting.json")
    assert json.loads(path.read_text())["meeting"]["id"] == cli.MEETING_ID

    result = cli.run("meeting", "import", str(path))

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == (
        f"Imported meeting {cli.MEETING_ID} ({cli.MEETING_TITLE}) with 3 cases; "
        "voting closes Wed 18 Mar 2099 17:00 GMT."
    )
    assert cli.count("cases") == 3


def test_a_json_file_is_validated_and_screened_like_yaml(panel: Panel) -> None:
    case = panel.case_doc("BG-02", outcome=f"Victim contacted on {PHONE}")
    doc = panel.meeting_doc(cases=[panel.case_doc("BG-01", summary="s" * 12_001), case])

    schema = _problems(panel, doc, "bad.json")
    screened = _problems(panel, panel.meeting_doc(cases=[case]), "pd.json")

    assert "cases[BG-01].summary: too long (12,001 characters; at most 12,000). Shorten it." in (
        schema
    )
    [line] = screened
    assert line.startswith("cases[BG-02].outcome: personal data: phone number")
    assert PHONE not in line


def test_invalid_json_is_one_line(panel: Panel) -> None:
    path = panel.tmp / "broken.json"
    path.write_text('{"meeting": {"id": "m1",}', encoding="utf-8")

    with pytest.raises(MeetingFileError) as caught:
        panel.service.meetings.import_meeting(path)

    [problem] = caught.value.problems
    assert problem.startswith(f"{path}: not valid JSON: ")
    assert "line 1, column" in problem
    _nothing_stored(panel)


# Existing meetings and --replace -------------------------------------------------------------


def test_an_existing_meeting_is_refused_without_replace_and_replaced_with_it(cli: Cli) -> None:
    cli.panel().import_meeting()
    changed = cli.meeting_doc(
        title="Burglary (revised)", cases=[cli.case_doc("BG-09"), cli.case_doc("BG-10")]
    )
    path = cli.write_meeting(changed, "revised.yaml")

    refused = cli.run("meeting", "import", str(path))
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"error: meeting.id: a meeting '{cli.MEETING_ID}' already exists; "
        "use --replace to overwrite it"
    ]
    service = cli.panel().service
    assert service.meetings.get_meeting(cli.MEETING_ID).title == cli.MEETING_TITLE
    assert [case.ref for case in service.meetings.cases(cli.MEETING_ID)] == list(cli.REFS)

    replaced = cli.run("meeting", "import", str(path), "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert replaced.stdout.strip() == (
        f"Replaced meeting {cli.MEETING_ID} (Burglary (revised)) with 2 cases; "
        "voting closes Wed 18 Mar 2099 17:00 GMT."
    )
    assert service.meetings.get_meeting(cli.MEETING_ID).title == "Burglary (revised)"
    assert [case.ref for case in service.meetings.cases(cli.MEETING_ID)] == ["BG-09", "BG-10"]
    actions = [entry.action for entry in service.repo.audit_entries(cli.MEETING_ID)]
    assert actions == ["meeting.import", "meeting.replace"]
    replace_entry = service.repo.audit_entries(cli.MEETING_ID)[-1]
    assert replace_entry.old is not None
    assert json.loads(replace_entry.old)["title"] == cli.MEETING_TITLE


def test_replace_is_refused_once_votes_exist(cli: Cli) -> None:
    panel = cli.panel()
    panel.import_meeting()
    panel.vote(panel.members[0], "BG-02")  # ManualClock: well before the deadline
    path = cli.write_meeting(cli.meeting_doc(title="Burglary (revised)"), "revised.yaml")

    result = cli.run("meeting", "import", str(path), "--replace")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: meeting.id: '{cli.MEETING_ID}' already has votes, so it cannot be replaced"
    ]
    assert panel.service.meetings.get_meeting(cli.MEETING_ID).title == cli.MEETING_TITLE
    assert cli.count("votes") == 12
    assert cli.count("cases") == 3


def test_replace_of_a_meeting_without_votes_in_process(imported: Panel) -> None:
    report = imported.import_meeting(
        imported.meeting_doc(cases=[imported.case_doc("BG-01")]), replace=True
    )

    assert report.replaced
    assert imported.count("cases") == 1
    assert imported.count("meetings") == 1


# Deadlines and who may import ----------------------------------------------------------------


def test_a_past_deadline_is_accepted_with_a_warning_and_voting_closed(panel: Panel) -> None:
    panel.clock.set(panel.DEADLINE + dt.timedelta(hours=1))

    report = panel.import_meeting()

    [warning] = report.warnings
    assert warning.startswith("meeting.voting_closes: ")
    assert "already past" in warning
    meeting = panel.service.meetings.get_meeting(panel.MEETING_ID)
    assert meeting.status is MeetingStatus.CLOSED
    assert meeting.closed_at == panel.clock.now()
    with pytest.raises(VotingClosed):
        panel.vote(panel.members[0])
    assert panel.count("votes") == 0


def test_a_future_deadline_imports_open_without_warnings(panel: Panel) -> None:
    report = panel.import_meeting()

    assert report.warnings == ()
    assert report.meeting.status is MeetingStatus.OPEN
    assert report.meeting.voting_closes == panel.DEADLINE
    assert panel.service.meetings.get_meeting(panel.MEETING_ID).is_open


def test_only_the_chair_or_secretariat_may_import(panel: Panel) -> None:
    path = panel.write_meeting()

    with pytest.raises(NotAllowed):
        panel.service.meetings.import_meeting(path, actor=panel.members[0])
    _nothing_stored(panel)

    report = panel.service.meetings.import_meeting(path, actor=panel.secretariat)
    assert report.cases == 3
    [entry] = panel.repo.audit_entries(panel.MEETING_ID)
    assert (entry.actor, entry.action) == (panel.secretariat, "meeting.import")
