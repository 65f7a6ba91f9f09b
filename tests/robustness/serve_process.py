"""The bot as a real process: `vcop -v serve --http` against the local Slack workspace.

The crash, SIGTERM and restore tests need what only a real process gives: a
signal that stops it mid-burst, a second process on the same database, the
service manager's view through /healthz. This module starts that process, waits
until it answers, and drives a burst of votes from many members at once; it
also runs the other `vcop` commands with the same clean environment, as an
operator or cron would beside the service.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from e2e.conftest import ROOT
from e2e.helpers import case_messages, healthz, pattern, values_for, vote, wait_for

from bot.config import Settings, load_settings
from bot.panel import PanelServices
from handlers.slack_sim import DEFAULT_BOT_TOKEN, SimulatedSlack, WebApiServer, Workspace
from storage.repo import Repository

#: How long a starting bot may take before a test gives up on it.
START_TIMEOUT = 30.0


def vcop_executable() -> str:
    """The `vcop` installed beside this Python (the editable install), else the one on PATH."""
    beside = Path(sys.executable).parent / "vcop"
    return str(beside) if beside.exists() else "vcop"


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any VCOP_ or SLACK_ variable, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VCOP_", "SLACK_"))}
    return env | settings


def run_vcop(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run one `vcop` command to its end and collect its exit code and output."""
    return subprocess.run(
        [vcop_executable(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_vcop_side_by_side(
    env: dict[str, str], commands: Sequence[Sequence[str]]
) -> list[subprocess.CompletedProcess[str]]:
    """Start several `vcop` commands at once (each takes a second to start), then collect them."""
    started = [
        subprocess.Popen(
            [vcop_executable(), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for args in commands
    ]
    done = []
    for process in started:
        out, err = process.communicate(timeout=60)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def next_year_meeting(path: Path, name: str, title: str, refs: Sequence[str]) -> Path:
    """A meeting file whose deadline is next June, so the real clock leaves voting open."""
    year = dt.date.today().year + 1
    document = {
        "meeting": {
            "id": f"{year}-06-{name}",
            "title": title,
            "date": f"{year}-06-19",
            "voting_closes": f"{year}-06-17T17:00:00+01:00",
        },
        "cases": [
            {
                "ref": ref,
                "offence": "Criminal damage",
                "outcome": "No further action",
                "summary": "The victim reported damage to a car. It was recorded the same day.",
            }
            for ref in refs
        ],
    }
    path.write_text(yaml.safe_dump(document))
    return path


class ServeProcess:
    """`vcop -v serve --http` in a subprocess; each start's stderr goes to a file of its own.

    stderr goes to a file rather than a pipe: a chatty bot at -v would fill a
    pipe nobody reads and stall.
    """

    def __init__(self, tmp: Path, env: dict[str, str], api: WebApiServer, secret: str) -> None:
        self.tmp, self.env, self.api, self.secret = tmp, env, api, secret
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.logs: list[Path] = []

    def start(self) -> SimulatedSlack:
        """Start a new process and return a Slack client for it once it answers /healthz."""
        self.port = free_port()
        log = self.tmp / f"serve-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [
                    *(vcop_executable(), "-v", "serve", "--http"),
                    *("--host", "127.0.0.1", "--port", str(self.port)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=self.env,
                cwd=self.tmp,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while self.health()[0] == 0:
            assert self.process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"the bot did not start within {START_TIMEOUT} s"
            time.sleep(0.1)
        return SimulatedSlack(
            self.api,
            request_url=f"http://127.0.0.1:{self.port}/slack/events",
            signing_secret=self.secret,
        )

    def health(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) of GET /healthz; (0, {}) when nothing answers."""
        return healthz("127.0.0.1", self.port)

    @property
    def running(self) -> subprocess.Popen[bytes]:
        """The process now started; a test that signals it needs one."""
        assert self.process is not None, "the bot was never started"
        return self.process

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no flush, no goodbye."""
        os.kill(self.running.pid, signal.SIGKILL)
        self.running.wait(timeout=10)

    def stop(self) -> None:
        """Ask a process still running to stop (SIGTERM), and kill it if it does not."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    @property
    def log_text(self) -> str:
        """What every process started here wrote to stderr, in order."""
        return "\n".join(log.read_text(errors="replace") for log in self.logs)


@dataclass
class ServeSetup:
    """A panel of ``members`` with a next-year meeting imported, and the bot ready to start."""

    bot: ServeProcess
    db: Path
    meeting: str
    settings: Settings
    env: dict[str, str]
    api: WebApiServer


@contextlib.contextmanager
def serve_setup(
    tmp_path: Path,
    *,
    name: str,
    title: str,
    members: Sequence[str],
    refs: Sequence[str],
    extra_env: dict[str, str] | None = None,
) -> Iterator[ServeSetup]:
    """The shipped app.yaml with ``members`` as the panel, the meeting imported into
    tmp_path/NAME.db, the local Slack workspace running; the bot stopped at the end."""
    raw = yaml.safe_load((ROOT / "app.yaml").read_text())
    raw["panel"]["members"] = list(members)
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    db = tmp_path / f"{name}.db"
    settings = load_settings(config, env={"VCOP_DB": str(db)})
    panel = PanelServices(settings, Repository(db))
    meeting_file = next_year_meeting(tmp_path / "meeting.yaml", name, title, refs)
    meeting = panel.meetings.import_meeting(meeting_file).meeting.id
    panel.repo.close()
    workspace = Workspace()
    workspace.add_channel(settings.panel.channel, "vcop-panel")
    for user in {*members, *settings.panel.chair, *settings.panel.secretariat}:
        workspace.add_user(user, user.lower())
    secret = secrets.token_hex(16)
    with WebApiServer(workspace) as api:
        env = clean_env(
            VCOP_CONFIG=str(config),
            VCOP_DB=str(db),
            SLACK_API_URL=api.base_url,
            SLACK_BOT_TOKEN=DEFAULT_BOT_TOKEN,
            SLACK_SIGNING_SECRET=secret,
            **(extra_env or {}),
        )
        bot = ServeProcess(tmp_path, env, api, secret)
        try:
            yield ServeSetup(bot=bot, db=db, meeting=meeting, settings=settings, env=env, api=api)
        finally:
            bot.stop()


def open_and_wait_for_cases(
    slack: SimulatedSlack, settings: Settings, meeting: str, refs: Sequence[str]
) -> None:
    """`/vcop open` as the secretariat, then wait until every case's message is posted."""
    assert slack.slash_command(settings.panel.secretariat[0], f"open {meeting}").status == 200
    posted = wait_for(lambda: set(case_messages(slack, settings.panel.channel)) >= set(refs), 15)
    assert posted, "the cases were not posted"


def burst_choices(member: int, ref: int) -> dict[int, str]:
    """A ballot that differs by member and by case, so a torn or swapped one shows."""
    return pattern(member * 5 + ref * 2)


@dataclass
class VoteBurst:
    """Every member votes on every case from a thread of their own, all starting together.

    ``acked`` holds each ballot the bot acknowledged (the receipt replaced the
    form), exactly as submitted; ``cut_off`` names the member and case where a
    member's thread stopped because the bot stopped answering. ``enough`` is
    set once ``stop_after`` ballots are acknowledged: the moment to signal.
    """

    slack: SimulatedSlack
    channel: str
    refs: Sequence[str]
    members: Sequence[str]
    stop_after: int
    acked: dict[tuple[str, str], dict[int, str]] = field(default_factory=dict)
    cut_off: list[str] = field(default_factory=list)
    enough: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        barrier = threading.Barrier(len(self.members))
        self.threads = [
            threading.Thread(target=self._member_votes, args=(i, m, barrier), name=m)
            for i, m in enumerate(self.members)
        ]
        for thread in self.threads:
            thread.start()

    def _member_votes(self, index: int, member: str, barrier: threading.Barrier) -> None:
        barrier.wait(timeout=10)
        for ref_index, ref in enumerate(self.refs):
            choices = burst_choices(index, ref_index)
            try:
                result = vote(self.slack, member, self.channel, ref, values_for(choices))
            except Exception as exc:  # the server has stopped taking requests
                with self.lock:
                    self.cut_off.append(f"{member} {ref}: {type(exc).__name__}")
                return
            finally:
                self.slack.workspace.close_all_modals(member)
            if result.status == 200 and result.response_action == "update":
                with self.lock:
                    self.acked[member, ref] = choices
                    if len(self.acked) >= self.stop_after:
                        self.enough.set()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=30)

    def acknowledged(self) -> dict[tuple[str, str], dict[int, str]]:
        """A copy of the acknowledged ballots, taken under the lock."""
        with self.lock:
            return dict(self.acked)
