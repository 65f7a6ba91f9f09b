"""Exceptions raised inside the simulator.

Two different failures must never be confused: an :class:`ApiError` is Slack
saying "no" to the bot (it becomes an ``{"ok": false}`` response), while a
:class:`SimulationError` is a *test* asking the simulated user to do something
that a real user could not do (click a button that is not on screen, submit a
closed modal).  The latter is a bug in the test or the bot, never a response.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Slack Web API error, turned into ``{"ok": false, "error": code, ...}``.

    ``messages`` mirrors Slack's ``response_metadata.messages`` (free text such as
    ``"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text]"``)
    and ``extra`` holds any additional top-level keys (e.g. ``errors``).
    """

    def __init__(
        self,
        code: str,
        *,
        messages: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(code if not messages else f"{code}: {'; '.join(messages)}")
        self.code = code
        self.messages = list(messages or [])
        self.extra = dict(extra or {})

    def to_body(self) -> dict[str, Any]:
        """Render the JSON body Slack would send for this error."""
        body: dict[str, Any] = {"ok": False, "error": self.code}
        body.update(self.extra)
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body


class SimulationError(AssertionError):
    """The test asked the simulated user for something impossible in Slack.

    It subclasses :class:`AssertionError` so pytest reports it as a test failure
    with its message rather than as an unexpected crash.
    """
