"""Tests for the local Slack simulator (``slack_sim``).

The Web API half is driven with the real ``slack_sdk.WebClient`` so that both
encodings it uses (JSON and form), its retry handlers and ``files_upload_v2``
are exercised.  The client half is checked against a minimal Bolt app served by
``wsgiref`` on an ephemeral port: Bolt verifies signatures with
``SignatureVerifier`` and parses payloads exactly as the real bot will.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from handlers.slack_sim import (
    DEFAULT_BOT_TOKEN,
    Forgery,
    ManualClock,
    SimulatedSlack,
    SimulationError,
    ViewRecord,
    WebApiServer,
    Workspace,
    sign_request,
    validate_view,
)

SECRET = "sim-signing-secret"


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def workspace(clock: ManualClock) -> Workspace:
    ws = Workspace(clock=clock)
    ws.add_user("U1", "alice")
    ws.add_user("U2", "bob")
    ws.add_channel("C1", "panel")
    ws.add_channel("C2", "other")
    return ws


@pytest.fixture
def api(workspace: Workspace) -> Iterator[WebApiServer]:
    with WebApiServer(workspace) as server:
        yield server


@pytest.fixture
def client(api: WebApiServer) -> WebClient:
    return WebClient(token=DEFAULT_BOT_TOKEN, base_url=api.base_url, timeout=5)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(action_id: str, text: str = "Go") -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}}


def modal(*blocks: dict[str, Any], title: str = "Vote", **extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": list(blocks)}
    view.update(extra)
    return view


def vote_input(block_id: str = "vote") -> dict[str, Any]:
    options = [
        {"text": {"type": "plain_text", "text": label}, "value": value}
        for label, value in (("Met", "met"), ("Not met", "not_met"), ("Partly", "partly"))
    ]
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": "Your vote"},
        "element": {"type": "static_select", "action_id": "choice", "options": options},
    }


def comment_input(optional: bool = True) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "comment",
        "optional": optional,
        "label": {"type": "plain_text", "text": "Comment"},
        "element": {"type": "plain_text_input", "action_id": "text", "max_length": 50},
    }


SUBMIT: dict[str, Any] = {"submit": {"type": "plain_text", "text": "Submit"}}


def wizard_view(step: str) -> dict[str, Any]:
    """A modal whose submission handler answers with ``response_action: step``."""
    radios = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in ("a", "b")]
    picks = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in ("x", "y")]
    return modal(
        {
            "type": "input",
            "block_id": "r",
            "label": {"type": "plain_text", "text": "Pick one"},
            "element": {"type": "radio_buttons", "action_id": "r_choice", "options": radios},
        },
        {
            "type": "actions",
            "block_id": "tools",
            "elements": [{"type": "static_select", "action_id": "pick", "options": picks}],
        },
        title=f"Wizard {step}",
        callback_id="wizard",
        private_metadata=step,
        notify_on_close=True,
        **SUBMIT,
    )


# -- Web API: messages ------------------------------------------------------------------------


def test_post_update_delete_message_keeps_history(client: WebClient, api: WebApiServer) -> None:
    posted = client.chat_postMessage(channel="C1", text="v1", blocks=[section("first")])
    ts = posted["ts"]
    assert posted["message"]["blocks"][0]["block_id"], "Slack fills in missing block ids"

    client.chat_update(channel="C1", ts=ts, text="v2", blocks=[section("second")])
    client.chat_update(channel="C1", ts=ts, text="v3")  # blocks omitted: kept as they were

    (message,) = api.workspace.messages("C1")
    assert (message.text, message.blocks[0]["text"]["text"]) == ("v3", "second")
    assert [v.text for v in message.history] == ["v1", "v2"]

    later = client.chat_postMessage(channel="C1", text="later")
    assert float(later["ts"]) > float(ts)

    client.chat_delete(channel="C1", ts=ts)
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C1", ts=ts, text="v4")
    assert err.value.response["error"] == "message_not_found"
    assert [m.text for m in api.workspace.messages("C1")] == ["later"]


def test_posting_to_a_user_id_lands_in_their_dm(client: WebClient, api: WebApiServer) -> None:
    posted = client.chat_postMessage(channel="U1", text="hello alice")
    opened = client.conversations_open(users="U1")
    assert opened["channel"]["id"] == posted["channel"] and posted["channel"].startswith("D")
    assert opened["already_open"] is True
    assert [m.text for m in api.workspace.messages(posted["channel"])] == ["hello alice"]
    assert client.conversations_info(channel=posted["channel"])["channel"]["user"] == "U1"
    assert client.users_info(user="U2")["user"]["tz"] == "Europe/London"
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.chat_postMessage(channel="C404", text="x")
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U404")


def test_concurrent_posts_get_unique_increasing_timestamps(api: WebApiServer) -> None:
    def post(worker: int) -> None:
        client = WebClient(token=DEFAULT_BOT_TOKEN, base_url=api.base_url, timeout=5)
        for i in range(15):
            client.chat_postMessage(channel="C1", text=f"{worker}-{i}")

    threads = [threading.Thread(target=post, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps = [m.ts for m in api.workspace.messages("C1")]
    assert len(stamps) == len(set(stamps)) == 60
    assert stamps == sorted(stamps, key=float)


def test_form_encoded_json_fields_are_decoded(client: WebClient, api: WebApiServer) -> None:
    blocks = json.dumps([section("via form")])
    client.api_call("chat.postMessage", params={"channel": "C1", "text": "t", "blocks": blocks})
    (call,) = api.workspace.calls("chat.postMessage")
    assert call.params["blocks"][0]["text"]["text"] == "via form"
    assert api.workspace.messages("C1")[0].blocks[0]["text"]["text"] == "via form"


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x")] * 51, "/blocks"),
        ([section("x" * 3001)], "/blocks/0/text/text"),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "/blocks/0/text/text",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            "/blocks/0/fields",
        ),
        (
            [{"type": "actions", "elements": [_button("a", "b" * 76)]}],
            "/blocks/0/elements/0/text/text",
        ),
        ([{"type": "carousel"}], "/blocks/0/type"),
        (
            [{"type": "section", "block_id": "x" * 256, "text": {"type": "mrkdwn", "text": "t"}}],
            "/blocks/0/block_id",
        ),
        (
            [{**section("a"), "block_id": "dup"}, {**section("b"), "block_id": "dup"}],
            "/blocks/1/block_id",
        ),
        (
            [{"type": "actions", "elements": [_button("same"), _button("same")]}],
            "/blocks/0/elements/1/action_id",
        ),
    ],
)
def test_block_kit_limits_answer_invalid_blocks(
    client: WebClient, blocks: list[Any], pointer: str
) -> None:
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="t", blocks=blocks)
    body = err.value.response.data
    assert body["error"] == "invalid_blocks"
    assert any(e.startswith(f"{pointer}:") for e in body["errors"]), body["errors"]
    assert any(f"[json-pointer:{pointer}]" in m for m in body["response_metadata"]["messages"])


def test_message_text_limit_and_missing_text(client: WebClient) -> None:
    with pytest.raises(SlackApiError, match="msg_too_long"):
        client.chat_postMessage(channel="C1", text="x" * 40_001)
    with pytest.raises(SlackApiError, match="no_text"):
        client.api_call("chat.postMessage", params={"channel": "C1"})


def test_view_validation_rules() -> None:
    options = [
        {"text": {"type": "plain_text", "text": str(i)}, "value": str(i)} for i in range(101)
    ]
    select = {
        **vote_input(),
        "element": {"type": "static_select", "action_id": "c", "options": options},
    }
    cases = {
        "/view/title/text": modal(section("x"), title="t" * 25),
        "/view/submit": modal(vote_input()),
        "/view/blocks/0/element/options": modal(select, **SUBMIT),
        "/view/blocks/0/label": modal(
            {"type": "input", "element": {"type": "plain_text_input"}}, **SUBMIT
        ),
        "/view/private_metadata": modal(section("x"), private_metadata="m" * 3001),
        "/view/blocks": modal(*[section("x")] * 101),
    }
    for pointer, view in cases.items():
        assert pointer in [e.pointer for e in validate_view(view)], pointer
    assert validate_view(modal(vote_input(), comment_input(), **SUBMIT)) == []


def test_auth_errors_and_unknown_method(api: WebApiServer) -> None:
    bad = WebClient(token="xoxb-wrong", base_url=api.base_url)
    with pytest.raises(SlackApiError, match="invalid_auth"):
        bad.chat_postMessage(channel="C1", text="x")
    anonymous = WebClient(base_url=api.base_url)
    with pytest.raises(SlackApiError, match="not_authed"):
        anonymous.auth_test()
    good = WebClient(token=DEFAULT_BOT_TOKEN, base_url=api.base_url)
    with pytest.raises(SlackApiError, match="unknown_method"):
        good.api_call("chat.scheduleMessage", params={"channel": "C1"})
    assert good.auth_test()["user_id"] == api.workspace.bot_user_id
    assert [c.error for c in api.workspace.calls()][:2] == ["invalid_auth", "not_authed"]


# -- Web API: views ---------------------------------------------------------------------------


def test_views_open_trigger_rules(client: WebClient, api: WebApiServer, clock: ManualClock) -> None:
    trigger = api.issue_trigger_id("U1")
    opened = client.views_open(trigger_id=trigger, view=modal(vote_input(), **SUBMIT))
    assert present(api.workspace.open_modal("U1")).id == opened["view"]["id"]
    assert api.workspace.open_modal("U2") is None

    for trigger_id, error in (
        (trigger, "exchanged_trigger_id"),
        ("123.456.nope", "invalid_trigger_id"),
    ):
        with pytest.raises(SlackApiError) as err:
            client.views_open(trigger_id=trigger_id, view=modal(section("x")))
        assert err.value.response["error"] == error

    stale = api.issue_trigger_id("U2")
    clock.advance(3.5)
    with pytest.raises(SlackApiError, match="expired_trigger_id"):
        client.views_open(trigger_id=stale, view=modal(section("x")))

    fresh = api.issue_trigger_id("U2")
    with pytest.raises(SlackApiError) as err:
        client.views_open(
            trigger_id=fresh, view=modal(section("x"), title="far too long a title here")
        )
    assert err.value.response["error"] == "invalid_arguments"
    assert (
        "[json-pointer:/view/title/text]" in err.value.response["response_metadata"]["messages"][0]
    )
    client.views_open(
        trigger_id=fresh, view=modal(section("x"))
    )  # an invalid view does not spend it


def test_views_update_push_publish(client: WebClient, api: WebApiServer) -> None:
    view = client.views_open(
        trigger_id=api.issue_trigger_id("U1"), view=modal(section("one"), external_id="ext-1")
    )
    view_id, old_hash = view["view"]["id"], view["view"]["hash"]

    updated = client.views_update(view_id=view_id, hash=old_hash, view=modal(section("two")))
    assert updated["view"]["hash"] != old_hash
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=view_id, hash=old_hash, view=modal(section("three")))
    client.views_update(external_id="ext-1", view=modal(section("four")))
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id="V404", view=modal(section("x")))

    for _ in range(2):
        client.views_push(trigger_id=api.issue_trigger_id("U1"), view=modal(section("pushed")))
    with pytest.raises(SlackApiError, match="push_limit_reached"):
        client.views_push(trigger_id=api.issue_trigger_id("U1"), view=modal(section("too deep")))
    assert len(api.workspace.modal_stack("U1")) == 3

    home = {"type": "home", "blocks": [section("home v1")]}
    first = client.views_publish(user_id="U1", view=home)
    second = client.views_publish(
        user_id="U1", view={"type": "home", "blocks": [section("home v2")]}
    )
    assert first["view"]["id"] == second["view"]["id"]
    assert present(api.workspace.home_view("U1")).blocks[0]["text"]["text"] == "home v2"
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.views_publish(user_id="U1", view=modal(section("not a home")))

    record = api.workspace.view(view_id)
    assert [v["blocks"][0]["text"]["text"] for v in record.versions] == ["one", "two", "four"]


def test_views_update_keeps_what_an_input_held_and_applies_initial_only_to_new_block_ids(
    client: WebClient, api: WebApiServer
) -> None:
    """Slack's "preserving input entry": same block_id and action_id keep their state."""
    met = {"text": {"type": "plain_text", "text": "Met"}, "value": "met"}
    view = client.views_open(
        trigger_id=api.issue_trigger_id("U1"),
        view=modal(vote_input("a"), vote_input("b"), vote_input("c"), **SUBMIT),
    )["view"]
    api.workspace.set_view_state(
        view["id"],
        {
            "values": {
                "a": {
                    "choice": {
                        "type": "static_select",
                        "selected_option": met
                        | {"value": "not_met", "text": {"type": "plain_text", "text": "Not met"}},
                    }
                }
            }
        },
    )
    preselected = [vote_input(block_id) for block_id in ("a", "b", "c2")]
    for block in preselected:
        block["element"]["initial_option"] = met
    client.views_update(view_id=view["id"], hash=view["hash"], view=modal(*preselected, **SUBMIT))
    values = api.workspace.view(view["id"]).state["values"]
    assert values["a"]["choice"]["selected_option"]["value"] == "not_met"  # the user's pick
    assert values["b"]["choice"]["selected_option"] is None  # untouched: the new initial is ignored
    assert "c2" not in values  # a new block starts from its initial_option


