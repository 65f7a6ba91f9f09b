"""Making user-supplied text safe and short enough for Slack.

Case narratives and notes are written by people, and Slack parses mrkdwn for
`<!channel>`, `<@U123>` and `<http://x|y>`: escaping &, < and > is what stops
a case text from pinging the whole channel or disguising a link.
"""

from __future__ import annotations

ELLIPSIS = "…"


def escape(text: str) -> str:
    """Escape the three characters Slack uses for control sequences."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> tuple[str, bool]:
    """Cut text to at most ``limit`` characters at a clean boundary.

    Prefers the end of a paragraph or sentence, then a word; returns the text
    and whether it was cut. The ellipsis counts towards the limit.
    """
    text = text.strip()
    if len(text) <= limit:
        return text, False
    budget = max(limit - len(ELLIPSIS), 1)
    window = text[:budget]
    floor = budget // 2
    for marks in (("\n\n",), (". ", "? ", "! ", ".\n"), (" ", "\n")):
        cut = max(window.rfind(mark) for mark in marks)
        if cut >= floor:
            end = cut + (1 if marks[0] != "\n\n" and window[cut] in ".?!" else 0)
            return window[:end].rstrip() + " " + ELLIPSIS if end else ELLIPSIS, True
    return window.rstrip() + ELLIPSIS, True


def escaped_clip(text: str, limit: int) -> tuple[str, bool]:
    """Clip, then escape, keeping the escaped text within ``limit``.

    Escaping lengthens the text (``<`` becomes ``&lt;``), so clip again on the
    raw text until the escaped form fits; never cut inside an entity.
    """
    raw_limit = limit
    while True:
        clipped, cut = clip(text, raw_limit)
        escaped = escape(clipped)
        if len(escaped) <= limit:
            return escaped, cut
        raw_limit -= len(escaped) - limit


def escaped_pieces(text: str, limit: int) -> list[str]:
    """Split a long text at clean boundaries into escaped pieces of at most ``limit`` each.

    For showing a text whole across several blocks (the "Read full case" modal):
    nothing is dropped, and each piece is cut from the raw text before escaping,
    so an entity is never split and ``A&E`` or ``<`` cannot push a piece past
    Slack's limit.
    """
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        raw_limit = limit
        while True:
            piece, cut = clip(rest, raw_limit)
            if cut:
                piece = piece.removesuffix(ELLIPSIS).rstrip()
            escaped = escape(piece)
            if len(escaped) <= limit or raw_limit <= 1:
                break
            raw_limit = max(1, min(raw_limit - 1, raw_limit * limit // len(escaped)))
        if not piece:  # no clean boundary at all: take what fits, unescaped length first
            piece = rest[: max(1, raw_limit)]
            escaped = escape(piece)
        pieces.append(escaped)
        rest = rest[len(piece) :].strip()
    return pieces
