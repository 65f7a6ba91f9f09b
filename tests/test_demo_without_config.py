"""`vcop demo` run in a folder with no app.yaml: the shipped example settings, not an error."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import _vcop_executable


def _run(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VCOP_", "SLACK_"))}
    return subprocess.run(
        [_vcop_executable(), *argv],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_demo_outside_the_checkout_runs_on_the_example_settings_and_says_so(
    tmp_path: Path,
) -> None:
    result = _run(tmp_path, "demo", "--output", "out")

    assert result.returncode == 0, result.stderr
    assert "There is no app.yaml in this folder" in result.stderr
    assert "Traceback" not in result.stderr
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"2025-09-stalking-draft-summary.md", "2025-09-stalking-annex.docx"} <= written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no database left behind


def test_other_commands_outside_the_checkout_still_say_the_config_is_missing(
    tmp_path: Path,
) -> None:
    result = _run(tmp_path, "meeting", "list")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"app.yaml: config file not found in {tmp_path}; run vcop in the folder that holds "
        "your app.yaml, set VCOP_CONFIG to its path, or create one here with `vcop init`"
    )


def test_a_broken_app_yaml_is_reported_to_the_demo_not_replaced_by_the_example(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.yaml").write_text("panel: [\n", encoding="utf-8")

    result = _run(tmp_path, "demo", "--output", "out")

    assert result.returncode == 2
    assert "app.yaml" in result.stderr and "example settings" not in result.stderr
    assert not (tmp_path / "out").exists()