def test_view_too_large(client: WebClient, api: WebApiServer) -> None:
    big = modal(*[section("x" * 2900)] * 90)
    with pytest.raises(SlackApiError, match="view_too_large"):
        client.views_open(trigger_id=api.issue_trigger_id("U1"), view=big)


# -- Web API: files ---------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(client: WebClient, api: WebApiServer, tmp_path: Any) -> None:
    path = tmp_path / "summary.docx"
    path.write_bytes(b"PK\x03\x04 pretend docx")
    response = client.files_upload_v2(
        channel="C1",
        file=str(path),
        filename="summary.docx",
        title="Panel summary",
        initial_comment="Draft attached",
    )
    file_id = response["file"]["id"]
    assert client.files_info(file=file_id)["file"]["title"] == "Panel summary"
    (message,) = api.workspace.messages("C1")
    assert message.text == "Draft attached" and message.files[0]["id"] == file_id
    assert api.workspace.file(file_id).content == path.read_bytes()

    client.files_upload_v2(channel="C1", file=b"raw,bytes\n", filename="votes.csv", title="Votes")
    assert api.workspace.messages("C1")[-1].files[0]["name"] == "votes.csv"

    download = urllib.request.Request(
        response["file"]["url_private"], headers={"Authorization": f"Bearer {DEFAULT_BOT_TOKEN}"}
    )
    with urllib.request.urlopen(download, timeout=5) as resp:
        assert resp.read() == path.read_bytes()
    methods = [c.method for c in api.workspace.calls()][:4]
    assert methods == [
        "files.getUploadURLExternal",
        "upload_url",
        "files.completeUploadExternal",
        "files.info",
    ]


