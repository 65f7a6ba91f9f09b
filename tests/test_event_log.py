"""Events already acted on are remembered in the database for a day, then forgotten."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot.event_log import KEEP_FOR, EventLog

if TYPE_CHECKING:
    from conftest import Panel


def test_an_event_id_is_a_first_delivery_once(panel: Panel) -> None:
    log = EventLog(panel.repo, panel.clock)
    assert log.first_delivery("Ev001")
    assert not log.first_delivery("Ev001")
    assert log.first_delivery("Ev002")
    assert log.seen() == ["Ev001", "Ev002"]


def test_the_seen_ids_survive_a_new_process_on_the_same_file(panel: Panel) -> None:
    assert EventLog(panel.repo, panel.clock).first_delivery("Ev001")
    other = panel.new_service()  # another connection, as after a restart
    assert not EventLog(other.repo, panel.clock).first_delivery("Ev001")


def test_a_failed_handling_releases_the_id_for_slacks_retry(panel: Panel) -> None:
    log = EventLog(panel.repo, panel.clock)
    assert log.first_delivery("Ev001")
    log.handling_failed("Ev001")
    assert log.first_delivery("Ev001")


def test_ids_older_than_a_day_are_forgotten(panel: Panel) -> None:
    log = EventLog(panel.repo, panel.clock)
    assert log.first_delivery("Ev-old")
    panel.clock.advance(KEEP_FOR - dt.timedelta(minutes=1))
    assert not log.first_delivery("Ev-old")
    assert log.first_delivery("Ev-recent")
    panel.clock.advance(dt.timedelta(minutes=2))
    assert log.first_delivery("Ev-new")  # claiming prunes what is past a day
    assert log.seen() == ["Ev-recent", "Ev-new"]
    assert panel.count("seen_events") == 2
