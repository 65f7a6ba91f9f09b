"""Item 5: `kill -9` in the middle of a burst of votes loses no acknowledged vote.

The bot runs as a real process (`vcop serve --http`) against the local Slack
workspace, with the real clock, so the meeting's deadline is next year. Twenty
members vote on six cases from their own threads; once 40 ballots have been
acknowledged the process is killed with SIGKILL, mid-burst. A new process on
the same database must hold every acknowledged ballot exactly as submitted,
its schedules (reminders and the close) untouched, and its jobs rebuilt.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import load_settings
from bot.panel import PanelServices
from handlers import ids
from handlers.slack_sim import DEFAULT_BOT_TOKEN, SimulatedSlack, WebApiServer, Workspace
from storage.repo import Repository

from .conftest import ROOT
from .helpers import OPTIONS, stored_votes, values_for

MEMBERS = tuple(f"U0CRASH{n:03d}" for n in range(20))
REFS = tuple(f"CR-{n:02d}" for n in range(1, 7))
KILL_AFTER = 40
APP_TOKEN = "xapp-1-A0SIM-1234567890-" + "c" * 32


def _vcop() -> str:
    beside = Path(sys.executable).parent / "vcop"
    return str(beside) if beside.exists() else "vcop"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _meeting_file(path: Path) -> Path:
    year = dt.date.today().year + 1
    document = {
        "meeting": {
            "id": f"{year}-06-crash",
            "title": "Crash test",
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
            for ref in REFS
        ],
    }
    path.write_text(yaml.safe_dump(document))
    return path


class BotProcess:
    """`vcop -v serve --http` in a subprocess; stderr goes to a file (a pipe could fill)."""

    def __init__(self, tmp: Path, env: dict[str, str], api: WebApiServer, secret: str) -> None:
        self.tmp, self.env, self.api, self.secret = tmp, env, api, secret
        self.process: subprocess.Popen[bytes] | None = None
        self.slack: SimulatedSlack | None = None
        self.logs: list[Path] = []

    def start(self) -> SimulatedSlack:
        port = _free_port()
        log = self.tmp / f"serve-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [_vcop(), "-v", "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=self.env,
                cwd=self.tmp,
            )
        self.slack = SimulatedSlack(
            self.api,
            request_url=f"http://127.0.0.1:{port}/slack/events",
            signing_secret=self.secret,
        )
        deadline = time.monotonic() + 30
        while True:  # ready when it answers Slack's URL handshake
            if self.slack.url_verification()[1]:
                return self.slack
            assert self.process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the bot did not start within 30 s"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    @property
    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs)


@pytest.fixture
def crash_env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    raw = yaml.safe_load((ROOT / "app.yaml").read_text())
    raw["panel"]["members"] = list(MEMBERS)
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    db = tmp_path / "crash.db"
    settings = load_settings(config, env={"VCOP_DB": str(db)})
    service = PanelServices(settings, Repository(db))
    meeting = service.meetings.import_meeting(_meeting_file(tmp_path / "meeting.yaml")).meeting.id
    service.repo.close()
    workspace = Workspace()
    workspace.add_channel(settings.panel.channel, "vcop-panel")
    for user in {*MEMBERS, *settings.panel.chair, *settings.panel.secretariat}:
        workspace.add_user(user, user.lower())
    secret = secrets.token_hex(16)
    with WebApiServer(workspace) as api:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("VCOP_", "SLACK_"))
        }
        env |= {
            "VCOP_CONFIG": str(config),
            "VCOP_DB": str(db),
            "SLACK_API_URL": api.base_url,
            "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_APP_TOKEN": APP_TOKEN,
        }
        bot = BotProcess(tmp_path, env, api, secret)
        try:
            yield {"bot": bot, "db": db, "meeting": meeting, "settings": settings, "api": api}
        finally:
            bot.stop()


def _choices(member: int, ref: int) -> dict[int, str]:
    return {n: OPTIONS[(member * 5 + ref * 2 + n) % len(OPTIONS)] for n in range(1, 13)}


def _wait(probe: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := probe()):
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.05)
    return result


def _schedules(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select * from schedules order by id").fetchall()
    finally:
        conn.close()


def test_kill_9_mid_burst_loses_no_acknowledged_vote(crash_env: dict[str, Any]) -> None:
    bot: BotProcess = crash_env["bot"]
    db, meeting, settings = crash_env["db"], crash_env["meeting"], crash_env["settings"]
    channel = settings.panel.channel
    slack = bot.start()
    assert slack.slash_command(settings.panel.secretariat[0], f"open {meeting}").status == 200
    messages = _wait(
        lambda: (m := slack.messages(channel)) and len(m) == 1 + len(REFS) and m,
        15,
        "the cases were not posted",
    )
    posts = {ref: (channel, message.ts) for ref, message in zip(REFS, messages[1:], strict=True)}
    schedules = _wait(lambda: _schedules(db), 10, "no schedules were planned")
    assert [row for row in schedules if row[4] != "pending"] == []
    assert len(schedules) == 1 + len(settings.voting.reminders)

    acked: dict[tuple[str, str], dict[int, str]] = {}
    failed: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()
    barrier = threading.Barrier(len(MEMBERS))

    def member_votes(index: int, member: str) -> None:
        barrier.wait(timeout=10)
        for ref_index, ref in enumerate(REFS):
            try:
                click = slack.click_button(
                    member, ids.VOTE_OPEN, ids.case_key(meeting, ref), message=posts[ref]
                )
                modal = slack.open_modal(member)
                if click.status != 200 or modal is None or modal.callback_id != ids.VOTE_SUBMIT:
                    raise ConnectionError(f"no vote form (HTTP {click.status})")
                choices = _choices(index, ref_index)
                result = slack.submit_view(member, modal.id, values_for(choices))
                slack.workspace.close_all_modals(member)
            except Exception as exc:  # the server is gone: this member stops here
                with lock:
                    failed.append(f"{member} {ref}: {type(exc).__name__}")
                return
            if result.status == 200 and result.response_action == "update":
                with lock:
                    acked[member, ref] = choices
                    if len(acked) >= KILL_AFTER:
                        enough.set()

    threads = [
        threading.Thread(target=member_votes, args=(i, m), name=m) for i, m in enumerate(MEMBERS)
    ]
    for thread in threads:
        thread.start()
    assert enough.wait(timeout=60), f"only {len(acked)} votes acknowledged"
    bot.kill()  # SIGKILL: no shutdown hook, no flush, no goodbye
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    with lock:
        acknowledged = dict(acked)
    total = len(MEMBERS) * len(REFS)
    assert KILL_AFTER <= len(acknowledged) < total  # killed mid-burst
    assert failed, "every member finished: the kill came too late"

    slack = bot.start()  # a new process on the same database
    stored = stored_votes(db)
    missing = {key for key in acknowledged if stored.get(key) != acknowledged[key]}
    assert not missing, f"{len(missing)} acknowledged votes lost or torn: {sorted(missing)[:5]}"
    assert all(len(choices) == 12 for choices in stored.values())  # no half-written ballot
    # Schedules are intact, and the new process rebuilt a job for each pending one.
    assert _schedules(db) == schedules
    restarted = bot.logs[-1].read_text()
    assert restarted.count("Added job") == len(schedules), restarted
    # The restarted bot takes votes again.
    member, ref = MEMBERS[0], REFS[-1]
    slack.workspace.close_all_modals(member)
    click = slack.click_button(
        member, ids.VOTE_OPEN, ids.case_key(meeting, ref), message=posts[ref]
    )
    modal = slack.open_modal(member)
    assert click.status == 200 and modal is not None
    result = slack.submit_view(member, modal.id, values_for(_choices(0, len(REFS) - 1)))
    assert result.status == 200 and result.response_action == "update"
    assert stored_votes(db)[member, ref] == _choices(0, len(REFS) - 1)
    # Neither process ever logged a token or the signing secret.
    logs = bot.log_text
    for secret in (DEFAULT_BOT_TOKEN, APP_TOKEN, bot.secret):
        assert secret not in logs
    print(
        f"\ncrash: {total} ballots attempted, {len(acknowledged)} acknowledged before SIGKILL, "
        f"{len(failed)} cut off, {len(stored)} stored after restart"
    )
