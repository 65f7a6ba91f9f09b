"""Actions over HTTP with the injected clock: the chair records one in the modal, the
agency's named contact is reminded before it falls due and posts updates from the
reminder, the chair's App Home shows what each agency still owes, and done closes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.clock import ManualClock
from bot.config import Settings
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

from .helpers import mrkdwn_texts

ADD = {
    "action_meeting": "2025-09-stalking",
    "action_agency": "Police",
    "action_description": "Confirm crime references in writing within one working day",
    "action_due": "2025-10-01",
    "action_case": "SH-02",
    "action_right": "3",
}
# Due 1 October 2025: reminded 7 days before, at 10:00 London (BST), a Wednesday.
REMINDER_AT = dt.datetime(2025, 9, 24, 9, 0, tzinfo=dt.UTC)


def _texts(node: Any) -> str:
    return "\n".join(mrkdwn_texts(node))


def _record(slack: SimulatedSlack, user: str, **changes: str) -> Any:
    opened = slack.slash_command(user, "action add")
    assert opened.status == 200
    modal = slack.open_modal(user)
    assert modal is not None and modal.callback_id == "vcop_action_add"
    return slack.submit_view(user, modal.id, {**ADD, **changes})


def _home(slack: SimulatedSlack, user: str) -> str:
    assert slack.app_home_opened(user).status == 200
    home = slack.home_view(user)
    assert home is not None
    return _texts(home.blocks)


def _update(slack: SimulatedSlack, contact: str, message: tuple[str, str], **values: str) -> Any:
    click = slack.click_button(contact, "vcop_action_open_update", message=message)
    assert click.status == 200
    modal = slack.open_modal(contact)
    assert modal is not None and modal.callback_id == "vcop_action_update"
    return slack.submit_view(contact, modal.id, values)


def test_an_action_is_added_reminded_updated_and_done(
    local: LocalWorkspace,
    imported: str,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    chair, contact = settings.panel.chair[0], settings.agencies["Police"]
    scheduler = local.bot.runtime.scheduler

    added = _record(slack, chair)

    assert added.closed, added.errors
    confirmation = slack.dms_for(chair)[-1].text
    assert "Action 1 recorded for *Police*, due 01 October 2025" in confirmation
    assert "*Police*: 1 open" in _home(slack, chair)
    clock.set(REMINDER_AT - dt.timedelta(minutes=1))
    scheduler.run_due()
    assert slack.dms_for(contact) == []

    clock.set(REMINDER_AT + dt.timedelta(minutes=1))
    scheduler.run_due()
    scheduler.run_due()  # a second run sends nothing twice

    [reminder] = slack.dms_for(contact)
    assert "Reminder: an action for *Police*" in _texts(reminder.blocks)
    assert "is due on 01 October 2025" in _texts(reminder.blocks)
    where = (reminder.channel, reminder.ts)
    progress = _update(
        slack,
        contact,
        where,
        action_update_text="Guidance issued to response officers",
        action_update_status="open",
    )
    assert progress.closed, progress.errors
    done = _update(
        slack,
        contact,
        where,
        action_update_text="Audit shows it is now done",
        action_update_status="done",
    )
    assert done.closed, done.errors

    history = local.bot.runtime.actions.history(1)
    assert [(u.actor, u.text, u.status) for u in history] == [
        (contact, "Guidance issued to response officers", None),
        (contact, "Audit shows it is now done", "done"),
    ]
    assert [u.at for u in history] == [REMINDER_AT + dt.timedelta(minutes=1)] * 2
    assert "No open actions" in _home(slack, chair)


def test_overdue_actions_are_marked_in_the_chairs_app_home(
    local: LocalWorkspace,
    imported: str,
    slack: SimulatedSlack,
    settings: Settings,
    clock: ManualClock,
) -> None:
    chair = settings.panel.chair[0]
    assert _record(slack, chair, action_due="2025-09-12").closed

    clock.set(dt.datetime(2025, 9, 15, 9, 0, tzinfo=dt.UTC))

    assert "*Police*: 1 open, 1 overdue" in _home(slack, chair)
    assert "(overdue)" in _home(slack, chair)


def test_a_member_cannot_record_an_action(
    local: LocalWorkspace, imported: str, slack: SimulatedSlack, settings: Settings
) -> None:
    result = slack.slash_command(settings.panel.members[1], "action add")

    assert "Only the chair or the secretariat can record actions." in result.shown_text
    assert slack.open_modal(settings.panel.members[1]) is None


def test_a_past_due_date_or_personal_data_is_refused_on_its_field(
    local: LocalWorkspace, imported: str, slack: SimulatedSlack, settings: Settings
) -> None:
    chair = settings.panel.chair[0]

    late = _record(slack, chair, action_due="2025-09-01")
    slack.close_view(chair, late.view_id)
    personal = _record(slack, chair, action_description="Call the victim back on 07700 900123")

    assert "The due date 2025-09-01 has passed" in late.errors["action_due"]
    assert "personal data" in personal.errors["action_description"]
    assert local.bot.runtime.actions.owed() == []