# -- Web API: faults and rate limits -----------------------------------------------------------


def test_injected_faults_are_visible_to_the_client(client: WebClient, api: WebApiServer) -> None:
    api.faults.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"

    api.faults.server_error(status=503)
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C1", ts="1.2", text="x")
    assert err.value.response.status_code == 503

    api.faults.api_error("users.info", error="fatal_error")
    with pytest.raises(SlackApiError, match="fatal_error"):
        client.users_info(user="U1")

    assert [(c.http_status, c.error) for c in api.workspace.calls()] == [
        (429, "ratelimited"),
        (503, "internal_error"),
        (200, "fatal_error"),
    ]
    assert api.workspace.messages("C1") == []


def test_rate_limit_retry_handler_retries_through_a_429(api: WebApiServer) -> None:
    retrying = WebClient(
        token=DEFAULT_BOT_TOKEN,
        base_url=api.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    api.faults.rate_limit("chat.postMessage", retry_after=0)
    assert retrying.chat_postMessage(channel="C1", text="eventually")["ok"]
    assert [c.http_status for c in api.workspace.calls("chat.postMessage")] == [429, 200]


def test_stall_makes_the_client_time_out_but_the_call_still_happens(api: WebApiServer) -> None:
    impatient = WebClient(token=DEFAULT_BOT_TOKEN, base_url=api.base_url, timeout=0.2)  # type: ignore[arg-type]  # slack_sdk annotates int, accepts float
    api.faults.stall("chat.postMessage", seconds=0.5)
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C1", text="slow")
    deadline = time.monotonic() + 3
    while not api.workspace.messages("C1") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [m.text for m in api.workspace.messages("C1")] == ["slow"]


def test_enforced_rate_limits_follow_a_token_bucket(
    client: WebClient, api: WebApiServer, clock: ManualClock
) -> None:
    api.enforce_rate_limits = True
    for i in range(3):
        client.chat_postMessage(channel="C1", text=f"burst {i}")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="one too many")
    assert err.value.response.status_code == 429
    assert int(err.value.response.headers["Retry-After"]) >= 1
    client.chat_postMessage(channel="C2", text="other channel has its own bucket")
    clock.advance(1.0)
    client.chat_postMessage(channel="C1", text="after a second")
    assert [c.http_status for c in api.workspace.calls("chat.postMessage")].count(429) == 1


