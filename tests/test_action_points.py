"""Points to act on: which right and agency a learning point suggests, and how App Home's
and the tally's lists of actions and points stay within Slack's block limits without
leaving anything out unsaid."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.action_points import ActionPoint, PointKind, suggested_agency, suggested_right
from bot.actions import Action
from bot.config import load_settings
from bot.models import CaseTally, Category, Finding, Meeting, MeetingStatus, RightTally
from bot.rights import RightsCatalogue
from handlers.action_blocks import (
    FROM_LEARNING,
    POINTS_MAX,
    home_action_blocks,
    point_blocks,
    point_value,
)
from handlers.blocks import tally_modal

RIGHTS: RightsCatalogue = load_settings(Path(__file__).parents[1] / "app.yaml", env={}).rights
AGENCIES = RIGHTS.agencies
TODAY = dt.date(2099, 3, 1)


def _rights(**findings: Finding) -> list[RightTally]:
    return [
        RightTally(
            right=int(k.removeprefix("r")),
            title="t",
            finding=f,
            vote_finding=f,
            votes={},
            dispute=0.0,
        )
        for k, f in findings.items()
    ]


@pytest.mark.parametrize(
    ("text", "case", "expected"),
    [
        ("Explain right 7 to victims", (), 7),
        ("Right 4 and right 6 were both missed", (), None),
        ("Right 99 does not exist", _rights(r4=Finding.NOT_MET), 4),
        ("Earlier contact", _rights(r4=Finding.NOT_MET, r5=Finding.MET), 4),
        ("Earlier contact", _rights(r4=Finding.PARTIALLY_MET, r6=Finding.NOT_MET), None),
        ("Earlier contact", _rights(r4=Finding.MET, r6=Finding.UNDECIDED), None),
    ],
)
def test_suggested_right_is_the_named_one_else_the_only_failed_one(
    text: str, case: list[RightTally], expected: int | None
) -> None:
    assert suggested_right(text, RIGHTS, case) == expected


@pytest.mark.parametrize(
    ("text", "right", "expected"),
    [
        ("Letters went out late", 6, "Police"),  # right 6's lead agency
        ("The CPS letters went out late", 6, "Crown Prosecution Service"),
        ("The CPS and the police disagreed", 6, None),  # both owe it: the chair picks
        ("The Probation Service was not told", 6, "Probation Service"),
        ("The Probation Service was not told", None, "Probation Service"),
        ("Letters went out late", None, None),
        ("Police and CPS", None, None),
    ],
)
def test_suggested_agency_prefers_the_named_owner_then_the_lead_agency(
    text: str, right: int | None, expected: str | None
) -> None:
    assert suggested_agency(text, AGENCIES, RIGHTS, right) == expected


def _action(n: int, agency: str) -> Action:
    return Action(
        id=n,
        meeting_id="2099-02-x",
        agency=agency,
        description=f"Action number {n:03d}",
        due=TODAY + dt.timedelta(days=n),
        created_by="U1",
        created_at=dt.datetime(2099, 2, 1, tzinfo=dt.UTC),
    )


def _point(n: int) -> ActionPoint:
    return ActionPoint(meeting_id="2099-02-x", kind=PointKind.LEARNING, text=f"Point {n:02d}")


def _texts(blocks: list) -> str:
    return json.dumps([b.to_dict() for b in blocks], ensure_ascii=False)


@pytest.mark.parametrize("room", [8, 20, 30, 45, 100])
@pytest.mark.parametrize(("count", "agencies"), [(3, 1), (30, 3), (150, 3), (150, 20)])
def test_app_home_actions_fit_the_room_and_count_what_they_leave_out(
    room: int, count: int, agencies: int
) -> None:
    owed: dict[str, list[Action]] = {}
    for n in range(1, count + 1):
        agency = f"Agency {n % agencies:02d}"
        owed.setdefault(agency, []).append(_action(n, agency))
    points = [_point(n) for n in range(1, 15)]

    built = home_action_blocks(owed, TODAY, points, room=room)

    text = _texts(built)
    shown = sum(f"Action number {n:03d}" in text for n in range(1, count + 1))
    shown_points = sum(f"Point {n:02d}" in text for n in range(1, 15))
    assert len(built) <= room
    assert shown >= 1
    if shown < count:
        assert f"…and {count - shown} more open actions ({count} in all)" in text
        assert f"Send me all {count} open actions" in text
    else:
        assert "more open actions" not in text
    assert shown_points >= 1
    assert f"…and {14 - shown_points} more learning points" in text


def test_point_buttons_carry_the_form_and_stay_under_slacks_value_limit() -> None:
    long = ActionPoint(
        meeting_id="2099-02-x",
        kind=PointKind.OBSERVATION,
        text="x" * 3000,
        case_ref="AB-01",
        right=6,
        agency="Crown Prosecution Service",
    )

    value = point_value(long)
    built = point_blocks([long, *(_point(n) for n in range(20))], POINTS_MAX + 2, "to do.")

    assert len(value) <= 2000
    assert json.loads(value) | {"t": ""} == {
        "m": "2099-02-x",
        "c": "AB-01",
        "t": "",
        "r": 6,
        "a": "Crown Prosecution Service",
    }
    assert len(built) == POINTS_MAX + 2
    assert "…and 11 more to do." in _texts(built)


def test_tally_modal_of_fifty_cases_keeps_room_for_the_points_and_counts_the_rest() -> None:
    meeting = Meeting(
        id="2099-02-x",
        title="Burglary",
        date=dt.date(2099, 2, 20),
        voting_closes=dt.datetime(2099, 2, 18, 17, tzinfo=dt.UTC),
        code_edition="2021",
        status=MeetingStatus.CLOSED,
    )
    rights = tuple(
        RightTally(
            right=n,
            title=f"R{n}",
            finding=Finding.UNDECIDED,
            vote_finding=Finding.UNDECIDED,
            votes={"Met": 1},
            dispute=0.0,
        )
        for n in range(1, 13)
    )
    tallies = [
        CaseTally(ref=f"BG-{n:02d}", category=Category.NO_DECISION, voters=1, rights=rights)
        for n in range(1, 51)
    ]

    view = tally_modal(meeting, tallies, 5, points=[_point(n) for n in range(1, 16)]).to_dict()

    text = json.dumps(view, ensure_ascii=False)
    made = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == FROM_LEARNING]
    assert len(view["blocks"]) <= 100
    assert len(made) == POINTS_MAX
    assert f"…and {15 - POINTS_MAX} more learning points and observations" in text
    assert all(f"*BG-{n:02d}: " in text for n in range(1, 51))
