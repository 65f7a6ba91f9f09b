"""Shared fixtures for the core tests (config, meeting import, storage, services, CLI).

Everything is real: a copy of the shipped app.yaml and a SQLite file in tmp_path,
the real services and repository, a hand-moved ``ManualClock``, and the installed
``vcop`` executable run in a subprocess. Helpers hang off the fixture objects
(``panel``, ``imported``, ``cli``, ``core``); test modules import this file only for
type hints.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.meetings import ImportReport
from bot.models import Ballot, MemberNotes, VoteOption
from bot.panel import PanelServices
from bot.voting import BallotReceipt
from storage.repo import Repository

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ConfigMutator = Callable[[dict[str, Any]], None]


def _vcop_executable() -> str:
    beside = Path(sys.executable).parent / "vcop"
    if beside.exists():
        return str(beside)
    return shutil.which("vcop") or "vcop"


class CoreData:
    """Paths, ids and builders shared by the core tests.

    The meeting is far enough in the future for the CLI's system clock, and
    ``CLOCK_START`` (where every ManualClock starts) is well before its deadline.
    """

    SHIPPED_CONFIG: ClassVar[Path] = PROJECT_ROOT / "app.yaml"
    SAMPLE_MEETING: ClassVar[Path] = PROJECT_ROOT / "bot" / "data" / "sample_meeting.yaml"
    VCOP: ClassVar[str] = _vcop_executable()
    MEETING_ID: ClassVar[str] = "2099-03-burglary"
    MEETING_TITLE: ClassVar[str] = "Burglary"
    MEETING_DATE: ClassVar[str] = "2099-03-20"
    VOTING_CLOSES: ClassVar[str] = "2099-03-18T17:00:00+00:00"
    DEADLINE: ClassVar[dt.datetime] = dt.datetime(2099, 3, 18, 17, 0, tzinfo=dt.UTC)
    CLOCK_START: ClassVar[dt.datetime] = dt.datetime(2099, 3, 1, 9, 0, tzinfo=dt.UTC)
    REFS: ClassVar[tuple[str, ...]] = ("BG-01", "BG-02", "BG-03")

    @staticmethod
    def case_doc(ref: str, **overrides: Any) -> dict[str, Any]:
        """One anonymised case as a secretariat writes it; ``overrides`` replace fields."""
        doc: dict[str, Any] = {
            "ref": ref,
            "offence": "Burglary of a dwelling",
            "outcome": "Charged; guilty plea; 2 years' custody",
            "summary": "The victim reported a break-in. The OIC attended the same day.",
            "timeline": [
                {"day": 0, "agency": "Police", "entry": "Report received and crime recorded"},
                {"day": 2, "agency": "Victim Support", "entry": "Needs assessment completed"},
            ],
        }
        doc.update(overrides)
        return doc

    @classmethod
    def meeting_doc(
        cls,
        *,
        meeting_id: str | None = None,
        title: str | None = None,
        date: str | None = None,
        voting_closes: str | None = None,
        cases: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A complete, valid meeting file as a dict; any part can be overridden."""
        return {
            "meeting": {
                "id": meeting_id or cls.MEETING_ID,
                "title": title or cls.MEETING_TITLE,
                "date": date or cls.MEETING_DATE,
                "voting_closes": voting_closes or cls.VOTING_CLOSES,
            },
            "cases": cases if cases is not None else [cls.case_doc(ref) for ref in cls.REFS],
        }

    @staticmethod
    def write_file(directory: Path, doc: dict[str, Any], name: str) -> Path:
        """Write ``doc`` as JSON when ``name`` ends in .json, else as YAML."""
        path = directory / name
        if path.suffix == ".json":
            path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        else:
            text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10_000)
            path.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def write_config(
        cls, directory: Path, mutate: ConfigMutator | None = None, name: str = "app.yaml"
    ) -> Path:
        """A copy of the shipped app.yaml, changed by ``mutate``, in ``directory``."""
        raw = yaml.safe_load(cls.SHIPPED_CONFIG.read_text(encoding="utf-8"))
        if mutate is not None:
            mutate(raw)
        return cls.write_file(directory, raw, name)

    @staticmethod
    def table_count(db_path: Path, table: str) -> int:
        """Rows in ``table`` through a connection of its own; 0 if file or table is missing."""
        if not db_path.exists():
            return 0
        conn = sqlite3.connect(db_path)
        try:
            found = conn.execute(
                "select 1 from sqlite_master where type = 'table' and name = ?", [table]
            ).fetchone()
            if found is None:
                return 0
            return int(conn.execute(f"select count(*) from [{table}]").fetchone()[0])
        finally:
            conn.close()


