"""Who may do what: members vote, the chair tallies, resolves and closes, the chair and the
secretariat open and pull the summary; everyone else is refused politely and privately, and
crafted requests store nothing and get ordinary Slack answers."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.config import Settings
from bot.models import VoteOption
from bot.panel import PanelServices
from handlers.slack_sim import BotResponse, Forgery, SimulatedSlack, ViewRecord, payloads

from .helpers import COUNT, ballot, case_messages, click_vote, mrkdwn_texts, surface_text, vote

OUTSIDER = "U0OUTSIDE1"


def _crafted_submission(
    slack: SimulatedSlack,
    view: ViewRecord,
    user: str,
    answers: dict[str, Any],
    tamper: Callable[[dict[str, Any]], None] | None = None,
) -> BotResponse:
    """A view_submission for ``view`` as if ``user`` had sent it, signed like Slack's."""
    payload = payloads.view_submission_payload(
        slack.workspace,
        user_id=user,
        token=slack.verification_token,
        trigger_id=slack.server.issue_trigger_id(user),
        view=view,
    )
    payload["view"]["state"] = payloads.build_submission_state(view, answers)
    if tamper is not None:
        tamper(payload)
    return slack.send_payload(payload)


def _seen_by_others(slack: SimulatedSlack, settings: Settings, user: str, needle: str) -> list:
    panel = settings.panel
    everyone = {*panel.chair, *panel.secretariat, *panel.members, OUTSIDER} - {user}
    return [
        (other, s.kind)
        for other in sorted(everyone)
        for s in slack.surfaces_seen_by(other)
        if needle in surface_text(s)
    ]


