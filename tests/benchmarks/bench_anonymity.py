"""How long the personal-data screen takes over a whole meeting, against a floor.

Why: every import screens every text field of every case, and a panel's biggest meetings
run to about 50 cases. The target is a 50-case meeting screened in under a second on this
machine. A bare timing means little on a shared machine, so the script also times a floor
in the same run, over the same texts: one pass of a word tokeniser (``\\w+``), the least any
screen that reads words must do. The ratio screen/floor is the figure to compare between
machines and runs; the absolute time is checked against the target.

The meeting is built from the shipped sample meeting's six cases, repeated (refs renumbered)
to 50 cases, so the texts are real case language of the real length. The name gazetteer is
loaded once per process; its load is timed separately ("cold start") and not counted in the
per-meeting figure, since a running bot or one CLI import pays it once.

Run from the repository root::

    .venv/bin/python tests/benchmarks/bench_anonymity.py            # 50 cases, 7 repeats
    .venv/bin/python tests/benchmarks/bench_anonymity.py --quick    # 5 cases, 2 repeats
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.anonymity import screen_fields  # noqa: E402
from bot.name_gazetteer import gazetteer  # noqa: E402

SAMPLE = ROOT / "bot" / "data" / "sample_meeting.yaml"
TARGET_SECONDS = 1.0
_WORD = re.compile(r"\w+")


def meeting_fields(cases: int) -> list[dict[str, str]]:
    """Each case's text fields, as the import screens them, for ``cases`` cases."""
    with SAMPLE.open(encoding="utf-8") as handle:
        sample = yaml.safe_load(handle)["cases"]
    out: list[dict[str, str]] = []
    for index in range(cases):
        case = sample[index % len(sample)]
        fields = {
            "ref": f"BM-{index + 1:02d}",
            "offence": case["offence"],
            "outcome": case["outcome"],
            "summary": case["summary"],
        }
        for number, entry in enumerate(case.get("timeline", [])):
            fields[f"timeline[{number}].entry"] = entry["entry"]
        out.append(fields)
    return out


def _best_and_median(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="5 cases, 2 repeats")
    args = parser.parse_args(argv)
    cases, repeats = (5, 2) if args.quick else (args.cases, args.repeats)

    started = time.perf_counter()
    gazetteer()
    cold = time.perf_counter() - started

    meeting = meeting_fields(cases)
    texts = [text for fields in meeting for text in fields.values()]
    chars = sum(len(t) for t in texts)

    def screen() -> int:
        return sum(len(screen_fields(fields)) for fields in meeting)

    def floor() -> int:
        return sum(len(_WORD.findall(text)) for text in texts)

    findings = screen()
    screen_best, screen_median = _best_and_median(screen, repeats)
    floor_best, floor_median = _best_and_median(floor, repeats)
    ratio = screen_median / floor_median if floor_median else float("inf")

    print(f"meeting: {cases} cases, {len(texts)} text fields, {chars:,} characters")
    print(f"findings in the meeting: {findings} (the sample meeting is clean)")
    print(f"cold start (name gazetteer load, once per process): {cold * 1000:8.1f} ms")
    print(f"{'':<34}{'best':>10}{'median':>10}")
    for label, best, median in (
        ("screen, whole meeting", screen_best, screen_median),
        ("floor, word tokeniser pass", floor_best, floor_median),
    ):
        print(f"{label:<34}{best * 1000:>8.1f}ms{median * 1000:>8.1f}ms")
    print(f"ratio screen/floor (median): {ratio:.1f}x")
    verdict = "met" if screen_median < TARGET_SECONDS else "NOT met"
    print(f"target: whole meeting under {TARGET_SECONDS:.0f} s: {verdict}")
    return 0 if screen_median < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
