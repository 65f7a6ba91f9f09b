"""`vcop serve` as a real process: it fails in one line, or starts and says so in one.

The bot runs against the local Slack workspace (a real HTTP server playing
Slack's Web API), exactly as it would against Slack: SLACK_API_URL points it
there, and a token the workspace does not know is refused as Slack refuses it.
"""

from __future__ import annotations

import queue
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pytest

from handlers.slack_sim import (
    DEFAULT_APP_TOKEN,
    DEFAULT_BOT_TOKEN,
    SimulatedSlack,
    WebApiServer,
    Workspace,
)

if TYPE_CHECKING:
    from conftest import Cli

WRONG_TOKEN = "xoxb-0000000000-1111111111-" + "w" * 24


@pytest.fixture
def slack() -> Iterator[WebApiServer]:
    api = WebApiServer(Workspace())
    api.start()
    yield api
    api.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(api_url: str, token: str = DEFAULT_BOT_TOKEN) -> dict[str, str | None]:
    return {
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": secrets.token_hex(16),
        "SLACK_API_URL": api_url,
        "VCOP_SLACK_TIMEOUT_S": "2",
    }


def _serve(cli: Cli, port: int, env: dict[str, str | None]) -> subprocess.Popen[str]:
    return cli.start("serve", "--http", "--host", "127.0.0.1", "--port", str(port), env=env)


def _one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode not in (0, None)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_token_slack_refuses_stops_serve_with_one_line_naming_the_variable(
    cli: Cli, slack: WebApiServer
) -> None:
    result = cli.finish(_serve(cli, _free_port(), _env(slack.base_url, WRONG_TOKEN)))

    line = _one_line_failure(result)
    assert "SLACK_BOT_TOKEN" in line
    assert WRONG_TOKEN not in result.stderr + result.stdout
    assert WRONG_TOKEN[:15] not in result.stderr + result.stdout


def test_a_port_in_use_stops_serve_with_one_line_naming_the_port(
    cli: Cli, slack: WebApiServer
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])

        result = cli.finish(_serve(cli, port, _env(slack.base_url)))

    line = _one_line_failure(result)
    assert str(port) in line and "in use" in line


def test_slack_unreachable_stops_serve_with_one_line(cli: Cli) -> None:
    closed = _free_port()  # nothing listens there

    result = cli.finish(_serve(cli, _free_port(), _env(f"http://127.0.0.1:{closed}/api/")))

    line = _one_line_failure(result)
    assert "cannot reach Slack" in line


def _lines(stream: Iterable[str] | None) -> queue.Queue[str]:
    assert stream is not None, "the process was started without a pipe for this stream"
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            found.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return found


def test_a_good_start_logs_one_line_with_the_workspace_bot_user_and_url(
    cli: Cli, slack: WebApiServer
) -> None:
    port = _free_port()
    env = _env(slack.base_url)
    process = _serve(cli, port, env)
    try:
        stderr = _lines(process.stderr)
        first = stderr.get(timeout=30)
        ready = SimulatedSlack(
            slack,
            request_url=f"http://127.0.0.1:{port}/slack/events",
            signing_secret=str(env["SLACK_SIGNING_SECRET"]),
        )
        assert ready.url_verification()[1], "the bot does not answer Slack"
        time.sleep(0.5)
        later = []
        while not stderr.empty():
            later.append(stderr.get())
    finally:
        process.terminate()
        process.wait(timeout=10)

    workspace = slack.workspace
    assert workspace.team_name in first and workspace.team_id in first, first
    assert workspace.bot_name in first and workspace.bot_user_id in first, first
    assert f"http://127.0.0.1:{port}/slack/events" in first, first
    assert later == [], later
    assert "will be unused" not in first


def test_a_good_socket_mode_start_logs_one_line_with_the_workspace_bot_user_and_connected(
    cli: Cli, slack: WebApiServer
) -> None:
    env = {**_env(slack.base_url), "SLACK_APP_TOKEN": DEFAULT_APP_TOKEN}
    env["SLACK_SIGNING_SECRET"] = None
    process = cli.start("serve", env=env)
    try:
        stderr = _lines(process.stderr)
        first = stderr.get(timeout=30)
        time.sleep(0.5)
        later = []
        while not stderr.empty():
            later.append(stderr.get())
    finally:
        process.terminate()
        process.wait(timeout=10)

    workspace = slack.workspace
    assert "connected" in first and "Socket Mode" in first, first
    assert workspace.team_name in first and workspace.bot_user_id in first, first
    assert workspace.bot_name in first, first
    assert later == [], later
