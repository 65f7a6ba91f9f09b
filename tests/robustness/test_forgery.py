"""Item 1: a forged request gets HTTP 401, and nothing is stored or sent.

Each forgery is applied to three genuine requests (the secretariat's
`/vcop open`, a member's vote submission, an App Home event); after every one
the database is byte-for-byte what it was and the bot made no Slack call.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from e2e.helpers import ballot, open_vote_form

from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import Forgery, SimulatedSlack

from .conftest import REFS, dump_db
from .helpers import submission_payload

FORGERIES = [f for f in Forgery if f is not Forgery.NONE]
FORM = "application/x-www-form-urlencoded"


def _sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode("utf-8") + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@pytest.fixture
def requests(
    opened: str, local: LocalWorkspace, slack: SimulatedSlack, service: PanelServices
) -> dict[str, tuple[bytes, str]]:
    """Three genuine request bodies that would each change something if accepted."""
    settings = local.settings
    ws = slack.workspace
    secretariat = settings.panel.secretariat[0]
    form = slack.slash_command_form(secretariat, f"close {opened}")
    form["user_id"] = settings.panel.chair[0]  # the chair closing voting
    member = settings.panel.members[0]
    modal = open_vote_form(slack, member, settings.panel.channel, REFS[0])
    payload = submission_payload(slack, member, modal, ballot("Met"))
    event = {
        "type": "event_callback",
        "event": {"type": "app_home_opened", "user": member, "tab": "home"},
        "event_id": "Ev0FORGED1",
        "team_id": ws.team_id,
        "api_app_id": ws.app_id,
    }
    return {
        "command": (urlencode(form).encode(), FORM),
        "vote": (urlencode({"payload": json.dumps(payload)}).encode(), FORM),
        "event": (json.dumps(event).encode(), "application/json"),
    }


def test_each_forgery_is_refused_with_401_and_changes_nothing(
    requests: dict[str, tuple[bytes, str]], local: LocalWorkspace, slack: SimulatedSlack
) -> None:
    before, calls = dump_db(local.database), len(slack.workspace.calls())
    statuses = {}
    for forgery in FORGERIES:
        for name, (body, content_type) in requests.items():
            response = slack.send_raw(body, content_type, forgery=forgery)
            statuses[forgery.value, name] = response.status
            assert b"Traceback" not in response.body
    assert set(statuses.values()) == {401}, statuses
    assert len(statuses) == 6 * 3
    assert dump_db(local.database) == before
    assert len(slack.workspace.calls()) == calls  # no Slack call either
    # The same three requests, genuinely signed, do change things: the forgeries were real.
    for name, (body, content_type) in requests.items():
        assert slack.send_raw(body, content_type).status == 200, name
    assert dump_db(local.database) != before


@pytest.mark.parametrize(
    "timestamp",
    ["not-a-timestamp", "", " ", "1e9", "12.5", "0x10", "١٧٠٠٠٠٠٠٠٠", "１２３", "9" * 40, "-1"],
)
def test_a_malformed_timestamp_is_a_401_not_a_500(
    timestamp: str,
    requests: dict[str, tuple[bytes, str]],
    local: LocalWorkspace,
    slack: SimulatedSlack,
) -> None:
    """Bolt's check calls int() on the header; the guard in handlers/server.py answers 401."""
    before = dump_db(local.database)
    body, content_type = requests["command"]
    headers = {
        "X-Slack-Request-Timestamp": timestamp,
        # Signed over the odd timestamp with the right secret: only the format is wrong.
        "X-Slack-Signature": _sign(slack.signing_secret, timestamp, body),
    }
    response = slack.send_raw(body, content_type, sign=False, headers=_latin1(headers))
    assert response.status == 401, (timestamp, response.status, response.text)
    assert dump_db(local.database) == before


def _latin1(headers: dict[str, str]) -> dict[str, str]:
    """HTTP headers travel as latin-1: send non-ASCII digits as their UTF-8 bytes."""
    return {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}


def test_a_current_timestamp_with_a_bad_signature_is_refused(
    requests: dict[str, tuple[bytes, str]], local: LocalWorkspace, slack: SimulatedSlack
) -> None:
    """A replay with a fresh timestamp cannot reuse an old signature."""
    before = dump_db(local.database)
    body, content_type = requests["command"]
    old = str(int(time.time()) - 60)
    headers = {
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": _sign(slack.signing_secret, old, body),
    }
    assert slack.send_raw(body, content_type, sign=False, headers=headers).status == 401
    assert dump_db(local.database) == before


def test_unsigned_garbage_is_refused_without_a_traceback(
    local: LocalWorkspace, slack: SimulatedSlack
) -> None:
    """Bodies Bolt cannot even parse: never a 500, never a traceback, nothing stored."""
    before = dump_db(local.database)
    bodies = [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"payload=%7Bbroken", FORM),
        (b"[1, 2, 3]", "application/json"),
        (b"payload=%5B%5D", FORM),
    ]
    for body, content_type in bodies:
        for sign in (False, True):
            response = slack.send_raw(body, content_type, sign=sign)
            assert response.status in (400, 401), (body, sign, response.status)
            assert b"Traceback" not in response.body
    assert dump_db(local.database) == before