@dataclass
class Panel(CoreData):
    """Real services over a real app.yaml copy and SQLite file, driven by a ManualClock."""

    tmp: Path
    config_path: Path
    db_path: Path
    settings: Settings
    clock: ManualClock
    service: PanelServices
    _repos: list[Repository] = field(default_factory=list)

    @property
    def members(self) -> tuple[str, ...]:
        return self.settings.panel.members

    @property
    def chair(self) -> str:
        return self.settings.panel.chair[0]

    @property
    def secretariat(self) -> str:
        return self.settings.panel.secretariat[0]

    @property
    def repo(self) -> Repository:
        return self.service.repo

    def write_meeting(self, doc: dict[str, Any] | None = None, name: str = "meeting.yaml") -> Path:
        return self.write_file(self.tmp, doc if doc is not None else self.meeting_doc(), name)

    def import_meeting(
        self, doc: dict[str, Any] | None = None, *, replace: bool = False
    ) -> ImportReport:
        return self.service.meetings.import_meeting(self.write_meeting(doc), replace=replace)

    def ballot(
        self,
        member: str,
        ref: str | None = None,
        option: VoteOption = VoteOption.MET,
        *,
        meeting_id: str | None = None,
        changes: dict[int, VoteOption] | None = None,
        notes: MemberNotes | None = None,
    ) -> Ballot:
        """A complete ballot: ``option`` on every right except those in ``changes``."""
        choices = dict.fromkeys(self.settings.rights.numbers, option)
        choices.update(changes or {})
        return Ballot(
            meeting_id=meeting_id or self.MEETING_ID,
            case_ref=ref or self.REFS[0],
            member=member,
            choices=choices,
            notes=notes or MemberNotes(),
        )

    def vote(
        self,
        member: str,
        ref: str | None = None,
        option: VoteOption = VoteOption.MET,
        **kwargs: Any,
    ) -> BallotReceipt:
        return self.service.voting.record_ballot(self.ballot(member, ref, option, **kwargs))

    def count(self, table: str) -> int:
        return self.table_count(self.db_path, table)

    def new_service(self) -> PanelServices:
        """A second service over the same file, as another process would open it."""
        repo = Repository(self.db_path)
        self._repos.append(repo)
        return PanelServices(self.settings, repo, self.clock)

    def close(self) -> None:
        self.service.repo.close()
        for repo in self._repos:
            repo.close()


PanelFactory = Callable[..., Panel]


def _build_panel(directory: Path, config_path: Path, db_path: Path) -> Panel:
    settings = load_settings(config_path, env={"VCOP_DB": str(db_path)})
    clock = ManualClock(CoreData.CLOCK_START)
    return Panel(
        tmp=directory,
        config_path=config_path,
        db_path=db_path,
        settings=settings,
        clock=clock,
        service=PanelServices(settings, Repository(db_path), clock),
    )


@pytest.fixture
def make_panel(tmp_path: Path) -> Iterator[PanelFactory]:
    """Build a Panel in its own folder; ``mutate`` edits the app.yaml copy first."""
    panels: list[Panel] = []

    def build(mutate: ConfigMutator | None = None, *, name: str = "panel") -> Panel:
        directory = tmp_path / name
        directory.mkdir()
        config_path = CoreData.write_config(directory, mutate)
        panel = _build_panel(directory, config_path, directory / "panel.db")
        panels.append(panel)
        return panel

    yield build
    for panel in panels:
        panel.close()


@pytest.fixture
def panel(make_panel: PanelFactory) -> Panel:
    """The shipped app.yaml's panel: 5 members, one chair, one secretariat."""
    return make_panel()


@pytest.fixture
def imported(panel: Panel) -> Panel:
    """``panel`` with the standard three-case meeting imported and open for voting."""
    panel.import_meeting()
    return panel


@dataclass
class Cli(CoreData):
    """The real `vcop` executable with VCOP_CONFIG and VCOP_DB pointing into tmp_path."""

    tmp: Path
    config_path: Path
    db_path: Path
    _panels: list[Panel] = field(default_factory=list)

    def _environment(
        self, config: Path | None, env: dict[str, str | None] | None
    ) -> dict[str, str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("VCOP_", "SLACK_"))
        }
        environment["VCOP_CONFIG"] = str(config or self.config_path)
        environment["VCOP_DB"] = str(self.db_path)
        for key, value in (env or {}).items():
            if value is None:
                environment.pop(key, None)
            else:
                environment[key] = value
        return environment

    def start(
        self,
        *args: str,
        config: Path | None = None,
        env: dict[str, str | None] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.Popen[str]:
        """Start ``vcop ARGS`` without waiting; ``env`` values of None unset a variable."""
        return subprocess.Popen(
            [self.VCOP, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=self._environment(config, env),
            cwd=cwd or self.tmp,
        )

    @staticmethod
    def finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
        """Wait for a started command and collect its exit code and output."""
        stdout, stderr = process.communicate(timeout=120)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def run(
        self,
        *args: str,
        config: Path | None = None,
        env: dict[str, str | None] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``vcop ARGS`` to the end."""
        return self.finish(self.start(*args, config=config, env=env, cwd=cwd))

    def run_all(
        self, commands: list[list[str]], *, config: Path | None = None
    ) -> list[subprocess.CompletedProcess[str]]:
        """Run several independent commands side by side (each one starts slowly)."""
        started = [self.start(*args, config=config) for args in commands]
        return [self.finish(process) for process in started]

    def write_meeting(self, doc: dict[str, Any] | None = None, name: str = "meeting.yaml") -> Path:
        return self.write_file(self.tmp, doc if doc is not None else self.meeting_doc(), name)

    def count(self, table: str) -> int:
        return self.table_count(self.db_path, table)

    def panel(self) -> Panel:
        """Services in this process over the CLI's config and database file."""
        panel = _build_panel(self.tmp, self.config_path, self.db_path)
        self._panels.append(panel)
        return panel

    def close(self) -> None:
        for panel in self._panels:
            panel.close()


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    """A `vcop` runner over a copy of the shipped app.yaml and tmp_path/cli.db."""
    runner = Cli(
        tmp=tmp_path,
        config_path=CoreData.write_config(tmp_path),
        db_path=tmp_path / "cli.db",
    )
    yield runner
    runner.close()


@pytest.fixture
def core() -> type[CoreData]:
    """The shared ids, paths and builders, for tests that need no panel or CLI."""
    return CoreData
