"""The whole meeting, over HTTP and over Socket Mode: open, five members vote on six cases,
one changes a vote, tally, resolve, close, and the draft summary arrives in a DM with its DOCX.

The same tests run over both transports (``transport`` is parametrised): what a
member sees and what is stored must not depend on how Slack reaches the bot."""

from __future__ import annotations

import io
import json

import docx
import pytest

from bot.config import Settings
from bot.models import Category, Finding, MeetingStatus, VoteOption
from bot.panel import PanelServices
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

from .conftest import TRANSPORTS
from .helpers import (
    ballot,
    button_texts,
    case_messages,
    mrkdwn_texts,
    open_resolve_form,
    progress_of,
    vote,
    wait_for,
)

pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)

MET, PM, NM = VoteOption.MET, VoteOption.PARTIALLY_MET.value, VoteOption.NOT_MET.value

# Per case, what each of the five members submits. SH-01 splits on Right 3 (2 Met,
# 1 Partially met, 2 Not met: no option has a majority, so the right is Undecided).
BALLOTS: dict[str, list[dict[str, str]]] = {
    "SH-01": [
        ballot(MET),
        ballot(MET),
        ballot(MET, r3=PM),
        ballot(MET, r3=NM),
        ballot(MET, r3=NM),
    ],
    "SH-02": [ballot(MET, r6=PM)] * 5,
    "SH-03": [ballot(VoteOption.NOT_MET)] * 4 + [ballot(VoteOption.ABSTAIN)],
    "SH-04": [ballot(VoteOption.NOT_APPLICABLE)] * 5,
    "SH-05": [ballot(VoteOption.DID_NOT_ENGAGE)] * 5,
    "SH-06": [ballot(VoteOption.NOT_RECORDED)] * 5,
}
EXPECTED_BEFORE_RESOLVING = {
    "SH-01": Category.NO_DECISION,
    "SH-02": Category.PARTIALLY_COMPLIANT,
    "SH-03": Category.NON_COMPLIANT,
    "SH-04": Category.NOT_APPLICABLE,
    "SH-05": Category.DID_NOT_ENGAGE,
    "SH-06": Category.NOT_RECORDED,
}


def _tally_section(view: dict, ref: str) -> str:
    return next(t for t in mrkdwn_texts(view["blocks"]) if t.startswith(f"*{ref}:"))


