"""Actions in the services: who may record and update, the reminder's time in working
hours, what outlives a meeting's voting, the learning points left to act on, and the
next meeting's public report under `Actions from earlier meetings`."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

import docx
import pytest

from bot.action_points import ActionPoint, PointKind
from bot.action_service import ActionProblem, ActionService
from bot.actions import ActionStatus, NewAction
from bot.deadline_service import DeadlineService
from bot.errors import NotAllowed
from bot.models import MemberNotes, PanelNotes, ScheduleKind, VoteOption
from bot.summary import render_docx, render_markdown

if TYPE_CHECKING:
    from conftest import Panel

LATER = "2099-06-later"


def _new(panel: Panel, due: str = "2099-04-20", **changes: object) -> NewAction:
    fields: dict[str, object] = {
        "meeting_id": panel.MEETING_ID,
        "agency": "police",
        "description": "Confirm crime references in writing",
        "due": due,
    }
    fields.update(changes)
    return NewAction.model_validate(fields)


def test_chair_records_an_action_and_the_agency_is_spelled_as_configured(imported: Panel) -> None:
    action = ActionService(imported.service).add(imported.chair, _new(imported, "2099-04-20"))

    assert (action.agency, action.status, action.due) == (
        "Police",
        ActionStatus.OPEN,
        dt.date(2099, 4, 20),
    )
    assert imported.count("audit") > 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"due": "2099-02-01"}, "due", "has passed"),
        ({"agency": "Fire"}, "agency", "no agency 'Fire'"),
        ({"case_ref": "ZZ-99"}, "case_ref", "has no case 'ZZ-99'"),
        ({"right": 13}, "right", "no right 13"),
    ],
)
def test_a_bad_action_names_the_field_to_fix(
    imported: Panel, changes: dict[str, object], field: str, message: str
) -> None:
    new = NewAction.model_validate({**_new(imported).model_dump(), **changes})

    with pytest.raises(ActionProblem, match=message) as caught:
        ActionService(imported.service).add(imported.chair, new)

    assert caught.value.field == field
    assert ActionService(imported.service).owed() == []


def test_only_the_chair_secretariat_or_the_agencys_contact_update_it(imported: Panel) -> None:
    actions = ActionService(imported.service)
    action = actions.add(imported.secretariat, _new(imported, "2099-04-20"))
    police, cps = (
        imported.settings.agencies["Police"],
        imported.settings.agencies["Crown Prosecution Service"],
    )

    with pytest.raises(NotAllowed, match="Only the chair or the secretariat can record"):
        actions.add(police, _new(imported, "2099-04-20"))
    with pytest.raises(NotAllowed, match="Police's named contact"):
        actions.update(cps, action.id, "Not ours")
    updated = actions.update(police, action.id, "Done", ActionStatus.DONE)

    assert updated.status is ActionStatus.DONE
    assert [(u.actor, u.status) for u in actions.history(action.id)] == [
        (police, ActionStatus.DONE)
    ]


def test_the_reminder_is_a_week_before_moved_back_into_working_hours(imported: Panel) -> None:
    actions = ActionService(imported.service)
    # Due Tuesday 12 May 2099: a week before is Tuesday 5 May 10:00 London (BST), 09:00 UTC.
    weekday = actions.add(imported.chair, _new(imported, "2099-05-12"))
    # Due Sunday 17 May: a week before is Sunday 10 May, so Friday 8 May 17:00 BST.
    sunday = actions.add(imported.chair, _new(imported, "2099-05-17"))

    reminders = {
        s.id.split("/")[0]: s.due_at
        for s in DeadlineService(imported.service).pending()
        if s.kind is ScheduleKind.ACTION_REMINDER
    }

    assert reminders == {
        f"action-{weekday.id}": dt.datetime(2099, 5, 5, 9, 0, tzinfo=dt.UTC),
        f"action-{sunday.id}": dt.datetime(2099, 5, 8, 16, 0, tzinfo=dt.UTC),
    }


def test_closing_voting_keeps_the_action_reminders_and_done_cancels_them(imported: Panel) -> None:
    actions = ActionService(imported.service)
    deadlines = DeadlineService(imported.service)
    action = actions.add(imported.chair, _new(imported, "2099-05-12"))
    deadlines.plan(imported.MEETING_ID)

    deadlines.cancel(imported.MEETING_ID)

    kinds = [s.kind for s in deadlines.pending()]
    assert kinds == [ScheduleKind.ACTION_REMINDER]
    actions.update(imported.chair, action.id, "Done early", ActionStatus.DONE)
    assert deadlines.pending() == []


def test_learning_points_of_the_latest_closed_meeting_wait_to_be_acted_on(imported: Panel) -> None:
    notes = MemberNotes(learning="Police to confirm crime references in writing")
    for member in imported.members[:3]:
        imported.vote(member, "BG-01", notes=notes)
    imported.service.meetings.close_voting(imported.MEETING_ID, imported.chair)
    actions = ActionService(imported.service)

    assert actions.points_to_act_on() == [
        ActionPoint(
            meeting_id=imported.MEETING_ID,
            kind=PointKind.LEARNING,
            text=notes.learning,
            case_ref="BG-01",
            agency="Police",
        )
    ]
    actions.add(
        imported.chair,
        _new(imported, "2099-05-12", case_ref="BG-01", description=notes.learning),
    )
    assert actions.points_to_act_on() == []


def test_points_to_act_on_suggest_the_failed_right_and_its_lead_agency(imported: Panel) -> None:
    learning = MemberNotes(
        learning="Tell victims about the Victim Contact Scheme earlier",
        observations="The CPS letter about right 6 came late",
    )
    for member in imported.members[:3]:
        imported.vote(member, "BG-01", changes={4: VoteOption.NOT_MET}, notes=learning)
    imported.service.panel_notes.save(
        imported.chair, imported.MEETING_ID, PanelNotes(learning="Share the panel's findings")
    )
    imported.service.meetings.close_voting(imported.MEETING_ID, imported.chair)

    points = ActionService(imported.service).points_to_act_on(imported.MEETING_ID)

    assert [(p.kind, p.case_ref, p.text, p.right, p.agency) for p in points] == [
        (PointKind.LEARNING, None, "Share the panel's findings", None, None),
        (PointKind.LEARNING, "BG-01", learning.learning, 4, "Police"),
        (
            PointKind.OBSERVATION,
            "BG-01",
            learning.observations,
            6,
            "Crown Prosecution Service",
        ),
    ]


def test_next_meetings_public_report_lists_open_actions_from_earlier_meetings(
    imported: Panel,
) -> None:
    actions = ActionService(imported.service)
    kept = actions.add(imported.chair, _new(imported, "2099-04-20", case_ref="BG-02"))
    finished = actions.add(imported.chair, _new(imported, "2099-04-21", description="Finished"))
    actions.update(imported.chair, finished.id, "Done", ActionStatus.DONE)
    imported.import_meeting(
        imported.meeting_doc(
            meeting_id=LATER, date="2099-06-20", voting_closes="2099-06-18T17:00:00+00:00"
        )
    )
    imported.clock.set(dt.datetime(2099, 5, 1, 9, 0, tzinfo=dt.UTC))

    later = imported.service.reports.draft_summary(LATER)
    markdown = render_markdown(later)
    same_meeting = render_markdown(imported.service.reports.draft_summary(imported.MEETING_ID))

    assert "## Actions from earlier meetings" in markdown
    assert (
        "| Police | Confirm crime references in writing | 20 March 2099 | 20 April 2099 (overdue) |"
        in markdown
    )
    assert (
        "Finished" not in markdown
        and "BG-02" not in markdown.split("## Actions from earlier meetings")[1]
    )
    assert "Actions from earlier meetings" not in same_meeting
    document = docx.Document(io.BytesIO(render_docx(later)))
    assert "Actions from earlier meetings" in [p.text for p in document.paragraphs]
    assert kept.status is ActionStatus.OPEN
