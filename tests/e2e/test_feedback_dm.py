"""`/vcop feedback MEETING [AGENCY]`: an agency's feedback pack as a DOCX in a DM."""

from __future__ import annotations

import io
from collections.abc import Iterator

import docx
import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.models import VoteOption
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import Message, SimulatedSlack

from .helpers import ballot, case_messages, close_voting, mrkdwn_texts, vote, wait_for


@pytest.fixture
def local(settings: Settings, clock: ManualClock) -> Iterator[LocalWorkspace]:
    with LocalWorkspace(settings, clock=clock, inline_after_ack=False) as running:
        yield running


def _closed(slack: SimulatedSlack, settings: Settings, meeting: str) -> None:
    channel = settings.panel.channel
    wait_for(lambda: len(case_messages(slack, channel)) == 6)
    for member in settings.panel.members[:3]:
        assert (
            vote(slack, member, channel, "SH-01", ballot(VoteOption.MET, r2="Not met")).status
            == 200
        )
    assert close_voting(slack, settings.panel.chair[0], meeting).status == 200


def test_the_police_contact_gets_the_police_pack_in_a_dm(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    _closed(slack, settings, opened)
    contact = settings.agencies["Police"]

    result = slack.slash_command(contact, f"feedback {opened} Police")

    assert "they will arrive in a DM" in result.shown_text
    dm = local.workspace.dm_channel_for(contact)

    def delivered() -> list[Message] | None:
        messages = slack.messages(dm)
        return messages if len(messages) == 2 and messages[1].files else None

    counts, upload = wait_for(delivered, timeout=60)
    shown = "\n".join(mrkdwn_texts(counts.blocks))
    assert shown.startswith("*Feedback packs: Stalking or harassment* (17 September 2025)")
    assert "• Police: 9 rights;" in shown
    record = local.workspace.file(upload.files[0]["id"])
    assert record.name == f"{opened}-feedback-police.docx"
    assert record.content is not None
    document = docx.Document(io.BytesIO(record.content))
    first_case = [c.text for c in document.tables[0].rows[1].cells]
    assert first_case[:3] == ["SH-01", "M", "NM"]
    assert first_case[-1] == "PC"


def test_an_agency_contact_cannot_pull_another_agencys_pack(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    _closed(slack, settings, opened)
    contact = settings.agencies["Police"]

    result = slack.slash_command(contact, f"feedback {opened} Crown Prosecution Service")

    assert "Only the chair, the secretariat or Crown Prosecution Service's named contact" in (
        result.shown_text
    )
    assert local.workspace.files() == []


def test_feedback_before_the_close_is_refused_in_the_reply(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    result = slack.slash_command(settings.panel.chair[0], f"feedback {opened}")

    assert "still open; feedback packs come after the close" in result.shown_text
