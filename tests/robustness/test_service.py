"""`vcop serve --http` as a service manager runs it: /healthz, SIGTERM, and restore.

Each test starts the real bot process against the local Slack workspace, with
the real clock (the meeting's deadline is next year), and talks to it over HTTP
as Slack, a load balancer's probe and systemd do.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings, load_settings
from bot.panel import PanelServices
from handlers import ids
from handlers.slack_sim import DEFAULT_BOT_TOKEN, SimulatedSlack, WebApiServer, Workspace
from storage.repo import Repository

from .conftest import ROOT
from .helpers import OPTIONS, stored_votes, values_for

MEMBERS = tuple(f"U0TERM{n:03d}" for n in range(20))
REFS = tuple(f"TM-{n:02d}" for n in range(1, 7))
SIGTERM_AFTER = 40


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
            "id": f"{year}-06-service",
            "title": "Service test",
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


@dataclass
class Service:
    """One `vcop -v serve --http` process; stderr goes to a file."""

    tmp: Path
    env: dict[str, str]
    api: WebApiServer
    secret: str
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    log: Path | None = None

    def start(self, **env: str) -> SimulatedSlack:
        self.port = _free_port()
        self.log = self.tmp / f"serve-{self.port}.log"
        with self.log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [_vcop(), "-v", "serve", "--http", "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=self.env | env,
                cwd=self.tmp,
            )
        deadline = time.monotonic() + 30
        while self.health()[0] == 0:
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "the bot did not start within 30 s"
            time.sleep(0.1)
        return SimulatedSlack(
            self.api,
            request_url=f"http://127.0.0.1:{self.port}/slack/events",
            signing_secret=self.secret,
        )

    def health(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) of GET /healthz; (0, {}) when nothing answers."""
        url = f"http://127.0.0.1:{self.port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
        except OSError:
            return 0, {}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    @property
    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log else ""


@pytest.fixture
def service_env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    raw = yaml.safe_load((ROOT / "app.yaml").read_text())
    raw["panel"]["members"] = list(MEMBERS)
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    db = tmp_path / "service.db"
    settings = load_settings(config, env={"VCOP_DB": str(db)})
    panel = PanelServices(settings, Repository(db))
    meeting = panel.meetings.import_meeting(_meeting_file(tmp_path / "meeting.yaml")).meeting.id
    panel.repo.close()
    workspace = Workspace()
    workspace.add_channel(settings.panel.channel, "vcop-panel")
    for user in {*MEMBERS, *settings.panel.chair, *settings.panel.secretariat}:
        workspace.add_user(user, user.lower())
    secret = secrets.token_hex(16)
    with WebApiServer(workspace) as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VCOP_", "SLACK_"))}
        env |= {
            "VCOP_CONFIG": str(config),
            "VCOP_DB": str(db),
            "SLACK_API_URL": api.base_url,
            "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": secret,
        }
        bot = Service(tmp_path, env, api, secret)
        try:
            yield {"bot": bot, "db": db, "meeting": meeting, "settings": settings, "env": env}
        finally:
            bot.stop()


def _vcop_run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_vcop(), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_healthz_answers_200_with_each_check_when_all_is_well(
    service_env: dict[str, Any],
) -> None:
    bot: Service = service_env["bot"]
    bot.start()
    status, body = bot.health()
    assert status == 200
    assert body == {
        "ok": True,
        "database_writable": True,
        "scheduler_running": True,
        "slack_auth": True,
    }


