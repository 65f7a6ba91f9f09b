"""`vcop demo` explains what it shows: the counts it prints, and the chair's resolution.

Run as the real executable, the way a new user first meets the bot.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import CoreData

#: Words that tie a reason to a right of the Code (from each right's checks in app.yaml).
TOPICS = {
    1: ("interpret", "translat"),
    2: ("recorded", "intermediary", "interview"),
    8: ("trial", "special measures", "witness"),
}


def _demo(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    config = CoreData.write_config(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VCOP_", "SLACK_"))}
    env["VCOP_CONFIG"] = str(config)
    return subprocess.run(
        [CoreData.VCOP, "demo", "--output", str(folder / "out"), *options],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    result = _demo(tmp_path_factory.mktemp("demo"))
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def one_member_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    result = _demo(tmp_path_factory.mktemp("demo1"), "--members", "1")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_explains_30_ballots_and_360_votes(demo_output: str) -> None:
    assert "30/30 ballots submitted" in demo_output
    assert re.search(r"30 ballots \(5 members × 6 cases\).*12 rights.*360 votes", demo_output)
    assert "30/30 votes" not in demo_output
    assert "fewer than the quorum" not in demo_output


def test_demo_explains_why_the_case_stays_undecided_after_a_resolution(demo_output: str) -> None:
    line = next(line for line in demo_output.splitlines() if "stays 'Panel failed" in line)
    assert "still undecided" in line
    assert re.search(r"Rights \d+, \d+ are still undecided", line), line
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


def test_demo_with_one_member_counts_in_the_singular(one_member_output: str) -> None:
    assert "1 member votes on 6 cases through the Vote modal." in one_member_output
    assert "6 ballots (1 member × 6 cases)" in one_member_output
    assert "SH-02: Panel failed to reach a decision (1 voter)" in one_member_output
    assert "1 members" not in one_member_output and "1 voters" not in one_member_output
    assert "case(s)" not in one_member_output
    assert "With 1 voter, fewer than the quorum of 3, no right is decided by the votes" in (
        one_member_output
    )


def test_demo_with_one_member_resolves_the_split_case_with_its_own_reasons(
    one_member_output: str,
) -> None:
    # Too few voters leave every case undecided; the chair still resolves the sample's
    # split case, whose reasons were written for it.
    match = re.search(r"Resolved (SH-\d+) Right (\d+) as [A-Za-z ]+: (.+)", one_member_output)
    assert match is not None, one_member_output
    assert match.group(1) == "SH-06"
    assert any(word in match.group(3).lower() for word in TOPICS[int(match.group(2))])
    assert (
        "stays 'Panel failed to reach a decision': Rights 2–12 are still undecided"
        in one_member_output
    )


@pytest.mark.parametrize("members", ["0", "9"])
def test_demo_refuses_a_member_count_its_panel_cannot_have(tmp_path: Path, members: str) -> None:
    result = _demo(tmp_path, "--members", members)

    assert result.returncode != 0
    assert f"--members {members}: the demo panel has 5 members, so choose from 1 to 5" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
