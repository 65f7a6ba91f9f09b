"""Errors a user can act on. Each message says what is wrong and, where useful, where."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.models import Meeting


class PanelError(Exception):
    """Base: the message is safe to show to the person who asked."""


class NotFound(PanelError):
    pass


class NotAllowed(PanelError):
    pass


class VotingClosed(PanelError):
    pass


class Conflict(PanelError):
    pass


class MeetingExists(Conflict):
    """An import names a meeting that is stored already; ``has_votes`` rules out replacing it."""

    def __init__(self, message: str, existing: Meeting, *, has_votes: bool) -> None:
        super().__init__(message)
        self.existing = existing
        self.has_votes = has_votes


class InvalidBallot(PanelError):
    """Some rights are unanswered or unknown; ``problems`` maps right number → message."""

    def __init__(self, problems: dict[int, str]) -> None:
        super().__init__("; ".join(f"Right {n}: {msg}" for n, msg in sorted(problems.items())))
        self.problems = problems
