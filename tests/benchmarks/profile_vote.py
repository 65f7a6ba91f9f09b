"""Profile the vote path: N signed view_submissions through the Bolt app, under pyinstrument.

Why: the latency benchmark says how slow a vote's acknowledgement is; this
says where the time goes. It drives the real bot in-process (the app from
``build_bot``, the local Slack workspace for the first auth.test and the modal
shapes) and calls ``App.dispatch`` in the main thread, so the profile covers
everything between waitress handing over the request and the ack: signature
check, body parsing, middleware, ``submit_votes`` and its transaction, the
receipt. ``--no-profile`` just times the same loop (ms per vote).

    .venv/bin/python tests/benchmarks/profile_vote.py --votes 300 [--html out.html]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import yaml
from slack_bolt import App, BoltRequest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_latency import (
    PayloadFactory,
    bare_app,
    durable_commit_cost,
    open_vote_modals,
    percentile,
    write_config,
    write_meeting,
)

from bot.clock import ManualClock
from handlers.local_workspace import LocalWorkspace
from storage.group_commit import GroupCommitter

# Votes each app takes in a row when --compare alternates them (see _compare).
TURN = 20


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--votes", type=int, default=300)
    parser.add_argument("--members", type=int, default=60)
    parser.add_argument("--no-profile", action="store_true", help="time only")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument(
        "--bare", action="store_true", help="dispatch to a Bolt app that only acks (the floor)"
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="time the bare app and the bot, vote by vote in one run (no profiler): the CPU ratio",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    folder = Path(tempfile.mkdtemp(prefix="vcop-profile-"))
    try:
        _, settings = write_config(folder, args.members)
        meeting_file, meeting_id = write_meeting(folder)
        closes = yaml.safe_load(meeting_file.read_text())["meeting"]["voting_closes"]
        clock = ManualClock(dt.datetime.fromisoformat(closes) - dt.timedelta(days=3))
        with LocalWorkspace(
            settings, clock=clock, inline_after_ack=False, progress_min_gap=3.0
        ) as local:
            service = local.bot.runtime.service
            report = service.meetings.import_meeting(meeting_file)
            views = open_vote_modals(local.slack, settings, meeting_id, report.cases)
            factory = PayloadFactory(local.slack.workspace, settings, local.signing_secret, views)
            app = local.bot.app
            if args.bare:
                app = bare_app(local.bot.app.client, local.signing_secret)
            bodies = factory.bodies(args.votes)
            if args.compare:
                _compare(
                    local.bot.app,
                    bare_app(local.bot.app.client, local.signing_secret),
                    factory,
                    bodies,
                    service.repo.connections.committer,
                )
                commit = durable_commit_cost(folder)
                print(
                    f"(context: each of the bot's votes makes a durable commit, the bare app "
                    f"none; on this disk one takes {commit.p50_ms:.2f} ms and is charged "
                    f"{commit.cpu_p50_ms:.2f} ms of the committing thread's CPU, p50)"
                )
                return 0

            cpu: list[float] = []

            def dispatch(body: bytes) -> float:
                headers = _signed(factory, body)
                started, cpu_started = time.perf_counter(), time.thread_time()
                _dispatch(app, body, headers)
                elapsed = time.perf_counter() - started
                cpu.append(time.thread_time() - cpu_started)
                return elapsed

            for body in factory.bodies(5):  # warm up: imports, auth.test, first connection
                dispatch(body)
            # Ballots are written on the group committer's thread: its CPU is part of a
            # vote's cost although the request thread does not spend it.
            committer = service.repo.connections.committer
            committer_cpu = _thread_cpu(committer.thread_ident) if not args.bare else 0.0
            if args.no_profile:
                times = [dispatch(body) * 1000 for body in bodies]
            else:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                with profiler:
                    times = [dispatch(body) * 1000 for body in bodies]
                print(profiler.output_text(unicode=True, color=False, show_all=False))
                if args.html:
                    Path(args.html).write_text(profiler.output_html(), encoding="utf-8")
            votes = service.repo.count_votes(meeting_id)
            if not args.bare:
                committer_cpu = _thread_cpu(committer.thread_ident) - committer_cpu
        print(
            f"{args.votes} votes dispatched ({args.members} members, {report.cases} cases, "
            f"{votes} votes stored): mean {sum(times) / len(times):.2f} ms, "
            f"p50 {percentile(times, 50):.2f} ms, p99 {percentile(times, 99):.2f} ms; "
            f"CPU {(sum(cpu[5:]) + committer_cpu) / len(times) * 1000:.2f} ms a vote"
            + (" (under the profiler)" if not args.no_profile else "")
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _compare(
    bot: App, bare: App, factory: PayloadFactory, bodies: list[bytes], committer: GroupCommitter
) -> None:
    """CPU a vote for the bare app and the bot over the same bodies, taking turns in blocks.

    Each block of ``TURN`` bodies goes to one app and then to the other, the first app
    changing from block to block, so a machine that gets busier or quieter during the run
    weighs on both alike. Turns of a single vote would flatter the bot: while each of its
    votes waits for the disk the CPU idles and its caches go cold, and the bare app's vote
    that came next would pay for part of that. In blocks, each app runs as it does alone.
    The bot's CPU is its request thread's plus the group committer's (a vote may be
    committed there). The figures are the medians over five segments of the run.
    """
    segments = 5
    size = max(len(bodies) // segments, 1)
    per_vote: dict[str, list[float]] = {"bare": [], "bot": []}
    for body in bodies[:5]:  # warm both: imports, auth.test, the writer's connection
        for app in (bare, bot):
            _dispatch(app, body, _signed(factory, body))
    for index in range(segments):
        chunk = bodies[index * size : (index + 1) * size]
        signed = [(body, _signed(factory, body)) for body in chunk]  # Slack's work, not timed
        spent = {"bare": 0.0, "bot": 0.0}
        for turn, start in enumerate(range(0, len(signed), TURN)):
            block = signed[start : start + TURN]
            order = ("bare", "bot") if turn % 2 == 0 else ("bot", "bare")
            for name in order:
                spent[name] += _block_cpu(bot if name == "bot" else bare, block, committer)
        for name, seconds in spent.items():
            per_vote[name].append(seconds / len(chunk) * 1000)
    bare_ms, bot_ms = (statistics.median(per_vote[name]) for name in ("bare", "bot"))
    ratios = sorted(b / a for a, b in zip(per_vote["bare"], per_vote["bot"], strict=True))
    verdict = "met" if bot_ms <= 1.5 * bare_ms else "NOT MET"
    print(
        f"CPU a vote, median of {segments} segments of {size} votes, the apps taking turns "
        f"in blocks of {TURN}: bare {bare_ms:.2f} ms, bot {bot_ms:.2f} ms (request thread + "
        f"group committer); ratio {bot_ms / bare_ms:.2f}x "
        f"(segments {ratios[0]:.2f}-{ratios[-1]:.2f}x) (target <= 1.5x: {verdict})"
    )


def _block_cpu(
    app: App,
    block: list[tuple[bytes, dict[str, str | Sequence[str]]]],
    committer: GroupCommitter,
) -> float:
    """CPU seconds one app spends on a block of votes, its group committer's included."""
    committer_before = _thread_cpu(committer.thread_ident)
    started = time.thread_time()
    for body, headers in block:
        _dispatch(app, body, headers)
    return time.thread_time() - started + _thread_cpu(committer.thread_ident) - committer_before


def _signed(factory: PayloadFactory, body: bytes) -> dict[str, str | Sequence[str]]:
    return dict(factory.signed(body))


def _dispatch(app: App, body: bytes, headers: dict[str, str | Sequence[str]]) -> None:
    """One signed submission through the app, as waitress would hand it over; a refusal stops."""
    response = app.dispatch(BoltRequest(body=body.decode(), headers=headers))
    if response.status != 200 or '"errors"' in (response.body or ""):
        raise RuntimeError(f"vote refused: {response.status} {response.body[:300]}")


def _thread_cpu(ident: int | None) -> float:
    """CPU seconds another thread of this process has used (Linux: its CPU-time clock)."""
    if ident is None:
        return 0.0
    return time.clock_gettime(time.pthread_getcpuclockid(ident))


if __name__ == "__main__":
    sys.exit(main())
