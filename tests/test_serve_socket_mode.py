"""The real `vcop serve` process in Socket Mode, against the local Slack workspace.

The workspace runs in the test process (its Web API and its Socket Mode
endpoint); the bot is the installed `vcop` executable pointed at it with
SLACK_API_URL. No signing secret is set: Socket Mode has no use for one.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from e2e.helpers import ballot, case_messages, vote, wait_for

from bot.config import load_settings
from handlers.slack_sim import (
    DEFAULT_APP_TOKEN,
    DEFAULT_BOT_TOKEN,
    SimulatedSlack,
    WebApiServer,
    Workspace,
)

if TYPE_CHECKING:
    from conftest import Cli

CONNECTED = "connected to Slack in Socket Mode"


class StderrLines:
    """The lines a running process writes to stderr, read on a thread as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not logged within {timeout}s; stderr: {self.lines}")

    def finish(self) -> list[str]:
        self._thread.join(timeout=10)
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return self.lines


@pytest.fixture
def workspace_api(cli: Cli) -> Iterator[WebApiServer]:
    """The local Slack workspace with the shipped app.yaml's channel and people."""
    settings = load_settings(cli.config_path, env={"VCOP_DB": str(cli.db_path)})
    workspace = Workspace()
    panel = settings.panel
    workspace.add_channel(panel.channel, "vcop-panel")
    for user in sorted({*panel.members, *panel.chair, *panel.secretariat}):
        workspace.add_user(user, user.lower())
    with WebApiServer(workspace) as api:
        yield api


def _socket_env(api: WebApiServer, app_token: str) -> dict[str, str | None]:
    return {
        "SLACK_API_URL": api.base_url,
        "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
        "SLACK_APP_TOKEN": app_token,
        "SLACK_SIGNING_SECRET": None,
    }


def test_vcop_serve_in_socket_mode_runs_a_vote_with_no_signing_secret_and_logs_one_line(
    cli: Cli, workspace_api: WebApiServer
) -> None:
    # One case: in service, posts to a channel are paced at Slack's rate of one a second.
    meeting = cli.write_meeting(cli.meeting_doc(cases=[cli.case_doc(cli.REFS[0])]))
    assert cli.run("meeting", "import", str(meeting)).returncode == 0
    process = cli.start("serve", env=_socket_env(workspace_api, DEFAULT_APP_TOKEN))
    stderr = StderrLines(process)
    try:
        connected = stderr.wait_for(CONNECTED)
        assert "A0SIM00001" in connected
        settings = load_settings(cli.config_path, env={"VCOP_DB": str(cli.db_path)})
        slack = SimulatedSlack(workspace_api, transport="socket")
        opened = slack.slash_command(settings.panel.secretariat[0], f"open {cli.MEETING_ID}")
        assert opened.status == 200 and opened.shown is not None
        channel = settings.panel.channel
        wait_for(lambda: cli.REFS[0] in case_messages(slack, channel), timeout=20)
        member = settings.panel.members[0]
        submitted = vote(slack, member, channel, cli.REFS[0], ballot())
        assert submitted.status == 200 and submitted.response_action == "update"
        assert not submitted.problems
    finally:
        process.send_signal(signal.SIGINT)
        returncode = process.wait(timeout=30)
    lines = stderr.finish()
    assert returncode == 0, lines
    assert cli.count("votes") == 12  # the vote the member saw acknowledged is on disk
    assert [line for line in lines if CONNECTED in line] == [connected]
    assert len(lines) == 1, lines  # nothing else at the default log level
    assert not any("Traceback" in line or "SIGNING_SECRET" in line for line in lines)


@pytest.mark.parametrize(
    "app_token, error",
    [("xapp-1-A0SIM00001-revoked", "invalid_auth"), (DEFAULT_BOT_TOKEN, "not_allowed_token_type")],
)
def test_vcop_serve_with_a_refused_app_token_exits_in_one_line_naming_slack_app_token(
    cli: Cli, workspace_api: WebApiServer, app_token: str, error: str
) -> None:
    result = cli.run("serve", env=_socket_env(workspace_api, app_token))
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "SLACK_APP_TOKEN" in lines[0] and f"({error})" in lines[0]
    assert app_token not in result.stderr


def test_vcop_serve_stops_in_one_line_when_the_app_token_is_revoked_while_running(
    cli: Cli, workspace_api: WebApiServer
) -> None:
    process = cli.start("serve", env=_socket_env(workspace_api, DEFAULT_APP_TOKEN))
    stderr = StderrLines(process)
    try:
        stderr.wait_for(CONNECTED)
        workspace_api.workspace.app_tokens.clear()
        workspace_api.socket_mode.request_refresh()
        returncode = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    lines = stderr.finish()
    assert returncode != 0
    assert len(lines) == 2, lines  # the connected line, then the refusal
    assert lines[1].startswith("error: SLACK_APP_TOKEN was refused by Slack (invalid_auth)")


def test_vcop_serve_in_socket_mode_stops_on_sigterm_with_exit_0_and_logs_no_token(
    cli: Cli, workspace_api: WebApiServer
) -> None:
    process = cli.start("-v", "serve", env=_socket_env(workspace_api, DEFAULT_APP_TOKEN))
    stderr = StderrLines(process)
    try:
        stderr.wait_for(CONNECTED)
        settings = load_settings(cli.config_path, env={"VCOP_DB": str(cli.db_path)})
        slack = SimulatedSlack(workspace_api, transport="socket")
        assert slack.slash_command(settings.panel.chair[0], "help").status == 200
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=15)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
    lines = stderr.finish()
    assert returncode == 0, lines
    assert took < 10
    assert len(lines) > 3  # -v: the run really was logged
    for secret in (DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN):
        assert not any(secret in line for line in lines)
    assert not any("Traceback" in line for line in lines)