def test_full_meeting_flow(
    local: LocalWorkspace, opened: str, settings: Settings, service: PanelServices
) -> None:
    slack: SimulatedSlack = local.slack
    channel = settings.panel.channel
    chair, secretariat = settings.panel.chair[0], settings.panel.secretariat[0]
    members = settings.panel.members
    assert len(members) == 5

    # 1. Opening posted a header and the six cases.
    posts = case_messages(slack, channel)
    assert list(posts) == list(BALLOTS)

    # 2. Five members vote on six cases, through the Vote button and the modal.
    for ref, ballots in BALLOTS.items():
        for index, (member, values) in enumerate(zip(members, ballots, strict=True)):
            good = f"Prompt referral, noted by reviewer {index}"
            notes = {"note_good_practice": good} if ref == "SH-02" else {}
            result = vote(slack, member, channel, ref, {**values, **notes})
            assert result.status == 200 and not result.problems, result
            assert result.response_action == "update"  # the receipt replaces the form
    assert service.repo.count_votes(opened) == 6 * 5 * 12

    # A member changes their mind before the deadline: the new ballot replaces the old one.
    changer = members[1]
    revote = vote(slack, changer, channel, "SH-02", ballot(MET, r6=NM))
    assert revote.status == 200 and not revote.problems and revote.response_action == "update"
    assert service.voting.member_ballot(opened, "SH-02", changer).choices[6] is VoteOption.NOT_MET
    assert service.repo.count_votes(opened) == 6 * 5 * 12
    changes = [e for e in service.repo.audit_entries(opened) if e.action == "vote.change"]
    assert [(e.actor, e.case_ref) for e in changes] == [(changer, "SH-02")]
    back_again = vote(slack, changer, channel, "SH-02", ballot(MET, r6=PM))
    assert back_again.status == 200 and not back_again.problems
    assert (
        service.voting.member_ballot(opened, "SH-02", changer).choices[6]
        is VoteOption.PARTIALLY_MET
    )
    for ref in BALLOTS:

        def all_counted(ref: str = ref) -> bool:
            return "5 of 5 members have voted" in progress_of(case_messages(slack, channel)[ref])

        wait_for(all_counted)
        assert "Vote" in button_texts(case_messages(slack, channel)[ref].blocks)

    # 3. The chair tallies: one modal, every case's category, disputed rights first.
    tally = slack.slash_command(chair, "tally")
    assert tally.status == 200
    modal = slack.open_modal(chair)
    assert modal is not None and modal.callback_id == "tally_view"
    for ref, category in EXPECTED_BEFORE_RESOLVING.items():
        assert f"*{ref}: {category.value}*" in _tally_section(modal.view, ref)
    # What needs the chair's decision comes first: the one undecided right, with its votes.
    texts = list(mrkdwn_texts(modal.blocks))
    headers = [b["text"]["text"] for b in modal.blocks if b["type"] == "header"]
    assert headers[0] == "Needs your decision (1)"
    undecided = next(t for t in texts if t.startswith("*SH-01 · Right 3 ·"))
    assert "Met 2, Partially met 1, Not met 2" in undecided
    assert texts.index(undecided) < texts.index(_tally_section(modal.view, "SH-01"))
    # The agreed rights are one short line per case, with their counts.
    assert "All other rights: Met 5–0" in _tally_section(modal.view, "SH-01")
    sh03 = _tally_section(modal.view, "SH-03")
    assert "All other rights: Not met 4–0, 1 abstained" in sh03

    # 4. ... resolves the disputed right through the resolve modal ...
    slack.click_button(chair, "resolve_open", f"{opened}|SH-01", view_id=modal.id)
    resolve = slack.open_modal(chair)
    assert resolve is not None and resolve.callback_id == "resolve_submit"
    right_select = next(b for b in resolve.blocks if b.get("block_id") == "resolve_right")
    assert right_select["element"]["initial_option"]["value"] == "3"  # disputed first
    submitted = slack.submit_view(
        chair,
        resolve.id,
        {
            "resolve_right": "3",
            "resolve_finding": Finding.MET.value,
            "resolve_reason": "Written confirmation and leaflet are on file.",
        },
    )
    assert submitted.status == 200 and submitted.closed and not submitted.problems, submitted
    back = slack.open_modal(chair)
    assert back is not None and back.id == modal.id  # the tally, refreshed underneath
    refreshed = _tally_section(back.view, "SH-01")
    assert f"*SH-01: {Category.FULLY_COMPLIANT.value}*" in refreshed
    assert "Resolved by the chair: Right 3 Met" in refreshed
    assert any("Resolved SH-01 Right 3 as Met" in t for t in mrkdwn_texts(back.blocks))
    assert next(b["text"]["text"] for b in back.blocks if b["type"] == "header") == (
        "Needs your decision (0)"
    )
    case_tally = next(c for c in service.tallying.meeting_tally(opened).cases if c.ref == "SH-01")
    assert case_tally.category is Category.FULLY_COMPLIANT
    right3 = case_tally.rights[2]
    assert right3.resolved and right3.finding is Finding.MET
    audit = [e for e in service.repo.audit_entries(opened) if e.action == "right.resolve"]
    assert len(audit) == 1 and audit[0].actor == chair and audit[0].case_ref == "SH-01"
    assert json.loads(audit[0].new or "{}")["reason"].startswith("Written confirmation")

    # 5. ... and closes. Every case message loses its Vote button; the channel gets the tally.
    closed = slack.slash_command(chair, f"close {opened}")
    confirm = slack.open_modal(chair)
    assert closed.status == 200 and confirm is not None and confirm.callback_id == "close_confirm"
    assert (
        service.meetings.get_meeting(opened).status is MeetingStatus.OPEN
    )  # not before confirming
    assert "Every member has voted on every case" in " ".join(mrkdwn_texts(confirm.blocks))
    done = slack.submit_view(chair, confirm.id)
    assert done.response_action == "update" and not done.problems
    assert service.meetings.get_meeting(opened).status is MeetingStatus.CLOSED
    for ref, message in case_messages(slack, channel).items():
        assert "Vote" not in button_texts(message.blocks)
        shown = " ".join(mrkdwn_texts(message.blocks))
        assert "Voting closed" in shown
        final = Category.FULLY_COMPLIANT if ref == "SH-01" else EXPECTED_BEFORE_RESOLVING[ref]
        assert f"*Category:* {final.value}" in shown
    notice = slack.messages(channel)[-1]
    notice_text = " ".join(mrkdwn_texts(notice.blocks))
    assert "has closed" in notice_text
    assert f"SH-01: {Category.FULLY_COMPLIANT.value}" in notice_text
    assert f"SH-05: {Category.DID_NOT_ENGAGE.value}" in notice_text

    # 6. The secretariat pulls the summary: a DM with the counts, and the DOCX shared into it.
    before_uploads = len(local.workspace.calls("files.completeUploadExternal"))
    pulled = slack.slash_command(secretariat, f"summary {opened}")
    assert pulled.status == 200
    dm = local.workspace.dm_channel_for(secretariat)
    wait_for(lambda: len(slack.messages(dm)) >= 2)
    dm_messages = slack.messages(dm)
    counts = next(m for m in dm_messages if not m.files)
    counts_text = " ".join(mrkdwn_texts(counts.blocks))
    assert "Draft summary" in counts_text
    assert f"{Category.FULLY_COMPLIANT.value}: 1" in counts_text
    assert f"{Category.NON_COMPLIANT.value}: 1" in counts_text
    assert len(local.workspace.calls("files.getUploadURLExternal")) >= 1
    assert len(local.workspace.calls("files.completeUploadExternal")) == before_uploads + 1
    shared = [f for f in local.workspace.files() if dm in f.channels]
    assert sorted(f.name for f in shared) == [
        f"{opened}-annex.docx",
        f"{opened}-draft-summary.docx",
    ]
    [upload] = [m for m in dm_messages if m.files]
    assert {f["id"] for f in upload.files} == {f.id for f in shared}
    public, annex = sorted(shared, key=lambda f: f.name != f"{opened}-draft-summary.docx")
    assert public.content is not None and annex.content is not None
    document = docx.Document(io.BytesIO(public.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Stalking or harassment" in text
    for ref in BALLOTS:
        assert ref not in text
    assert "Written confirmation and leaflet are on file." not in text  # the chair's reason
    assert "Prompt referral, noted by reviewer 4" in text
    annex_document = docx.Document(io.BytesIO(annex.content))
    annex_text = "\n".join(p.text for p in annex_document.paragraphs)
    cells = "\n".join(c.text for t in annex_document.tables for row in t.rows for c in row.cells)
    for ref in BALLOTS:
        assert ref in annex_text
    assert "Written confirmation and leaflet are on file." in annex_text
    assert Category.FULLY_COMPLIANT.value in cells
    # Nobody else received the summary.
    for user in (chair, *members):
        assert not any(m.files for m in slack.dms_for(user))


def test_a_resolution_needs_a_finding_and_a_reason(
    opened: str, local: LocalWorkspace, settings: Settings, service: PanelServices
) -> None:
    slack: SimulatedSlack = local.slack
    chair = settings.panel.chair[0]
    resolve = open_resolve_form(slack, chair, opened, "SH-02")
    blank = {"resolve_right": "1", "resolve_finding": None, "resolve_reason": "Because."}
    refused = slack.submit_view(chair, resolve.id, blank, enforce_required=False)
    assert refused.response_action == "errors" and set(refused.errors) == {"resolve_finding"}
    spaces = {"resolve_right": "1", "resolve_finding": "Met", "resolve_reason": "   "}
    refused = slack.submit_view(chair, resolve.id, spaces, enforce_required=False)
    assert refused.response_action == "errors" and set(refused.errors) == {"resolve_reason"}
    assert "reason" in refused.errors["resolve_reason"]
    assert service.resolutions.for_meeting(opened) == []
    still_open = slack.open_modal(chair)
    assert still_open is not None and still_open.id == resolve.id