# -- Web API: response URLs -------------------------------------------------------------------


def test_response_url_semantics(client: WebClient, api: WebApiServer, clock: ManualClock) -> None:
    ws = api.workspace
    original = client.chat_postMessage(channel="C1", text="original", blocks=[section("before")])
    url = api.issue_response_url("U1", "C1", message_ts=original["ts"])

    assert WebhookClient(url).send(text="just for you").status_code == 200
    assert [e.text for e in ws.ephemerals_for("U1")] == ["just for you"]
    assert ws.ephemerals_for("U2") == []

    WebhookClient(url).send(text="for everyone", response_type="in_channel")
    WebhookClient(url).send(text="replaced", blocks=[section("after")], replace_original=True)
    texts = [m.text for m in ws.messages("C1")]
    assert texts == ["replaced", "for everyone"]
    assert ws.messages("C1")[0].history[0].blocks[0]["text"]["text"] == "before"

    bad = WebhookClient(url).send(text="x", blocks=[{"type": "nope"}])
    assert bad.status_code == 400 and "invalid_blocks" in bad.body
    WebhookClient(url).send(delete_original=True)
    assert WebhookClient(url).send(text="sixth use").status_code == 404

    expiring = api.issue_response_url("U1", "C1")
    clock.advance(31 * 60)
    assert json.loads(WebhookClient(expiring).send(text="late").body)["error"] == "expired_url"


