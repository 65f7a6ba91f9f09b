"""Scale: a national history of panel votes, and what the secretariat asks of it.

Why: a panel's database only grows. England and Wales have 42 local criminal
justice boards; a panel meets about four times a year and scrutinises about
eight cases with about eight members voting on the Code's 12 rights, so five
years of every panel is 42 × 4 × 5 × 8 × 8 × 12 ≈ 645,000 votes. This script
writes that history into one SQLite file through the project's own storage
layer (``Repository``: a unit of work per meeting, each ballot stored and
audited as ``record_ballot`` stores it), then times what people do with it:

* the tally of one meeting (target under 50 ms), through ``PanelServices.tally``;
* the draft summary of one meeting as Markdown and as DOCX;
* the compliance return (CSV) of every meeting, ``PanelServices.export_csv``
  (target under 5 s), checked row for row against one meeting's own CSV;
* the database size.

    .venv/bin/python tests/benchmarks/bench_scale.py            # full size, about a minute
    .venv/bin/python tests/benchmarks/bench_scale.py --quick    # seconds
    .venv/bin/python tests/benchmarks/bench_scale.py --db national.db --reuse   # time again
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import yaml

from bot.config import Settings, load_settings
from bot.meeting_file import parse_meeting
from bot.models import (
    Ballot,
    Case,
    Finding,
    Meeting,
    MeetingStatus,
    MemberNotes,
    Resolution,
    VoteOption,
)
from bot.panel import PanelServices
from bot.summary import render_csv, render_docx, render_markdown
from storage.repo import Repository

logger = logging.getLogger("bench_scale")

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_MEETING = ROOT / "bot" / "data" / "sample_meeting.yaml"
TALLY_TARGET_MS = 50.0
EXPORT_TARGET_S = 5.0
FIRST_YEAR = 2021

THEMES = (
    ("Stalking or harassment", "SH"),
    ("Domestic abuse", "DA"),
    ("Burglary", "BG"),
    ("Hate crime", "HC"),
    ("Rape and serious sexual offences", "RS"),
    ("Fraud", "FR"),
    ("Youth justice", "YJ"),
    ("Violence against the person", "VP"),
)
NOTES = (
    "The OIC made contact within the required timescale and recorded the victim's preferences.",
    "Written confirmation of the crime report was sent with the victims' information leaflet.",
    "There is no record that the needs assessment considered enhanced rights eligibility.",
    "The Witness Care Unit gave the hearing date within one working day of receiving it.",
    "Bail conditions were varied and the victim was not told for eight working days.",
    "Special measures were discussed early and the application was granted before trial.",
    "Updates were given by phone only; written updates would have helped this victim.",
    "Information on the Victims' Right to Review was not given when the case was dropped.",
)
# How often each option is the panel's real view of a right, before members differ.
OPTION_WEIGHTS = {
    VoteOption.MET: 45,
    VoteOption.PARTIALLY_MET: 15,
    VoteOption.NOT_MET: 12,
    VoteOption.DID_NOT_ENGAGE: 4,
    VoteOption.NOT_RECORDED: 8,
    VoteOption.NOT_APPLICABLE: 14,
    VoteOption.ABSTAIN: 2,
}

T = TypeVar("T")


@dataclass
class Shape:
    panels: int = 42
    years: int = 5
    meetings_per_year: int = 4
    cases: int = 8
    members: int = 8

    @property
    def meetings(self) -> int:
        return self.panels * self.years * self.meetings_per_year

    @property
    def votes(self) -> int:
        return self.meetings * self.cases * self.members * 12

    def describe(self) -> str:
        return (
            f"{self.panels} panels × {self.meetings_per_year} meetings/year × {self.years} years"
            f" × {self.cases} cases × {self.members} members × 12 rights"
        )


# -- generating the history ---------------------------------------------------------------


def sample_cases() -> list[dict[str, Any]]:
    """The sample meeting's anonymised cases: realistic lengths of summary and timeline."""
    raw = yaml.safe_load(SAMPLE_MEETING.read_text(encoding="utf-8"))
    parsed = parse_meeting(raw, ZoneInfo("UTC"))
    return [case.model_dump() for case in parsed.cases]


def meeting_ids(shape: Shape) -> list[str]:
    return [
        f"p{panel:02d}-{FIRST_YEAR + year}-q{quarter}"
        for panel in range(1, shape.panels + 1)
        for year in range(shape.years)
        for quarter in range(1, shape.meetings_per_year + 1)
    ]


def _ballot_choices(rng: random.Random, truth: list[VoteOption]) -> dict[int, VoteOption]:
    options = list(VoteOption)
    return {
        number: view if rng.random() < 0.75 else rng.choice(options)
        for number, view in enumerate(truth, start=1)
    }


def _notes(rng: random.Random) -> MemberNotes:
    if rng.random() < 0.5:
        return MemberNotes()
    return MemberNotes(
        good_practice=rng.choice(NOTES) if rng.random() < 0.5 else "",
        observations=rng.choice(NOTES),
        learning=rng.choice(NOTES) if rng.random() < 0.3 else "",
    )