def test_healthz_answers_503_naming_the_database_while_another_process_holds_its_write_lock(
    service_env: dict[str, Any],
) -> None:
    bot: Service = service_env["bot"]
    bot.start()
    blocker = sqlite3.connect(service_env["db"], isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # e.g. a stuck sqlite3 shell or a long purge
        started = time.monotonic()
        status, body = bot.health()
        waited = time.monotonic() - started
        assert status == 503
        assert body == {
            "ok": False,
            "database_writable": False,
            "scheduler_running": True,
            "slack_auth": True,
        }
        assert waited < 4, f"the probe took {waited:.1f} s"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert bot.health() == (200, {**body, "ok": True, "database_writable": True})


def _choices(member: int, ref: int) -> dict[int, str]:
    return {n: OPTIONS[(member * 5 + ref * 2 + n) % len(OPTIONS)] for n in range(1, 13)}


def test_sigterm_mid_burst_exits_0_within_10_s_and_loses_no_acked_vote(
    service_env: dict[str, Any],
) -> None:
    bot: Service = service_env["bot"]
    db, meeting = service_env["db"], service_env["meeting"]
    settings: Settings = service_env["settings"]
    channel = settings.panel.channel
    slack = bot.start()
    assert slack.slash_command(settings.panel.secretariat[0], f"open {meeting}").status == 200
    deadline = time.monotonic() + 15
    while len(slack.messages(channel)) < 1 + len(REFS):
        assert time.monotonic() < deadline, "the cases were not posted"
        time.sleep(0.05)
    messages = slack.messages(channel)
    posts = {ref: (channel, m.ts) for ref, m in zip(REFS, messages[1:], strict=True)}

    acked: dict[tuple[str, str], dict[int, str]] = {}
    refused: list[str] = []
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
            except Exception as exc:  # the server has stopped taking requests
                with lock:
                    refused.append(f"{member} {ref}: {type(exc).__name__}")
                return
            if result.status == 200 and result.response_action == "update":
                with lock:
                    acked[member, ref] = choices
                    if len(acked) >= SIGTERM_AFTER:
                        enough.set()

    threads = [threading.Thread(target=member_votes, args=(i, m)) for i, m in enumerate(MEMBERS)]
    for thread in threads:
        thread.start()
    assert enough.wait(timeout=60), f"only {len(acked)} votes acknowledged"
    assert bot.process is not None
    signalled = time.monotonic()
    bot.process.send_signal(signal.SIGTERM)
    code = bot.process.wait(timeout=15)
    took = time.monotonic() - signalled
    for thread in threads:
        thread.join(timeout=30)
    assert code == 0, bot.log_text
    assert took < 10, f"shutdown took {took:.1f} s"
    total = len(MEMBERS) * len(REFS)
    with lock:
        acknowledged = dict(acked)
    assert SIGTERM_AFTER <= len(acknowledged) < total, "SIGTERM did not land mid-burst"
    stored = stored_votes(db)
    missing = {key for key in acknowledged if stored.get(key) != acknowledged[key]}
    assert not missing, f"{len(missing)} acknowledged votes lost: {sorted(missing)[:5]}"
    assert all(len(choices) == 12 for choices in stored.values())
    log = bot.log_text
    assert "received SIGTERM" in log
    assert "the scheduler and the database are closed" in log
    assert "Traceback" not in log
    print(
        f"\nsigterm: {len(acknowledged)} acknowledged, {len(refused)} refused after SIGTERM, "
        f"{len(stored)} stored, exit {code} after {took:.2f} s"
    )


def test_ctrl_c_stops_the_bot_gracefully_and_exits_0(service_env: dict[str, Any]) -> None:
    bot: Service = service_env["bot"]
    bot.start()
    assert bot.process is not None
    bot.process.send_signal(signal.SIGINT)
    assert bot.process.wait(timeout=10) == 0
    log = bot.log_text
    assert "received SIGINT" in log
    assert "the scheduler and the database are closed" in log
    assert "Traceback" not in log and "KeyboardInterrupt" not in log


def _meetings(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("select id from meetings order by id")]
    finally:
        conn.close()


def test_restore_is_refused_while_the_bot_runs_then_replaces_the_database(
    service_env: dict[str, Any], tmp_path: Path
) -> None:
    bot: Service = service_env["bot"]
    db: Path = service_env["db"]
    env: dict[str, str] = service_env["env"]
    meeting: str = service_env["meeting"]
    backup = tmp_path / "one-meeting.db"
    taken = _vcop_run(env, "backup", str(backup))
    assert taken.returncode == 0, taken.stderr
    bot.start()
    refused = _vcop_run(env, "restore", str(backup))
    assert refused.returncode == 2
    assert "is in use by vcop serve (pid" in refused.stderr
    assert "stop it first" in refused.stderr
    assert bot.process is not None
    bot.process.send_signal(signal.SIGTERM)
    assert bot.process.wait(timeout=15) == 0
    # A second meeting arrives after the backup; restoring the backup takes it away again,
    # and the database as it was is kept, verified, beside it.
    second = yaml.safe_load((tmp_path / "meeting.yaml").read_text())
    second["meeting"]["id"] = meeting + "-b"
    (tmp_path / "second.yaml").write_text(yaml.safe_dump(second))
    assert _vcop_run(env, "meeting", "import", str(tmp_path / "second.yaml")).returncode == 0
    assert _meetings(db) == [meeting, meeting + "-b"]
    restored = _vcop_run(env, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    kept = next(tmp_path.glob("service-before-restore-*.db"))
    assert f"kept at {kept}" in restored.stdout
    assert _meetings(db) == [meeting]
    assert _meetings(kept) == [meeting, meeting + "-b"]
    # The restored database serves again.
    bot.start()
    assert bot.health()[0] == 200


def test_restore_refuses_a_file_that_is_not_a_panel_database(
    service_env: dict[str, Any], tmp_path: Path
) -> None:
    env: dict[str, str] = service_env["env"]
    db: Path = service_env["db"]
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = _vcop_run(env, "restore", str(junk))
    assert result.returncode == 2
    assert "junk.db is not a sound database" in result.stderr
    assert _meetings(db) == [service_env["meeting"]]
