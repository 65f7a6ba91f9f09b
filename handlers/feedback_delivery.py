"""Sending agencies' feedback packs to the person who asked: a DM, then one DOCX per pack."""

from __future__ import annotations

import logging

from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from bot.errors import PanelError
from bot.feedback import FeedbackPack, render_feedback_docx
from bot.feedback_service import FeedbackService
from bot.report_layout import long_date
from handlers.mrkdwn import escape
from handlers.publisher import MeetingPublisher

logger = logging.getLogger(__name__)
SECTION_MAX = 3000


def packs_text(packs: list[FeedbackPack]) -> str:
    first = packs[0]
    lines = [f"*Feedback packs: {escape(first.meeting_title)}* ({long_date(first.meeting_date)})"]
    for pack in packs:
        c = pack.compliance
        lines.append(
            f"• {escape(pack.agency)}: {len(pack.rights)} rights; of {c.decided} decided "
            f"findings {c.met} Met, {c.partially_met} Partially met, {c.not_met} Not met; "
            f"{len(pack.notes)} notes, {len(pack.actions)} actions"
        )
    lines.append("The DOCX of each pack follows.")
    return "\n".join(lines)


def send_feedback(
    publisher: MeetingPublisher,
    feedback: FeedbackService,
    user: str,
    meeting_id: str,
    agency: str | None,
) -> str:
    """DM ``user`` the packs they may see (one agency's, or all they may) as DOCX files."""
    access = feedback.service.access
    if agency is not None:
        access.require_pack_reader(user, feedback.agency(agency))
        packs = feedback.packs(meeting_id, agency)
    else:
        access.require_pack_reader(user)
        allowed = access.pack_agencies(user)
        packs = [feedback.pack(meeting_id, name) for name in allowed]
    text = packs_text(packs)
    block = SectionBlock(text=MarkdownTextObject(text=text[:SECTION_MAX]))
    channel = publisher.dm(user, f"Feedback packs: {escape(packs[0].meeting_title)}", [block])
    for pack in packs:
        try:
            publisher.client.files_upload_v2(
                channel=channel,
                file=render_feedback_docx(pack),
                filename=pack.filename,
                title=pack.title,
            )
        except OSError as exc:
            logger.warning("uploading a feedback pack failed: %s", exc)
            raise PanelError(
                "A feedback pack could not be uploaded to Slack; please try again shortly."
            ) from exc
    return channel
