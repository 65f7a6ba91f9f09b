"""End-to-end fixtures: the real bot against the local Slack workspace.

Time is a ManualClock set a few days before the sample meeting's deadline,
so voting is open without sleeping; the SQLite file lives in tmp_path.

The bot is reached over HTTP unless a test asks otherwise: the ``transport``
fixture is ``"http"``, and a module runs its tests over both of Slack's
transports with ``pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack, Transport

from .helpers import ROOT, SAMPLE, OpenMeeting

MEETING_ID = "2025-09-stalking"
BEFORE_DEADLINE = dt.datetime(2025, 9, 10, 9, 0, tzinfo=dt.UTC)
#: Both ways Slack reaches a bot: signed HTTP requests, and Socket Mode envelopes.
TRANSPORTS: tuple[Transport, ...] = ("http", "socket")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    config = tmp_path / "app.yaml"
    shutil.copy(ROOT / "app.yaml", config)
    return load_settings(config, env={"VCOP_DB": str(tmp_path / "vcop.db")})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(BEFORE_DEADLINE)


@pytest.fixture
def transport() -> Transport:
    """How Slack reaches the bot; parametrise ``transport`` to run a test over both."""
    return "http"


@pytest.fixture
def local(settings: Settings, clock: ManualClock, transport: Transport) -> Iterator[LocalWorkspace]:
    with LocalWorkspace(settings, clock=clock, transport=transport) as running:
        yield running


@pytest.fixture
def slack(local: LocalWorkspace) -> SimulatedSlack:
    return local.slack


@pytest.fixture
def service(local: LocalWorkspace) -> PanelServices:
    return local.bot.runtime.service


@pytest.fixture
def imported(service: PanelServices) -> str:
    service.meetings.import_meeting(SAMPLE)
    return MEETING_ID


@pytest.fixture
def opened(imported: str, slack: SimulatedSlack, settings: Settings) -> str:
    result = slack.slash_command(settings.panel.secretariat[0], f"open {imported}")
    assert result.status == 200
    return imported


@pytest.fixture
def meeting(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> OpenMeeting:
    """The sample meeting open for voting, for tests that move the clock past its deadlines."""
    return OpenMeeting(opened, local, slack, settings, clock)
