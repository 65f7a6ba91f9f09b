"""Opening a meeting at Slack's posting rate: no 429s, and no slower than the rate allows.

Why: `/vcop open` posts a header and one message per case to the panel channel, and Slack
allows about one post per second per channel (a short burst first). A publisher that posts
as fast as it can meets 429s and leans on the client's retries; one that paces itself should
meet none, and still finish close to the time the rate allows.

The run opens an N-case meeting twice against the local Slack workspace, in real time:

* the floor: the same posts to a workspace that enforces no limits, with no pacing, which
  is what posting itself costs here;
* paced: the workspace enforcing Slack's per-channel rate, the publisher pacing itself as
  `vcop serve` does.

It prints the time each took, what the rate allows (``(N + 1 - burst) / rate`` seconds after
the burst), the paced time as a ratio of that allowance, and the 429s Slack answered. Target:
zero 429s, every case posted once, paced time within 10 % of the allowance.

    .venv/bin/python tests/benchmarks/bench_open.py              # 50 cases, about a minute
    .venv/bin/python tests/benchmarks/bench_open.py --cases 5    # seconds
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.config import load_settings
from bot.deadline_service import DeadlineService
from bot.meeting_states import MeetingStates
from bot.panel import PanelServices
from handlers.notifier import SlackNotifier
from handlers.pacing import NoPace, Pace, PostingPace
from handlers.progress import ProgressUpdater
from handlers.publisher import MeetingPublisher
from handlers.slack_client import make_client
from handlers.slack_sim import DEFAULT_BOT_TOKEN, WebApiServer, Workspace
from handlers.slack_sim.limits import RATE_RULES
from storage.repo import Repository

ROOT = Path(__file__).resolve().parents[2]


def _meeting(cases: int) -> dict[str, object]:
    return {
        "meeting": {
            "id": "2099-01-bench-open",
            "title": "Benchmark of opening a meeting",
            "date": "2099-01-20",
            "voting_closes": "2099-01-18 17:00",
        },
        "cases": [
            {
                "ref": f"BO-{n:02d}",
                "offence": "Harassment",
                "outcome": "Charged; guilty plea; community order",
                "summary": "The victim reported repeated messages. The OIC attended that day.",
                "timeline": [{"day": 0, "agency": "Police", "entry": "Crime recorded"}],
            }
            for n in range(1, cases + 1)
        ],
    }


def _open(folder: Path, cases: int, *, enforce: bool, pace: Pace) -> tuple[float, int, int]:
    """Open the meeting once; return (seconds, posts Slack accepted, 429 answers)."""
    settings = load_settings(ROOT / "app.yaml", env={"VCOP_DB": str(folder / "open.db")})
    meeting_file = folder / "meeting.yaml"
    meeting_file.write_text(yaml.safe_dump(_meeting(cases)), encoding="utf-8")
    repo = Repository(settings.storage.database)
    service = PanelServices(settings, repo)
    service.meetings.import_meeting(meeting_file)
    workspace = Workspace()
    workspace.add_channel(settings.panel.channel, "vcop-panel")
    api = WebApiServer(workspace, enforce_rate_limits=enforce)
    api.start()
    try:
        publisher = MeetingPublisher(service, make_client(DEFAULT_BOT_TOKEN, api.base_url), pace)
        notifier = SlackNotifier(service, publisher, ProgressUpdater(publisher.refresh_case))
        states = MeetingStates(service, DeadlineService(service), notifier)
        started = time.perf_counter()
        report = states.announce(states.open(None, settings.panel.chair[0]))
        elapsed = time.perf_counter() - started
        posts = workspace.calls("chat.postMessage")
        refused = sum(1 for call in posts if call.http_status == 429)
        if report.cases_sent() != cases:
            raise SystemExit(f"posted {report.cases_sent()} of {cases} cases")
        return elapsed, len(posts) - refused, refused
    finally:
        api.stop()
        repo.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=50)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    rule = RATE_RULES["chat.postMessage"]
    messages = args.cases + 1
    allowed = max(0.0, (messages - rule.burst) / rule.per_second)
    with tempfile.TemporaryDirectory() as tmp:
        floor_dir, paced_dir = Path(tmp, "floor"), Path(tmp, "paced")
        floor_dir.mkdir()
        paced_dir.mkdir()
        floor, floor_posts, _ = _open(floor_dir, args.cases, enforce=False, pace=NoPace())
        paced, paced_posts, refused = _open(paced_dir, args.cases, enforce=True, pace=PostingPace())
    print(f"opening a meeting of {args.cases} cases ({messages} posts with the header)")
    print(f"Slack's rule: {rule.per_minute:g} posts a minute per channel, burst {rule.burst}")
    print(f"{'run':<34}{'seconds':>10}{'posts':>8}{'429s':>7}")
    print(f"{'floor: no limits, no pacing':<34}{floor:>10.2f}{floor_posts:>8}{0:>7}")
    print(f"{'paced against enforced limits':<34}{paced:>10.2f}{paced_posts:>8}{refused:>7}")
    print(f"{'the rate allows':<34}{allowed:>10.2f}")
    ratio = paced / (allowed + floor) if allowed + floor > 0 else 1.0
    print(f"paced / (allowance + floor) {ratio:.3f}  (target <= 1.10)")
    print(
        f"Targets: 429 answers 0 -> {refused}; every case posted once -> {paced_posts == messages}"
    )
    return 0 if refused == 0 and paced_posts == messages else 1


if __name__ == "__main__":
    sys.exit(main())
