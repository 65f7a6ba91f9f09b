"""Every action_id, callback_id and block_id the bot uses, in one place.

Handlers register on these and builders emit them; keeping them together
means a renamed id cannot leave a button that nothing answers.
"""

from __future__ import annotations

VOTE_OPEN = "vote_open"
CASE_READ = "case_read"
RESOLVE_OPEN = "resolve_open"
CASE_ACTIONS = "case_actions"
OPEN_VOTING = "meeting_open_voting"
REPLACE_MEETING = "meeting_replace"

VOTE_SUBMIT = "vote_submit"
VOTE_RECEIPT = "vote_receipt"
RESOLVE_SUBMIT = "resolve_submit"
TALLY_VIEW = "tally_view"
CASE_VIEW = "case_view"
NOTICE = "notice"
PURGE_SUBMIT = "meeting_purge"

CHOICE = "choice"
NOTE = "text"
RESOLVE_RIGHT = "resolve_right"
RESOLVE_FINDING = "resolve_finding"
RESOLVE_REASON = "resolve_reason"

_SEPARATOR = "|"


def case_key(meeting_id: str, ref: str) -> str:
    """A button value naming a case; meeting ids and refs cannot contain ``|``."""
    return f"{meeting_id}{_SEPARATOR}{ref}"


def parse_case_key(value: str) -> tuple[str, str]:
    meeting_id, separator, ref = value.partition(_SEPARATOR)
    if not separator or not meeting_id or not ref:
        raise ValueError(f"not a case key: {value[:80]!r}")
    return meeting_id, ref


def right_block(number: int) -> str:
    return f"right_{number}"


def right_from_block(block_id: str) -> int | None:
    prefix, _, number = block_id.partition("_")
    return int(number) if prefix == "right" and number.isdigit() else None


def note_block(field: str) -> str:
    return f"note_{field}"


PANEL_NOTES_SUBMIT = "panel_notes_submit"


def panel_note_block(field: str) -> str:
    return f"panel_note_{field}"
