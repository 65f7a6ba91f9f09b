"""Pure Block Kit builders, checked without Slack: labels, limits, escaping."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from bot.config import load_settings
from bot.models import (
    Case,
    CaseTally,
    Category,
    Finding,
    Meeting,
    MemberNotes,
    RightTally,
    VoteOption,
)
from bot.voting import CaseProgress, MemberBallot
from handlers import blocks, ids
from handlers.mrkdwn import clip, escape, escaped_clip

SETTINGS = load_settings(__import__("pathlib").Path(__file__).parents[1] / "app.yaml", env={})
MEETING = Meeting(
    id="2099-01-dv",
    title="Domestic abuse <!channel>",
    date=dt.date(2099, 1, 20),
    voting_closes=dt.datetime(2099, 1, 18, 17, tzinfo=dt.UTC),
    code_edition="2021",
)


def _case(summary: str = "The victim reported on day 0.", **kw: object) -> Case:
    return Case(
        meeting_id=MEETING.id,
        ref="DA-01",
        position=1,
        offence="Controlling or coercive behaviour",
        outcome="Guilty plea",
        summary=summary,
        **kw,
    )


def test_case_message_has_vote_button_progress_and_escaped_text() -> None:
    case = _case("Suspect wrote <!channel> and <@U123> and <http://x|y>.")
    _, built = blocks.case_message(MEETING, case, 2, 5, "Sun 18 Jan", open_=True)
    payload = json.dumps([b.to_dict() for b in built])
    assert "2 of 5 members have voted" in payload
    assert "<!channel>" not in payload and "<@U123>" not in payload and "<http" not in payload
    assert "&lt;!channel&gt;" in payload
    buttons = [e for b in as_dicts(built, "actions") for e in b["elements"]]
    vote = [b for b in buttons if b["text"]["text"] == "Vote"]
    assert len(vote) == 1 and vote[0]["action_id"] == ids.VOTE_OPEN
    assert ids.parse_case_key(vote[0]["value"]) == (MEETING.id, "DA-01")


def test_long_narrative_is_cut_to_a_phone_screen_with_read_case() -> None:
    summary = " ".join(f"Sentence {i} describes what happened next." for i in range(400))
    _, built = blocks.case_message(MEETING, _case(summary), 0, 5, "x", open_=True)
    sections = [b["text"]["text"] for b in as_dicts(built, "section") if "text" in b]
    assert all(len(t) <= 3000 for t in sections)
    narrative = sections[1]
    assert len(narrative) <= blocks.NARRATIVE_PREVIEW
    assert narrative.endswith("…") and "Sentence 0" in narrative
    assert narrative[:-2].endswith(".")  # cut at a sentence boundary
    labels = [e["text"]["text"] for b in as_dicts(built, "actions") for e in b["elements"]]
    assert labels == ["Vote", "Read case"]
    modal = blocks.full_case_modal(_case(summary)).to_dict()
    full = "".join(b["text"]["text"] for b in modal["blocks"] if b["type"] == "section")
    assert "Sentence 399" in full and len(modal["blocks"]) <= 100


def test_closed_case_message_has_no_vote_button() -> None:
    _, built = blocks.case_message(MEETING, _case(), 5, 5, "x", open_=False)
    labels = [e["text"]["text"] for b in as_dicts(built, "actions") for e in b["elements"]]
    assert "Vote" not in labels
    assert "Voting closed" in json.dumps([b.to_dict() for b in built])


def test_vote_modal_contract() -> None:
    ballot = MemberBallot(
        choices={3: VoteOption.NOT_MET}, notes=MemberNotes(learning="Chase WCU sooner")
    )
    view = blocks.vote_modal(MEETING, _case(), SETTINGS.rights, ballot, "Sun 18 Jan").to_dict()
    assert len(view["title"]["text"]) <= 24
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    rights = [b for b in inputs if b["block_id"].startswith("right_")]
    assert len(rights) == 12
    for number, block in enumerate(rights, start=1):
        assert block["label"]["text"].startswith(f"Right {number}")
        assert block["hint"]["text"]
        element = block["element"]
        assert element["type"] == "static_select"
        assert [o["text"]["text"] for o in element["options"]] == [o.value for o in VoteOption]
        assert not block.get("optional", False)
    assert rights[2]["label"]["text"] == "Right 3 · Information when reporting"
    assert rights[2]["element"]["initial_option"]["value"] == "Not met"
    assert "initial_option" not in rights[0]["element"]
    notes = [b for b in inputs if not b["block_id"].startswith("right_")]
    assert [b["label"]["text"] for b in notes] == [
        "Good practice",
        "Gaps or observations",
        "Learning",
    ]
    assert all(b["optional"] for b in notes)
    assert notes[2]["element"]["initial_value"] == "Chase WCU sooner"
    assert json.loads(view["private_metadata"]) == {"m": MEETING.id, "r": "DA-01", "v": "0"}


def test_vote_modal_offers_the_fast_path_a_key_and_a_meaning_for_every_answer() -> None:
    ballot = MemberBallot(choices={}, notes=MemberNotes())
    view = blocks.vote_modal(MEETING, _case(), SETTINGS.rights, ballot, "x").to_dict()
    actions = next(b for b in view["blocks"] if b["type"] == "actions")
    assert view["blocks"].index(actions) < next(
        i for i, b in enumerate(view["blocks"]) if b["type"] == "input"
    )
    assert [e["text"]["text"] for e in actions["elements"]] == [
        "All met",
        "All not applicable",
        "Read case",
    ]
    assert not any(e.get("style") == "primary" for e in actions["elements"])
    key = next(b for b in view["blocks"] if b["type"] == "context")
    assert "Abstain is not counted" in key["elements"][0]["text"]
    options = view["blocks"][3]["element"]["options"]
    described = {o["value"]: o["description"]["text"] for o in options}
    assert set(described) == {o.value for o in VoteOption}
    assert all(0 < len(text) <= 75 for text in described.values())
    assert "not counted" in described["Abstain"]
    assert len(set(described.values())) == 7


def test_a_filled_modal_gives_the_rights_new_block_ids_and_keeps_the_notes_ids() -> None:
    ballot = MemberBallot(choices={1: VoteOption.MET}, notes=MemberNotes(learning="Typed"))
    view = blocks.vote_modal(MEETING, _case(), SETTINGS.rights, ballot, "x", revision=2)
    ids_ = [b["block_id"] for b in view.to_dict()["blocks"] if b["type"] == "input"]
    assert ids_[:12] == [f"right_{n}.2" for n in range(1, 13)]
    assert ids_[12:] == ["note_good_practice", "note_observations", "note_learning"]
    assert [ids.right_from_block(i) for i in ids_[:12]] == list(range(1, 13))


def _right(n: int, finding: Finding, votes: dict[str, int], dispute: float = 0.0) -> RightTally:
    return RightTally(
        right=n, title=f"R{n}", finding=finding, vote_finding=finding, votes=votes, dispute=dispute
    )


def test_tally_modal_opens_with_what_needs_a_decision_then_splits_then_a_line_per_case() -> None:
    agreed = [_right(n, Finding.MET, {"Met": 5}) for n in range(1, 11)]
    split = _right(11, Finding.NOT_MET, {"Not met": 3, "Met": 2}, 0.4)
    undecided = _right(12, Finding.UNDECIDED, {"Met": 2, "Not met": 2}, 0.5)
    tally = CaseTally(
        ref="DA-01", category=Category.NO_DECISION, voters=5, rights=(*agreed, split, undecided)
    )
    view = blocks.tally_modal(MEETING, [tally], 5, consensus=0.75).to_dict()
    kinds = [(b["type"], b.get("text", {}).get("text", "")[:40]) for b in view["blocks"][1:]]
    assert kinds[0] == ("header", "Needs your decision (1)")
    assert kinds[1][1].startswith("*DA-01 · Right 12 · R12*")
    assert kinds[2] == ("header", "Split, worth discussing")
    assert kinds[3][1].startswith("*DA-01 · Right 11 · R11*")
    assert kinds[4] == ("header", "Each case")
    line = view["blocks"][6]["text"]["text"]
    assert line.startswith("*DA-01: Panel failed to reach a decision*")
    assert "All other rights: Met 5–0" in line
    resolve = [b["accessory"] for b in view["blocks"] if b.get("accessory")]
    assert [(b["text"]["text"], b["action_id"]) for b in resolve] == [
        ("Resolve", ids.RESOLVE_RIGHT_OPEN),
        ("Resolve", ids.RESOLVE_RIGHT_OPEN),
        ("Resolve a right", ids.RESOLVE_OPEN),
    ]
    assert [b["accessibility_label"] for b in resolve[:2]] == [
        "Resolve DA-01 Right 12",
        "Resolve DA-01 Right 11",
    ]


def test_status_never_shows_choices() -> None:
    progress = [CaseProgress(ref="DA-01", voted=("U1",), not_voted=("U2", "U3"))]
    built = blocks.status_blocks(MEETING, progress, "x")
    payload = json.dumps([b.to_dict() for b in built])
    assert "1 of 3 members have voted" in payload and "<@U2>" in payload
    assert not any(option.value in payload for option in VoteOption if option.value != "Met")


def test_clip_and_escape() -> None:
    assert clip("short", 10) == ("short", False)
    text, cut = clip("One sentence here. Another sentence follows here.", 30)
    assert cut and text == "One sentence here. …"
    assert escape("<a & b>") == "&lt;a &amp; b&gt;"
    escaped, cut = escaped_clip("<" * 100, 50)
    assert cut and len(escaped) <= 50 and "&lt" in escaped and not escaped.rstrip("…").endswith("&")


def as_dicts(built: Sequence[Block], kind: str) -> list[dict[str, Any]]:
    """Blocks of one type as Slack receives them: fields read without the models' unions."""
    return [block.to_dict() for block in built if block.type == kind]
