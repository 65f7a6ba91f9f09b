"""The public report or the annex as Markdown (GitHub-flavoured), safe for any user text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.report_layout import (
    Bullets,
    Document,
    Heading,
    Landscape,
    Numbered,
    Paragraph,
    Picture,
    Table,
    annex,
    public_report,
)
from bot.report_text import clean

if TYPE_CHECKING:
    from bot.summary import DraftSummary

# Markdown punctuation that could start emphasis, code, links, headings'
# closing sequences or table cells inside a line of user text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def render_markdown(summary: DraftSummary, *, annex_only: bool = False) -> str:
    """The public report (default) or, with ``annex_only``, the panel's annex."""
    return document_markdown(annex(summary) if annex_only else public_report(summary))


def document_markdown(document: Document) -> str:
    parts: list[str] = []
    for index, block in enumerate(document.blocks):
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {_md(block.text)}")
            if index == 0 and document.page_header != block.text:
                # What the DOCX prints in every page header, unless the title already says it.
                parts.append(f"**{_md(document.page_header)}**")
        elif isinstance(block, Paragraph):
            text = _md(block.text)
            if block.bold:
                text = f"**{text}**"
            elif block.italic:
                text = f"*{text}*"
            parts.append(f"**{_md(block.label)}:** {text}" if block.label else text)
        elif isinstance(block, Bullets):
            parts.append("\n".join(f"- {_md(item)}" for item in block.items))
        elif isinstance(block, Numbered):
            parts.append(
                "\n".join(f"{n}. {_md(item)}" for n, item in enumerate(block.items, start=1))
            )
        elif isinstance(block, Table):
            parts.append(_md_table(block))
        elif isinstance(block, Picture):
            caption = _md(block.caption)
            parts.append(f"![{caption}]({block.link})" if block.link else f"*{caption}*")
        elif isinstance(block, Landscape):
            continue
    return "\n\n".join(parts) + "\n"


def _md(text: str) -> str:
    """User text made inert: one line, Markdown punctuation escaped, no raw HTML or mentions.

    ``<``, ``>`` and ``&`` become entities, which both Markdown and Slack show
    as the characters, so ``<!channel>`` in a note can never notify anyone.
    """
    line = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", line)


def _md_table(table: Table) -> str:
    lines = [
        "| " + " | ".join(_md(cell) for cell in table.header) + " |",
        "| " + " | ".join("---" for _ in table.header) + " |",
    ]
    lines.extend("| " + " | ".join(_md(cell) for cell in row) + " |" for row in table.rows)
    return "\n".join(lines)
