"""The tally rule: hand-worked table cases and hypothesis invariants."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.models import Category, Finding, Resolution, Vote, VoteOption
from bot.rights import Right, RightsCatalogue
from bot.tally import (
    TallyRules,
    categorise,
    count_votes,
    dispute_level,
    finding_from_votes,
    tally_case,
    tally_counts,
)

M, PM, NM = VoteOption.MET, VoteOption.PARTIALLY_MET, VoteOption.NOT_MET
DNE, INR, NA, AB = (
    VoteOption.DID_NOT_ENGAGE,
    VoteOption.NOT_RECORDED,
    VoteOption.NOT_APPLICABLE,
    VoteOption.ABSTAIN,
)
F = Finding
RULES = TallyRules()
AT = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        ([M, M, M], F.MET),  # quorum exactly met, unanimous
        ([M, M], F.UNDECIDED),  # below quorum
        ([M, M, AB, AB], F.UNDECIDED),  # abstentions do not count towards quorum
        ([M, M, NM], F.MET),  # 2/3 > 0.5
        ([M, M, NM, NM], F.UNDECIDED),  # 2/4 is not strictly more than half
        ([M, M, NM, NM, PM], F.UNDECIDED),  # plurality is not a majority
        ([M, M, M, NM, NM], F.MET),  # 3/5
        ([NA, NA, NA, M], F.NOT_APPLICABLE),
        ([DNE, DNE, DNE, AB, AB], F.DID_NOT_ENGAGE),
        ([INR, INR, INR, NM, M], F.NOT_RECORDED),  # 3 of 5 non-abstaining is a majority
        ([], F.UNDECIDED),
        ([AB, AB, AB, AB, AB], F.UNDECIDED),
    ],
)
def test_finding_table(votes: list[VoteOption], expected: Finding) -> None:
    assert finding_from_votes(votes, RULES) is expected


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([F.MET] * 12, Category.FULLY_COMPLIANT),
        ([F.MET] * 11 + [F.UNDECIDED], Category.NO_DECISION),
        ([F.NOT_MET] * 12, Category.NON_COMPLIANT),
        ([F.MET] * 6 + [F.NOT_APPLICABLE] * 6, Category.FULLY_COMPLIANT),
        ([F.NOT_APPLICABLE] * 12, Category.NOT_APPLICABLE),
        ([F.NOT_APPLICABLE] * 6 + [F.DID_NOT_ENGAGE] * 6, Category.DID_NOT_ENGAGE),
        ([F.DID_NOT_ENGAGE] * 12, Category.DID_NOT_ENGAGE),
        ([F.NOT_RECORDED] * 10 + [F.DID_NOT_ENGAGE, F.NOT_APPLICABLE], Category.NOT_RECORDED),
        ([F.MET] * 10 + [F.DID_NOT_ENGAGE] * 2, Category.FULLY_COMPLIANT),
        ([F.NOT_MET] * 10 + [F.NOT_APPLICABLE] * 2, Category.NON_COMPLIANT),
        ([F.MET] * 11 + [F.PARTIALLY_MET], Category.PARTIALLY_COMPLIANT),
        ([F.MET] * 11 + [F.NOT_MET], Category.PARTIALLY_COMPLIANT),
        ([F.MET] * 11 + [F.NOT_RECORDED], Category.PARTIALLY_COMPLIANT),
        ([F.NOT_MET] * 11 + [F.NOT_RECORDED], Category.PARTIALLY_COMPLIANT),
        ([F.PARTIALLY_MET] * 12, Category.PARTIALLY_COMPLIANT),
        ([F.UNDECIDED] + [F.NOT_APPLICABLE] * 11, Category.NO_DECISION),
    ],
)
def test_category_table(findings: list[Finding], expected: Category) -> None:
    assert categorise(findings) is expected


def _resolution(ref: str, right: int, finding: Finding, reason: str) -> Resolution:
    return Resolution(
        meeting_id="m",
        case_ref=ref,
        right=right,
        finding=finding,
        reason=reason,
        chair="U9",
        resolved_at=AT,
    )


def _rights(n: int = 12) -> RightsCatalogue:
    return RightsCatalogue(
        code_edition="test",
        items=tuple(
            Right(number=i, short=f"R{i}", title=f"Right {i}", checks="checks")
            for i in range(1, n + 1)
        ),
    )


def _votes(ref: str, by_member: dict[str, dict[int, VoteOption]]) -> list[Vote]:
    return [
        Vote(meeting_id="m", case_ref=ref, member=member, right=right, option=option, cast_at=AT)
        for member, choices in by_member.items()
        for right, option in choices.items()
    ]


def test_tally_case_worked_example() -> None:
    rights = _rights(3)
    votes = _votes(
        "SH-01",
        {
            "U1": {1: M, 2: M, 3: NM},
            "U2": {1: M, 2: PM, 3: NM},
            "U3": {1: M, 2: NM, 3: AB},
            "U4": {1: AB, 2: M, 3: NM},
        },
    )
    case = tally_case("SH-01", rights, votes, {}, RULES)
    assert case.voters == 4
    assert [r.finding for r in case.rights] == [F.MET, F.UNDECIDED, F.NOT_MET]
    assert case.category is Category.NO_DECISION
    assert case.rights[0].votes == {"Met": 3, "Abstain": 1}
    assert case.disputed_first()[0].right == 2  # the undecided right leads

    resolution = _resolution("SH-01", 2, F.PARTIALLY_MET, "Records show the update was a week late")
    resolved = tally_case("SH-01", rights, votes, {2: resolution}, RULES)
    assert resolved.rights[1].finding is F.PARTIALLY_MET
    assert resolved.rights[1].resolved and resolved.rights[1].vote_finding is F.UNDECIDED
    assert resolved.category is Category.PARTIALLY_COMPLIANT


def test_resolution_cannot_be_undecided() -> None:
    with pytest.raises(ValueError, match="not Undecided"):
        Resolution(
            meeting_id="m",
            case_ref="x",
            right=1,
            finding=F.UNDECIDED,
            reason="r",
            chair="U9",
            resolved_at=AT,
        )


def test_count_votes_in_label_order() -> None:
    assert list(count_votes([AB, M, NM, M])) == ["Met", "Not met", "Abstain"]


options = st.sampled_from(list(VoteOption))
decisive = st.sampled_from([o for o in VoteOption if o is not AB])
rules_st = st.builds(
    TallyRules,
    quorum=st.integers(1, 6),
    majority=st.sampled_from([0.0, 0.3, 0.5, 0.6, 2 / 3, 0.75]),
)


@given(st.lists(options, max_size=12), rules_st, st.randoms())
def test_order_of_votes_never_matters(votes: list[VoteOption], rules: TallyRules, rnd) -> None:
    shuffled = list(votes)
    rnd.shuffle(shuffled)
    assert finding_from_votes(votes, rules) is finding_from_votes(shuffled, rules)


@given(st.integers(3, 12), rules_st)
def test_unanimous_met_is_fully_compliant(members: int, rules: TallyRules) -> None:
    rights = _rights()
    votes = _votes("c", {f"U{i}": dict.fromkeys(range(1, 13), M) for i in range(members)})
    if members >= rules.quorum:
        assert tally_case("c", rights, votes, {}, rules).category is Category.FULLY_COMPLIANT


@given(st.lists(options, max_size=12), rules_st, st.integers(1, 5))
def test_adding_abstain_never_changes_a_decided_finding(
    votes: list[VoteOption], rules: TallyRules, extra: int
) -> None:
    before = finding_from_votes(votes, rules)
    after = finding_from_votes([*votes, *([AB] * extra)], rules)
    if before is not F.UNDECIDED:
        assert after is before


@given(st.lists(decisive, min_size=1, max_size=12), rules_st)
def test_finding_is_undecided_or_the_leading_option(
    votes: list[VoteOption], rules: TallyRules
) -> None:
    finding = finding_from_votes(votes, rules)
    if finding is not F.UNDECIDED:
        share = votes.count(VoteOption(finding.value)) / len(votes)
        assert share > rules.majority and len(votes) >= rules.quorum


@given(st.lists(st.sampled_from(list(Finding)), min_size=1, max_size=12))
def test_any_undecided_right_means_no_decision(findings: list[Finding]) -> None:
    category = categorise(findings)
    assert (category is Category.NO_DECISION) == (F.UNDECIDED in findings)


@given(st.lists(st.sampled_from([f for f in Finding if f is not F.UNDECIDED]), min_size=1))
def test_not_applicable_rights_never_change_the_category(findings: list[Finding]) -> None:
    remaining = [f for f in findings if f is not F.NOT_APPLICABLE]
    if remaining:
        assert categorise(findings) is categorise(remaining)


@given(
    st.lists(st.lists(st.sampled_from(list(VoteOption)), max_size=9), min_size=1, max_size=4),
    st.sampled_from([TallyRules(), TallyRules(quorum=1, majority=0.0), TallyRules(quorum=5)]),
)
def test_counted_tally_gives_each_rights_own_finding_counts_and_dispute_every_time(
    votes: list[list[VoteOption]], rules: TallyRules
) -> None:
    rights = _rights(len(votes))
    counts = {n: dict(Counter(v)) for n, v in enumerate(votes, start=1)}

    first = tally_counts("AB-01", rights, counts, 9, {}, rules)
    again = tally_counts("AB-01", rights, counts, 9, {}, rules)

    assert first == again
    for right, cast in zip(first.rights, votes, strict=True):
        assert right.finding == right.vote_finding == finding_from_votes(cast, rules)
        assert right.votes == count_votes(cast)
        assert right.dispute == dispute_level(cast)
        assert not right.resolved


def test_a_resolution_never_leaks_into_a_right_with_the_same_votes_elsewhere() -> None:
    rights = _rights(2)
    counts = {1: {M: 2, NM: 2}, 2: {M: 2, NM: 2}}
    resolution = _resolution("AB-01", 1, F.MET, "Seen")

    resolved = tally_counts("AB-01", rights, counts, 4, {1: resolution}, RULES)
    plain = tally_counts("AB-02", rights, counts, 4, {}, RULES)

    assert [(r.finding, r.resolved) for r in resolved.rights] == [
        (F.MET, True),
        (F.UNDECIDED, False),
    ]
    assert [(r.finding, r.resolved) for r in plain.rights] == [
        (F.UNDECIDED, False),
        (F.UNDECIDED, False),
    ]
