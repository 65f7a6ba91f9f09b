"""`vcop demo` explains what it shows: the counts it prints, and the chair's resolution.

Run as the real executable, the way a new user first meets the bot.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from conftest import CoreData

#: Words that tie a reason to a right of the Code (from each right's checks in app.yaml).
TOPICS = {
    1: ("interpret", "translat"),
    2: ("recorded", "intermediary", "interview"),
    8: ("trial", "special measures", "witness"),
}


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("demo")
    config = CoreData.write_config(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VCOP_", "SLACK_"))}
    env["VCOP_CONFIG"] = str(config)
    result = subprocess.run(
        [CoreData.VCOP, "demo", "--output", str(folder / "out")],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_explains_30_ballots_and_360_votes(demo_output: str) -> None:
    assert "30/30 ballots submitted" in demo_output
    assert re.search(r"30 ballots \(5 members × 6 cases\).*12 rights.*360 votes", demo_output)
    assert "30/30 votes" not in demo_output


def test_demo_explains_why_the_case_stays_undecided_after_a_resolution(demo_output: str) -> None:
    line = next(line for line in demo_output.splitlines() if "stays 'Panel failed" in line)
    assert "still undecided" in line
    assert re.search(r"Right \d+ and Right \d+ are still undecided", line), line
    assert "one undecided right is enough" in line


def test_the_demo_resolution_reason_is_about_the_right_it_resolves(demo_output: str) -> None:
    match = re.search(r"Resolved SH-06 Right (\d+) as [A-Za-z ]+: (.+)", demo_output)
    assert match is not None, demo_output
    right, reason = int(match.group(1)), match.group(2).lower()
    assert any(word in reason for word in TOPICS[right]), (right, reason)
    for other, words in TOPICS.items():
        if other != right:
            own = set(TOPICS[right])
            assert not any(w in reason for w in words if w not in own), (other, reason)
