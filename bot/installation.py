"""The installation as a whole: its database file, who holds it, and what is scheduled.

`vcop serve` holds the database for as long as it runs (so `vcop restore` and a
second bot are refused), and `vcop doctor` reads its reports from here, through
the same services the bot uses, without changing anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.backups import BackupService
from bot.clock import Clock
from bot.config import Settings
from bot.deadline_service import DeadlineService
from bot.errors import PanelError
from bot.models import Schedule
from bot.panel import PanelServices
from storage.maintenance import DatabaseHealth, MaintenanceError, exclusive_use, inspect_database
from storage.repo import Repository


class JobsReport(BaseModel):
    """What the scheduler has to do, as the database records it."""

    model_config = ConfigDict(frozen=True)

    pending: list[Schedule]
    owed_messages: list[tuple[str, str]]
    daily_backups: list[Path]
    newest_backup_at: dt.datetime | None


def database_path(settings: Settings) -> Path:
    return Path(settings.storage.database)


@contextlib.contextmanager
def holding_database(settings: Settings, purpose: str) -> Iterator[None]:
    """Hold the database for ``purpose``; refused (PanelError) while another process does."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(exclusive_use(database_path(settings), purpose))
        except MaintenanceError as exc:
            raise PanelError(str(exc)) from exc
        yield


def inspect(settings: Settings) -> DatabaseHealth | None:
    """Integrity, migrations and journal mode, read-only; None when there is no file yet."""
    path = database_path(settings)
    if not path.exists():
        return None
    try:
        return inspect_database(path)
    except MaintenanceError as exc:
        raise PanelError(str(exc)) from exc


def jobs(settings: Settings, clock: Clock) -> JobsReport:
    """Pending schedules, case messages owed an update, and the daily backups on disk.

    Call only on a current database (see :func:`inspect`): opening it through the
    repository would otherwise migrate it.
    """
    repo = Repository(database_path(settings))
    try:
        panel = PanelServices(settings, repo, clock)
        backups = BackupService(settings, clock).daily_backups()
        newest = dt.datetime.fromtimestamp(backups[-1].stat().st_mtime, dt.UTC) if backups else None
        return JobsReport(
            pending=DeadlineService(panel).pending(),
            owed_messages=panel.messages.pending(),
            daily_backups=backups,
            newest_backup_at=newest,
        )
    finally:
        repo.close()
