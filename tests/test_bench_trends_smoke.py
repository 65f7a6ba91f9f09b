"""Smoke run of the trends benchmark with a tiny history, so CI notices when it breaks.

It checks the script runs end to end and prints its table with sane figures; the
timing targets only mean something at full size on a quiet machine.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent / "benchmarks"


def test_trends_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_trends", BENCHMARKS / "bench_trends.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_trends"] = bench
    spec.loader.exec_module(bench)

    assert bench.main(["--quick", "--panels", "1"]) == 0

    out = capsys.readouterr().out
    assert re.search(r"^year reported: 2021, 4 closed meetings, 3,072 votes", out, re.M)
    report = re.search(
        r"^vcop report \(DOCX, 3 charts\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out, re.M
    )
    assert report is not None, out
    wall, cpu, peak = (float(g) for g in report.groups())
    assert wall > 0 and cpu > 0 and 20 < peak < 1000
    assert re.search(r"^floor: python reading the votes \(SQL only\)\s+[\d.]+", out, re.M)
    assert "peak memory < 300 MB" in out
