"""Sending the trends report to the person who asked: a DM with the figures, then the DOCX."""

from __future__ import annotations

import datetime as dt
import logging

from slack_sdk.models.blocks import Block, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from bot.errors import PanelError
from bot.models import Category, Finding
from bot.trend_report import counts_sentence, render_docx, title_of
from bot.trend_service import TrendService
from bot.trends import TrendReport
from handlers.mrkdwn import escape
from handlers.publisher import MeetingPublisher

logger = logging.getLogger(__name__)
SECTION_MAX = 3000


def trends_message(report: TrendReport) -> tuple[str, list[Block]]:
    """The DM's text: the period, the cases per category and the rights most often not met."""
    title = escape(title_of(report))
    categories = "\n".join(
        f"• {category.value}: {report.categories[category]}"
        for category in Category
        if report.categories[category]
    )
    worst = "\n".join(
        f"• {escape(r.label)}: Not met in {r.compliance.not_met} "
        f"({r.compliance.percent(Finding.NOT_MET)} of decided findings)"
        for r in report.most_not_met
    )
    text = (
        f"*{title}*\n{escape(counts_sentence(report))}\n{categories}"
        + (f"\n*Rights most often not met*\n{worst}" if worst else "")
        + "\nThe DOCX with the charts follows."
    )
    block = SectionBlock(text=MarkdownTextObject(text=text[:SECTION_MAX]))
    return title, [block]


def send_trends(
    publisher: MeetingPublisher,
    trends: TrendService,
    user: str,
    start: dt.date,
    end: dt.date,
    theme: str | None,
) -> str:
    """DM ``user`` the trends report and upload its DOCX there; returns the DM's channel.

    The caller has checked that ``user`` may pull it (``Access.require_trends_reader``).
    """
    # Imported here: matplotlib takes a second to load, and only this request draws.
    from bot.trend_charts import trend_charts

    report, _ = trends.report(start, end, theme)
    document = render_docx(report, trend_charts(report))
    text, message = trends_message(report)
    channel = publisher.dm(user, text, message)
    try:
        publisher.client.files_upload_v2(
            channel=channel,
            file=document,
            filename=f"vcop-trends-{start.isoformat()}-to-{end.isoformat()}.docx",
            title=title_of(report),
        )
    except OSError as exc:
        logger.warning("uploading the trends report failed: %s", exc)
        raise PanelError(
            "The DOCX of the trends report could not be uploaded to Slack; "
            "please try again shortly."
        ) from exc
    return channel
