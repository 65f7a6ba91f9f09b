"""The common first-day mistakes, each answered in one plain line: where, and what to do.

Files are written by hand here, as a secretariat types them (flow entries,
unquoted text, UK dates, Windows-1252 from Word), and imported with the real
`vcop` executable.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import TypeAdapter, ValidationError

from bot.config import load_settings
from bot.models import Finding
from bot.plain_errors import plain_message

if TYPE_CHECKING:
    from conftest import Cli

MEETING = """\
meeting:
  id: 2099-03-burglary
  title: Burglary
  date: {date}
  voting_closes: {closes}
cases:
  - ref: BG-01
    {offence_key}: Burglary of a dwelling
    outcome: {outcome}
    summary: The victim reported a break-in. The OIC attended the same day.
    timeline:
      - {{day: 0, agency: Police, entry: Report received and crime recorded}}
      - {entry}
"""
GOOD = {
    "date": "2099-03-20",
    "closes": "2099-03-18 17:00",
    "offence_key": "offence",
    "outcome": "Charged; guilty plea",
    "entry": "{day: 3, agency: Court, entry: Fine and compensation order}",
}
# A regex as pydantic quotes it: "String should match pattern '^[CG][A-Z0-9]{2,20}$'".
PATTERN_TEXT = re.compile(r"pattern|\^\[|\]\{|\$'")


def _meeting(cli: Cli, name: str = "meeting.yaml", **changes: str) -> Path:
    path = cli.tmp / name
    path.write_text(MEETING.format(**{**GOOD, **changes}), encoding="utf-8")
    return path


def _import_problems(cli: Cli, path: Path) -> list[str]:
    result = cli.run("meeting", "import", str(path))
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert cli.count("meetings") == 0
    lines = result.stderr.splitlines()
    for line in lines:
        assert not PATTERN_TEXT.search(line), line
    return lines


def test_the_hand_written_meeting_file_used_below_imports(cli: Cli) -> None:
    result = cli.run("meeting", "import", str(_meeting(cli)))

    assert result.returncode == 0, result.stderr


def test_a_comma_inside_an_unquoted_flow_entry_says_to_quote_it_with_the_line(cli: Cli) -> None:
    path = _meeting(cli, entry="{day: 3, agency: Court, entry: Fine, compensation and order}")

    [line] = _import_problems(cli, path)

    assert line.startswith("cases[BG-01].timeline[1]: "), line
    assert "line 13" in line
    assert "quotes" in line
    # The stray text is case content: it is not repeated in the message.
    assert "compensation and order" not in line


def test_a_colon_inside_unquoted_text_says_to_quote_it_with_the_line(cli: Cli) -> None:
    path = _meeting(cli, outcome="Charged: guilty plea at first hearing")

    [line] = _import_problems(cli, path)

    assert "line 9" in line and "quotes" in line, line
    assert "guilty plea" not in line


def test_a_colon_inside_unquoted_text_in_a_flow_entry_says_to_quote_it(cli: Cli) -> None:
    path = _meeting(cli, entry="{day: 3, agency: Court, entry: Outcome: fine}")

    [line] = _import_problems(cli, path)

    assert "line 13" in line and "quotes" in line, line


@pytest.mark.parametrize(
    ("changes", "where", "example"),
    [
        ({"date": "17/09/2025"}, "meeting.date: ", "e.g. 2025-09-17"),
        (
            {"closes": "15/09/2025 17:00", "date": "2099-03-20"},
            "meeting.voting_closes: ",
            "2025-09-15 17:00",
        ),
    ],
    ids=["meeting-date", "deadline"],
)
def test_a_uk_date_says_dates_are_written_yyyy_mm_dd(
    cli: Cli, changes: dict[str, str], where: str, example: str
) -> None:
    problems = _import_problems(cli, _meeting(cli, **changes))

    [line] = [p for p in problems if p.startswith(where)]
    assert "dates are written YYYY-MM-DD" in line
    assert example in line


def test_a_file_saved_as_windows_1252_says_to_save_it_as_utf8(cli: Cli) -> None:
    text = MEETING.format(**{**GOOD, "outcome": "Charged – guilty plea, £250 costs"})
    path = cli.tmp / "from-word.yaml"
    path.write_bytes(text.encode("cp1252"))

    [line] = _import_problems(cli, path)

    assert line.startswith(f"{path}: ")
    assert "save it again as UTF-8" in line
    assert "line 9" in line
    for jargon in ("codec", "decode", "byte", "0x", "position"):
        assert jargon not in line, jargon


def test_a_misspelt_key_suggests_the_nearest_known_one(cli: Cli) -> None:
    problems = _import_problems(cli, _meeting(cli, offence_key="offense"))

    # One mistake, one line: not also "offence: missing".
    assert problems == ["cases[BG-01].offense: not a known key; did you mean offence?"]


def _config(cli: Cli, edit: Any) -> Path:
    return cli.write_config(cli.tmp, edit, name="edited-app.yaml")


def test_a_channel_name_in_app_yaml_asks_for_the_channel_id_and_says_where_it_is(
    cli: Cli,
) -> None:
    def channel_name(raw: dict[str, Any]) -> None:
        raw["panel"]["channel"] = "#vcop-panel"

    result = cli.run("meeting", "list", config=_config(cli, channel_name))

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("panel.channel: ")
    assert "C0123ABCD" in line and "About" in line
    assert not PATTERN_TEXT.search(line), line


def test_a_single_user_id_where_a_list_is_expected_is_accepted(cli: Cli) -> None:
    def single(raw: dict[str, Any]) -> None:
        raw["panel"]["chair"] = "U0CHAIR01"
        raw["panel"]["secretariat"] = "U0SECRET1"
        raw["panel"]["members"] = "U0POLICE1, U0CPS0001, U0COURTS1"

    config = _config(cli, single)
    path = _meeting(cli)

    result = cli.run("meeting", "import", str(path), config=config)

    assert result.returncode == 0, result.stderr
    settings = load_settings(config, env={"VCOP_DB": str(cli.db_path)})
    assert settings.panel.chair == ("U0CHAIR01",)
    assert settings.panel.members == ("U0POLICE1", "U0CPS0001", "U0COURTS1")


def test_a_malformed_member_id_names_the_key_without_regex_text(cli: Cli) -> None:
    def lower(raw: dict[str, Any]) -> None:
        raw["panel"]["members"][1] = "u0cps0001"

    result = cli.run("meeting", "list", config=_config(cli, lower))

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("panel.members[1]: ")
    assert "Slack member ID" in line and "Copy member ID" in line
    assert not PATTERN_TEXT.search(line), line


def test_no_message_for_a_malformed_meeting_id_or_case_ref_shows_regex_text(cli: Cli) -> None:
    doc = cli.meeting_doc(meeting_id="my meeting!", cases=[cli.case_doc("BG 01")])

    problems = _import_problems(cli, cli.write_meeting(doc))

    assert any(p.startswith("meeting.id: ") for p in problems), problems
    assert any(".ref: " in p for p in problems), problems


def test_a_misspelt_key_in_app_yaml_suggests_the_nearest_known_one(cli: Cli) -> None:
    def misspelt(raw: dict[str, Any]) -> None:
        raw["voting"]["quorom"] = raw["voting"].pop("quorum")

    result = cli.run("meeting", "list", config=_config(cli, misspelt))

    assert result.returncode == 2
    assert result.stderr.splitlines() == ["voting.quorom: not a known key; did you mean quorum?"]


def test_an_app_yaml_saved_as_windows_1252_says_to_save_it_as_utf8(cli: Cli) -> None:
    config = cli.tmp / "word-app.yaml"
    text = cli.SHIPPED_CONFIG.read_text(encoding="utf-8").replace(
        "name: Example LCJB", "name: Example LCJB – Côte"
    )
    config.write_bytes(text.encode("cp1252", errors="replace"))

    result = cli.run("meeting", "list", config=config)

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "save it again as UTF-8" in line and "codec" not in line


def test_a_choice_outside_an_enum_lists_the_choices_without_pydantic_wording() -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Finding).validate_python("maybe")
    [item] = caught.value.errors(include_url=False)
    message = plain_message(item)
    assert message.startswith("should be one of 'Met', 'Partially met', ")
    assert "Input should" not in message


def test_empty_quoted_text_in_a_meeting_file_says_it_must_not_be_empty(cli: Cli) -> None:
    path = _meeting(cli, outcome='""')
    assert _import_problems(cli, path) == ["cases[BG-01].outcome: must not be empty"]


# What YAML reads where text was meant ------------------------------------------------------
PYDANTIC_WORDS = ("Field required", "Input should", "valid string", "Value error")


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        pytest.param("", "cases[BG-01].outcome: is empty; fill it in", id="nothing-after-colon"),
        pytest.param(
            "yes",
            "cases[BG-01].outcome: reads as yes or no, not as text; put the text in quotes, "
            'such as outcome: "…"',
            id="unquoted-yes",
        ),
        pytest.param(
            "2024",
            "cases[BG-01].outcome: reads as a number, not as text; put it in quotes, "
            'such as outcome: "…"',
            id="unquoted-number",
        ),
        pytest.param(
            "[Charged, Convicted]",
            "cases[BG-01].outcome: is a list; write one piece of text here",
            id="a-list",
        ),
    ],
)
def test_a_value_yaml_does_not_read_as_text_says_what_it_read_and_what_to_do(
    cli: Cli, outcome: str, expected: str
) -> None:
    problems = _import_problems(cli, _meeting(cli, outcome=outcome))

    assert problems == [expected]


def test_a_missing_key_names_the_line_to_add_without_pydantic_words(cli: Cli) -> None:
    text = MEETING.format(**GOOD).replace("    outcome: Charged; guilty plea\n", "")
    path = cli.tmp / "meeting.yaml"
    path.write_text(text, encoding="utf-8")

    problems = _import_problems(cli, path)

    assert problems == ['cases[BG-01].outcome: missing; add a line "outcome: …"']


def test_a_number_that_reads_as_text_is_never_echoed_in_the_message(cli: Cli) -> None:
    # A number typed where text goes may be somebody's: it is not repeated on the screen.
    problems = _import_problems(cli, _meeting(cli, outcome="48213"))

    assert problems == [
        "cases[BG-01].outcome: reads as a number, not as text; put it in quotes, "
        'such as outcome: "…"'
    ]
    assert "48213" not in problems[0]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(
            lambda raw: raw["panel"].update(name=None),
            "panel.name: is empty; fill it in",
            id="empty-panel-name",
        ),
        pytest.param(
            lambda raw: raw["rights"].update(code_edition=2021),
            "rights.code_edition: reads as a number, not as text; put it in quotes, "
            'such as code_edition: "…"',
            id="unquoted-code-edition",
        ),
        pytest.param(
            lambda raw: raw["voting"].update(quorum=None),
            "voting.quorum: is empty; type a whole number such as 3.",
            id="empty-whole-number",
        ),
    ],
)
def test_app_yaml_values_that_are_not_what_the_key_takes_are_named_plainly(
    cli: Cli, edit: Any, expected: str
) -> None:
    config = _config(cli, edit)

    result = cli.run("meeting", "list", config=config)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [expected]
    for words in PYDANTIC_WORDS:
        assert words not in result.stderr, words


@pytest.mark.parametrize(
    ("written", "suggested"),
    [
        pytest.param("London", "Europe/London", id="city-alone"),
        pytest.param("europe/london", "Europe/London", id="lower-case"),
        pytest.param("New York", "America/New_York", id="space-for-underscore"),
        pytest.param("GMT+1", "Europe/London", id="offset-never-etc-zone"),
    ],
)
def test_an_unknown_timezone_suggests_an_area_city_name(
    cli: Cli, written: str, suggested: str
) -> None:
    config = _config(cli, lambda raw: raw["voting"].update(timezone=written))

    result = cli.run("meeting", "list", config=config)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"voting.timezone: unknown timezone {written!r}; timezones are written Area/City, "
        f"such as {suggested}"
    ]


@pytest.mark.parametrize(
    ("kind", "value"),
    [("int", "three"), ("float", "x"), ("bool", "perhaps"), ("str", 3), ("date", "soon")],
)
def test_no_plain_message_keeps_pydantics_own_words(kind: str, value: object) -> None:
    import datetime as dt

    types = {"int": int, "float": float, "bool": bool, "str": str, "date": dt.date}
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(types[kind]).validate_python(value, strict=kind == "str")
    [item] = caught.value.errors(include_url=False)

    message = plain_message(item)

    for words in PYDANTIC_WORDS:
        assert words not in message, (words, message)
