"""`/vcop notes`: the chair or secretariat writes the panel-wide notes in a modal, prefilled
with what is there; personal data is refused on the field; the notes reach the report."""

from __future__ import annotations

import io
import json

import docx

from bot.config import Settings
from bot.models import PanelNotes
from bot.panel import PanelServices
from handlers import ids
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

GOOD = ids.panel_note_block("good_practice")
OBSERVATIONS = ids.panel_note_block("observations")
LEARNING = ids.panel_note_block("learning")


def test_the_secretariat_writes_panel_wide_notes_that_reach_the_public_report(
    local: LocalWorkspace, imported: str, slack: SimulatedSlack, settings: Settings
) -> None:
    secretariat = settings.panel.secretariat[0]

    result = slack.slash_command(secretariat, f"notes {imported}")

    assert result.status == 200
    modal = slack.open_modal(secretariat)
    assert modal is not None and modal.view["callback_id"] == ids.PANEL_NOTES_SUBMIT
    submitted = slack.submit_view(
        secretariat,
        modal.id,
        {
            GOOD: "A stalking clinic now advises officers on complex cases\n"
            "Stalking champions in every station",
            OBSERVATIONS: "Leaflets are not always recorded as given in the police system",
            LEARNING: None,
        },
    )
    assert submitted.status == 200 and not submitted.errors, submitted
    confirmation = slack.open_modal(secretariat)
    assert confirmation is not None and "saved" in str(confirmation.view["blocks"])

    slack.workspace.close_all_modals(secretariat)
    assert slack.slash_command(secretariat, f"summary {imported}").status == 200
    dm = local.workspace.dm_channel_for(secretariat)
    [upload] = [m for m in slack.messages(dm) if m.files]
    public = local.workspace.file(upload.files[0]["id"])
    document = docx.Document(io.BytesIO(public.content or b""))
    paragraphs = [p.text for p in document.paragraphs]
    findings = paragraphs.index("The findings from the panel's meeting")
    learning = paragraphs.index("Good practice and learning from the panel")
    observed = paragraphs.index("Leaflets are not always recorded as given in the police system")
    assert findings < observed < learning
    assert paragraphs.index("Stalking champions in every station") > learning


def test_the_modal_is_prefilled_with_the_notes_already_there(
    imported: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    chair = settings.panel.chair[0]
    service.panel_notes.save(chair, imported, PanelNotes(learning="Agree one leaflet record"))

    slack.slash_command(chair, f"notes {imported}")

    modal = slack.open_modal(chair)
    assert modal is not None
    initial = {
        block["block_id"]: block["element"].get("initial_value")
        for block in modal.view["blocks"]
        if block["type"] == "input"
    }
    assert initial == {GOOD: None, OBSERVATIONS: None, LEARNING: "Agree one leaflet record"}


def test_personal_data_is_refused_on_its_field_and_nothing_is_stored(
    imported: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    chair = settings.panel.chair[0]
    slack.slash_command(chair, f"notes {imported}")
    modal = slack.open_modal(chair)
    assert modal is not None

    submitted = slack.submit_view(
        chair, modal.id, {LEARNING: "Ring 07700 900123 for the clinic", GOOD: "Fine"}
    )

    assert set(submitted.errors) == {LEARNING}
    assert "personal data" in submitted.errors[LEARNING].lower()
    assert "900123" not in submitted.errors[LEARNING]
    assert service.repo.panel_notes(imported) is None


def test_members_cannot_open_the_panel_wide_notes(
    imported: str, slack: SimulatedSlack, settings: Settings
) -> None:
    member = settings.panel.members[0]

    result = slack.slash_command(member, f"notes {imported}")

    assert result.shown is not None
    assert "Only the panel chair or the secretariat can" in result.shown.text
    assert slack.open_modal(member) is None


def test_after_the_close_notes_default_to_the_latest_meeting(
    imported: str, slack: SimulatedSlack, settings: Settings, service: PanelServices
) -> None:
    chair = settings.panel.chair[0]
    service.meetings.close_voting(imported, chair)

    assert slack.slash_command(chair, "notes").status == 200

    modal = slack.open_modal(chair)
    assert modal is not None
    assert json.loads(modal.view["private_metadata"]) == {"m": imported}
