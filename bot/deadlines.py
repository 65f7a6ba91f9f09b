"""When reminders and the close happen: pure calendar arithmetic.

Offsets are real durations before the close ("24h before" is 24 hours of
elapsed time, whatever the clocks do), computed in UTC. Only then is each
moment checked against the panel's working hours in its own timezone, so a
reminder that would land at night or at the weekend moves back to the
previous working slot: the last working hour of the previous working day
(17:00 on a Friday, by default), never later than planned.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.config import WorkingHours


def _slot_on(day: dt.date, hours: WorkingHours, zone: ZoneInfo) -> dt.datetime:
    """The start of the last working hour of ``day``, as an aware moment."""
    end = dt.datetime.combine(day, hours.end, tzinfo=zone)
    start = dt.datetime.combine(day, hours.start, tzinfo=zone)
    return max(start, end - dt.timedelta(hours=1))


def in_working_hours(moment: dt.datetime, hours: WorkingHours, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    return local.weekday() in hours.weekday_numbers and hours.start <= local.time() < hours.end


def previous_working_slot(moment: dt.datetime, hours: WorkingHours, zone: ZoneInfo) -> dt.datetime:
    """``moment`` itself if inside working hours, else the last working hour before it."""
    if in_working_hours(moment, hours, zone):
        return moment
    local = moment.astimezone(zone)
    day = local.date()
    if local.weekday() in hours.weekday_numbers and local.time() >= hours.end:
        return _slot_on(day, hours, zone).astimezone(dt.UTC)
    for back in range(1, 8):
        candidate = day - dt.timedelta(days=back)
        if candidate.weekday() in hours.weekday_numbers:
            return _slot_on(candidate, hours, zone).astimezone(dt.UTC)
    raise ValueError("working hours name no working day")  # WorkingHours forbids this


def reminder_times(
    closes: dt.datetime,
    offsets: tuple[dt.timedelta, ...],
    hours: WorkingHours,
    zone: ZoneInfo,
) -> list[dt.datetime]:
    """Reminder moments (UTC) before ``closes``: moved into working hours, de-duplicated."""
    moments = {
        previous_working_slot(closes - offset, hours, zone).astimezone(dt.UTC) for offset in offsets
    }
    return sorted(moment for moment in moments if moment < closes)


def parse_deadline(text: str, zone: ZoneInfo) -> dt.datetime:
    """A deadline typed by the chair: ISO date and time; without an offset it is panel time."""
    cleaned = text.strip().replace(" ", "T", 1)
    if "T" not in cleaned:  # a date alone would quietly mean midnight
        raise ValueError(
            f"{text!r} is a date without a time; add the time, e.g. {text.strip()} 17:00"
        )
    try:
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise ValueError(
            f"{text!r} is not a date and time; write it like 2025-09-16 17:00"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)
