"""Pure builders at the edges: escaping that grows text, long agendas, fallback texts.

Companion to tests/test_blocks.py for the limits the end-to-end suite ran into.
"""

from __future__ import annotations

import datetime as dt
import json

from bot.models import Case, CaseTally, Category, Finding, Meeting, RightTally, TimelineEntry
from bot.voting import CaseProgress
from handlers import blocks
from handlers.mrkdwn import escape, escaped_pieces

MEETING = Meeting(
    id="2099-01-big",
    title="Harassment <!channel>",
    date=dt.date(2099, 1, 20),
    voting_closes=dt.datetime(2099, 1, 18, 17, tzinfo=dt.UTC),
    code_edition="2021",
)
RAW = ("<!channel>", "<@U123>", "<http://x|y>")


def _case(ref: str = "HX-01", summary: str = "Reported on day 0.", **kw: object) -> Case:
    return Case(
        meeting_id=MEETING.id,
        ref=ref,
        position=1,
        offence="Harassment <!channel>",
        outcome="Caution",
        summary=summary,
        **kw,
    )


def _tally(ref: str, disputed: bool = True) -> CaseTally:
    finding = Finding.UNDECIDED if disputed else Finding.MET
    rights = tuple(
        RightTally(
            right=n,
            title=f"R{n}",
            finding=finding,
            vote_finding=finding,
            votes={"Met": 1},
            dispute=0.0,
        )
        for n in range(1, 13)
    )
    category = Category.NO_DECISION if disputed else Category.FULLY_COMPLIANT
    return CaseTally(ref=ref, category=category, voters=1, rights=rights)


def test_escaped_pieces_keep_every_character_and_fit_after_escaping() -> None:
    text = " ".join(f"Visit {n} to A&E <{n}> was logged." for n in range(400))
    pieces = escaped_pieces(text, 2800)
    assert len(pieces) > 1
    assert all(len(piece) <= 2800 for piece in pieces)
    assert " ".join(pieces) == escape(text)


def test_escaped_pieces_of_text_without_boundaries() -> None:
    pieces = escaped_pieces("&" * 1000, 300)
    assert all(len(piece) <= 300 for piece in pieces)
    assert "".join(pieces) == "&amp;" * 1000


def test_full_case_modal_fits_a_narrative_that_grows_when_escaped() -> None:
    summary = " ".join(f"At A&E & the GP <{n}> on day {n}." for n in range(300))
    timeline = tuple(TimelineEntry(day=n, agency="A&E", entry="<" * 500) for n in range(8))
    view = blocks.full_case_modal(_case(summary=summary, timeline=timeline)).to_dict()
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts)
    assert sum(t.count("&lt;") for t in texts) >= 300 + 8 * 500


def test_fallback_texts_are_escaped_like_the_blocks() -> None:
    text, _ = blocks.case_message(MEETING, _case(), 0, 5, "x", open_=True)
    header, _ = blocks.meeting_header_message(MEETING, 1, "x")
    closed, _ = blocks.closed_notice(MEETING, [_tally("HX-01")])
    for fallback in (text, header, closed):
        assert not any(raw in fallback for raw in RAW), fallback
        assert "&lt;!channel&gt;" in fallback


def test_tally_modal_of_fifty_undecided_cases_counts_what_it_cannot_show() -> None:
    tallies = [_tally(f"BG-{n:02d}") for n in range(1, 51)]
    view = blocks.tally_modal(MEETING, tallies, 5).to_dict()
    assert len(view["blocks"]) <= 100
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Needs your decision (600)", "Split, worth discussing", "Each case"]
    resolve = [b["accessory"]["value"] for b in view["blocks"] if "accessory" in b]
    more = next(b["elements"][0]["text"] for b in view["blocks"] if b["type"] == "context")
    assert f"…and {600 - len(resolve)} more undecided rights" in more
    text = json.dumps(view)
    assert all(f"*BG-{n:02d}: " in text for n in range(1, 51))  # every case keeps its line


