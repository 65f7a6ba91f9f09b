"""Screening typed text: the refusal messages, and the service that refuses and audits."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.anonymity import ScreenRules
from bot.models import Finding, MemberNotes
from bot.typed_text import (
    MAX_MESSAGE_CHARS,
    PersonalDataInText,
    check_typed_text,
    field_findings,
)

if TYPE_CHECKING:
    from conftest import Panel

PHONE_REFUSAL = (
    "This note seems to contain personal data (a phone number: 07*** ******). "
    "Remove it and submit again."
)


def test_a_phone_number_gets_the_documented_message() -> None:
    assert check_typed_text({"note": "Ring her on 07700 900123 please."}) == {"note": PHONE_REFUSAL}


def test_clean_fields_are_left_out_and_keys_are_the_callers_own() -> None:
    problems = check_typed_text(
        {
            "block_a": "The WCU rang within one working day (Right 6).",
            "block_b": "Email her at amina.r@example.com",
            "block_c": "",
        }
    )
    assert problems == {
        "block_b": (
            "This note seems to contain personal data (an email address: a***@e***.com). "
            "Remove it and submit again."
        )
    }


def test_every_finding_in_a_field_is_named_in_order() -> None:
    text = "PC 1234 Jones told the victim's son, Theo, to ring 07700 900123."
    (message,) = check_typed_text({"n": text}).values()
    assert message == (
        "This note seems to contain personal data (a name: PC **** J****; a name: T***; "
        "a phone number: 07*** ******). Remove it and submit again."
    )


def test_a_long_list_of_findings_is_counted_to_stay_within_slacks_limit() -> None:
    text = " ".join(f"ring 07700 9001{n:02d}" for n in range(12))
    (message,) = check_typed_text({"n": text}).values()
    assert len(message) <= MAX_MESSAGE_CHARS
    assert message.startswith("This note seems to contain personal data (a phone number: ")
    assert message.endswith(" more). Remove it and submit again.")


def test_the_local_allow_list_applies_to_typed_text_too() -> None:
    rules = ScreenRules(allow=["01632 960000"])
    assert check_typed_text({"n": "Helpline 01632 960000"}, rules) == {}
    assert set(field_findings({"n": "Helpline 01632 960000"})) == {"n"}


def test_the_exception_carries_problems_and_findings() -> None:
    findings = field_findings({"reason": "Sarah Jones was told"})
    exc = PersonalDataInText(findings)
    assert exc.problems == {
        "reason": (
            "This note seems to contain personal data (a name: S**** J****). "
            "Remove it and submit again."
        )
    }
    assert [f.kind.value for f in exc.findings["reason"]] == ["name"]
    assert str(exc) == exc.problems["reason"]


# The service: refuse, audit the kinds, store nothing --------------------------------------


def test_screen_typed_text_passes_clean_text_and_writes_nothing(imported: Panel) -> None:
    before = imported.count("audit")
    imported.service.typed_text.screen(imported.members[0], {"n": "Right 4 was met on day 3."})
    assert imported.count("audit") == before


def test_screen_typed_text_audits_the_masked_kinds_and_raises(imported: Panel) -> None:
    member = imported.members[0]
    with pytest.raises(PersonalDataInText) as excinfo:
        imported.service.typed_text.screen(
            member,
            {"observations": "Spoke to Amanda on 07700 900123"},
            meeting_id=imported.MEETING_ID,
            case_ref="BG-01",
        )
    assert set(excinfo.value.problems) == {"observations"}
    entry = imported.repo.audit_entries(imported.MEETING_ID)[-1]
    assert (entry.action, entry.actor, entry.case_ref) == ("personal_data.refused", member, "BG-01")
    assert json.loads(entry.new or "") == {
        "observations": [
            {"kind": "name", "excerpt": "A*****"},
            {"kind": "phone", "excerpt": "07*** ******"},
        ]
    }
    assert "Amanda" not in (entry.new or "") and "900123" not in (entry.new or "")


def test_a_ballot_with_personal_data_in_its_notes_stores_nothing(imported: Panel) -> None:
    member = imported.members[1]
    notes = MemberNotes(good_practice="Fine.", learning="Her son, Theo, was not told.")
    with pytest.raises(PersonalDataInText) as excinfo:
        imported.vote(member, notes=notes)
    assert set(excinfo.value.problems) == {"learning"}
    assert imported.count("votes") == 0
    assert imported.repo.member_notes(imported.MEETING_ID, "BG-01", member) is None
    actions = [e.action for e in imported.repo.audit_entries(imported.MEETING_ID)]
    assert actions[-1] == "personal_data.refused" and "vote.cast" not in actions


def test_a_resolution_reason_with_personal_data_is_refused(imported: Panel) -> None:
    with pytest.raises(PersonalDataInText) as excinfo:
        imported.service.resolutions.resolve_right(
            imported.MEETING_ID,
            "BG-01",
            1,
            Finding.MET,
            "Confirmed by DC 7731 Walsh on the phone.",
            imported.chair,
        )
    assert set(excinfo.value.problems) == {"reason"}
    assert imported.service.resolutions.for_meeting(imported.MEETING_ID) == []


_PIECES = st.sampled_from(
    [
        "Sarah Jones ",
        "07700 900123 ",
        "DC 7731 Walsh ",
        "her son, Theo, ",
        "41 Tamar Road ",
        "https://www.facebook.com/a.very.long.profile.name.indeed.123456789 ",
        "the Witness Care Unit ",
        "Right 4 ",
        "x" * 60 + " ",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_a_refusal_always_fits_slacks_field_error_and_never_repeats_the_text(text: str) -> None:
    for message in check_typed_text({"n": text}).values():
        assert len(message) <= MAX_MESSAGE_CHARS
        assert message.endswith("). Remove it and submit again.")
        for secret in ("Jones", "900123", "Walsh", "Theo", "Tamar", "profile.name"):
            assert secret not in message
