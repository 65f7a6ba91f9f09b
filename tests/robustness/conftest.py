"""Robustness fixtures: the real bot over HTTP against the local Slack workspace.

The same wiring as tests/e2e (a ManualClock a few days before the sample
meeting's deadline, the SQLite file in tmp_path), plus what these tests need
to prove a claim with figures: a full dump of the database to compare before
and after a refused request, a log capture, and a panel of any size built from
the shipped app.yaml.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import e2e.conftest as end_to_end
import pytest
from e2e.conftest import ROOT

from bot.config import Settings, load_settings
from handlers.slack_sim import SimulatedSlack

REFS = ("SH-01", "SH-02", "SH-03", "SH-04", "SH-05", "SH-06")


def load_panel_settings(tmp_path: Path, members: int | None = None) -> Settings:
    """The shipped app.yaml (copied into tmp_path); with ``members``, a panel that big.

    The extra members are added with pydantic's ``model_validate``, so the
    bigger panel passes every check a real app.yaml would.
    """
    config = tmp_path / "app.yaml"
    shutil.copy(ROOT / "app.yaml", config)
    settings = load_settings(config, env={"VCOP_DB": str(tmp_path / "vcop.db")})
    if members is None:
        return settings
    ids = tuple(f"U0MEMBER{n:03d}" for n in range(members))
    panel = settings.panel.model_validate({**settings.panel.model_dump(), "members": ids})
    return Settings.model_validate({**settings.model_dump(), "panel": panel.model_dump()})


def dump_db(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, through a connection of its own, in a stable order."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "select name from sqlite_master where type = 'table' "
                "and name not like 'sqlite_%' order by name"
            )
        ]
        return {
            table: sorted(conn.execute(f"select * from [{table}]").fetchall(), key=repr)
            for table in tables
        }
    finally:
        conn.close()


def count_rows(path: Path, table: str, where: str = "", params: tuple[Any, ...] = ()) -> int:
    conn = sqlite3.connect(path)
    try:
        sql = f"select count(*) from [{table}]" + (f" where {where}" if where else "")
        return int(conn.execute(sql, params).fetchone()[0])
    finally:
        conn.close()


class LogCapture(logging.Handler):
    """Every record from every logger, formatted with its traceback if any."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def capture_logs() -> Iterator[LogCapture]:
    """Capture all loggers at DEBUG (slack_sdk and slack_bolt included) for one test."""
    handler = LogCapture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_panel_settings(tmp_path)


# The end-to-end fixtures serve here too: the same bot, workspace and clock.
clock = end_to_end.clock
transport = end_to_end.transport
local = end_to_end.local
slack = end_to_end.slack
service = end_to_end.service
imported = end_to_end.imported


@pytest.fixture
def opened(imported: str, slack: SimulatedSlack, settings: Settings) -> str:
    result = slack.slash_command(settings.panel.secretariat[0], f"open {imported}")
    assert result.status == 200
    assert len(slack.messages(settings.panel.channel)) == 1 + len(REFS)
    return imported