def _split_tally(ref: str) -> CaseTally:
    """Every right Met by 3 votes to 2: decided, but short of an 80% consensus."""
    rights = tuple(
        RightTally(
            right=n,
            title=f"R{n}",
            finding=Finding.MET,
            vote_finding=Finding.MET,
            votes={"Met": 3, "Not met": 2},
            dispute=0.4,
        )
        for n in range(1, 13)
    )
    return CaseTally(ref=ref, category=Category.FULLY_COMPLIANT, voters=5, rights=rights)


def test_chair_agenda_of_fifty_split_cases_counts_the_split_rights_it_cannot_show() -> None:
    tallies = [_split_tally(f"BG-{n:02d}") for n in range(1, 51)]
    built = [b.to_dict() for b in blocks.chair_sections(MEETING, tallies, 5, 0.8)]
    assert len(built) <= 96
    headers = [b["text"]["text"] for b in built if b["type"] == "header"]
    assert headers == ["Needs your decision (0)", "Split, worth discussing", "Each case"]
    texts = [b["text"]["text"] for b in built if b["type"] == "section"]
    assert texts[0] == "Nothing: every right has a finding."
    resolve = [b for b in built if b.get("accessory", {}).get("action_id") == "resolve_right_open"]
    assert resolve and all("Met with 60% of the votes" in b["text"]["text"] for b in resolve)
    more = [b["elements"][0]["text"] for b in built if b["type"] == "context"]
    assert more == [
        f"…and {600 - len(resolve)} more split rights; they appear here as you resolve the "
        "undecided ones."
    ]


def test_chair_agenda_with_nothing_to_decide_says_so_in_both_sections() -> None:
    built = [b.to_dict() for b in blocks.chair_sections(MEETING, [_tally("A-1", False)], 5, 0.8)]
    texts = [b["text"]["text"] for b in built if b["type"] in ("header", "section")]
    assert texts[:4] == [
        "Needs your decision (0)",
        "Nothing: every right has a finding.",
        "Split, worth discussing",
        "None: every decided right has at least 80% agreement.",
    ]
    assert not any(b["type"] == "context" for b in built)


def test_tally_modal_gives_each_case_its_own_line_when_they_fit() -> None:
    view = blocks.tally_modal(MEETING, [_tally("A-1", False), _tally("A-2", False)], 5).to_dict()
    lines = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "resolve_open"]
    assert [b["text"]["text"].split(":")[0] for b in lines] == ["*A-1", "*A-2"]


def test_status_lists_every_case_of_a_long_agenda() -> None:
    members = tuple(f"U0MEMBER{n:02d}" for n in range(8))
    progress = [CaseProgress(ref=f"BG-{n:02d}", voted=(), not_voted=members) for n in range(1, 51)]
    built = [b.to_dict() for b in blocks.status_blocks(MEETING, progress, "x")]
    texts = [b["text"]["text"] for b in built]
    assert all(len(t) <= 3000 for t in texts)
    assert all(f"*BG-{n:02d}*" in "\n".join(texts) for n in range(1, 51))


def test_chair_home_of_fifty_cases_stays_within_the_block_limit() -> None:
    tallies = [_tally(f"BG-{n:02d}") for n in range(1, 51)]
    cases = [_case(f"BG-{n:02d}") for n in range(1, 51)]
    view = blocks.home_view(MEETING, cases, set(), tallies, "x", can_vote=False, members=5)
    data = view.to_dict()
    assert len(data["blocks"]) <= 100
    texts = [b["text"]["text"] for b in data["blocks"] if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts)
    assert not any("```" in t for t in texts)  # no grid for a screen reader to spell out
    assert "more undecided rights" in json.dumps(data)
    assert "5 of 0" not in json.dumps(data) and "1 of 5 voted" in json.dumps(data)
