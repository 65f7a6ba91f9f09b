"""Item 2: crafted payloads are refused with the database unchanged, and voting is blind.

Every crafted request starts as a genuine one the simulator sent (a vote
submission, a click, the chair's resolve form) and differs only in the field a
test names. The database is dumped whole (every table, audit log included)
before and after the whole barrage.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from e2e.helpers import (
    COUNT,
    ballot,
    close_voting,
    mrkdwn_texts,
    open_vote_form,
    pattern,
    values_for,
    vote,
)

from bot.config import Settings
from bot.models import VoteOption
from bot.panel import PanelServices
from handlers import ids
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

from .conftest import REFS, dump_db
from .helpers import ack_body, acked, crafted, metadata, submission_payload

OTHER = "2025-10-other"
CLOSED = "2025-08-closed"
OUTSIDER = "U0OUTSIDE1"


def _write_meeting(path: Path, meeting_id: str, prefix: str) -> Path:
    document = {
        "meeting": {
            "id": meeting_id,
            "title": f"Meeting {prefix}",
            "date": "2025-10-01",
            "voting_closes": "2025-09-30T17:00:00+01:00",
        },
        "cases": [
            {
                "ref": f"{prefix}-{n:02d}",
                "offence": "Criminal damage",
                "outcome": "No further action",
                "summary": "The victim reported damage to a car. It was recorded the same day.",
            }
            for n in (1, 2)
        ],
    }
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture
def world(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
    tmp_path: Path,
) -> dict[str, Any]:
    """The sample meeting open and posted, a second open meeting, a closed one, one vote."""
    service.meetings.import_meeting(_write_meeting(tmp_path / "other.yaml", OTHER, "OT"))
    service.meetings.import_meeting(_write_meeting(tmp_path / "closed.yaml", CLOSED, "CL"))
    chair = settings.panel.chair[0]
    assert close_voting(slack, chair, CLOSED).status == 200
    member = settings.panel.members[0]
    assert acked(vote(slack, member, settings.panel.channel, REFS[0], ballot(VoteOption.MET)))
    # A genuine vote form for the next case, and the chair's genuine resolve form.
    modal = open_vote_form(slack, member, settings.panel.channel, REFS[1])
    vote_payload = submission_payload(slack, member, modal, ballot("Not met"))
    slack.workspace.close_all_modals(member)
    assert slack.slash_command(chair, f"tally {opened}").status == 200
    tally = slack.open_modal(chair)
    assert tally is not None and tally.callback_id == ids.TALLY_VIEW
    click = slack.click_button(
        chair, ids.RESOLVE_OPEN, ids.case_key(opened, REFS[0]), view_id=tally.id
    )
    resolve = slack.open_modal(chair)
    assert resolve is not None and resolve.callback_id == ids.RESOLVE_SUBMIT
    resolve_values = {
        ids.RESOLVE_RIGHT: "1",
        ids.RESOLVE_FINDING: "Not met",
        ids.RESOLVE_REASON: "Crafted",
    }
    resolve_payload = submission_payload(slack, chair, resolve, resolve_values)
    slack.workspace.close_all_modals(chair)
    return {
        "member": member,
        "chair": chair,
        "vote": vote_payload,
        "resolve": resolve_payload,
        "click": click.payload,
    }


def _user(payload: dict[str, Any], user: str) -> dict[str, Any]:
    return crafted(payload, user__id=user, user__username=user.lower(), user__name=user.lower())


def test_crafted_payloads_are_refused_and_the_database_is_unchanged(
    world: dict[str, Any],
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    settings: Settings,
) -> None:
    member, chair = world["member"], world["chair"]
    vote_payload, resolve_payload, click = world["vote"], world["resolve"], world["click"]
    secretariat = settings.panel.secretariat[0]
    submissions = {
        # Somebody who is not a member votes (an outsider, the chair, the secretariat).
        "outsider vote": _user(vote_payload, OUTSIDER),
        "chair vote": _user(vote_payload, chair),
        "secretariat vote": _user(vote_payload, secretariat),
        # A member sends the chair's resolve form.
        "member resolves": _user(resolve_payload, member),
        "outsider resolves": _user(resolve_payload, OUTSIDER),
        # Another meeting's case, a case of no meeting, a closed meeting.
        "other meeting's case": crafted(
            vote_payload, view__private_metadata=metadata(OTHER, "SH-01")
        ),
        "case from another meeting": crafted(
            vote_payload, view__private_metadata=metadata(opened, "OT-01")
        ),
        "closed meeting": crafted(vote_payload, view__private_metadata=metadata(CLOSED, "CL-01")),
        "unknown meeting": crafted(vote_payload, view__private_metadata=metadata("nope", "SH-01")),
        # Tampered private_metadata.
        **{
            f"metadata {text!r}": crafted(vote_payload, view__private_metadata=text)
            for text in ("", "not json", "[]", '{"m": 1, "r": 2}', '{"m": "x"}', "null", '"x"')
        },
        "resolve metadata to closed": crafted(
            _user(resolve_payload, member), view__private_metadata=metadata(CLOSED, "CL-01")
        ),
        # A vote form sent back under the resolve callback, by a member.
        "vote as resolve": crafted(vote_payload, view__callback_id=ids.RESOLVE_SUBMIT),
        # Answers that are not on the form.
        "bogus option": crafted(
            vote_payload,
            view__state__values__right_3__choice__selected_option__value="Excellent",
        ),
        "right left blank": crafted(vote_payload, view__state__values__right_7={}),
    }
    clicks = {
        "outsider clicks Vote": _user(click, OUTSIDER),
        "member clicks Resolve": crafted(
            _user(click, member),
            actions=[{**click["actions"][0], "value": ids.case_key(opened, REFS[0])}],
        ),
        **{
            f"vote value {value!r}": crafted(
                _user(click, member),
                actions=[{**click["actions"][0], "action_id": ids.VOTE_OPEN, "value": value}],
            )
            for value in (
                f"{OTHER}|SH-01",
                f"{opened}|NOPE",
                f"{CLOSED}|CL-01",
                "garbage",
                "|",
                "",
                f"{opened}|SH-01|x",
            )
        },
        "tampered action_id": crafted(
            click, actions=[{**click["actions"][0], "action_id": "admin_close"}]
        ),
    }
    commands = {
        f"member runs {text.split()[0]}": (member, text)
        for text in (
            f"tally {opened}",
            f"close {opened}",
            f"extend {opened} 2025-09-20 17:00",
            f"open {OTHER}",
            f"summary {opened}",
            f"relist SH-01 {OTHER}",
        )
    } | {
        f"outsider runs {text.split()[0]}": (OUTSIDER, text)
        for text in (f"status {opened}", f"tally {opened}", f"close {opened}")
    }
    for user in (member, OUTSIDER):
        slack.workspace.close_all_modals(user)
    before = dump_db(local.database)
    calls_before = len(slack.workspace.calls("chat.postMessage"))

    outcomes: dict[str, Any] = {}
    for name, payload in submissions.items():
        response = slack.send_payload(payload)
        body = ack_body(response)
        outcomes[name] = (response.status, body.get("response_action"))
        assert response.status < 500 and b"Traceback" not in response.body, name
        # Refused on the form (errors) or, for an unknown callback, not handled at all.
        assert body.get("response_action") == "errors" or response.status == 404, (name, body)
    for name, payload in clicks.items():
        fresh = slack.server.issue_trigger_id(payload["user"]["id"])  # each click has its own
        response = slack.send_payload(crafted(payload, trigger_id=fresh))
        outcomes[name] = response.status
        assert response.status in (200, 404), (name, response.status)
    for name, (user, text) in commands.items():
        result = slack.slash_command(user, text)
        outcomes[name] = result.shown_text if result.shown else None
        assert result.status == 200, name
        assert result.shown is not None and "Only" in result.shown_text, (name, result.shown)

    assert dump_db(local.database) == before, outcomes
    assert len(slack.workspace.calls("chat.postMessage")) == calls_before
    assert (len(submissions), len(clicks), len(commands)) == (20, 10, 9)
    # Every refusal of a click is a modal only the clicker sees, saying why.
    refusals = [
        view
        for user in (member, OUTSIDER)
        for view in slack.workspace.views_for(user)
        if view.callback_id == ids.NOTICE
    ]
    assert len(refusals) >= 9


def test_blind_voting_holds_on_every_surface_each_member_saw(
    opened: str, local: LocalWorkspace, slack: SimulatedSlack, service: PanelServices
) -> None:
    """Members vote one after another with distinct ballots and a unique note each.

    After every vote, each member opens App Home and runs `/vcop status`; then,
    for every member, every surface the simulator recorded for them (messages
    and their earlier versions, ephemerals, every version of every view) is
    checked: no other member's note appears anywhere, and no vote counts appear
    at all while voting is open (receipts show a member's own answers only).
    Then the chair closes voting and every member sees the counts.
    """
    members = local.settings.panel.members
    refs = list(REFS[:3])
    voted: dict[str, set[str]] = {m: set() for m in members}
    notes: dict[tuple[str, str], str] = {}
    order = [(m, ref) for ref in refs for m in members[: 3 + refs.index(ref)]]
    order.sort(key=lambda item: (members.index(item[0]) % 2, item[1]))  # interleave
    audits = {"surfaces": 0, "with counts": 0, "own notes": 0}
    for step, (member, ref) in enumerate(order):
        note = f"private-note-{member}-{ref}"
        notes[member, ref] = note
        result = vote(
            slack,
            member,
            local.settings.panel.channel,
            ref,
            values_for(pattern(step), {"observations": note, "learning": f"{note}-learning"}),
        )
        assert acked(result), result
        voted[member].add(ref)
        # Pressing Vote again shows the member's own earlier choices and notes, and only theirs.
        again = open_vote_form(slack, member, local.settings.panel.channel, ref)
        assert note in str(again.blocks)
        slack.workspace.close_all_modals(member)
        for viewer in members:
            assert slack.app_home_opened(viewer).status == 200
            assert slack.slash_command(viewer, f"status {opened}").status == 200
        for viewer in members:
            for key, n in _audit(slack, viewer, voted[viewer], notes).items():
                audits[key] += n
    assert len(order) == 12 and voted[members[-1]] == {refs[2]}
    # The audit saw every surface, found each member's own notes, and no counts at all.
    assert audits["surfaces"] > 1000 and audits["with counts"] == 0, audits
    assert audits["own notes"] >= len(order), audits

    # After close, the audit's eye for counts finds them for every member.
    close_voting(slack, local.settings.panel.chair[0], opened)
    for viewer in members:
        assert slack.app_home_opened(viewer).status == 200
        home = slack.home_view(viewer)
        assert home is not None
        assert COUNT.search("\n".join(mrkdwn_texts(home.blocks))), viewer
    print(f"\nblind voting: {len(order)} ballots, audits after each: {audits}, 0 leaks")


def _audit(
    slack: SimulatedSlack, viewer: str, voted: set[str], notes: dict[tuple[str, str], str]
) -> dict[str, int]:
    surfaces = slack.surfaces_seen_by(viewer)
    found = {"surfaces": len(surfaces), "with counts": 0, "own notes": 0}
    for surface in surfaces:
        every = surface.all_strings()
        for (author, ref), note in notes.items():
            if author != viewer:
                assert note not in every, f"{viewer} saw {author}'s note on {ref}: {surface}"
            elif note in every:
                found["own notes"] += 1
        shown = surface.visible_text()
        if COUNT.search(shown):
            found["with counts"] += 1
            raise AssertionError(f"{viewer} saw vote counts while voting was open: {shown[:300]}")
    return found


def test_votes_after_the_deadline_are_refused_even_before_the_close_job_runs(
    world: dict[str, Any], local: LocalWorkspace, slack: SimulatedSlack, clock: Any
) -> None:
    """The deadline is checked at submission, not only when the scheduler closes voting."""
    before = dump_db(local.database)
    clock.advance(dt.timedelta(days=30))  # past the deadline; the close job has not run
    response = slack.send_payload(world["vote"])
    assert ack_body(response).get("response_action") == "errors"
    assert dump_db(local.database) == before