# -- audits -----------------------------------------------------------------------------------


def test_surfaces_seen_by_respects_dms_ephemerals_and_views(
    client: WebClient, api: WebApiServer
) -> None:
    client.chat_postMessage(channel="U1", text="alice voted met")
    client.chat_postMessage(channel="C1", text="tally: 3 met")
    client.chat_postEphemeral(channel="C1", user="U2", text="bob only")
    client.views_open(
        trigger_id=api.issue_trigger_id("U2"),
        view=modal(section("bob's modal"), private_metadata="secret-meta"),
    )

    def seen(user: str) -> str:
        return "\n".join(s.visible_text() for s in api.workspace.surfaces_seen_by(user))

    assert "alice voted met" in seen("U1") and "alice voted met" not in seen("U2")
    assert "tally: 3 met" in seen("U1") and "tally: 3 met" in seen("U2")
    assert "bob only" in seen("U2") and "bob only" not in seen("U1")
    assert "bob's modal" in seen("U2") and "bob's modal" not in seen("U1")
    assert "secret-meta" not in seen("U2")
    assert any("secret-meta" in s.all_strings() for s in api.workspace.surfaces_seen_by("U2"))


# -- client side against a real Bolt app ------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logging.getLogger("wsgiref").debug(format, *args)


class BoltHarness:
    """A tiny Bolt app with the interactions the simulator must drive."""

    def __init__(self, api: WebApiServer) -> None:
        self.seen: list[dict[str, Any]] = []
        self.headers: list[dict[str, Any]] = []
        app = App(
            token=DEFAULT_BOT_TOKEN,
            signing_secret=SECRET,
            client=WebClient(token=DEFAULT_BOT_TOKEN, base_url=api.base_url, timeout=5),
            process_before_response=True,
        )

        @app.command("/vcop")
        def command(ack: Any, body: dict[str, Any], client: WebClient) -> None:
            self.seen.append(body)
            if body["text"] == "vote":
                ack()
                view = modal(
                    vote_input(),
                    comment_input(),
                    callback_id="vote",
                    private_metadata="right-3",
                    **SUBMIT,
                )
                client.views_open(trigger_id=body["trigger_id"], view=view)
            elif body["text"] == "wizard":
                ack()
                client.views_open(trigger_id=body["trigger_id"], view=wizard_view("update"))
            elif body["text"] == "slow":
                time.sleep(0.6)
                ack("too late")
            elif body["text"] == "post":
                ack()
                rows = [
                    {
                        **section(f"Option: {v}"),
                        "accessory": {
                            "type": "button",
                            "action_id": "decide",
                            "value": v,
                            "text": {"type": "plain_text", "text": v},
                        },
                    }
                    for v in ("approve", "reject")
                ]
                client.chat_postMessage(channel="C1", text="Decide", blocks=rows)
            else:
                ack(f"Hello <@{body['user_id']}>")

        @app.action("decide")
        def decide(ack: Any, body: dict[str, Any], respond: Any) -> None:
            ack()
            self.seen.append(body)
            respond(text=f"Decision: {body['actions'][0]['value']}", replace_original=True)

        @app.view("vote")
        def vote(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
            self.seen.append(body)
            comment = view["state"]["values"]["comment"]["text"]["value"]
            if comment == "bad":
                ack(response_action="errors", errors={"comment": "Please explain"})
            else:
                ack()

        @app.action("pick")
        def pick(ack: Any, body: dict[str, Any], client: WebClient) -> None:
            ack()
            self.seen.append(body)
            view = body["view"]
            client.views_update(view_id=view["id"], hash=view["hash"], view=wizard_view("update"))

        @app.view("wizard")
        def wizard(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
            self.seen.append(body)
            step = view["private_metadata"]
            if step == "update":
                ack(response_action="update", view=wizard_view("push"))
            elif step == "push":
                ack(response_action="push", view=wizard_view("clear"))
            else:
                ack(response_action="clear")

        @app.view_closed("wizard")
        def wizard_closed(ack: Any, body: dict[str, Any]) -> None:
            ack()
            self.seen.append(body)

        @app.event("app_home_opened")
        def home(
            body: dict[str, Any], event: dict[str, Any], client: WebClient, request: Any
        ) -> None:
            self.seen.append(body)
            self.headers.append(dict(request.headers))
            client.views_publish(
                user_id=event["user"], view={"type": "home", "blocks": [section("Welcome")]}
            )

        self.httpd: WSGIServer = make_server(
            "127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/slack/events"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def bolt(api: WebApiServer) -> Iterator[BoltHarness]:
    harness = BoltHarness(api)
    yield harness
    harness.close()


@pytest.fixture
def slack(api: WebApiServer, bolt: BoltHarness) -> SimulatedSlack:
    return SimulatedSlack(api, request_url=bolt.url, signing_secret=SECRET)


def test_slash_command_ack_is_shown_to_the_invoker(
    slack: SimulatedSlack, bolt: BoltHarness
) -> None:
    result = slack.slash_command("U1", "hi")
    assert result.status == 200
    assert result.shown is not None and result.shown_text == "Hello <@U1>"
    assert [e.text for e in slack.ephemerals_for("U1")] == ["Hello <@U1>"]
    sent = bolt.seen[0]
    assert sent["command"] == "/vcop" and sent["user_id"] == "U1"
    assert sent["channel_id"] == slack.workspace.dm_channel_for("U1")
    assert sent["trigger_id"] == result.trigger_id and sent["response_url"] == result.response_url


def test_modal_flow_errors_then_close(slack: SimulatedSlack, bolt: BoltHarness) -> None:
    slack.slash_command("U1", "vote")
    view = slack.open_modal("U1")
    assert view is not None and view.private_metadata == "right-3"

    refused = slack.submit_view("U1", view.id, {"vote": None})
    assert not refused.sent and "vote" in refused.errors

    with pytest.raises(SimulationError, match="not_met_at_all"):
        slack.submit_view("U1", view.id, {"vote": "not_met_at_all"})

    rejected = slack.submit_view("U1", view.id, {"vote": "partly", "comment": "bad"})
    assert rejected.errors == {"comment": "Please explain"} and not rejected.closed
    assert present(slack.open_modal("U1")).errors == {"comment": "Please explain"}

    accepted = slack.submit_view("U1", values={"vote": "partly", "comment": "fine"})
    assert accepted.closed and accepted.status == 200
    assert slack.open_modal("U1") is None
    values = bolt.seen[-1]["view"]["state"]["values"]
    assert values["vote"]["choice"]["selected_option"] == {
        "text": {"type": "plain_text", "text": "Partly"},
        "value": "partly",
    }
    assert values["comment"]["text"] == {"type": "plain_text_input", "value": "fine"}


def test_modal_response_actions_selects_and_close(slack: SimulatedSlack, bolt: BoltHarness) -> None:
    slack.slash_command("U1", "wizard")
    first = slack.open_modal("U1")
    assert first is not None
    # A radio group in an input block sends nothing until submission ...
    assert slack.select_option("U1", "r_choice", "b", view_id=first.id) is None
    # ... while a select in an actions block dispatches block_actions with the view state.
    picked = slack.select_option("U1", "pick", "x", view_id=first.id)
    assert picked is not None and picked.status == 200
    sent = bolt.seen[-1]
    assert sent["container"] == {"type": "view", "view_id": first.id}
    assert sent["view"]["state"]["values"]["r"]["r_choice"]["selected_option"]["value"] == "b"
    assert sent["actions"][0]["selected_option"]["value"] == "x"
    assert len(slack.workspace.view(first.id).versions) == 2  # the bot's views.update

    updated = slack.submit_view("U1")
    assert updated.response_action == "update" and not updated.closed
    assert present(slack.open_modal("U1")).private_metadata == "push"
    assert (
        bolt.seen[-1]["view"]["state"]["values"]["r"]["r_choice"]["selected_option"]["value"] == "b"
    )

    slack.submit_view("U1", values={"r": "a"})
    assert [v.private_metadata for v in slack.workspace.modal_stack("U1")] == ["push", "clear"]
    closed = slack.close_view("U1")  # "Back" on the pushed view
    assert closed is not None and closed.status == 200
    assert bolt.seen[-1]["type"] == "view_closed" and bolt.seen[-1]["is_cleared"] is False
    assert [v.private_metadata for v in slack.workspace.modal_stack("U1")] == ["push"]

    assert slack.submit_view("U1").response_action == "push"
    cleared = slack.submit_view("U1", values={"r": "b"})
    assert cleared.response_action == "clear" and cleared.closed
    assert slack.open_modal("U1") is None
    assert present(slack.latest_view_for("U1")).private_metadata == "clear"


def test_click_button_in_a_message(slack: SimulatedSlack, bolt: BoltHarness) -> None:
    slack.slash_command("U1", "post")
    (message,) = slack.messages("C1")
    with pytest.raises(SimulationError, match="pass value="):
        slack.click_button("U2", "decide", message=("C1", message.ts))
    with pytest.raises(SimulationError, match="on screen"):
        slack.click_button("U2", "missing", message=("C1", message.ts))

    result = slack.click_button("U2", "decide", "reject", message=("C1", message.ts))
    assert result.status == 200
    action = bolt.seen[-1]["actions"][0]
    assert (
        action["block_id"] == message.blocks[1]["block_id"] and action["text"]["text"] == "reject"
    )
    assert bolt.seen[-1]["message"]["ts"] == message.ts
    assert bolt.seen[-1]["container"] == {
        "type": "message",
        "message_ts": message.ts,
        "channel_id": "C1",
        "is_ephemeral": False,
    }
    assert slack.messages("C1")[0].text == "Decision: reject"


def test_app_home_opened_and_retry_headers(slack: SimulatedSlack, bolt: BoltHarness) -> None:
    result = slack.app_home_opened("U1", retry_num=1, retry_reason="http_timeout")
    assert result.status == 200
    assert present(slack.home_view("U1")).blocks[0]["text"]["text"] == "Welcome"
    assert bolt.seen[-1]["event"]["channel"] == slack.workspace.dm_channel_for("U1")
    assert bolt.headers[-1]["x-slack-retry-num"] == ["1"]
    response, echoed = slack.url_verification("abc123")
    assert response.status == 200 and echoed


@pytest.mark.parametrize("forgery", [f for f in Forgery if f is not Forgery.NONE])
def test_forged_requests_are_rejected_by_bolt(
    slack: SimulatedSlack, bolt: BoltHarness, forgery: Forgery
) -> None:
    status = slack.slash_command("U1", "hi", forgery=forgery).status
    # slack_sdk's SignatureVerifier raises ValueError on a non-numeric timestamp,
    # which Bolt turns into a 500: still rejected, but not with a 401.
    assert status == (500 if forgery is Forgery.MALFORMED_TIMESTAMP else 401)
    assert bolt.seen == [] and slack.ephemerals_for("U1") == []


def _verifies(verifier: SignatureVerifier, body: bytes, headers: dict[str, str]) -> bool:
    try:
        return verifier.is_valid_request(body, headers)
    except ValueError:  # non-numeric timestamp
        return False


def test_signatures_verify_with_slack_sdk() -> None:
    verifier = SignatureVerifier(SECRET)
    body = b"token=x&text=hello"
    for forgery in Forgery:
        headers, sent = sign_request(SECRET, body, forgery=forgery)
        assert _verifies(verifier, sent, headers) is (forgery is Forgery.NONE), forgery


def test_slow_acknowledgement_times_out_like_slack(api: WebApiServer, bolt: BoltHarness) -> None:
    impatient = SimulatedSlack(api, request_url=bolt.url, signing_secret=SECRET, ack_deadline=0.2)
    result = impatient.slash_command("U1", "slow")
    assert result.response.timed_out
    assert result.shown is not None and "operation_timeout" in result.shown_text


def present(view: ViewRecord | None) -> ViewRecord:
    """The view, failing the test where the workspace shows none."""
    assert view is not None, "no view shown"
    return view
