"""`/vcop report FROM TO`: the trends across closed meetings, as a DM with the DOCX.

Drawing the charts takes longer than Slack's 3 s acknowledgement allows on a busy
machine, so here, as in service, the work after the ack runs in the background and
the tests wait for the DM.
"""

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


def _closed_with_votes(slack: SimulatedSlack, settings: Settings, meeting: str) -> None:
    chair, channel = settings.panel.chair[0], settings.panel.channel
    wait_for(lambda: len(case_messages(slack, channel)) == 6)
    for member in settings.panel.members[:3]:
        assert (
            vote(slack, member, channel, "SH-01", ballot(VoteOption.MET, r3="Not met")).status
            == 200
        )
    assert close_voting(slack, chair, meeting).status == 200


def test_the_secretariat_gets_the_trends_docx_in_a_dm(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    _closed_with_votes(slack, settings, opened)
    secretariat = settings.panel.secretariat[0]

    result = slack.slash_command(secretariat, "report 2025-01-01 2025-12-31")

    assert result.status == 200 and result.shown is not None
    assert "it will arrive in a DM" in result.shown_text
    dm = wait_for(lambda: local.workspace.dm_channel_for(secretariat))

    def delivered() -> list[Message] | None:
        messages = slack.messages(dm)
        return messages if len(messages) == 2 and messages[1].files else None

    counts, upload = wait_for(delivered, timeout=60)
    text = "\n".join(mrkdwn_texts(counts.blocks))
    assert "Compliance trends: 1 January 2025 to 31 December 2025" in text
    assert "1 closed meeting and 6 cases in the period." in text
    assert "Right 3 · Information when reporting: Not met in 1 (100% of decided findings)" in text
    [shared] = upload.files
    record = local.workspace.file(shared["id"])
    assert record.name == "vcop-trends-2025-01-01-to-2025-12-31.docx"
    assert record.content is not None
    document = docx.Document(io.BytesIO(record.content))
    assert len(document.inline_shapes) == 3
    right_rows = {row.cells[0].text: [c.text for c in row.cells] for row in document.tables[1].rows}
    assert right_rows["Right 3 · Information when reporting"] == [
        "Right 3 · Information when reporting",
        "1",
        "0%",
        "0%",
        "100%",
    ]


def test_a_member_cannot_pull_the_trends(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    result = slack.slash_command(settings.panel.members[0], "report 2025-01-01 2025-12-31")

    assert result.status == 200
    assert "Only the chair or the secretariat" in result.shown_text
    assert local.workspace.files() == []


def test_a_period_with_no_closed_meeting_is_told_in_the_reply(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    chair = settings.panel.chair[0]

    no_dates = slack.slash_command(chair, "report 2025-01-01")
    still_open = slack.slash_command(chair, "report 2025-01-01 2025-12-31")
    bad_date = slack.slash_command(chair, "report 2025-02-30 2025-12-31")

    assert "Usage: /vcop report FROM TO" in no_dates.shown_text
    assert "no closed meetings between 2025-01-01 and 2025-12-31" in still_open.shown_text
    assert "FROM '2025-02-30' is not a date; give it as YYYY-MM-DD" in bad_date.shown_text
    assert local.workspace.files() == []
