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
from functools import lru_cache

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
    return _labelled(Counter(options))


def finding_from_votes(options: Iterable[VoteOption], rules: TallyRules) -> Finding:
    """The finding the votes alone give for one right."""
    return _finding(Counter(options), rules)


def dispute_level(options: Iterable[VoteOption]) -> float:
    """How split the non-abstaining votes are: 0 when unanimous, towards 1 when scattered."""
    return _dispute(Counter(options))


# The rule works on how many votes each option has; the three functions above
# count a list of votes first, ``tally_counts`` is given the counts.


_LABELS = tuple((option, option.value) for option in VoteOption)  # iterating an Enum is slow


def _labelled(counts: Mapping[VoteOption, int]) -> dict[str, int]:
    return {label: counts[option] for option, label in _LABELS if counts.get(option)}


def _cast(counts: Mapping[VoteOption, int]) -> dict[VoteOption, int]:
    """The non-abstaining options that have votes."""
    return {o: n for o, n in counts.items() if n > 0 and o is not VoteOption.ABSTAIN}


def _finding(counts: Mapping[VoteOption, int], rules: TallyRules) -> Finding:
    cast_counts = _cast(counts)
    cast = sum(cast_counts.values())
    if cast < rules.quorum:
        return Finding.UNDECIDED
    top = max(cast_counts.values())
    leaders = [option for option, n in cast_counts.items() if n == top]
    # A tie at the top is no decision, whatever the majority setting allows.
    if len(leaders) == 1 and top / cast > rules.majority:
        return Finding(leaders[0].value)
    return Finding.UNDECIDED


def _dispute(counts: Mapping[VoteOption, int]) -> float:
    cast_counts = _cast(counts)
    cast = sum(cast_counts.values())
    if cast == 0:
        return 0.0
    return round(1 - max(cast_counts.values()) / cast, 4)


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
    counts: dict[int, Counter[VoteOption]] = {number: Counter() for number in rights.numbers}
    voters: set[str] = set()
    for vote in votes:
        if vote.right in counts:
            counts[vote.right][vote.option] += 1
            voters.add(vote.member)
    return tally_counts(ref, rights, counts, len(voters), resolutions, rules)


_ORDER = tuple(VoteOption)


@lru_cache(maxsize=8192)
def _from_votes(number: int, title: str, key: tuple[int, ...], rules: TallyRules) -> RightTally:
    """A right's tally from its votes alone; ``key`` is the count of each option in order.

    Cached: a year of the national history tallies 16,000 rights, most of them with
    one of a few hundred patterns of counts, and a RightTally is immutable.
    """
    options = {option: n for option, n in zip(_ORDER, key, strict=True) if n}
    finding = _finding(options, rules)
    return RightTally(
        right=number,
        title=title,
        finding=finding,
        vote_finding=finding,
        votes=_labelled(options),
        resolved=False,
        resolution_reason=None,
        dispute=_dispute(options),
    )


def tally_counts(
    ref: str,
    rights: RightsCatalogue,
    counts: Mapping[int, Mapping[VoteOption, int]],
    voters: int,
    resolutions: Mapping[int, Resolution],
    rules: TallyRules,
) -> CaseTally:
    """``tally_case`` for votes already counted: per right, how many chose each option.

    The database can count a case's votes in one query, so a member's receipt
    needs no Vote object per vote; ``voters`` is how many members voted.
    """
    right_tallies = []
    for right in rights.items:
        options = counts.get(right.number, {})
        resolution = resolutions.get(right.number)
        if resolution is None:
            key = tuple(options.get(option, 0) for option in _ORDER)
            right_tallies.append(_from_votes(right.number, right.short, key, rules))
            continue
        right_tallies.append(
            RightTally(
                right=right.number,
                title=right.short,
                finding=resolution.finding,
                vote_finding=_finding(options, rules),
                votes=_labelled(options),
                resolved=True,
                resolution_reason=resolution.reason,
                dispute=_dispute(options),
            )
        )
    return CaseTally(
        ref=ref,
        category=categorise([r.finding for r in right_tallies]),
        voters=voters,
        rights=tuple(right_tallies),
    )
