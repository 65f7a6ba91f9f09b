"""The publisher against the local Slack workspace: opening a meeting posts at Slack's rate.

Opening goes the one route every trigger takes (``MeetingStates``), with the Slack
notifier over a publisher whose pace sleeps on Slack's own clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from bot.deadline_service import DeadlineService
from bot.meeting_states import MeetingStates
from handlers.notifier import SlackNotifier
from handlers.pacing import PostingPace
from handlers.progress import ProgressUpdater
from handlers.publisher import MeetingPublisher
from handlers.slack_client import make_client
from handlers.slack_sim import DEFAULT_BOT_TOKEN, ManualClock, WebApiServer, Workspace
from handlers.slack_sim.limits import RATE_RULES

if TYPE_CHECKING:
    from conftest import Panel, PanelFactory

CASES = 50


@pytest.fixture
def large_panel(make_panel: PanelFactory) -> Panel:
    panel = make_panel()
    refs = [f"LG-{n:02d}" for n in range(1, CASES + 1)]
    panel.import_meeting(panel.meeting_doc(cases=[panel.case_doc(ref) for ref in refs]))
    return panel


def _opening(panel: Panel, slack: WebApiServer, slack_clock: ManualClock) -> MeetingStates:
    """The route that opens a meeting, posting through a publisher paced on Slack's clock."""
    pace = PostingPace(monotonic=slack_clock.now, sleep=slack_clock.advance)
    publisher = MeetingPublisher(
        panel.service, make_client(DEFAULT_BOT_TOKEN, slack.base_url), pace
    )
    notifier = SlackNotifier(panel.service, publisher, ProgressUpdater(publisher.refresh_case))
    return MeetingStates(panel.service, DeadlineService(panel.service), notifier)


@pytest.fixture
def slack_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def rate_limited_slack(large_panel: Panel, slack_clock: ManualClock) -> Iterator[WebApiServer]:
    workspace = Workspace(clock=slack_clock)
    workspace.add_channel(large_panel.settings.panel.channel, "vcop-panel")
    api = WebApiServer(workspace, enforce_rate_limits=True)
    api.start()
    yield api
    api.stop()


def test_opening_a_50_case_meeting_posts_each_case_once_with_no_429_at_the_rate_allowed(
    large_panel: Panel, rate_limited_slack: WebApiServer, slack_clock: ManualClock
) -> None:
    # The pace sleeps on Slack's own clock, so the run takes no wall time.
    states = _opening(large_panel, rate_limited_slack, slack_clock)
    started = slack_clock.now()

    report = states.announce(states.open(None, large_panel.settings.panel.chair[0]))

    elapsed = slack_clock.now() - started
    workspace = rate_limited_slack.workspace
    posts = workspace.calls("chat.postMessage")
    assert [call for call in posts if call.http_status == 429] == []
    assert report.cases_sent() == CASES and len(posts) == CASES + 1  # the header, then each case
    channel = large_panel.settings.panel.channel
    posted_refs = [m.text.split(":")[0] for m in workspace.messages(channel)[1:]]
    assert posted_refs == [f"Case LG-{n:02d}" for n in range(1, CASES + 1)]
    rule = RATE_RULES["chat.postMessage"]
    allowed = (CASES + 1 - rule.burst) / rule.per_second
    assert elapsed <= 1.10 * allowed, (elapsed, allowed)


def test_opening_again_posts_nothing_and_does_not_wait(
    large_panel: Panel, rate_limited_slack: WebApiServer, slack_clock: ManualClock
) -> None:
    states = _opening(large_panel, rate_limited_slack, slack_clock)
    chair = large_panel.settings.panel.chair[0]
    states.announce(states.open(None, chair))
    before = slack_clock.now()
    again = states.announce(states.open(None, chair))
    assert again.cases_sent() == 0 and again.cases_already() == CASES
    assert slack_clock.now() == before
    assert len(rate_limited_slack.workspace.calls("chat.postMessage")) == CASES + 1