def generate(repo: Repository, settings: Settings, shape: Shape, seed: int = 42) -> float:
    """Write the whole history; one unit of work per meeting. Returns seconds taken."""
    rng = random.Random(seed)
    templates = sample_cases()
    options, weights = list(OPTION_WEIGHTS), list(OPTION_WEIGHTS.values())
    rights = settings.rights.numbers
    started = time.perf_counter()
    for done, meeting_id in enumerate(meeting_ids(shape)):
        panel_text, year_text, quarter_text = meeting_id.split("-")
        panel, year, quarter = int(panel_text[1:]), int(year_text), int(quarter_text[1:])
        title, prefix = THEMES[(panel + quarter + year) % len(THEMES)]
        date = dt.date(year, 3 * quarter - 1, 15)
        closes = dt.datetime.combine(date - dt.timedelta(days=2), dt.time(17), tzinfo=dt.UTC)
        meeting = Meeting(
            id=meeting_id,
            title=title,
            date=date,
            voting_closes=closes,
            code_edition=settings.rights.code_edition,
            status=MeetingStatus.CLOSED,
            closed_at=closes,
        )
        members = [f"UP{panel:02d}M{m:02d}" for m in range(1, shape.members + 1)]
        cases = [
            Case(
                meeting_id=meeting_id,
                ref=f"{prefix}-{n:02d}",
                position=n,
                **{k: v for k, v in templates[(n + panel) % len(templates)].items() if k != "ref"},
            )
            for n in range(1, shape.cases + 1)
        ]
        imported = closes - dt.timedelta(days=21)
        with repo.unit_of_work():
            repo.save_meeting(meeting, created_at=imported)
            repo.save_cases(cases)
            repo.append_audit(
                imported, "cli", "meeting.import", meeting_id, new={"cases": len(cases)}
            )
            for case in cases:
                truth = rng.choices(options, weights, k=len(rights))
                for member in members:
                    cast = closes - dt.timedelta(minutes=rng.randint(10, 20_000))
                    choices = _ballot_choices(rng, truth)
                    ballot = Ballot(
                        meeting_id=meeting_id,
                        case_ref=case.ref,
                        member=member,
                        choices=choices,
                        notes=_notes(rng),
                    )
                    repo.save_ballot(ballot, cast)
                    repo.append_audit(
                        cast,
                        member,
                        "vote.cast",
                        meeting_id,
                        case.ref,
                        new={str(k): v.value for k, v in sorted(choices.items())},
                    )
            if rng.random() < 0.5:  # the chair settles a disputed right at the meeting
                ref = cases[0].ref
                resolution = Resolution(
                    meeting_id=meeting_id,
                    case_ref=ref,
                    right=6,
                    finding=Finding.PARTIALLY_MET,
                    reason="The panel agreed updates were given, but not within the timescale.",
                    chair=f"UP{panel:02d}CH",
                    resolved_at=closes + dt.timedelta(days=2),
                )
                repo.save_resolution(resolution)
                repo.append_audit(closes, f"UP{panel:02d}CH", "right.resolve", meeting_id, ref)
            repo.append_audit(
                closes, "system", "meeting.close", meeting_id, old="open", new="closed"
            )
        if done % 100 == 99:
            logger.info("%d/%d meetings written", done + 1, shape.meetings)
    return time.perf_counter() - started


# -- measuring -----------------------------------------------------------------------------


def timed(fn: Callable[[], T], repeat: int) -> tuple[T, list[float]]:
    """Call ``fn`` ``repeat`` times; the result of the last call and each call's seconds."""
    times = []
    result: Any = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, times


@dataclass
class Results:
    shape: Shape
    generated_s: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    db_bytes: int = 0
    meeting: str = ""
    tally_ms: list[float] = field(default_factory=list)
    markdown_ms: list[float] = field(default_factory=list)
    markdown_bytes: int = 0
    docx_ms: list[float] = field(default_factory=list)
    docx_bytes: int = 0
    export_s: float = 0.0
    export_rows: int = 0
    export_bytes: int = 0
    export_matches: bool = False


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {
            table: int(conn.execute(f"select count(*) from [{table}]").fetchone()[0])
            for table in ("meetings", "cases", "votes", "notes", "resolutions", "audit")
        }
    finally:
        conn.close()


