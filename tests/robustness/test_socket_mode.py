"""Socket Mode as Slack runs it: the app-level token, envelopes and acks, and connections lost.

The bot is the real one, on slack_sdk's built-in Socket Mode client, connected
to the local workspace's WebSocket endpoint; members act through the simulated
Slack client, whose requests travel as envelopes. A vote counts as acknowledged
when the workspace read the bot's ack with the receipt in it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.conftest import MEETING_ID, SAMPLE
from e2e.helpers import open_vote_form, pattern, values_for
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bot.clock import ManualClock
from bot.config import Settings
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import (
    DEFAULT_APP_TOKEN,
    DEFAULT_BOT_TOKEN,
    SimulatedSlack,
    SubmissionResult,
    WebApiServer,
    Workspace,
)
from handlers.slack_sim.socket_mode import EnvelopeType
from handlers.socket_mode import AppTokenRefused, SocketModeRunner

from .conftest import REFS, count_rows, load_panel_settings
from .helpers import acked, stored_votes

pytestmark = pytest.mark.parametrize("transport", ["socket"])


def _socket(local: LocalWorkspace) -> SimulatedSlack:
    assert local.slack.transport == "socket"
    return local.slack


# -- the workspace's side of the protocol ---------------------------------------------


def test_apps_connections_open_gives_a_local_websocket_url_for_the_app_token_only(
    transport: str,
) -> None:
    with WebApiServer(Workspace()) as api:
        web = WebClient(base_url=api.base_url)
        url = web.apps_connections_open(app_token=DEFAULT_APP_TOKEN)["url"]
        assert url.startswith("ws://127.0.0.1:") and "/link/?ticket=" in url
        refusals = {}
        for token in (DEFAULT_BOT_TOKEN, "xapp-1-A0SIM00001-wrong", ""):
            with pytest.raises(SlackApiError) as refused:
                web.apps_connections_open(app_token=token)
            refusals[token] = refused.value.response["error"]
        assert refusals == {
            DEFAULT_BOT_TOKEN: "not_allowed_token_type",
            "xapp-1-A0SIM00001-wrong": "invalid_auth",
            "": "not_authed",
        }


def test_the_workspace_says_hello_sends_envelopes_and_reads_acks_by_envelope_id(
    transport: str,
) -> None:
    with WebApiServer(Workspace()) as api:
        url = WebClient(base_url=api.base_url).apps_connections_open(app_token=DEFAULT_APP_TOKEN)[
            "url"
        ]
        with connect(url) as app_side:
            hello = json.loads(app_side.recv(timeout=5))
            assert hello["type"] == "hello"
            assert hello["connection_info"] == {"app_id": api.workspace.app_id}
            assert hello["num_connections"] == 1
            answers: list[dict] = []

            def answer() -> None:
                envelope = json.loads(app_side.recv(timeout=5))
                answers.append(envelope)
                reply = {"response_action": "clear"}
                app_side.send(
                    json.dumps({"envelope_id": envelope["envelope_id"], "payload": reply})
                )

            replier = threading.Thread(target=answer)
            replier.start()
            ack = api.socket_mode.deliver(
                "interactive",
                {"type": "view_submission", "view": {}},
                accepts_response_payload=True,
                ack_deadline=5,
            )
            replier.join(timeout=5)
            assert answers[0]["type"] == "interactive"
            assert answers[0]["accepts_response_payload"] is True
            assert ack.acked and ack.payload == {"response_action": "clear"}
            # An envelope nobody answers is not acknowledged once Slack stops waiting.
            unanswered = api.socket_mode.deliver(
                "events_api",
                {"type": "event_callback"},
                accepts_response_payload=False,
                ack_deadline=0.3,
            )
            assert not unanswered.acked and unanswered.timed_out
        # A ticket opens one connection only.
        with pytest.raises(InvalidStatus) as refused:
            connect(url, open_timeout=5)
        assert refused.value.response.status_code == 401


# -- the bot's acks ---------------------------------------------------------------------


def test_every_envelope_is_acknowledged_even_when_no_listener_handles_it(
    local: LocalWorkspace, settings: Settings, transport: str
) -> None:
    slack = _socket(local)
    member = settings.panel.members[0]
    ws = local.workspace
    unhandled: dict[EnvelopeType, dict[str, Any]] = {
        "events_api": {
            "type": "event_callback",
            "event_id": "Ev0UNHANDLED1",
            "team_id": ws.team_id,
            "api_app_id": ws.app_id,
            "event": {"type": "reaction_added", "user": member, "reaction": "eyes"},
        },
        "interactive": {
            "type": "shortcut",
            "callback_id": "no_such_shortcut",
            "trigger_id": "1.2.3",
            "user": {"id": member},
            "team": {"id": ws.team_id},
        },
    }
    for envelope_type, payload in unhandled.items():
        ack = slack.send_envelope(envelope_type, payload)
        assert ack.acked, (envelope_type, ack)
    unknown_button = {
        "type": "block_actions",
        "trigger_id": "1.2.4",
        "user": {"id": member},
        "team": {"id": ws.team_id},
        "actions": [{"type": "button", "action_id": "no_such_button", "block_id": "b"}],
    }
    assert slack.send_envelope("interactive", unknown_button).acked
    command = slack.slash_command(member, "help", command="/not-ours")
    assert command.status == 200


def test_a_redelivered_envelope_stores_the_vote_once(
    local: LocalWorkspace, opened: str, settings: Settings, transport: str
) -> None:
    slack = _socket(local)
    service = local.bot.runtime.service
    member = settings.panel.members[0]
    modal = open_vote_form(slack, member, settings.panel.channel, "SH-01")
    first = slack.submit_view(member, modal.id, values_for(pattern(3)))
    assert acked(first)
    sent = [e for e in local.api.socket_mode.sent if e["payload"].get("type") == "view_submission"]
    payload = sent[-1]["payload"]
    for attempt in (1, 2):
        again = slack.send_envelope("interactive", payload, retry_attempt=attempt)
        assert again.acked
    assert stored_votes(local.database) == {(member, "SH-01"): pattern(3)}
    audit = [e for e in service.repo.audit_entries(opened) if e.actor == member]
    assert [e.action for e in audit] == ["vote.cast"]


def test_a_redelivered_event_runs_once_even_after_the_bot_restarts(
    local: LocalWorkspace, settings: Settings, transport: str
) -> None:
    member = settings.panel.members[0]
    first = _socket(local).app_home_opened(member, event_id="Ev0HOME00001")
    assert first.status == 200
    publishes = len(local.workspace.calls("views.publish"))
    assert publishes == 1
    local.restart_bot()
    slack = _socket(local)
    envelope = first.payload
    retry = slack.send_envelope("events_api", envelope, retry_attempt=1, retry_reason="timeout")
    assert retry.acked
    assert len(local.workspace.calls("views.publish")) == publishes  # not run again
    assert count_rows(local.database, "seen_events", "event_id = ?", ("Ev0HOME00001",)) == 1
    fresh = slack.app_home_opened(member, event_id="Ev0HOME00002")
    assert fresh.status == 200
    assert len(local.workspace.calls("views.publish")) == publishes + 1


# -- connections recycled and lost --------------------------------------------------------


def _ballot(member: str, members: tuple[str, ...]) -> dict[int, str]:
    return pattern(members.index(member))


def _submit_all(
    slack: SimulatedSlack,
    modals: dict[str, str],
    members: tuple[str, ...],
    *,
    during: threading.Event | None = None,
) -> dict[str, SubmissionResult]:
    """Every member submits their open vote modal at once, each from their own thread."""
    barrier = threading.Barrier(len(modals))
    results: dict[str, SubmissionResult] = {}
    lock = threading.Lock()

    def submit(member: str) -> None:
        barrier.wait(timeout=10)
        result = slack.submit_view(member, modals[member], values_for(_ballot(member, members)))
        with lock:
            results[member] = result

    threads = [threading.Thread(target=submit, args=(m,)) for m in modals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def thirty(tmp_path: Path, clock: ManualClock, transport: str) -> Iterator[LocalWorkspace]:
    """A panel of 30 members over Socket Mode, the sample meeting open."""
    settings = load_panel_settings(tmp_path, members=30)
    with LocalWorkspace(settings, clock=clock, transport="socket") as running:
        running.slack.ack_deadline = 15  # about keeping acked votes, not about speed
        running.bot.runtime.service.meetings.import_meeting(SAMPLE)
        opened = running.slack.slash_command(settings.panel.secretariat[0], f"open {MEETING_ID}")
        assert opened.status == 200
        yield running


def _open_modals(local: LocalWorkspace, members: tuple[str, ...], ref: str) -> dict[str, str]:
    channel = local.settings.panel.channel
    return {m: open_vote_form(local.slack, m, channel, ref).id for m in members}


def test_refresh_requested_reconnects_without_losing_an_acked_vote(
    thirty: LocalWorkspace, transport: str
) -> None:
    slack = _socket(thirty)
    members = thirty.settings.panel.members
    server = thirty.api.socket_mode
    before = server.connections_opened
    modals = _open_modals(thirty, members, REFS[0])
    refresher = threading.Timer(0.05, server.request_refresh)
    refresher.start()
    results = _submit_all(slack, modals, members)
    refresher.join()
    assert server.wait_for_connection(10, fresh_after=before)
    acked_now = {m for m, r in results.items() if acked(r)}
    stored = stored_votes(thirty.database)
    assert {(m, REFS[0]): _ballot(m, members) for m in acked_now} == {
        k: v for k, v in stored.items() if k[0] in acked_now
    }
    # A refresh is announced, so nothing in flight should have gone unanswered.
    assert len(acked_now) == 30, {m: r.problems for m, r in results.items() if not acked(r)}
    assert server.connections_opened == before + 1
    # The old connection is closed once the new one is up and its envelopes are answered.
    deadline = time.monotonic() + 5
    while server.open_connections > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.open_connections == 1
    # And the bot keeps serving on the new connection.
    modals = _open_modals(thirty, members[:3], REFS[1])
    assert all(acked(r) for r in _submit_all(slack, modals, members[:3]).values())


def test_a_dropped_socket_mid_burst_of_thirty_votes_loses_no_acked_vote(
    thirty: LocalWorkspace, transport: str
) -> None:
    slack = _socket(thirty)
    members = thirty.settings.panel.members
    server = thirty.api.socket_mode
    before = server.connections_opened
    modals = _open_modals(thirty, members, REFS[0])
    # Cut the connection as soon as the first acks of the burst have come back.
    cut = threading.Event()
    acks_before = server.acks_received

    def cut_after_first_acks() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if server.acks_received - acks_before >= 5:
                server.drop()
                cut.set()
                return
            time.sleep(0.001)

    cutter = threading.Thread(target=cut_after_first_acks)
    cutter.start()
    results = _submit_all(slack, modals, members)
    cutter.join()
    assert cut.is_set()
    acked_first = {m for m, r in results.items() if acked(r)}
    unacked = set(members) - acked_first
    stored = stored_votes(thirty.database)
    # Every acknowledged ballot is stored whole, with the choices submitted.
    for member in acked_first:
        assert stored.get((member, REFS[0])) == _ballot(member, members), member
    # The members whose submission failed see Slack's error and submit again once the
    # bot has reconnected; then every one of the thirty is stored.
    assert server.wait_for_connection(20, fresh_after=before)
    retried = _submit_all(slack, {m: modals[m] for m in unacked}, members) if unacked else {}
    assert all(acked(r) for r in retried.values()), retried
    stored = stored_votes(thirty.database)
    assert {m: stored.get((m, REFS[0])) for m in members} == {
        m: _ballot(m, members) for m in members
    }
    print(
        f"\nsocket drop: {len(acked_first)} of 30 acked before the cut, {len(unacked)} resubmitted"
    )


def test_stopping_mid_burst_acks_every_vote_it_stored_and_stores_every_vote_it_acked(
    thirty: LocalWorkspace, transport: str
) -> None:
    slack = _socket(thirty)
    members = thirty.settings.panel.members
    server = thirty.api.socket_mode
    runner = thirty.socket
    assert runner is not None
    modals = _open_modals(thirty, members, REFS[0])
    acks_before = server.acks_received
    stopped = threading.Event()

    def stop_after_first_acks() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if server.acks_received - acks_before >= 5:
                runner.close()  # what SIGTERM and Ctrl-C do in `vcop serve`
                stopped.set()
                return
            time.sleep(0.001)

    stopper = threading.Thread(target=stop_after_first_acks)
    stopper.start()
    results = _submit_all(slack, modals, members)
    stopper.join()
    assert stopped.is_set()
    acked_members = {m for m, r in results.items() if acked(r)}
    stored = stored_votes(thirty.database)
    # Listeners under way finished and their acks went out before the socket closed:
    # what is stored is exactly what was acknowledged, each ballot whole.
    assert set(stored) == {(m, REFS[0]) for m in acked_members}
    for member in acked_members:
        assert stored[member, REFS[0]] == _ballot(member, members)
    assert 5 <= len(acked_members) <= 30
    print(f"\nsocket stop: {len(acked_members)} of 30 acked and stored when the bot stopped")


# -- the app-level token ----------------------------------------------------------------


def test_a_wrong_app_token_is_refused_in_one_line_naming_slack_app_token(
    local: LocalWorkspace, transport: str
) -> None:
    runner = SocketModeRunner(local.bot.app, "xapp-1-A0SIM00001-not-this-one")
    with pytest.raises(AppTokenRefused) as refused:
        runner.connect(timeout=5)
    message = str(refused.value)
    assert message.startswith("SLACK_APP_TOKEN was refused by Slack (invalid_auth)")
    assert "\n" not in message and "not-this-one" not in message


def test_an_app_token_revoked_while_running_stops_the_bot_with_the_same_line(
    local: LocalWorkspace, transport: str
) -> None:
    runner = local.socket
    assert runner is not None
    local.workspace.app_tokens.clear()  # revoked in Slack's app settings
    local.api.socket_mode.request_refresh()  # the next reconnect needs the token again
    assert runner.stopped.wait(10)
    with pytest.raises(AppTokenRefused) as refused:
        runner.serve_until_stopped()
    assert str(refused.value).startswith("SLACK_APP_TOKEN was refused by Slack (invalid_auth)")
