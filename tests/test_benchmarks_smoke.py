"""Smoke runs of the benchmarks with tiny N, so CI notices when a benchmark breaks.

These check that each script runs end to end and prints its table with sane
figures; they do not check timing targets, which only mean something on a
quiet machine at full size (see the scripts' docstrings).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent / "benchmarks"


def _load(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # profile_vote imports bench_latency
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _row(output: str, pattern: str) -> list[str]:
    match = re.search(pattern, output, re.M)
    assert match, f"no line matching {pattern!r} in:\n{output}"
    return match.group(0).split()


def test_latency_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("bench_latency")
    assert bench.main(["--quick", "--duration", "1", "--rate", "8"]) == 0
    out = capsys.readouterr().out
    for pattern in ("steady", "burst"):
        for app in ("bot", "bare"):
            cells = _row(out, rf"^{pattern}\s+{app}\s+.*$")
            n, non_200, late, refused = (int(c) for c in cells[2:6])
            p50, p95, p99, worst = (float(c) for c in cells[6:10])
            assert n > 0 and non_200 == 0 and late == 0, cells
            assert refused == 0, f"the bot refused votes: {cells}"
            assert 0 < p50 <= p95 <= p99 <= worst < 3000, cells
        assert _row(out, rf"^{pattern}\s+ratio\s+bot/bare.*$")
    peak = float(_row(out, r"^bot\s+peak RSS \(VmHWM\)\s+\S+")[-1])
    assert 20 < peak < 1000
    calls = _row(out, r"^calls \d+ .*per recorded vote \S+$")
    assert float(calls[-1]) >= 0
    assert _row(out, r"^429 answers during the vote phases \d+")
    commit = re.search(r"p50 ([\d.]+) ms, p99 ([\d.]+) ms, charged ([\d.]+) ms of CPU", out)
    assert commit, out
    assert 0 < float(commit.group(1)) <= float(commit.group(2))
    assert "Targets" in out and "Web API calls per vote <= 1.0" in out


def test_scale_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("bench_scale")
    assert bench.main(["--quick", "--panels", "1", "--meetings-per-year", "2"]) == 0
    out = capsys.readouterr().out
    stored = _row(out, r"^stored\s+.*$")
    assert stored[1] == "2" and stored[5] == "1,536", stored  # 2 meetings, 2×8×8×12 votes
    size = float(_row(out, r"^database size\s+\S+ MB$")[2])
    assert 0 < size < 100
    for label in ("tally of one meeting", "summary of one meeting, Markdown", "DOCX"):
        cells = _row(out, rf"^.*{re.escape(label)}\s+first .*$")
        assert float(cells[cells.index("median") + 1].rstrip(",")) > 0, cells
    export = _row(out, r"^CSV export, every meeting\s+.*$")
    assert export[5] == "s," and export[6] == "192", export  # 2 meetings × 8 cases × 12 rights
    assert "match its own CSV" in out


def test_profile_script_runs(capsys: pytest.CaptureFixture[str]) -> None:
    profile = _load("profile_vote")
    assert profile.main(["--votes", "5", "--members", "6", "--no-profile"]) == 0
    assert re.search(r"5 votes dispatched .* mean [\d.]+ ms", capsys.readouterr().out)


def test_profile_script_compares_the_bots_cpu_with_the_bare_apps_in_one_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    profile = _load("profile_vote")
    assert profile.main(["--votes", "10", "--members", "6", "--compare"]) == 0
    *_, line, context = capsys.readouterr().out.strip().splitlines()
    found = re.search(r"bare ([\d.]+) ms, bot ([\d.]+) ms .* ratio ([\d.]+)x", line)
    assert found, line
    bare, bot, ratio = (float(g) for g in found.groups())
    assert bare > 0 and bot > 0 and ratio == pytest.approx(bot / bare, rel=0.05)
    assert line.endswith(("met)", "NOT MET)"))
    assert f"taking turns in blocks of {profile.TURN}" in line
    commit = re.search(r"one takes ([\d.]+) ms and is charged ([\d.]+) ms of the .* CPU", context)
    assert commit, context
    assert 0 < float(commit.group(2)) <= float(commit.group(1)) * 1.5


def test_open_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("bench_open")
    assert bench.main(["--cases", "3"]) == 0
    out = capsys.readouterr().out
    paced = _row(out, r"^paced against enforced limits\s+.*$")
    assert paced[-2:] == ["4", "0"], paced  # header + 3 cases posted, no 429
    assert _row(out, r"^paced / \(allowance \+ floor\) [\d.]+")


def test_anonymity_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("bench_anonymity")
    assert bench.main(["--quick"]) == 0
    output = capsys.readouterr().out
    assert _row(output, r"^meeting: 5 cases")
    screen = _row(output, r"^screen, whole meeting .*$")
    floor = _row(output, r"^floor, word tokeniser pass .*$")
    assert float(screen[-1].removesuffix("ms")) > 0 and float(floor[-1].removesuffix("ms")) > 0
    assert re.search(r"^ratio screen/floor \(median\): \d+\.\dx$", output, re.M)
    assert "target: whole meeting under 1 s: met" in output
