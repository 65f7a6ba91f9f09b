"""The panel-wide notes modal (`/vcop notes`): saving what the chair or secretariat wrote.

The notes go into the public report, so the service screens them with the
same entry point as every free-text modal (``screen_typed_text``) before
anything is stored; a refusal is shown on the field that holds the problem,
and the form keeps what was typed.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext

from bot.errors import PanelError
from bot.models import PanelNotes
from bot.typed_text import PersonalDataInText
from handlers import blocks, ids
from handlers.payloads import ViewSubmission, describe_validation_error
from handlers.runtime import runtime_of

logger = logging.getLogger(__name__)

FIRST_BLOCK = ids.panel_note_block(blocks.PANEL_NOTE_FIELDS[0][0])
SAVED = (
    "The panel-wide notes are saved. In the public report, the observations appear "
    "under “The findings from the panel's meeting”, and the good practice and learning "
    "under “Good practice and learning from the panel”. Run /vcop notes again to change them."
)


def _errors(ack: Ack, errors: dict[str, str]) -> None:
    ack(response_action="errors", errors={k: v[:150] for k, v in errors.items()})


def submit_panel_notes(ack: Ack, body: dict, context: BoltContext) -> None:
    rt = runtime_of(context)
    try:
        submission = ViewSubmission.model_validate(body)
        meeting_id = submission.metadata().get("m", "")
        notes = PanelNotes(
            **{
                field: submission.text(ids.panel_note_block(field))
                for field, _ in blocks.PANEL_NOTE_FIELDS
            }
        )
        rt.service.panel_notes.save(submission.user_id, meeting_id, notes)
    except PersonalDataInText as exc:  # keyed by PanelNotes field
        _errors(ack, {ids.panel_note_block(f): msg for f, msg in exc.problems.items()})
        return
    except ValidationError as exc:
        _errors(
            ack, {FIRST_BLOCK: f"This form could not be read ({describe_validation_error(exc)})."}
        )
        return
    except (PanelError, ValueError) as exc:
        _errors(ack, {FIRST_BLOCK: str(exc)})
        return
    ack(response_action="update", view=blocks.notice_modal("Panel-wide notes", SAVED))


def register(app: App) -> None:
    app.view(ids.PANEL_NOTES_SUBMIT)(submit_panel_notes)
