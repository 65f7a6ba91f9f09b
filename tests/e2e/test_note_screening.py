"""What members and the chair type is screened for personal data before anything is stored.

Driven over HTTP through the local Slack workspace: the refusal must arrive as an error
on the very field that holds the data, the modal must stay open for a correction, no vote,
note or resolution may be stored, and the audit log must say what kind of data was
refused without repeating it.
"""

from __future__ import annotations

import json

from bot.config import Settings
from bot.models import VoteOption
from bot.panel import PanelServices
from handlers.slack_sim import SimulatedSlack

from .helpers import ballot, click_vote, open_resolve_form, vote

OFFICER_RELATIVE_PHONE = (
    "DS 4021 Rowe never told the victim's mother, Brenda, about the charge; "
    "her number is 07700 900 321."
)


def _refusals(service: PanelServices, meeting_id: str) -> list[dict]:
    return [
        json.loads(e.new or "{}")
        for e in service.repo.audit_entries(meeting_id)
        if e.action == "personal_data.refused"
    ]


def test_a_note_naming_an_officer_a_relative_and_a_phone_number_is_refused_on_that_field(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member, channel = settings.panel.members[0], settings.panel.channel
    values = {
        **ballot(VoteOption.MET),
        "note_good_practice": "Prompt needs assessment on day 0.",
        "note_observations": OFFICER_RELATIVE_PHONE,
    }
    result = vote(slack, member, channel, "SH-01", values, done=False)

    assert result.status == 200 and result.response_action == "errors", result
    assert set(result.errors) == {"note_observations"}
    message = result.errors["note_observations"]
    assert message == (
        "This note seems to contain personal data (a name: DS **** R***; a name: B*****; "
        "a phone number: 07*** *** ***). Remove it and submit again."
    )
    assert "Rowe" not in message and "Brenda" not in message and "321" not in message
    # The modal stays open for a correction, and nothing of the ballot was stored.
    top = slack.open_modal(member)
    assert top is not None and top.callback_id == "vote_submit"
    assert service.repo.member_votes(opened, "SH-01", member) == []
    assert service.repo.member_notes(opened, "SH-01", member) is None
    actions = [e.action for e in service.repo.audit_entries(opened)]
    assert "vote.cast" not in actions
    (refusal,) = _refusals(service, opened)
    assert refusal == {
        "observations": [
            {"kind": "name", "excerpt": "DS **** R***"},
            {"kind": "name", "excerpt": "B*****"},
            {"kind": "phone", "excerpt": "07*** *** ***"},
        ]
    }
    audit_text = json.dumps([e.model_dump(mode="json") for e in service.repo.audit_entries()])
    assert "Rowe" not in audit_text and "Brenda" not in audit_text

    # Removing the data lets the same modal through, and then the ballot is stored.
    fixed = slack.submit_view(
        member, top.id, {"note_observations": "The OIC never told the victim's mother."}
    )
    assert fixed.status == 200 and not fixed.errors, fixed
    stored = service.repo.member_notes(opened, "SH-01", member)
    assert stored is not None and stored.observations == "The OIC never told the victim's mother."
    assert len(service.repo.member_votes(opened, "SH-01", member)) == 12


def test_a_phone_number_in_a_note_gets_the_plain_refusal(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member, channel = settings.panel.members[1], settings.panel.channel
    values = {**ballot(VoteOption.MET), "note_learning": "Ring her on 07700 900123 next time."}
    result = vote(slack, member, channel, "SH-02", values, done=False)
    assert result.errors == {
        "note_learning": (
            "This note seems to contain personal data (a phone number: 07*** ******). "
            "Remove it and submit again."
        )
    }
    assert service.repo.member_votes(opened, "SH-02", member) == []


def test_every_note_field_with_personal_data_gets_its_own_error(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member, channel = settings.panel.members[2], settings.panel.channel
    values = {
        **ballot(VoteOption.MET),
        "note_good_practice": "Sarah Jones was kept informed throughout.",
        "note_observations": "Nothing to add.",
        "note_learning": "Her new address, 41 Tamar Road, was in the file.",
    }
    result = vote(slack, member, channel, "SH-03", values, done=False)
    assert set(result.errors) == {"note_good_practice", "note_learning"}
    assert "(a name: S**** J****)" in result.errors["note_good_practice"]
    assert "(a street address: ** T**** R***)" in result.errors["note_learning"]
    assert service.repo.member_notes(opened, "SH-03", member) is None


def test_clean_case_language_in_notes_is_accepted(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    member, channel = settings.panel.members[3], settings.panel.channel
    notes = {
        "note_good_practice": "The Witness Care Unit rang within one working day (Right 6).",
        "note_observations": (
            "The Police Sergeant did not record a rationale; the Victim Liaison Officer "
            "wrote 40 days after sentence at Exeter Crown Court."
        ),
        "note_learning": "Explain the Victims' Right to Review scheme and s.2A PHA 1997.",
    }
    result = vote(slack, member, channel, "SH-04", {**ballot(), **notes}, done=False)
    assert result.status == 200 and not result.errors, result
    stored = service.repo.member_notes(opened, "SH-04", member)
    assert stored is not None and stored.learning == notes["note_learning"]
    assert _refusals(service, opened) == []


def test_a_resolution_reason_with_a_name_is_refused_and_nothing_is_resolved(
    opened: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    chair = settings.panel.chair[0]
    resolve = open_resolve_form(slack, chair, opened, "SH-02")
    values = {
        "resolve_right": "1",
        "resolve_finding": "Met",
        "resolve_reason": "Kelly Ashworth confirmed the leaflet was sent on day 1.",
    }
    refused = slack.submit_view(chair, resolve.id, values)
    assert refused.response_action == "errors"
    assert refused.errors == {
        "resolve_reason": (
            "This note seems to contain personal data (a name: K**** A*******). "
            "Remove it and submit again."
        )
    }
    assert service.resolutions.for_meeting(opened) == []
    assert [r["reason"][0]["kind"] for r in _refusals(service, opened)] == ["name"]
    top = slack.open_modal(chair)
    assert top is not None and top.id == resolve.id

    fixed = slack.submit_view(
        chair, resolve.id, {"resolve_reason": "The leaflet was confirmed as sent on day 1."}
    )
    assert fixed.status == 200 and not fixed.errors, fixed
    assert [r.reason for r in service.resolutions.for_meeting(opened)] == [
        "The leaflet was confirmed as sent on day 1."
    ]


def test_the_vote_modal_note_fields_carry_the_ids_the_screen_reports_on(
    opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    """The refusal names block ids; the modal must use the same ones for the note fields."""
    member, channel = settings.panel.members[4], settings.panel.channel
    _, modal = click_vote(slack, member, channel, "SH-05")
    assert modal is not None
    block_ids = {b.get("block_id") for b in modal.blocks}
    assert {"note_good_practice", "note_observations", "note_learning"} <= block_ids
