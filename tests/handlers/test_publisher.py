"""The publisher against the local Slack workspace: posting a meeting at Slack's rate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from handlers.pacing import PostingPace
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
    pace = PostingPace(monotonic=slack_clock.now, sleep=slack_clock.advance)
    client = make_client(DEFAULT_BOT_TOKEN, rate_limited_slack.base_url)
    publisher = MeetingPublisher(large_panel.service, client, pace)
    started = slack_clock.now()

    report = publisher.open_meeting(None, large_panel.settings.panel.chair[0])

    elapsed = slack_clock.now() - started
    workspace = rate_limited_slack.workspace
    posts = workspace.calls("chat.postMessage")
    assert [call for call in posts if call.http_status == 429] == []
    assert report.posted == CASES and len(posts) == CASES + 1  # the header, then each case
    channel = large_panel.settings.panel.channel
    posted_refs = [m.text.split(":")[0] for m in workspace.messages(channel)[1:]]
    assert posted_refs == [f"Case LG-{n:02d}" for n in range(1, CASES + 1)]
    rule = RATE_RULES["chat.postMessage"]
    allowed = (CASES + 1 - rule.burst) / rule.per_second
    assert elapsed <= 1.10 * allowed, (elapsed, allowed)


def test_opening_again_posts_nothing_and_does_not_wait(
    large_panel: Panel, rate_limited_slack: WebApiServer, slack_clock: ManualClock
) -> None:
    pace = PostingPace(monotonic=slack_clock.now, sleep=slack_clock.advance)
    client = make_client(DEFAULT_BOT_TOKEN, rate_limited_slack.base_url)
    publisher = MeetingPublisher(large_panel.service, client, pace)
    chair = large_panel.settings.panel.chair[0]
    publisher.open_meeting(None, chair)
    before = slack_clock.now()
    again = publisher.open_meeting(None, chair)
    assert again.posted == 0 and again.already_posted == CASES
    assert slack_clock.now() == before
    assert len(rate_limited_slack.workspace.calls("chat.postMessage")) == CASES + 1
