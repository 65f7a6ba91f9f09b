"""Item 6: Slack answers 429, 500 or nothing at all; no vote is lost and progress catches up.

Faults are queued in the simulated Web API; the bot's real WebClient meets
them and its slack_sdk retry handlers deal with them (Retry-After honoured,
5xx and timeouts tried again). Votes are acknowledged from the database, with
no Slack call in between, so they are stored however Slack behaves; the case
messages' progress lines are refreshed in the background and catch up once
Slack answers again. The Web API timeout is lowered to 1 s through
$VCOP_SLACK_TIMEOUT_S, so a stall costs a second, not ten.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from e2e.conftest import MEETING_ID, SAMPLE
from e2e.helpers import ballot, open_vote_form, vote, wait_for

from bot.clock import ManualClock
from bot.config import Settings
from bot.models import VoteOption
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_client import TIMEOUT_ENV
from handlers.slack_sim import Message, SimulatedSlack, SubmissionResult

from .conftest import REFS, LogCapture, count_rows
from .helpers import acked

PROGRESS = re.compile(r"(\d+) of (\d+) members have voted")


@pytest.fixture
def local(
    settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalWorkspace]:
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    with LocalWorkspace(settings, clock=clock) as running:
        yield running


def _case_message(slack: SimulatedSlack, settings: Settings, ref: str) -> Message:
    return next(
        m for m in slack.messages(settings.panel.channel) if m.text.startswith(f"Case {ref}:")
    )


def _voted(slack: SimulatedSlack, settings: Settings, ref: str) -> int:
    found = PROGRESS.search(str(_case_message(slack, settings, ref).blocks))
    return int(found.group(1)) if found else -1


def _first_member_votes(slack: SimulatedSlack, settings: Settings) -> SubmissionResult:
    """The first member votes Met on every right of the first case, through the vote form."""
    return vote(slack, settings.panel.members[0], settings.panel.channel, REFS[0], ballot())


def _wait_for_progress(
    slack: SimulatedSlack, settings: Settings, ref: str, expected: int, timeout: float = 15
) -> None:
    deadline = time.monotonic() + timeout
    while _voted(slack, settings, ref) != expected:
        assert time.monotonic() < deadline, (
            f"{ref} still shows {_voted(slack, settings, ref)} voters, not {expected}"
        )
        time.sleep(0.05)


def _updates(slack: SimulatedSlack, ts: str) -> list[int]:
    return [c.http_status for c in slack.workspace.calls("chat.update") if c.params["ts"] == ts]


def test_a_429_is_retried_after_retry_after_and_the_vote_was_already_stored(
    opened: str, local: LocalWorkspace, slack: SimulatedSlack, service: PanelServices
) -> None:
    settings = local.settings
    ts = _case_message(slack, settings, REFS[0]).ts
    local.api.faults.rate_limit("chat.update", times=1, retry_after=1)
    result = _first_member_votes(slack, settings)
    assert acked(result)
    assert count_rows(local.database, "votes") == 12  # stored before Slack was even asked
    _wait_for_progress(slack, settings, REFS[0], 1)
    assert _updates(slack, ts) == [429, 200]
    first, second = [c.time for c in slack.workspace.calls("chat.update") if c.params["ts"] == ts]
    assert second - first >= 1.0  # Retry-After was honoured


def test_server_errors_are_retried(
    opened: str, local: LocalWorkspace, slack: SimulatedSlack, service: PanelServices
) -> None:
    settings = local.settings
    ts = _case_message(slack, settings, REFS[0]).ts
    local.api.faults.server_error("chat.update", times=2)
    assert acked(_first_member_votes(slack, settings))
    _wait_for_progress(slack, settings, REFS[0], 1)
    assert _updates(slack, ts) == [500, 500, 200]


def test_a_stalled_call_times_out_and_is_retried(
    opened: str, local: LocalWorkspace, slack: SimulatedSlack, service: PanelServices
) -> None:
    settings = local.settings
    ts = _case_message(slack, settings, REFS[0]).ts
    local.api.faults.stall("chat.update", times=1, seconds=6)
    started = time.monotonic()
    assert acked(_first_member_votes(slack, settings))
    assert count_rows(local.database, "votes") == 12
    _wait_for_progress(slack, settings, REFS[0], 1, timeout=6)
    # The retry got through while the first call was still hanging: the client gave up
    # after its 1 s timeout and tried again, rather than waiting the stall out. (The stalled
    # call is released when the simulator stops; chat.update of the same content twice is
    # harmless.)
    assert time.monotonic() - started < 6 and _updates(slack, ts) == [200]


def test_an_outage_longer_than_the_retries_loses_no_vote_and_progress_catches_up(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    capture_logs: LogCapture,
) -> None:
    """Every Web API call fails 4 times in a row: more than the retry handler's 3 retries."""
    settings = local.settings
    members = settings.panel.members
    ts = _case_message(slack, settings, REFS[0]).ts
    modals = {m: open_vote_form(slack, m, settings.panel.channel, REFS[0]) for m in members}
    local.api.faults.server_error(None, times=4)
    results = [slack.submit_view(m, modals[m].id, ballot(VoteOption.NOT_MET)) for m in members]
    assert [acked(r) for r in results] == [True] * 5
    assert count_rows(local.database, "votes") == 60
    assert count_rows(local.database, "votes", "option = 'Not met'") == 60
    _wait_for_progress(slack, settings, REFS[0], 5, timeout=20)
    statuses = _updates(slack, ts)
    assert statuses[:4] == [500] * 4 and statuses[-1] == 200
    assert "progress update for SH-01 failed" in capture_logs.text
    assert local.api.faults.pending() == []


def test_open_under_rate_limits_and_errors_posts_each_case_once(
    settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in production, the cases are posted after the ack, by a background worker."""
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    with LocalWorkspace(settings, clock=clock, inline_after_ack=False) as local:
        slack = local.slack
        local.bot.runtime.service.meetings.import_meeting(SAMPLE)
        local.api.faults.rate_limit("chat.postMessage", times=1, retry_after=1)
        local.api.faults.server_error("chat.postMessage", times=1)
        result = slack.slash_command(settings.panel.secretariat[0], f"open {MEETING_ID}")
        assert result.status == 200 and result.response.elapsed < 1
        wait_for(lambda: len(slack.messages(settings.panel.channel)) == 1 + len(REFS), 15)
        wait_for(
            lambda: "posted 6 cases" in str(slack.ephemerals_for(settings.panel.secretariat[0])), 5
        )
        _check_posted_once(local, slack, settings)


def _check_posted_once(local: LocalWorkspace, slack: SimulatedSlack, settings: Settings) -> None:
    messages = slack.messages(settings.panel.channel)
    assert len(messages) == 1 + len(REFS)
    assert [m.text.split(":")[0] for m in messages[1:]] == [f"Case {ref}" for ref in REFS]
    statuses = [c.http_status for c in slack.workspace.calls("chat.postMessage")]
    assert statuses.count(200) == 1 + len(REFS)
    assert sorted(s for s in statuses if s != 200) == [429, 500]
    assert count_rows(local.database, "posts") == 1 + len(REFS)
