"""Posting slots per channel: a burst at once, then one per interval, channels independent."""

from __future__ import annotations

import threading

import pytest

from handlers.pacing import NoPace, PostingPace


class FakeTime:
    """A monotonic clock that sleeping moves forward, as time does."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def pace(time: FakeTime, per_second: float = 1.0, burst: int = 1) -> PostingPace:
    return PostingPace(per_second, burst, monotonic=time.monotonic, sleep=time.sleep)


def test_posts_to_one_channel_go_one_per_second() -> None:
    time = FakeTime()
    posting = pace(time)
    waits = [posting.wait("C1") for _ in range(4)]
    assert waits == [0.0, 1.0, 1.0, 1.0]
    assert time.now == pytest.approx(103.0)


def test_a_burst_goes_at_once_then_the_rate_holds() -> None:
    time = FakeTime()
    posting = pace(time, per_second=2.0, burst=3)
    waits = [posting.wait("C1") for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 0.5, 0.5]


def test_time_already_passed_counts_towards_the_next_slot() -> None:
    time = FakeTime()
    posting = pace(time)
    posting.wait("C1")
    time.now += 0.75  # rendering the next message took a while
    assert posting.wait("C1") == pytest.approx(0.25)


def test_an_idle_channel_does_not_bank_more_than_its_burst() -> None:
    time = FakeTime()
    posting = pace(time)
    posting.wait("C1")
    time.now += 60
    assert [posting.wait("C1") for _ in range(3)] == [0.0, 1.0, 1.0]


def test_channels_are_paced_independently() -> None:
    time = FakeTime()
    posting = pace(time)
    assert posting.reserve("C1") == 0.0
    assert posting.reserve("D1") == 0.0
    assert posting.reserve("C1") == 1.0
    assert posting.reserve("D2") == 0.0


def test_concurrent_posters_each_get_their_own_slot() -> None:
    time = FakeTime()
    posting = pace(time)
    waits: list[float] = []
    lock = threading.Lock()

    def claim() -> None:
        wait = posting.reserve("C1")
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=claim) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [float(n) for n in range(10)]


def test_a_pace_needs_a_positive_rate_and_burst() -> None:
    with pytest.raises(ValueError):
        PostingPace(0)
    with pytest.raises(ValueError):
        PostingPace(1.0, burst=0)


def test_no_pace_never_waits() -> None:
    assert NoPace().wait("C1") == 0.0
