"""No command deletes or replaces a file it did not write.

Every command that writes files (`vcop demo --output`, `vcop summary --output`
and its default DOCX name) runs here as the real executable, pointed at a
folder that already holds someone's work.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import docx

if TYPE_CHECKING:
    from conftest import Cli

DEMO_FILES = (
    "2025-09-stalking-draft-summary.md",
    "2025-09-stalking-draft-summary.docx",
    "2025-09-stalking-annex.docx",
)


def _someones_work(folder: Path) -> dict[Path, bytes]:
    """A folder with a user's files in it, one of them in a subfolder."""
    (folder / "drafts").mkdir(parents=True)
    files = {
        folder / "minutes.docx": b"the chair's edited minutes",
        folder / "drafts" / "notes.txt": b"my notes",
    }
    for path, content in files.items():
        path.write_bytes(content)
    return files


def test_demo_writes_beside_the_files_already_in_its_output_folder(cli: Cli) -> None:
    folder = cli.tmp / "work"
    before = _someones_work(folder)

    result = cli.run("demo", "--output", str(folder))

    assert result.returncode == 0, result.stderr
    for path, content in before.items():
        assert path.read_bytes() == content, path
    for name in DEMO_FILES:
        assert (folder / name).stat().st_size > 0, name
    assert docx.Document(str(folder / DEMO_FILES[1])).paragraphs
    # Its database is not left among the user's files.
    assert not list(folder.glob("*.db*"))


def test_demo_run_twice_replaces_only_its_own_unchanged_files(cli: Cli) -> None:
    folder = cli.tmp / "demo"
    first = cli.run("demo", "--output", str(folder))
    assert first.returncode == 0, first.stderr
    (folder / "mine.txt").write_text("keep me")

    second = cli.run("demo", "--output", str(folder))

    assert second.returncode == 0, second.stderr
    assert (folder / "mine.txt").read_text() == "keep me"
    record = json.loads((folder / ".vcop-demo-files.json").read_text())
    assert set(record["files"]) == set(DEMO_FILES)


def test_demo_refuses_with_exit_2_when_its_file_name_is_taken_by_another_file(cli: Cli) -> None:
    folder = cli.tmp / "taken"
    folder.mkdir()
    (folder / DEMO_FILES[0]).write_text("a summary someone wrote by hand")

    result = cli.run("demo", "--output", str(folder))

    assert result.returncode == 2
    assert str(folder) in result.stderr
    assert DEMO_FILES[0] in result.stderr
    assert "Traceback" not in result.stderr
    assert (folder / DEMO_FILES[0]).read_text() == "a summary someone wrote by hand"
    assert sorted(p.name for p in folder.iterdir()) == [DEMO_FILES[0]]


def test_demo_refuses_to_replace_its_own_file_once_someone_has_edited_it(cli: Cli) -> None:
    folder = cli.tmp / "edited"
    assert cli.run("demo", "--output", str(folder)).returncode == 0
    markdown = folder / DEMO_FILES[0]
    markdown.write_text(markdown.read_text() + "\nThe chair's comments.\n")
    edited = markdown.read_bytes()

    result = cli.run("demo", "--output", str(folder))

    assert result.returncode == 2
    assert str(folder) in result.stderr
    assert markdown.read_bytes() == edited


def test_demo_output_that_is_a_file_is_refused_and_left_alone(cli: Cli) -> None:
    target = cli.tmp / "report.docx"
    target.write_bytes(b"not a folder")

    result = cli.run("demo", "--output", str(target))

    assert result.returncode == 2
    assert str(target) in result.stderr
    assert target.read_bytes() == b"not a folder"


def test_summary_output_never_replaces_an_existing_file(cli: Cli) -> None:
    cli.panel().import_meeting()
    for fmt, name in (("md", "summary.md"), ("csv", "summary.csv"), ("docx", "summary.docx")):
        target = cli.tmp / name
        target.write_bytes(b"the secretariat's edited copy")

        result = cli.run("summary", cli.MEETING_ID, "--format", fmt, "--output", str(target))

        assert result.returncode == 2, (fmt, result.stdout)
        assert str(target) in result.stderr and "Traceback" not in result.stderr
        assert target.read_bytes() == b"the secretariat's edited copy", fmt


def test_summary_docx_default_name_steps_aside_for_an_existing_file(cli: Cli) -> None:
    cli.panel().import_meeting()
    existing = cli.tmp / f"{cli.MEETING_ID}-summary.docx"
    existing.write_bytes(b"an earlier, edited copy")

    result = cli.run("summary", cli.MEETING_ID, "--format", "docx")

    assert result.returncode == 0, result.stderr
    assert existing.read_bytes() == b"an earlier, edited copy"
    written = cli.tmp / f"{cli.MEETING_ID}-summary (2).docx"
    assert result.stdout.strip() == f"Wrote {written.name}"
    assert docx.Document(str(written)).paragraphs
