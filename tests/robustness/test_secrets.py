"""Item 8: the bot token, the app token and the signing secret never reach a log line.

A whole meeting is run end to end with every logger at DEBUG (slack_sdk logs
each request with its headers, Bolt logs each refused signature with the
request): import, open, App Home with retries, votes, status, the chair's tally
and resolution, the summary DM and its upload, reminders, the close; plus
forged and malformed requests, Slack 429s and 500s, and a listener that fails
with a traceback. Every record is formatted as a handler would write it,
traceback included, and searched for each secret. The tokens are shaped like
real ones, so a leak cannot hide behind an unrealistic value.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from e2e.conftest import MEETING_ID, SAMPLE
from e2e.helpers import pattern, values_for, vote

from bot.clock import ManualClock
from bot.config import Settings, SlackCredentials
from bot.models import Finding
from handlers import ids
from handlers.bootstrap import Bot, build_bot
from handlers.pacing import NoPace
from handlers.server import RunningServer, start_in_background
from handlers.slack_sim import Forgery, SimulatedSlack, WebApiServer, Workspace

from .conftest import REFS, LogCapture
from .helpers import acked


def _digits(n: int) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(n))


BOT_TOKEN = f"xoxb-{_digits(12)}-{_digits(13)}-{secrets.token_hex(12)}"
APP_TOKEN = f"xapp-1-A0SIM{_digits(6)}-{_digits(13)}-{secrets.token_hex(32)}"
SIGNING_SECRET = secrets.token_hex(16)


@pytest.fixture
def running(
    settings: Settings, clock: ManualClock, capture_logs: LogCapture
) -> Iterator[dict[str, Any]]:
    """LocalWorkspace's wiring, but with real-looking tokens (it always uses the sim token)."""
    workspace = Workspace(bot_tokens=(BOT_TOKEN,))
    workspace.add_channel(settings.panel.channel, "vcop-panel")
    panel = settings.panel
    for user in sorted({*panel.members, *panel.chair, *panel.secretariat, "U0OUTSIDE1"}):
        workspace.add_user(user, user.lower())
    api = WebApiServer(workspace).start()
    credentials = SlackCredentials(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_token=APP_TOKEN,
        api_url=api.base_url,
    )
    bot: Bot = build_bot(
        settings,
        credentials,
        clock=clock,
        inline_after_ack=True,
        progress_min_gap=0.0,
        scheduler_paused=True,
        pace=NoPace(),  # this workspace enforces no rate limits: nothing to wait for
    )
    bot.start()
    server: RunningServer = start_in_background(bot.app)
    slack = SimulatedSlack(api, request_url=server.url, signing_secret=SIGNING_SECRET)
    try:
        yield {"bot": bot, "slack": slack, "api": api, "logs": capture_logs}
    finally:
        server.stop()
        bot.stop()
        api.stop()


def test_no_secret_in_any_log_line_of_a_whole_run(
    running: dict[str, Any], settings: Settings, clock: ManualClock
) -> None:
    bot: Bot = running["bot"]
    slack: SimulatedSlack = running["slack"]
    api: WebApiServer = running["api"]
    logs: LogCapture = running["logs"]
    service = bot.runtime.service
    members, chair = settings.panel.members, settings.panel.chair[0]
    secretariat = settings.panel.secretariat[0]

    service.meetings.import_meeting(SAMPLE)
    assert slack.slash_command(secretariat, f"open {MEETING_ID}").status == 200
    for member in members:
        first = slack.app_home_opened(member)
        assert slack.app_home_opened(member, event_id=first.event_id, retry_num=1).status == 200
    api.faults.rate_limit("chat.update", times=1, retry_after=1)
    api.faults.server_error("chat.update", times=1)
    for index, member in enumerate(members):
        for ref in REFS[:2]:
            notes = {"observations": f"note {index}"}
            assert acked(
                vote(slack, member, settings.panel.channel, ref, values_for(pattern(index), notes))
            )
    # A member pastes the app token into a note by mistake; it travels in request and
    # response bodies that slack_sdk and Bolt log at DEBUG, so the redactor must catch it.
    notes = {"learning": f"oops: {APP_TOKEN}"}
    assert acked(
        vote(slack, members[0], settings.panel.channel, REFS[0], values_for(pattern(0), notes))
    )
    post = service.messages.post_for(MEETING_ID, REFS[0])
    assert post is not None
    slack.click_button(members[0], ids.VOTE_OPEN, ids.case_key(MEETING_ID, REFS[0]), message=post)
    slack.workspace.close_all_modals(members[0])
    assert slack.slash_command(members[0], f"status {MEETING_ID}").status == 200
    assert slack.slash_command(chair, f"tally {MEETING_ID}").status == 200
    service.resolutions.resolve_right(MEETING_ID, REFS[0], 2, Finding.NOT_MET, "Decided", chair)
    assert slack.slash_command(secretariat, f"summary {MEETING_ID}").status == 200
    # Forged and malformed requests: Bolt logs the request it refused.
    for forgery in (Forgery.WRONG_SECRET, Forgery.STALE_TIMESTAMP, Forgery.TAMPERED_BODY):
        assert slack.slash_command(chair, f"close {MEETING_ID}", forgery=forgery).status == 401
    assert slack.send_raw(b"{not json", "application/json").status == 400
    # A listener that fails with a traceback in the log: Slack refuses an expired trigger.
    post = service.messages.post_for(MEETING_ID, REFS[2])
    assert post is not None
    api.faults.api_error("views.open", error="expired_trigger_id")
    slack.click_button(members[0], ids.VOTE_OPEN, ids.case_key(MEETING_ID, REFS[2]), message=post)
    # The reminders and the close, on the manual clock.
    clock.set(dt.datetime(2025, 9, 12, 16, 5, tzinfo=dt.UTC))
    assert bot.runtime.scheduler.run_due() >= 1
    clock.set(dt.datetime(2025, 9, 15, 16, 1, tzinfo=dt.UTC))
    assert bot.runtime.scheduler.run_due() >= 1
    assert not service.meetings.get_meeting(MEETING_ID).is_open

    text = logs.text
    assert len(logs.lines) > 500
    for logger in ("slack_sdk", "slack_bolt", "handlers", "apscheduler"):
        assert f" {logger}" in text, f"nothing logged by {logger}"
    assert "Traceback" in text  # the failing listener's traceback was captured too
    assert "[redacted]" in text  # the pasted token was logged, and redacted
    leaks = {
        name: sum(secret in line for line in logs.lines)
        for name, secret in (
            ("bot token", BOT_TOKEN),
            ("app token", APP_TOKEN),
            ("signing secret", SIGNING_SECRET),
            ("bot token body", BOT_TOKEN.split("-", 1)[1]),
        )
    }
    assert leaks == dict.fromkeys(leaks, 0), leaks
    redacted = sum("[redacted]" in line for line in logs.lines)
    print(f"\nsecrets: {len(logs.lines)} log lines at DEBUG, {redacted} redacted, leaks {leaks}")
