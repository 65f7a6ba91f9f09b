"""app.yaml → Settings: the shipped file loads, the environment overrides it, and
every mistake is one ``path.to.key: what is wrong`` line (exit 2 from the CLI)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import ConfigError, load_settings, parse_duration

if TYPE_CHECKING:
    from conftest import Cli, ConfigMutator, CoreData


def _set(section: str, key: str, value: object) -> ConfigMutator:
    def mutate(raw: dict[str, Any]) -> None:
        raw[section][key] = value

    return mutate


def _problems(core: type[CoreData], tmp_path: Path, mutate: ConfigMutator) -> list[str]:
    """The problem lines load_settings reports for the shipped app.yaml changed by ``mutate``."""
    path = core.write_config(tmp_path, mutate)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    return caught.value.problems


def _drop_channel(raw: dict[str, Any]) -> None:
    del raw["panel"]["channel"]


def _bad_member(raw: dict[str, Any]) -> None:
    raw["panel"]["members"][1] = "bob"


def _misnumber_rights(raw: dict[str, Any]) -> None:
    raw["rights"]["items"][2]["number"] = 7


def _unknown_top_level_key(raw: dict[str, Any]) -> None:
    raw["colour"] = "red"


def _unknown_panel_key(raw: dict[str, Any]) -> None:
    raw["panel"]["vice_chair"] = ["U0VICE001"]


def _repeated_member(raw: dict[str, Any]) -> None:
    raw["panel"]["members"].append("U0POLICE1")


def _bad_working_day(raw: dict[str, Any]) -> None:
    raw["voting"]["working_hours"]["days"] = ["Mon", "Funday"]


def _working_hours_backwards(raw: dict[str, Any]) -> None:
    raw["voting"]["working_hours"]["start"] = "18:00"
    raw["voting"]["working_hours"]["end"] = "08:00"


def _bad_regex(raw: dict[str, Any]) -> None:
    raw["anonymity"]["extra_reference_patterns"] = ["(unclosed"]


# The shipped app.yaml and the environment ---------------------------------------


def test_shipped_app_yaml_loads_with_the_twelve_rights_of_the_2021_code(
    core: type[CoreData],
) -> None:
    loaded = load_settings(core.SHIPPED_CONFIG, env={})

    assert loaded.rights.code_edition == "2021"
    assert len(loaded.rights) == 12
    assert loaded.rights.numbers == list(range(1, 13))
    assert loaded.rights.get(1).label == "Right 1 · Understand and be understood"
    assert loaded.rights.get(3).label == "Right 3 · Information when reporting"
    assert loaded.rights.get(12).label == "Right 12 · Making a complaint"
    assert loaded.panel.channel == "C0PANEL001"
    assert loaded.panel.members == (
        "U0POLICE1",
        "U0CPS0001",
        "U0COURTS1",
        "U0PROBAT1",
        "U0YJS0001",
    )
    assert (loaded.voting.quorum, loaded.voting.majority) == (3, 0.5)
    assert loaded.voting.timezone == "Europe/London"
    assert loaded.voting.reminders == (
        dt.timedelta(hours=72),
        dt.timedelta(hours=24),
        dt.timedelta(hours=2),
    )
    assert loaded.voting.reminder_grace == dt.timedelta(hours=2)
    # Relative to the folder holding app.yaml, not to wherever the command runs.
    assert loaded.storage.database == str(core.SHIPPED_CONFIG.parent / "vcop.db")


def test_roles_come_from_the_panel_section(core: type[CoreData]) -> None:
    loaded = load_settings(core.SHIPPED_CONFIG, env={})

    assert loaded.is_member("U0POLICE1")
    assert not loaded.is_member("U0CHAIR01")
    assert loaded.is_chair("U0CHAIR01")
    assert not loaded.is_chair("U0POLICE1")
    assert loaded.is_secretariat("U0SECRET1")


def test_vcop_db_overrides_storage_database(core: type[CoreData]) -> None:
    loaded = load_settings(core.SHIPPED_CONFIG, env={"VCOP_DB": "/srv/panel/votes.db"})

    assert loaded.storage.database == "/srv/panel/votes.db"


def test_vcop_db_applies_even_without_a_storage_section(
    core: type[CoreData], tmp_path: Path
) -> None:
    path = core.write_config(tmp_path, lambda raw: raw.pop("storage"))

    assert load_settings(path, env={}).storage.database == str(tmp_path / "vcop.db")
    # An environment path is relative to the working folder, as any is.
    assert load_settings(path, env={"VCOP_DB": "x.db"}).storage.database == str(Path.cwd() / "x.db")


def test_vcop_config_names_the_file_to_load(core: type[CoreData], tmp_path: Path) -> None:
    path = core.write_config(tmp_path, _set("panel", "name", "Elsewhere panel"), "other.yaml")

    assert load_settings(env={"VCOP_CONFIG": str(path)}).panel.name == "Elsewhere panel"


# One `path: message` line per problem ---------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            _drop_channel, 'panel.channel: missing; add a line "channel: …"', id="missing-channel"
        ),
        pytest.param(
            _set("panel", "channel", "#general"),
            "panel.channel: '#general' is the channel's name; the bot needs its ID, such as "
            "C0123ABCD",
            id="channel-not-an-id",
        ),
        pytest.param(_bad_member, "panel.members[1]: is not a Slack member ID", id="bad-member-id"),
        pytest.param(
            _repeated_member,
            "panel.members: listed more than once: U0POLICE1",
            id="repeated-member",
        ),
        pytest.param(
            _set("voting", "majority", 1.5),
            "voting.majority: too large; it must be less than 1",
            id="majority-1.5",
        ),
        pytest.param(
            _set("voting", "quorum", 0),
            "voting.quorum: too small; the least allowed is 1",
            id="quorum-0",
        ),
        pytest.param(
            _set("voting", "timezone", "Mars/Olympus"),
            "voting.timezone: unknown timezone 'Mars/Olympus'; timezones are written Area/City, "
            "such as Europe/London",
            id="unknown-timezone",
        ),
        pytest.param(
            _set("voting", "reminders", ["72h", "3x"]),
            "voting.reminders[1]: '3x' is not a duration like 72h, 90m or 2d",
            id="bad-reminder",
        ),
        pytest.param(
            _set("voting", "reminders", ["0h"]),
            "voting.reminders: reminder offsets must be positive durations before the close",
            id="zero-reminder",
        ),
        pytest.param(
            _set("voting", "reminder_grace", "soon"),
            "voting.reminder_grace: 'soon' is not a duration like 72h, 90m or 2d",
            id="bad-grace",
        ),
        pytest.param(
            _bad_working_day,
            "voting.working_hours.days: unknown day 'Funday'",
            id="bad-working-day",
        ),
        pytest.param(
            _working_hours_backwards,
            "voting.working_hours: start must be before end",
            id="working-hours-backwards",
        ),
        pytest.param(
            _unknown_top_level_key,
            "colour: not a known key (the keys here are panel, voting, storage,",
            id="unknown-top-level-key",
        ),
        pytest.param(
            _unknown_panel_key,
            "panel.vice_chair: not a known key; did you mean chair?",
            id="unknown-panel-key",
        ),
        pytest.param(
            _bad_regex,
            "anonymity.extra_reference_patterns: ",
            id="bad-reference-regex",
        ),
    ],
)
def test_each_config_mistake_is_one_path_and_message_line(
    core: type[CoreData], tmp_path: Path, mutate: ConfigMutator, expected: str
) -> None:
    problems = _problems(core, tmp_path, mutate)

    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems
    where, _, message = problems[0].partition(": ")
    assert where and message


def test_rights_misnumbered_is_reported_under_rights(core: type[CoreData], tmp_path: Path) -> None:
    [problem] = _problems(core, tmp_path, _misnumber_rights)

    where, _, message = problem.partition(": ")
    assert where in {"rights", "rights.items"}
    assert message.endswith("must be numbered 1..12 in order")


def test_quorum_greater_than_members_is_reported_at_voting_quorum(
    core: type[CoreData], tmp_path: Path
) -> None:
    [problem] = _problems(core, tmp_path, _set("voting", "quorum", 9))

    assert problem.startswith("voting.quorum: "), problem
    assert "9" in problem and "5 members" in problem


def test_quorum_greater_than_members_is_refused(core: type[CoreData], tmp_path: Path) -> None:
    [problem] = _problems(core, tmp_path, _set("voting", "quorum", 9))

    assert problem == (
        "voting.quorum: 9 is more than the panel's 5 members, so no right could ever be decided"
    )


def test_a_bad_chair_id_is_exactly_one_problem(core: type[CoreData], tmp_path: Path) -> None:
    problems = _problems(core, tmp_path, _set("panel", "chair", ["bob"]))

    assert len(problems) == 1, problems
    assert problems[0].startswith("panel.chair[0]: ")


def test_several_mistakes_are_all_reported_one_line_each(
    core: type[CoreData], tmp_path: Path
) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _drop_channel(raw)
        raw["voting"]["majority"] = 1.5
        raw["voting"]["timezone"] = "Nowhere/Land"
        raw["colour"] = "red"

    problems = _problems(core, tmp_path, mutate)

    assert sorted(p.split(": ", 1)[0] for p in problems) == [
        "colour",
        "panel.channel",
        "voting.majority",
        "voting.timezone",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "(top level): app.yaml must be a mapping of sections"),
        ("- just\n- a list\n", "(top level): app.yaml must be a mapping of sections"),
        ("panel: [unclosed\n", "not valid YAML"),
    ],
    ids=["empty", "a-list", "broken-yaml"],
)
def test_an_unreadable_config_is_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert len(caught.value.problems) == 1
    assert expected in caught.value.problems[0]
    assert "\n" not in caught.value.problems[0]


def test_a_missing_config_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"

    with pytest.raises(ConfigError) as caught:
        load_settings(env={"VCOP_CONFIG": str(missing)})

    assert caught.value.problems == [
        f"{missing}: config file not found (VCOP_CONFIG names it); set VCOP_CONFIG to the "
        "path of your app.yaml, unset it to use app.yaml in the current folder, or create "
        "this one with `vcop init`"
    ]


def test_a_config_path_naming_a_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"VCOP_CONFIG": str(tmp_path)})

    assert caught.value.problems == [
        f"{tmp_path}: is a folder; give the path of the app.yaml in it"
    ]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("08:00", "18:00", (dt.time(8, 0), dt.time(18, 0))),
        ("9:30", "17:00", (dt.time(9, 30), dt.time(17, 0))),
    ],
    ids=["08:00-18:00", "9:30-17:00"],
)
def test_unquoted_working_hours_are_read_as_clock_times_or_reported(
    core: type[CoreData],
    tmp_path: Path,
    start: str,
    end: str,
    expected: tuple[dt.time, dt.time],
) -> None:
    text = core.SHIPPED_CONFIG.read_text(encoding="utf-8")
    quoted = '{start: "08:00", end: "18:00",'
    assert quoted in text
    path = tmp_path / "app.yaml"
    path.write_text(text.replace(quoted, f"{{start: {start}, end: {end},"), encoding="utf-8")

    try:
        loaded = load_settings(path, env={})
    except ConfigError as exc:
        assert all(p.startswith("voting.working_hours.") for p in exc.problems), exc.problems
    else:
        hours = loaded.voting.working_hours
        assert (hours.start, hours.end) == expected


def test_an_impossible_yaml_date_in_the_config_is_a_config_error(
    core: type[CoreData], tmp_path: Path
) -> None:
    text = core.SHIPPED_CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "app.yaml"
    path.write_text(text.replace("panel:\n", "panel:\n  since: 2024-02-30\n", 1), "utf-8")

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert len(caught.value.problems) == 1


# Durations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("72h", dt.timedelta(hours=72)),
        ("90m", dt.timedelta(minutes=90)),
        ("2d", dt.timedelta(days=2)),
        ("1h30m", dt.timedelta(hours=1, minutes=30)),
        ("1d 2h", dt.timedelta(days=1, hours=2)),
        (24, dt.timedelta(hours=24)),
        (1.5, dt.timedelta(hours=1.5)),
    ],
)
def test_durations_parse(text: object, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "72", "h", "3x", "72h junk", "-2h", "1w", True])
def test_non_durations_are_refused(text: object) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@settings(max_examples=40, deadline=None)
@given(
    days=st.integers(0, 30),
    hours=st.integers(0, 48),
    minutes=st.integers(0, 600),
)
def test_any_day_hour_minute_combination_parses(days: int, hours: int, minutes: int) -> None:
    text = f"{days}d{hours}h{minutes}m"

    assert parse_duration(text) == dt.timedelta(days=days, hours=hours, minutes=minutes)
    assert parse_duration(text.upper()) == parse_duration(text)


# Through the real `vcop` executable ---------------------------------------------------


def test_cli_reports_a_broken_config_with_exit_2_and_one_line_per_problem(cli: Cli) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _drop_channel(raw)
        raw["panel"]["members"][0] = "not-a-user"
        raw["voting"]["majority"] = 1.5
        raw["voting"]["timezone"] = "Mars/Olympus"
        raw["voting"]["reminders"] = ["72h", "soonish"]
        raw["colour"] = "red"

    broken = cli.write_config(cli.tmp, mutate, "broken.yaml")

    result = cli.run("meeting", "list", config=broken)

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert sorted(line.split(": ", 1)[0] for line in lines) == [
        "colour",
        "panel.channel",
        "panel.members[0]",
        "voting.majority",
        "voting.reminders[1]",
        "voting.timezone",
    ]
    assert (
        "voting.timezone: unknown timezone 'Mars/Olympus'; timezones are written Area/City, "
        "such as Europe/London" in lines
    )
    assert not cli.db_path.exists(), "nothing may touch the database before the config is valid"


def test_every_command_validates_the_config_first(cli: Cli) -> None:
    broken = cli.write_config(cli.tmp, _drop_channel, "broken.yaml")
    cli.write_meeting()
    commands = [
        ["serve", "--http", "--port", "1"],
        ["demo", "--output", "demo-out"],
        ["meeting", "import", "meeting.yaml"],
    ]

    results = cli.run_all(commands, config=broken)

    for command, result in zip(commands, results, strict=True):
        assert result.returncode == 2, command
        assert result.stderr.splitlines() == ['panel.channel: missing; add a line "channel: …"'], (
            command
        )
        assert result.stdout == ""
    assert not cli.db_path.exists()
    assert not (cli.tmp / "demo-out").exists()


def test_cli_finds_the_config_through_vcop_config_or_the_working_directory(cli: Cli) -> None:
    missing = cli.tmp / "missing" / "app.yaml"
    elsewhere = cli.tmp / "elsewhere"
    elsewhere.mkdir()

    started = [
        cli.start("manifest", config=missing),
        cli.start("manifest", env={"VCOP_CONFIG": None}),
        cli.start("manifest", env={"VCOP_CONFIG": None}, cwd=elsewhere),
    ]
    named_missing, default_found, default_missing = [cli.finish(p) for p in started]

    assert named_missing.returncode == 2
    assert named_missing.stderr.splitlines() == [
        f"{missing}: config file not found (VCOP_CONFIG names it); set VCOP_CONFIG to the "
        "path of your app.yaml, unset it to use app.yaml in the current folder, or create "
        "this one with `vcop init`"
    ]
    assert default_found.returncode == 0, default_found.stderr
    assert "/vcop" in default_found.stdout
    assert default_missing.returncode == 2
    assert default_missing.stderr.splitlines() == [
        f"app.yaml: config file not found in {elsewhere}; run vcop in the folder that holds "
        "your app.yaml, set VCOP_CONFIG to its path, or create one here with `vcop init`"
    ]


def test_answer_descriptions_and_consensus_come_from_app_yaml_with_defaults(
    core: type[CoreData], tmp_path: Path
) -> None:
    from bot.answers import DEFAULT_DESCRIPTIONS
    from bot.models import VoteOption

    def mutate(raw: dict[str, Any]) -> None:
        raw["rights"].pop("answers")
        raw["rights"]["answers"] = {"descriptions": {"Abstain": "Not counted at all"}}
        raw["voting"].pop("consensus")

    settings_ = load_settings(core.write_config(tmp_path, mutate), env={})
    answers = settings_.rights.answers
    assert answers.describe(VoteOption.ABSTAIN) == "Not counted at all"
    assert answers.describe(VoteOption.MET) == DEFAULT_DESCRIPTIONS[VoteOption.MET]
    assert "Abstain is not counted" in answers.key
    assert settings_.voting.consensus == 0.75


@pytest.mark.parametrize(
    ("descriptions", "expected"),
    [
        ({"Met": "x" * 76}, "rights.answers.descriptions: Value error, Met: the description is 76"),
        ({"Excellent": "Great"}, "'Excellent' is not an answer; use one of: Met, Partially met"),
    ],
)
def test_a_bad_answer_description_names_the_answer_and_the_limit(
    core: type[CoreData], tmp_path: Path, descriptions: dict[str, str], expected: str
) -> None:
    def mutate(raw: dict[str, Any]) -> None:
        raw["rights"]["answers"] = {"descriptions": descriptions}

    [problem] = _problems(core, tmp_path, mutate)
    assert problem.startswith("rights.answers.descriptions: "), problem
    assert expected.split(": ", 1)[1].removeprefix("Value error, ") in problem


def test_consensus_must_be_a_share(core: type[CoreData], tmp_path: Path) -> None:
    [problem] = _problems(core, tmp_path, _set("voting", "consensus", 1.5))
    assert problem.startswith("voting.consensus: "), problem
