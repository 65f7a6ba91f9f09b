"""`/vcop summary`: a DM to the requester with the category counts, then the public report
and the panel's annex shared into it as DOCX."""

from __future__ import annotations

import io

import docx
import pytest

from bot.config import Settings
from bot.models import Category, VoteOption
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import UPLOAD_METHOD, SimulatedSlack

from .conftest import TRANSPORTS
from .helpers import ballot, mrkdwn_texts, vote

#: Each test runs over HTTP and over Socket Mode.
pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)


def test_the_chair_gets_the_draft_in_a_dm_and_nobody_else_does(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    chair, channel = settings.panel.chair[0], settings.panel.channel
    for member in settings.panel.members[:3]:
        assert vote(slack, member, channel, "SH-01", ballot(VoteOption.MET)).status == 200
    channel_messages = len(slack.messages(channel))

    result = slack.slash_command(chair, f"summary {opened}", channel_id=channel)
    assert result.status == 200 and result.shown is not None
    assert "DM" in result.shown_text
    dm = local.workspace.dm_channel_for(chair)
    assert [c.params.get("users") for c in local.workspace.calls("conversations.open")] == [chair]
    messages = slack.messages(dm)
    assert len(messages) == 2
    counts, upload = messages
    text = "\n".join(mrkdwn_texts(counts.blocks))
    assert "Draft summary" in text and "The panel scrutinised 6 cases." in text
    assert f"{Category.FULLY_COMPLIANT.value}: 1" in text
    assert f"{Category.NO_DECISION.value}: 5" in text
    assert upload.source == "files.completeUploadExternal"
    records = [local.workspace.file(shared["id"]) for shared in upload.files]
    assert [r.name for r in records] == [
        f"{opened}-draft-summary.docx",
        f"{opened}-annex.docx",
    ]
    assert all(r.channels == [dm] and r.content is not None for r in records)
    public = docx.Document(io.BytesIO(records[0].content or b""))
    annex = docx.Document(io.BytesIO(records[1].content or b""))
    assert public.core_properties.title.startswith("Victims' Code of Practice – Stalking or")
    public_headings = [
        p.text for p in public.paragraphs if p.style and (p.style.name or "").startswith("Heading")
    ]
    assert "The findings from the panel's meeting" in public_headings
    assert not any("SH-0" in p.text for p in public.paragraphs)
    annex_headings = [
        p.text for p in annex.paragraphs if p.style and (p.style.name or "").startswith("Heading")
    ]
    assert any(h.startswith("SH-06: ") for h in annex_headings)
    # Voting is still open on this meeting: the DM and both files say so.
    assert "voting is still open" in text
    for document in (public, annex):
        assert any("voting is still open" in p.text for p in document.paragraphs[:4])
    # Nothing went to the panel channel, and nobody else has a DM with a file.
    assert len(slack.messages(channel)) == channel_messages
    for user in (*settings.panel.secretariat, *settings.panel.members):
        assert not any(m.files for m in slack.dms_for(user))


def test_a_failed_upload_is_reported_to_the_requester(
    local: LocalWorkspace, opened: str, slack: SimulatedSlack, settings: Settings
) -> None:
    secretariat = settings.panel.secretariat[0]
    local.api.faults.server_error(UPLOAD_METHOD, times=10)
    result = slack.slash_command(secretariat, f"summary {opened}")
    assert result.status == 200
    assert result.shown is not None and "DM" in result.shown_text
    replies = [e.text for e in slack.ephemerals_for(secretariat)]
    assert any("try again" in text for text in replies), replies
    assert local.workspace.files() == []