def checkpoint(path: Path) -> int:
    """Fold the WAL into the file so its size is the database's, and return that size."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("pragma wal_checkpoint(truncate)")
    finally:
        conn.close()
    return path.stat().st_size


def measure(settings: Settings, path: Path, shape: Shape, results: Results, repeat: int) -> None:
    ids = meeting_ids(shape)
    meeting_id = ids[len(ids) // 2]
    results.meeting = meeting_id
    # A fresh service, as a `vcop` command would open it: nothing cached in this process.
    service = PanelServices(settings, Repository(path))
    try:
        _, results.tally_ms = timed(lambda: service.tallying.meeting_tally(meeting_id), repeat)
        markdown, results.markdown_ms = timed(
            lambda: render_markdown(service.reports.draft_summary(meeting_id)), max(3, repeat // 4)
        )
        results.markdown_bytes = len(markdown.encode())
        document, results.docx_ms = timed(
            lambda: render_docx(service.reports.draft_summary(meeting_id)), 3
        )
        results.docx_bytes = len(document)
        out = io.StringIO()
        started = time.perf_counter()
        results.export_rows = service.reports.export_csv(out)
        results.export_s = time.perf_counter() - started
        exported = out.getvalue()
        results.export_bytes = len(exported.encode())
        own = render_csv(service.reports.draft_summary(meeting_id)).splitlines()
        mine = [line for line in exported.splitlines() if line.startswith(f"{meeting_id},")]
        results.export_matches = own[1:] == mine and exported.splitlines()[0] == own[0]
    finally:
        service.repo.close()


def _ms(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    ms = [v * 1000 for v in values]
    return f"first {ms[0]:.1f}, median {statistics.median(ms):.1f}, max {max(ms):.1f} ms"


def print_table(results: Results, out: Any = None) -> None:
    write = (out or sys.stdout).write
    shape = results.shape
    c = results.counts
    write(f"\nNational history: {shape.describe()}\n")
    write(
        f"{'stored':<34} {c.get('meetings', 0):,} meetings, {c.get('cases', 0):,} cases, "
        f"{c.get('votes', 0):,} votes, {c.get('notes', 0):,} notes, "
        f"{c.get('resolutions', 0):,} resolutions, {c.get('audit', 0):,} audit entries\n"
    )
    if results.generated_s is not None:
        rate = c.get("votes", 0) / results.generated_s if results.generated_s else 0
        write(f"{'generated in':<34} {results.generated_s:.1f} s ({rate:,.0f} votes/s)\n")
    write(f"{'database size':<34} {results.db_bytes / 1e6:.1f} MB\n")
    write(f"\n{'operation':<34} {'time':<40} {'target':<9} result\n")
    tally_median = statistics.median(results.tally_ms) * 1000 if results.tally_ms else 0.0
    tally_worst = max(results.tally_ms, default=0.0) * 1000
    write(
        f"{'tally of one meeting':<34} {_ms(results.tally_ms):<40} {'< 50 ms':<9} "
        f"{'met' if tally_worst < TALLY_TARGET_MS else 'NOT MET'}\n"
    )
    write(
        f"{'summary of one meeting, Markdown':<34} {_ms(results.markdown_ms):<40} {'':<9} "
        f"{results.markdown_bytes / 1e3:.1f} kB\n"
    )
    write(
        f"{'summary of one meeting, DOCX':<34} {_ms(results.docx_ms):<40} {'':<9} "
        f"{results.docx_bytes / 1e3:.1f} kB\n"
    )
    export = f"{results.export_s:.2f} s, {results.export_rows:,} rows, "
    export += f"{results.export_bytes / 1e6:.1f} MB"
    write(
        f"{'CSV export, every meeting':<34} {export:<40} {'< 5 s':<9} "
        f"{'met' if results.export_s < EXPORT_TARGET_S else 'NOT MET'}\n"
    )
    write(
        f"(meeting timed: {results.meeting}; tally median {tally_median:.1f} ms; the export's "
        f"rows for it {'match' if results.export_matches else 'DO NOT MATCH'} its own CSV)\n"
    )


def run(args: argparse.Namespace) -> Results:
    shape = Shape(args.panels, args.years, args.meetings_per_year, args.cases, args.members)
    folder: Path | None = None
    if args.db:
        path = Path(args.db)
    else:
        folder = Path(tempfile.mkdtemp(prefix="vcop-scale-"))
        path = folder / "national.db"
    settings = load_settings(ROOT / "app.yaml", env={"VCOP_DB": str(path)})
    results = Results(shape)
    try:
        if not (args.reuse and path.exists()):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            repo = Repository(path)
            try:
                logger.info("writing %s (%s votes)", path, f"{shape.votes:,}")
                results.generated_s = generate(repo, settings, shape)
            finally:
                repo.close()
        results.db_bytes = checkpoint(path)
        results.counts = table_counts(path)
        measure(settings, path, shape, results, args.repeat)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small history, for a smoke run")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 42 panels")
    parser.add_argument("--panels", type=int, help="default 42 (--quick: 2)")
    parser.add_argument("--years", type=int, help="default 5 (--quick: 1)")
    parser.add_argument("--meetings-per-year", type=int, default=4)
    parser.add_argument("--cases", type=int, default=8)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--repeat", type=int, help="timed tallies of one meeting (default 20)")
    parser.add_argument("--db", help="database file to write (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="time an existing --db as it is")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    quick = {"panels": 2, "years": 1, "repeat": 5}
    full = {"panels": 42, "years": 5, "repeat": 20}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.panels = max(1, round(args.panels * args.scale))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )
    print_table(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
