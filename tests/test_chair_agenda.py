"""The chair's three sections, computed from tallies alone."""

from __future__ import annotations

from bot.chair_agenda import chair_agenda, finding_share, numbers_text
from bot.models import CaseTally, Category, Finding, RightTally


def _right(
    n: int, finding: Finding, votes: dict[str, int], *, resolved: bool = False
) -> RightTally:
    return RightTally(
        right=n,
        title=f"Right {n}",
        finding=finding,
        vote_finding=Finding.UNDECIDED if resolved else finding,
        votes=votes,
        resolved=resolved,
        dispute=0.0,
    )


def _case(ref: str, *special: RightTally, voters: int = 5) -> CaseTally:
    numbers = {r.right for r in special}
    rights = sorted(
        [*special, *(_right(n, Finding.MET, {"Met": 5}) for n in range(1, 13) if n not in numbers)],
        key=lambda r: r.right,
    )
    return CaseTally(
        ref=ref, category=Category.FULLY_COMPLIANT, voters=voters, rights=tuple(rights)
    )


def test_undecided_first_then_splits_below_consensus_then_the_rest_grouped_by_score() -> None:
    tallies = [
        _case(
            "A-1",
            _right(3, Finding.UNDECIDED, {"Met": 2, "Not met": 2, "Abstain": 1}),
            _right(5, Finding.MET, {"Met": 3, "Not met": 2}),  # 60% < 75%: split
            _right(6, Finding.MET, {"Met": 4, "Not met": 1}),  # 80%: agreed
            _right(7, Finding.NOT_MET, {"Met": 1}, resolved=True),
        ),
        _case("A-2"),
    ]
    agenda = chair_agenda(tallies, 0.75)
    assert [(i.ref, i.right.right) for i in agenda.undecided] == [("A-1", 3)]
    assert [(i.ref, i.right.right) for i in agenda.split] == [("A-1", 5)]
    first, second = agenda.cases
    assert [(score.text, numbers) for score, numbers in first.groups] == [
        ("Met 5–0", (1, 2, 4, 8, 9, 10, 11, 12)),
        ("Met 4–1", (6,)),
    ]
    assert [r.right for r in first.resolved] == [7] and first.listed_above == 2
    assert [(score.text, numbers) for score, numbers in second.groups] == [
        ("Met 5–0", tuple(range(1, 13)))
    ]


def test_a_case_still_being_voted_on_keeps_rights_short_of_quorum_out_of_the_decisions() -> None:
    waiting = _right(4, Finding.UNDECIDED, {"Met": 1, "Not met": 1})
    tied = _right(9, Finding.UNDECIDED, {"Met": 2, "Not met": 2})
    tallies = [_case("B-1", waiting, tied, voters=4)]
    agenda = chair_agenda(tallies, 0.75, quorum=3, still_voting=frozenset({"B-1"}))
    assert [i.right.right for i in agenda.undecided] == [9]  # a tie with quorum needs the chair
    assert agenda.cases[0].waiting == (4,)
    closed = chair_agenda(tallies, 0.75, quorum=3)
    assert [i.right.right for i in closed.undecided] == [4, 9]


def test_share_and_numbers_read_plainly() -> None:
    assert finding_share(_right(1, Finding.MET, {"Met": 3, "Not met": 1, "Abstain": 4})) == 0.75
    assert finding_share(_right(1, Finding.UNDECIDED, {})) == 0.0
    assert numbers_text([1, 2, 3, 4, 6]) == "Rights 1–4, 6"
    assert numbers_text([5]) == "Right 5"
