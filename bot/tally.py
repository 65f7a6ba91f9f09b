"""Votes → a finding per right → the case's category, by one documented rule.

Pure functions only: the rule is the contract the published report rests on,
so it is kept free of I/O and exhaustively tested (tests/test_tally.py).

Finding per right: count the non-abstaining votes. Fewer than ``quorum`` is
Undecided; otherwise an option holding strictly more than ``majority`` of
those votes is the finding; anything else (a tie at the top included, which
only a majority setting below 0.5 could let through) is Undecided. A chair's resolution
replaces the finding taken from the votes.

Category, first rule that applies:
1. any right Undecided → Panel failed to reach a decision;
2. drop Not applicable rights; none left → Not applicable;
3. drop Victim did not engage rights; none left → Victim did not engage;
4. all left are Information not recorded → Information not recorded;
5. all left are Met → Fully compliant;
6. all left are Not met → Non-compliant;
7. otherwise → Partially compliant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from bot.models import (
    CaseTally,
    Category,
    Finding,
    Resolution,
    RightTally,
    Vote,
    VoteOption,
)
from bot.rights import RightsCatalogue


class TallyRules(BaseModel):
    """The two numbers of the rule, from app.yaml ``voting``."""

    model_config = ConfigDict(frozen=True)

    quorum: int = Field(default=3, ge=1, le=100)
    majority: float = Field(default=0.5, ge=0.0, lt=1.0)


def count_votes(options: Iterable[VoteOption]) -> dict[str, int]:
    """Counts per label in the options' canonical order, only labels that were cast."""
    counts = Counter(options)
    return {option.value: counts[option] for option in VoteOption if counts[option]}


def finding_from_votes(options: Iterable[VoteOption], rules: TallyRules) -> Finding:
    """The finding the votes alone give for one right."""
    counts = Counter(option for option in options if option is not VoteOption.ABSTAIN)
    cast = sum(counts.values())
    if cast < rules.quorum:
        return Finding.UNDECIDED
    top = max(counts.values())
    leaders = [option for option, n in counts.items() if n == top]
    # A tie at the top is no decision, whatever the majority setting allows.
    if len(leaders) == 1 and top / cast > rules.majority:
        return Finding(leaders[0].value)
    return Finding.UNDECIDED


def dispute_level(options: Iterable[VoteOption]) -> float:
    """How split the non-abstaining votes are: 0 when unanimous, towards 1 when scattered."""
    counts = Counter(option for option in options if option is not VoteOption.ABSTAIN)
    cast = sum(counts.values())
    if cast == 0:
        return 0.0
    return round(1 - max(counts.values()) / cast, 4)


def categorise(findings: Sequence[Finding]) -> Category:
    """The case category from its per-right findings (rules 1-7 above)."""
    if any(finding is Finding.UNDECIDED for finding in findings):
        return Category.NO_DECISION
    remaining = [f for f in findings if f is not Finding.NOT_APPLICABLE]
    if not remaining:
        return Category.NOT_APPLICABLE
    remaining = [f for f in remaining if f is not Finding.DID_NOT_ENGAGE]
    if not remaining:
        return Category.DID_NOT_ENGAGE
    if all(f is Finding.NOT_RECORDED for f in remaining):
        return Category.NOT_RECORDED
    if all(f is Finding.MET for f in remaining):
        return Category.FULLY_COMPLIANT
    if all(f is Finding.NOT_MET for f in remaining):
        return Category.NON_COMPLIANT
    return Category.PARTIALLY_COMPLIANT


def tally_case(
    ref: str,
    rights: RightsCatalogue,
    votes: Iterable[Vote],
    resolutions: Mapping[int, Resolution],
    rules: TallyRules,
) -> CaseTally:
    """Tally one case from its votes and the chair's resolutions."""
    by_right: dict[int, list[VoteOption]] = {number: [] for number in rights.numbers}
    voters: set[str] = set()
    for vote in votes:
        if vote.right in by_right:
            by_right[vote.right].append(vote.option)
            voters.add(vote.member)
    right_tallies = []
    for right in rights.items:
        options = by_right[right.number]
        from_votes = finding_from_votes(options, rules)
        resolution = resolutions.get(right.number)
        right_tallies.append(
            RightTally(
                right=right.number,
                title=right.short,
                finding=resolution.finding if resolution else from_votes,
                vote_finding=from_votes,
                votes=count_votes(options),
                resolved=resolution is not None,
                resolution_reason=resolution.reason if resolution else None,
                dispute=dispute_level(options),
            )
        )
    return CaseTally(
        ref=ref,
        category=categorise([r.finding for r in right_tallies]),
        voters=len(voters),
        rights=tuple(right_tallies),
    )
