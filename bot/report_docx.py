"""The public report or the annex as a Word document fit to send.

The layout says what the document holds; ``bot.word_document`` makes it a
Word file (A4, ``DRAFT`` on every page, page numbers, real lists, the panel's
template where it has one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.report_layout import annex, public_report
from bot.word_document import write_docx

if TYPE_CHECKING:
    from bot.summary import DraftSummary


def render_docx(summary: DraftSummary, *, annex_only: bool = False) -> bytes:
    """The public report (default) or, with ``annex_only``, the panel's annex, as DOCX bytes."""
    return write_docx(
        annex(summary) if annex_only else public_report(summary),
        author=summary.panel_name,
        subject="Victims' Code of Practice scrutiny panel report (draft)",
        generated_at=summary.generated_at,
        template=summary.report.docx_template,
    )
