"""Every action_id, callback_id and block_id the bot uses, in one place.

Handlers register on these and builders emit them; keeping them together
means a renamed id cannot leave a button that nothing answers.
"""

from __future__ import annotations

VOTE_OPEN = "vote_open"
CASE_READ = "case_read"
RESOLVE_OPEN = "resolve_open"
RESOLVE_RIGHT_OPEN = "resolve_right_open"
VOTE_FILL_MET = "vote_fill_met"
VOTE_FILL_NOT_APPLICABLE = "vote_fill_not_applicable"
VOTE_READ_CASE = "vote_read_case"
VOTE_NEXT = "vote_next"
CLOSE_CONFIRM = "close_confirm"
CLOSE_CANCEL = "close_cancel"
VOTE_FILL_ACTIONS = "vote_fill_actions"
RECEIPT_ACTIONS = "receipt_actions"
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


def right_key(meeting_id: str, ref: str, right: int) -> str:
    """A button value naming one right of one case."""
    return f"{case_key(meeting_id, ref)}{_SEPARATOR}{right}"


def parse_right_key(value: str) -> tuple[str, str, int]:
    key, separator, number = value.rpartition(_SEPARATOR)
    if not separator or not number.isdigit():
        raise ValueError(f"not a right key: {value[:80]!r}")
    meeting_id, ref = parse_case_key(key)
    return meeting_id, ref, int(number)


def right_block(number: int, revision: int = 0) -> str:
    """The vote modal's input block for a right; ``revision`` counts fast-path fills.

    Slack keeps what an input showed when a view is updated with the same
    block_id, and ignores the new ``initial_option``; a fill that preselects
    answers must therefore give the rights new block_ids.
    """
    return f"right_{number}" if revision == 0 else f"right_{number}.{revision}"


def right_from_block(block_id: str) -> int | None:
    prefix, _, rest = block_id.partition("_")
    number, dot, revision = rest.partition(".")
    if prefix != "right" or not number.isdigit() or (dot and not revision.isdigit()):
        return None
    return int(number)


def note_block(field: str) -> str:
    return f"note_{field}"


PANEL_NOTES_SUBMIT = "panel_notes_submit"


def panel_note_block(field: str) -> str:
    return f"panel_note_{field}"
