"""Rights tied to agencies: the 2021 Code's defaults, a config's own list, and the
``agencies:`` section of named contacts, each mistake one plain ``path: message`` line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.config import ConfigError, load_settings
from bot.rights import AGENCIES_2021

if TYPE_CHECKING:
    from conftest import ConfigMutator, CoreData


def _problems(core: type[CoreData], tmp_path: Path, mutate: ConfigMutator) -> list[str]:
    path = core.write_config(tmp_path, mutate)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    return caught.value.problems


def test_shipped_rights_get_the_2021_codes_allocation_of_duties(
    core: type[CoreData], tmp_path: Path
) -> None:
    settings = load_settings(core.write_config(tmp_path), env={})

    assert settings.rights.get(2).agencies == ("Police",)
    assert settings.rights.get(8).agencies == AGENCIES_2021[8]
    assert "Witness Care Unit" in settings.rights.get(9).agencies
    assert [r.number for r in settings.rights.rights_of("probation service")] == [1, 11, 12]


def test_a_rights_own_agencies_replace_the_default(core: type[CoreData], tmp_path: Path) -> None:
    def name_them(raw: dict[str, Any]) -> None:
        raw["rights"]["items"][1]["agencies"] = ["Police", "Witness Care Unit"]

    settings = load_settings(core.write_config(tmp_path, name_them), env={})

    assert settings.rights.get(2).agencies == ("Police", "Witness Care Unit")
    assert settings.rights.get(3).agencies == ("Police",)


def test_another_editions_rights_have_no_default_agencies(
    core: type[CoreData], tmp_path: Path
) -> None:
    def new_code(raw: dict[str, Any]) -> None:
        raw["rights"]["code_edition"] = "2026"

    settings = load_settings(core.write_config(tmp_path, new_code), env={})

    assert all(r.agencies == () for r in settings.rights.items)


def test_agency_listed_twice_on_a_right_is_reported_at_that_right(
    core: type[CoreData], tmp_path: Path
) -> None:
    def twice(raw: dict[str, Any]) -> None:
        raw["rights"]["items"][3]["agencies"] = ["Police", "police"]

    [problem] = _problems(core, tmp_path, twice)

    assert problem == "rights.items[3].agencies: agency 'police' is listed more than once"


def test_agencies_given_as_a_string_is_reported_at_the_right(
    core: type[CoreData], tmp_path: Path
) -> None:
    def string(raw: dict[str, Any]) -> None:
        raw["rights"]["items"][0]["agencies"] = "Police"

    [problem] = _problems(core, tmp_path, string)

    assert problem.startswith("rights.items[0].agencies: ")


def test_agency_contacts_load_and_match_ignoring_case(core: type[CoreData], tmp_path: Path) -> None:
    settings = load_settings(core.write_config(tmp_path), env={})

    assert settings.agency_contact("police") == "U0POLICE1"
    assert settings.agency_contact("Witness Care Unit") is None
    assert settings.agency("crown prosecution SERVICE") == "Crown Prosecution Service"
    with pytest.raises(ValueError, match="no agency 'Fire'; the agencies are: Police"):
        settings.agency("Fire")


def test_agency_contact_that_is_not_a_slack_id_is_reported_at_its_key(
    core: type[CoreData], tmp_path: Path
) -> None:
    def bad_contact(raw: dict[str, Any]) -> None:
        raw["agencies"] = {"Police": "Sergeant Smith"}

    [problem] = _problems(core, tmp_path, bad_contact)

    assert problem.startswith("agencies.Police: ")


def test_agencies_as_a_list_is_reported_with_the_expected_shape(
    core: type[CoreData], tmp_path: Path
) -> None:
    def as_list(raw: dict[str, Any]) -> None:
        raw["agencies"] = ["Police"]

    [problem] = _problems(core, tmp_path, as_list)

    assert problem.startswith("agencies: give one line per agency, `Agency name: SLACK_MEMBER_ID`")


def test_config_without_agencies_section_has_no_contacts(
    core: type[CoreData], tmp_path: Path
) -> None:
    def drop(raw: dict[str, Any]) -> None:
        raw.pop("agencies", None)

    settings = load_settings(core.write_config(tmp_path, drop), env={})

    assert settings.agencies == {}
    assert "Police" in settings.agency_names
