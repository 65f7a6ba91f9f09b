"""Who may do what, decided in one place (bot/access.py) for every way in."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from bot.access import CLI_ACTOR, SYSTEM_ACTOR
from bot.actions import Action
from bot.errors import NotAllowed

if TYPE_CHECKING:
    from conftest import Panel


def _police_action(panel: Panel) -> Action:
    return Action(
        id=1,
        meeting_id=panel.MEETING_ID,
        agency="Police",
        description="Tell victims of bail changes within a day",
        due=dt.date(2025, 12, 1),
        created_by=panel.chair,
        created_at=dt.datetime(2025, 9, 18, 10, 0, tzinfo=dt.UTC),
    )


def test_the_chair_role_is_also_held_by_the_command_line_and_the_scheduler(panel: Panel) -> None:
    access = panel.service.access
    for actor in (panel.chair, CLI_ACTOR, SYSTEM_ACTOR):
        access.require_chair(actor, "close voting")
    for actor in (panel.members[0], panel.secretariat):
        with pytest.raises(NotAllowed, match="Only the panel chair can close voting"):
            access.require_chair(actor, "close voting")


def test_only_the_chair_or_secretariat_record_actions_and_the_agency_contact_may_update_its_own(
    panel: Panel,
) -> None:
    access, action = panel.service.access, _police_action(panel)
    police, cps = (
        panel.settings.agencies["Police"],
        panel.settings.agencies["Crown Prosecution Service"],
    )

    for keeper in (panel.chair, panel.secretariat):
        access.require_action_recorder(keeper)
        access.require_action_updater(keeper, action)
    access.require_action_updater(police, action)
    with pytest.raises(NotAllowed, match="Only the chair or the secretariat can record actions"):
        access.require_action_recorder(police)
    with pytest.raises(NotAllowed, match="Police's named contact can update this action"):
        access.require_action_updater(cps, action)


def test_feedback_packs_all_for_the_record_keepers_one_for_a_contact_none_for_others(
    panel: Panel,
) -> None:
    access = panel.service.access
    police = panel.settings.agencies["Police"]
    outsider = "U0NOBODY1"  # on no agency and not the chair or the secretariat

    assert "Police" in access.pack_agencies(panel.secretariat)
    assert access.pack_agencies(police) == ["Police"]
    assert access.pack_agencies(outsider) == []
    access.require_pack_reader(police)
    with pytest.raises(NotAllowed, match="an agency's named contact can pull feedback packs"):
        access.require_pack_reader(outsider)


def test_the_trends_report_and_meeting_files_belong_to_the_record_keepers(panel: Panel) -> None:
    access = panel.service.access
    access.require_trends_reader(panel.chair)
    access.require_trends_reader(panel.secretariat)
    with pytest.raises(NotAllowed, match="Only the chair or the secretariat can pull the trends"):
        access.require_trends_reader(panel.members[0])
    assert access.may_send_meeting_files(panel.secretariat)
    assert not access.may_send_meeting_files(panel.chair)
