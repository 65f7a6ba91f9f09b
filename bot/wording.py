"""Counts written as English: ``1 case``, ``2 cases``.

Reports, the demo's narration and Slack replies all count things; one rule keeps the
singular right at any panel size.
"""

from __future__ import annotations


def counted(n: int, noun: str) -> str:
    """``1 member``, ``3 members``: the noun in the singular only for exactly one."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
