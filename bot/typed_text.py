"""Screening what panel members and the chair type, before it is stored.

Case files are screened at import, but members' notes, the chair's resolution reasons and
the panel-wide notes are typed in Slack and go straight into the draft report. They pass
the same personal-data screen (bot/anonymity.py), and a hit refuses the whole submission:
the person sees which field to fix, and nothing of what they typed is kept.

The stable entry points, for every modal that takes free text:

* :func:`check_typed_text` (pure): ``{field key: text}`` in, ``{field key: message}`` out,
  empty when the text is clean. The keys are the caller's own (Slack block ids suit a
  handler, since the messages go straight into ``response_action: errors``).
* :meth:`bot.screening.TypedTextScreen.screen`: the same check, plus an audit entry
  recording the field and the kind and masked excerpt of each finding (never the text),
  raising :class:`PersonalDataInText` when anything is found.

The refusal reads like ``This note seems to contain personal data (a phone number:
07*** ******). Remove it and submit again.``. Every finding in the field is named, so
one correction clears them all, as far as Slack's 150-character limit on a field error
allows; any left over are counted ("and 2 more").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.anonymity import PersonalDataFinding, ScreenRules, screen_text
from bot.errors import PanelError

__all__ = [
    "MAX_MESSAGE_CHARS",
    "PersonalDataInText",
    "check_typed_text",
    "field_findings",
    "refusal_message",
]

#: Slack shows a field error of up to 150 characters; the message always fits.
MAX_MESSAGE_CHARS = 150
_HEAD = "This note seems to contain personal data ("
_TAIL = "). Remove it and submit again."
_EXCERPT_CHARS = 40


def _short(label: str) -> str:
    return label if len(label) <= _EXCERPT_CHARS else label[: _EXCERPT_CHARS - 1] + "…"


def refusal_message(findings: Sequence[PersonalDataFinding]) -> str:
    """The error shown on a field: each finding's kind and masked excerpt, in order."""
    labels = [_short(f.label()) for f in findings]
    for shown in range(len(labels), 0, -1):
        rest = len(labels) - shown
        inside = "; ".join(labels[:shown]) + (f"; and {rest} more" if rest else "")
        message = f"{_HEAD}{inside}{_TAIL}"
        if len(message) <= MAX_MESSAGE_CHARS:
            return message
    return f"{_HEAD}{len(labels)} items{_TAIL}"  # pragma: no cover - one label always fits


def field_findings(
    fields: Mapping[str, str], rules: ScreenRules | None = None
) -> dict[str, list[PersonalDataFinding]]:
    """Every finding in each field that has any, keyed like ``fields``."""
    found: dict[str, list[PersonalDataFinding]] = {}
    for key, text in fields.items():
        findings = screen_text(text or "", key, rules)
        if findings:
            found[key] = findings
    return found


def check_typed_text(fields: Mapping[str, str], rules: ScreenRules | None = None) -> dict[str, str]:
    """``{field key: refusal message}`` for every field with personal data; empty if clean."""
    return {key: refusal_message(f) for key, f in field_findings(fields, rules).items()}


class PersonalDataInText(PanelError):
    """Typed text was refused. ``problems`` maps each field key to its refusal message."""

    def __init__(self, findings: Mapping[str, Sequence[PersonalDataFinding]]) -> None:
        self.findings = {key: list(found) for key, found in findings.items()}
        self.problems = {key: refusal_message(found) for key, found in self.findings.items()}
        super().__init__(" ".join(self.problems.values()))
