"""Reminder and close times: working hours, weekends and daylight saving (pure)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.config import WorkingHours
from bot.deadlines import (
    in_working_hours,
    parse_deadline,
    previous_working_slot,
    reminder_times,
)

LONDON = ZoneInfo("Europe/London")
HOURS = WorkingHours()
H = dt.timedelta(hours=1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_inside_working_hours_is_unchanged() -> None:
    moment = local(2025, 9, 12, 10, 30)  # Friday
    assert previous_working_slot(moment, HOURS, LONDON) == moment


def test_weekend_reminder_moves_to_friday() -> None:
    sunday = local(2025, 9, 14, 17, 0)
    assert previous_working_slot(sunday, HOURS, LONDON) == local(2025, 9, 12, 17, 0)


def test_evening_moves_to_the_same_days_last_working_hour() -> None:
    assert previous_working_slot(local(2025, 9, 10, 21, 0), HOURS, LONDON) == local(
        2025, 9, 10, 17, 0
    )


def test_early_monday_moves_to_friday() -> None:
    assert previous_working_slot(local(2025, 9, 15, 6, 0), HOURS, LONDON) == local(
        2025, 9, 12, 17, 0
    )


def test_reminders_for_the_sample_meeting() -> None:
    closes = local(2025, 9, 15, 17, 0)  # Monday
    times = reminder_times(closes, (72 * H, 24 * H, 2 * H), HOURS, LONDON)
    # 72h → Fri 17:00; 24h → Sun 17:00 → Fri 17:00 (merged); 2h → Mon 15:00.
    assert [t.astimezone(LONDON) for t in times] == [
        local(2025, 9, 12, 17, 0),
        local(2025, 9, 15, 15, 0),
    ]
    assert all(t.tzinfo == dt.UTC for t in times)


def test_offsets_are_elapsed_time_across_the_clock_change() -> None:
    # Clocks go forward on Sunday 29 March 2026; the close is Tuesday 31 March 12:00 BST.
    closes = local(2026, 3, 31, 12, 0)
    times = reminder_times(closes, (72 * H,), HOURS, LONDON)
    # 72 hours earlier is Saturday 28 March 11:00 GMT (not 12:00): weekend → Friday 17:00 GMT.
    assert times == [local(2026, 3, 27, 17, 0).astimezone(dt.UTC)]
    assert times[0].hour == 17  # GMT == UTC before the change
    times = reminder_times(closes, (24 * H,), HOURS, LONDON)
    assert times == [local(2026, 3, 30, 12, 0).astimezone(dt.UTC)]
    assert times[0].hour == 11  # 12:00 BST is 11:00 UTC


def test_autumn_change_keeps_reminders_in_working_hours() -> None:
    closes = local(2025, 10, 27, 9, 0)  # Monday after clocks go back on 26 October
    times = reminder_times(closes, (24 * H, 2 * H), HOURS, LONDON)
    for moment in times:
        assert in_working_hours(moment, HOURS, LONDON)
        assert moment < closes
    # 24h → Sunday 09:00 GMT → Friday 17:00 BST; 2h → Monday 07:00 → Friday as well.
    assert times == [local(2025, 10, 24, 17, 0).astimezone(dt.UTC)]


def test_a_reminder_never_lands_after_the_close() -> None:
    closes = local(2025, 9, 15, 8, 30)
    times = reminder_times(closes, (H,), HOURS, LONDON)
    assert all(t < closes for t in times)


def test_parse_deadline_uses_panel_time_without_an_offset() -> None:
    assert parse_deadline("2025-09-16 17:00", LONDON) == dt.datetime(2025, 9, 16, 16, tzinfo=dt.UTC)
    assert parse_deadline("2025-09-16T17:00+00:00", LONDON).hour == 17
    with pytest.raises(ValueError, match="write it like 2025-09-16 17:00"):
        parse_deadline("next tuesday", LONDON)


def test_parse_deadline_refuses_a_date_without_a_time() -> None:
    with pytest.raises(ValueError, match=r"'2025-09-16' is a date without a time; add the time"):
        parse_deadline("2025-09-16", LONDON)
