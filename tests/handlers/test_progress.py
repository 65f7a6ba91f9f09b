"""The progress updater's coalescing and budget, on a manual clock: no thread, no waiting."""

from __future__ import annotations

import datetime as dt

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.clock import ManualClock
from handlers.progress import ProgressUpdater, TokenBucket

START = dt.datetime(2030, 1, 8, 9, 0, tzinfo=dt.UTC)


class Recorder:
    """Stands in for the publisher's refresh: records each case refreshed, can refuse."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failing: set[str] = set()

    def __call__(self, meeting_id: str, ref: str) -> None:
        if ref in self.failing:
            response = SlackResponse(
                client=None,
                http_verb="POST",
                api_url="chat.update",
                req_args={},
                data={"ok": False, "error": "ratelimited"},
                headers={},
                status_code=429,
            )
            raise SlackApiError("refused", response)
        self.calls.append((meeting_id, ref))


def updater(
    recorder: Recorder,
    clock: ManualClock,
    *,
    min_gap: float = 3.0,
    rate_per_minute: float = 40,
    burst: int = 10,
) -> ProgressUpdater:
    return ProgressUpdater(
        recorder, clock=clock, min_gap=min_gap, rate_per_minute=rate_per_minute, burst=burst
    )


def test_many_votes_on_one_case_cost_one_refresh() -> None:
    clock, recorder = ManualClock(START), Recorder()
    progress = updater(recorder, clock)
    for _ in range(30):
        progress.mark("m1", "SH-01")
    assert progress.flush() == 1
    assert recorder.calls == [("m1", "SH-01")]
    assert progress.pending == 0


def test_a_case_is_not_refreshed_again_within_min_gap() -> None:
    clock, recorder = ManualClock(START), Recorder()
    progress = updater(recorder, clock, min_gap=3.0)
    progress.mark("m1", "SH-01")
    progress.flush()
    progress.mark("m1", "SH-01")
    clock.advance(dt.timedelta(seconds=2.9))
    assert progress.flush() == 0 and progress.pending == 1
    clock.advance(dt.timedelta(seconds=0.1))
    assert progress.flush() == 1
    assert len(recorder.calls) == 2


def test_the_oldest_stale_case_is_refreshed_first() -> None:
    clock, recorder = ManualClock(START), Recorder()
    progress = updater(recorder, clock, min_gap=0.0)
    for ref in ("SH-03", "SH-01", "SH-02"):
        progress.mark("m1", ref)
        clock.advance(dt.timedelta(seconds=1))
    progress.flush()
    assert [ref for _, ref in recorder.calls] == ["SH-03", "SH-01", "SH-02"]


def test_the_budget_stops_a_flush_and_refills_with_time() -> None:
    clock, recorder = ManualClock(START), Recorder()
    progress = updater(recorder, clock, min_gap=0.0, rate_per_minute=60, burst=2)
    for n in range(5):
        progress.mark("m1", f"SH-0{n}")
    assert progress.flush() == 2
    assert progress.flush() == 0 and progress.pending == 3
    clock.advance(dt.timedelta(seconds=1))
    assert progress.flush() == 1
    clock.advance(dt.timedelta(seconds=10))
    assert progress.flush() == 2 and progress.pending == 0


def test_a_refused_refresh_leaves_the_case_stale_until_slack_accepts() -> None:
    clock, recorder = ManualClock(START), Recorder()
    progress = updater(recorder, clock, min_gap=0.0)
    recorder.failing.add("SH-01")
    progress.mark("m1", "SH-01")
    assert progress.flush() == 0
    assert progress.pending == 1
    recorder.failing.clear()
    clock.advance(dt.timedelta(seconds=1))
    assert progress.flush() == 1
    assert recorder.calls == [("m1", "SH-01")] and progress.pending == 0


def test_token_bucket_never_holds_more_than_its_burst() -> None:
    clock = ManualClock(START)
    bucket = TokenBucket(rate_per_minute=60, burst=3, clock=clock)
    clock.advance(dt.timedelta(hours=1))
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