@pytest.mark.parametrize("who", ["outsider", "chair", "secretariat"])
def test_only_members_can_open_the_vote_modal(
    who: str, opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    user = {
        "outsider": OUTSIDER,
        "chair": settings.panel.chair[0],
        "secretariat": settings.panel.secretariat[0],
    }[who]
    status, modal = click_vote(slack, user, settings.panel.channel, "SH-01")
    assert status == 200
    assert modal is not None and modal.user_id == user
    assert modal.callback_id != "vote_submit" and modal.view.get("submit") is None
    refusal = " ".join(mrkdwn_texts(modal.blocks))
    assert "Only panel members can vote" in refusal
    assert _seen_by_others(slack, settings, user, "Only panel members can vote") == []
    assert service.repo.count_votes(opened) == 0


def test_crafted_submissions_store_nothing_and_get_a_normal_answer(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member = settings.panel.members[0]
    _, modal = click_vote(slack, member, settings.panel.channel, "SH-01")
    assert modal is not None

    def metadata(value: str) -> Callable[[dict[str, Any]], None]:
        def tamper(payload: dict[str, Any]) -> None:
            payload["view"]["private_metadata"] = value

        return tamper

    def unknown_option(payload: dict[str, Any]) -> None:
        payload["view"]["state"]["values"]["right_2"]["choice"]["selected_option"] = {
            "text": {"type": "plain_text", "text": "Yes"},
            "value": "Yes",
        }

    def odd_state(payload: dict[str, Any]) -> None:
        payload["view"]["state"] = {"values": {"right_1": "Met"}}

    attempts: list[tuple[str, str, Callable[[dict[str, Any]], None] | None]] = [
        ("non-member", OUTSIDER, None),
        ("chair", settings.panel.chair[0], None),
        ("secretariat", settings.panel.secretariat[0], None),
        ("no such case", member, metadata(json.dumps({"m": opened, "r": "XX-99"}))),
        ("no such meeting", member, metadata(json.dumps({"m": "nope", "r": "SH-01"}))),
        ("unreadable metadata", member, metadata("{not json")),
        ("metadata of the wrong shape", member, metadata(json.dumps({"m": 1}))),
        ("an answer that is not an option", member, unknown_option),
        ("state of the wrong shape", member, odd_state),
    ]
    for label, user, tamper in attempts:
        response = _crafted_submission(slack, modal, user, ballot(), tamper)
        assert response.status == 200, (label, response.status, response.text)
        body = response.json
        assert isinstance(body, dict) and body.get("response_action") == "errors", (label, body)
        assert body["errors"] and all(k.startswith("right_") for k in body["errors"]), label
        assert service.repo.count_votes(opened) == 0, label
    assert not [e for e in service.repo.audit_entries(opened) if e.action.startswith("vote.")]


def test_a_non_member_is_refused_even_with_a_complete_form(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member = settings.panel.members[0]
    _, modal = click_vote(slack, member, settings.panel.channel, "SH-02")
    assert modal is not None
    response = _crafted_submission(slack, modal, OUTSIDER, ballot(VoteOption.NOT_MET))
    assert response.status == 200
    assert "Only panel members can vote" in json.dumps(response.json)
    assert service.voting.progress(opened)[1].voted == ()


def test_crafted_clicks_are_answered_not_failed(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    member, channel = settings.panel.members[0], settings.panel.channel
    message = case_messages(slack, channel)["SH-01"]
    result = slack.click_button(member, "vote_open", message=(channel, message.ts))
    payload = copy.deepcopy(result.payload)
    slack.close_view(member)
    for value in ("garbage", "|", f"{opened}|", "nope|SH-01", f"{opened}|XX-99"):
        payload["actions"][0]["value"] = value
        payload["trigger_id"] = slack.server.issue_trigger_id(member)
        response = slack.send_payload(payload)
        assert response.status == 200, (value, response.status)
        refusal = slack.open_modal(member)
        assert refusal is not None and refusal.view.get("submit") is None, value
        slack.close_view(member)
    del payload["user"]
    assert slack.send_payload(payload).status == 200


REFUSALS = [
    ("tally", "members", "Only the panel chair can"),
    ("tally", "secretariat", "Only the panel chair can"),
    ("close 2025-09-stalking", "members", "Only the panel chair can"),
    ("close 2025-09-stalking", "secretariat", "Only the panel chair can"),
    ("open 2025-09-stalking", "members", "Only the panel chair or the secretariat can"),
    ("open 2025-09-stalking", "outsider", "Only the panel chair or the secretariat can"),
    ("summary 2025-09-stalking", "members", "Only the panel chair or the secretariat can"),
    ("summary 2025-09-stalking", "outsider", "Only the panel chair or the secretariat can"),
    ("status", "outsider", "Only people on the panel can"),
]


@pytest.mark.parametrize(("command", "who", "expected"), REFUSALS)
def test_commands_refuse_politely_and_privately(
    command: str,
    who: str,
    expected: str,
    opened: str,
    slack: SimulatedSlack,
    settings: Settings,
    service: PanelServices,
) -> None:
    user = {
        "members": settings.panel.members[0],
        "secretariat": settings.panel.secretariat[0],
        "outsider": OUTSIDER,
    }[who]
    channel = settings.panel.channel
    before = len(slack.messages(channel))
    result = slack.slash_command(user, command, channel_id=channel)
    assert result.status == 200
    shown = result.shown
    assert shown is not None and shown.source == "command_ack"
    assert getattr(shown, "user", None) == user  # an ephemeral: only they see it
    assert expected in shown.text
    assert len(slack.messages(channel)) == before
    assert slack.open_modal(user) is None
    assert _seen_by_others(slack, settings, user, expected) == []
    assert service.meetings.get_meeting(opened).is_open
    assert not any(slack.dms_for(user)) or not any(m.files for m in slack.dms_for(user))


def test_only_the_chair_can_resolve(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    chair, member = settings.panel.chair[0], settings.panel.members[0]
    assert slack.slash_command(chair, "tally").status == 200
    tally = slack.open_modal(chair)
    assert tally is not None
    first_click = slack.click_button(chair, "resolve_open", f"{opened}|SH-01", view_id=tally.id)
    resolve = slack.open_modal(chair)
    assert resolve is not None and resolve.callback_id == "resolve_submit"
    answers = {"resolve_right": "3", "resolve_finding": "Met", "resolve_reason": "Because."}

    response = _crafted_submission(slack, resolve, member, answers)
    assert response.status == 200
    body = response.json
    assert body["response_action"] == "errors"
    assert "Only the panel chair can resolve" in json.dumps(body)
    assert service.resolutions.for_meeting(opened) == []
    assert not [e for e in service.repo.audit_entries(opened) if e.action == "right.resolve"]

    # A crafted Resolve click by a member gets a refusal modal, not the form.
    payload = copy.deepcopy(first_click.payload)
    payload["user"] = payloads.user_ref(slack.workspace, member)
    payload["trigger_id"] = slack.server.issue_trigger_id(member)
    assert slack.send_payload(payload).status == 200
    refusal = slack.open_modal(member)
    assert refusal is not None and refusal.view.get("submit") is None
    assert "Only the panel chair" in " ".join(mrkdwn_texts(refusal.blocks))


def test_status_shows_who_has_voted_never_how(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    members, channel = settings.panel.members, settings.panel.channel
    assert (
        vote(slack, members[0], channel, "SH-01", ballot(VoteOption.DID_NOT_ENGAGE)).status == 200
    )
    assert vote(slack, members[1], channel, "SH-01", ballot(VoteOption.NOT_MET)).status == 200
    for user in (members[2], settings.panel.chair[0], settings.panel.secretariat[0]):
        result = slack.slash_command(user, "status")
        assert result.status == 200 and result.shown is not None
        assert getattr(result.shown, "user", None) == user
        text = "\n".join(mrkdwn_texts(result.shown.blocks)) + result.shown_text
        line = next(row for row in text.splitlines() if "*SH-01*" in row)
        assert "2 of 5 members have voted" in line
        waiting = line.split("waiting for")[1]
        assert members[0] not in waiting and members[1] not in waiting
        assert all(m in waiting for m in members[2:])
        assert "0 of 5 members have voted" in next(r for r in text.splitlines() if "*SH-02*" in r)
        assert not COUNT.search(text)
        assert VoteOption.DID_NOT_ENGAGE.value not in text
        assert VoteOption.NOT_MET.value not in text


FORGERIES = [f for f in Forgery if f is not Forgery.NONE]


@pytest.mark.parametrize("forgery", FORGERIES, ids=[f.value for f in FORGERIES])
def test_unsigned_or_forged_requests_are_rejected(
    forgery: Forgery, opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member, chair, channel = (
        settings.panel.members[0],
        settings.panel.chair[0],
        settings.panel.channel,
    )
    _, modal = click_vote(slack, member, channel, "SH-01")
    assert modal is not None
    vote_attempt = slack.submit_view(member, modal.id, ballot(), forgery=forgery)
    assert vote_attempt.status == 401
    close_attempt = slack.slash_command(chair, f"close {opened}", forgery=forgery)
    assert close_attempt.status == 401
    home_attempt = slack.app_home_opened(member, forgery=forgery)
    assert home_attempt.status == 401
    assert service.repo.count_votes(opened) == 0
    assert service.meetings.get_meeting(opened).is_open
    assert slack.home_view(member) is None
