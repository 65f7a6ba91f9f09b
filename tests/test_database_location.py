"""Every command finds the same database, whichever folder it is run from.

A relative ``storage.database`` is relative to the folder holding app.yaml (as
every path in a config file is); a relative ``VCOP_DB`` is relative to the
working folder (as every path in the environment is).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Cli


def _panel_folder(cli: Cli) -> Path:
    """A panel's folder, app.yaml with the shipped relative `storage.database: vcop.db`."""
    folder = cli.tmp / "panel"
    folder.mkdir()
    cli.write_config(folder)
    return folder


def test_meeting_list_from_another_folder_finds_the_same_meetings_and_no_stray_db(
    cli: Cli,
) -> None:
    folder = _panel_folder(cli)
    config = folder / "app.yaml"
    meeting = cli.write_meeting()
    no_db: dict[str, str | None] = {"VCOP_DB": None}
    imported = cli.run("meeting", "import", str(meeting), config=config, env=no_db, cwd=folder)
    assert imported.returncode == 0, imported.stderr
    elsewhere = cli.tmp / "elsewhere"
    elsewhere.mkdir()

    listed = cli.run("meeting", "list", config=config, env=no_db, cwd=elsewhere)

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"{cli.MEETING_ID}\t"), listed.stdout
    assert list(elsewhere.iterdir()) == []
    assert cli.table_count(folder / "vcop.db", "meetings") == 1


def test_meeting_list_names_the_database_with_verbose(cli: Cli) -> None:
    folder = _panel_folder(cli)
    elsewhere = cli.tmp / "elsewhere"
    elsewhere.mkdir()
    config = folder / "app.yaml"
    no_db: dict[str, str | None] = {"VCOP_DB": None}

    for argv in (["-v", "meeting", "list"], ["meeting", "list", "-v"]):
        result = cli.run(*argv, config=config, env=no_db, cwd=elsewhere)

        assert result.returncode == 0, result.stderr
        assert f"database: {folder / 'vcop.db'}" in result.stderr, argv


def test_meeting_list_with_no_database_yet_names_it_and_creates_none(cli: Cli) -> None:
    folder = _panel_folder(cli)

    result = cli.run(
        "meeting", "list", config=folder / "app.yaml", env={"VCOP_DB": None}, cwd=cli.tmp
    )

    assert result.returncode == 0, result.stderr
    assert str(folder / "vcop.db") in result.stdout
    assert "No meetings yet" in result.stdout
    assert not (folder / "vcop.db").exists()


def test_a_relative_vcop_db_is_relative_to_the_working_folder(cli: Cli) -> None:
    folder = _panel_folder(cli)
    work = cli.tmp / "work"
    work.mkdir()
    env: dict[str, str | None] = {"VCOP_DB": "votes.db"}

    imported = cli.run(
        "meeting", "import", str(cli.write_meeting()), config=folder / "app.yaml", env=env, cwd=work
    )
    listed = cli.run("-v", "meeting", "list", config=folder / "app.yaml", env=env, cwd=work)

    assert imported.returncode == 0, imported.stderr
    assert cli.table_count(work / "votes.db", "meetings") == 1
    assert not (folder / "votes.db").exists() and not (folder / "vcop.db").exists()
    assert f"database: {work / 'votes.db'}" in listed.stderr
