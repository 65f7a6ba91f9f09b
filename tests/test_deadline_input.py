"""A meeting's deadline is exactly what the secretariat meant, and the import says so.

A time with no offset is panel time (``voting.timezone``, Europe/London: GMT
in winter, BST in summer); an explicit offset is honoured; a date with no time
of day is refused rather than read as midnight.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from bot.panel import PanelServices
from storage.repo import Repository

if TYPE_CHECKING:
    from conftest import Cli


def _import(cli: Cli, voting_closes: str, date: str = "2030-01-10") -> tuple[int, str, str]:
    doc = cli.meeting_doc(date=date, voting_closes="placeholder")
    path = cli.write_meeting(doc)
    text = path.read_text(encoding="utf-8").replace("placeholder", voting_closes)
    path.write_text(text, encoding="utf-8")
    result = cli.run("meeting", "import", str(path))
    return result.returncode, result.stdout, result.stderr


def _stored_deadline(cli: Cli) -> dt.datetime:
    panel = cli.panel()
    return panel.service.meetings.get_meeting(cli.MEETING_ID).voting_closes


def test_a_successful_import_repeats_the_deadline_in_panel_time(cli: Cli) -> None:
    doc = cli.meeting_doc(date="2030-01-10", voting_closes="2030-01-08 17:00")
    doc["cases"] = [cli.case_doc(f"BG-0{n}") for n in range(1, 7)]

    result = cli.run("meeting", "import", str(cli.write_meeting(doc)))

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"Imported meeting {cli.MEETING_ID} ({cli.MEETING_TITLE}) with 6 cases; "
        "voting closes Tue 08 Jan 2030 17:00 GMT.\n"
    )


@pytest.mark.parametrize("written", ["2030-01-08", "'2030-01-08'", "2030-1-8"])
def test_a_deadline_with_no_time_of_day_is_refused_with_a_hint_showing_a_time(
    cli: Cli, written: str
) -> None:
    code, _, stderr = _import(cli, written)

    assert code == 2
    [line] = stderr.splitlines()
    assert line.startswith("meeting.voting_closes: "), line
    assert "write a time too, such as " in line
    assert re.search(r"such as \d{4}-\d\d-\d\d \d\d:\d\d", line), line
    assert cli.count("meetings") == 0


def test_the_hint_for_2030_01_08_shows_that_date_with_a_time(cli: Cli) -> None:
    _, _, stderr = _import(cli, "2030-01-08")

    assert "write a time too, such as 2030-01-08 17:00" in stderr


@pytest.mark.parametrize(
    ("written", "date", "utc", "shown"),
    [
        ("2030-01-08 17:00", "2030-01-10", dt.datetime(2030, 1, 8, 17, 0), "17:00 GMT"),
        ("2030-01-08T17:00:00", "2030-01-10", dt.datetime(2030, 1, 8, 17, 0), "17:00 GMT"),
        ("2030-07-08 17:00", "2030-07-10", dt.datetime(2030, 7, 8, 16, 0), "17:00 BST"),
    ],
    ids=["winter-space", "winter-T", "summer"],
)
def test_a_time_without_an_offset_is_panel_time(
    cli: Cli, written: str, date: str, utc: dt.datetime, shown: str
) -> None:
    code, stdout, stderr = _import(cli, written, date)

    assert code == 0, stderr
    assert stdout.rstrip().endswith(f"{shown}."), stdout
    assert _stored_deadline(cli) == utc.replace(tzinfo=dt.UTC)


def test_an_explicit_offset_is_honoured_and_shown_in_panel_time(cli: Cli) -> None:
    # +01:00 in January is 16:00 GMT: honoured as written, and the echo shows it.
    code, stdout, stderr = _import(cli, "2030-01-08T17:00:00+01:00")

    assert code == 0, stderr
    assert stdout.rstrip().endswith("voting closes Tue 08 Jan 2030 16:00 GMT."), stdout
    assert _stored_deadline(cli) == dt.datetime(2030, 1, 8, 16, 0, tzinfo=dt.UTC)


def test_panel_time_follows_voting_timezone(cli: Cli) -> None:
    def paris(raw: dict[str, Any]) -> None:
        raw["voting"]["timezone"] = "Europe/Paris"

    config = cli.write_config(cli.tmp, paris, name="paris.yaml")
    path = cli.write_meeting(cli.meeting_doc(date="2030-01-10", voting_closes="2030-01-08 17:00"))

    result = cli.run("meeting", "import", str(path), config=config)

    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("voting closes Tue 08 Jan 2030 17:00 CET.")


def _readme_meeting_example(readme: str) -> dict[str, Any]:
    section = readme.split("## The meeting file", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    loaded = yaml.safe_load(block.group(1))
    assert isinstance(loaded, dict)
    return loaded


def test_the_readme_example_deadline_is_panel_time_and_imports_as_documented(
    cli: Cli,
) -> None:
    readme = (cli.SHIPPED_CONFIG.parent / "README.md").read_text(encoding="utf-8")
    example = _readme_meeting_example(readme)
    written = str(example["meeting"]["voting_closes"])
    # No fixed offset in the example: one that is right in summer is an hour out in winter.
    assert "+" not in written and not written.endswith("Z"), written
    path = cli.write_meeting(
        cli.meeting_doc(date=str(example["meeting"]["date"]), voting_closes=written)
    )

    result = cli.run("meeting", "import", str(path))

    assert result.returncode == 0, result.stderr
    echoed = result.stdout.rstrip().rsplit("voting closes ", 1)[1]
    assert f"voting closes {echoed}" in readme
    # The README explains both forms: panel time, and an explicit offset.
    assert "voting.timezone" in readme.split("## The meeting file", 1)[1]
    assert "offset is honoured" in readme


def test_the_sample_meeting_deadline_is_written_in_panel_time(cli: Cli) -> None:
    raw = yaml.safe_load(cli.SAMPLE_MEETING.read_text(encoding="utf-8"))
    written = str(raw["meeting"]["voting_closes"])

    assert "+" not in written, written
    settings = cli.panel().settings
    service = PanelServices(settings, Repository(cli.tmp / "sample.db"))
    try:
        service.meetings.import_meeting(cli.SAMPLE_MEETING)
        closes = service.meetings.get_meeting("2025-09-stalking").voting_closes
    finally:
        service.repo.close()
    assert service.meetings.local_time(closes) == "Mon 15 Sep 2025 17:00 BST"
