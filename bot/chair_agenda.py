"""What a meeting asks of its chair: undecided rights, split ones, and the rest.

The chair opens one surface and must see at once what needs a decision. Every
Undecided right comes first; then the decided rights the panel only narrowly
agreed on (the finding holds less than ``consensus`` of the non-abstaining
votes), which are worth discussing at the meeting; then each case in one line.
Pure functions over tallies, shared by ``/vcop tally``, App Home and the
deadline DM so the three never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from bot.models import CaseTally, Finding, RightTally, VoteOption


class RightScore(BaseModel):
    """A right's finding and how many non-abstaining votes were for and against it."""

    model_config = ConfigDict(frozen=True)

    finding: Finding
    for_: int
    against: int
    abstained: int = 0

    @property
    def text(self) -> str:
        abstained = f", {self.abstained} abstained" if self.abstained else ""
        return f"{self.finding.value} {self.for_}–{self.against}{abstained}"


def cast_votes(right: RightTally) -> int:
    """The non-abstaining votes on a right."""
    return sum(n for label, n in right.votes.items() if label != VoteOption.ABSTAIN.value)


def score(right: RightTally) -> RightScore:
    cast = cast_votes(right)
    supporting = right.votes.get(right.finding.value, 0)
    return RightScore(
        finding=right.finding,
        for_=supporting,
        against=cast - supporting,
        abstained=right.votes.get(VoteOption.ABSTAIN.value, 0),
    )


def finding_share(right: RightTally) -> float:
    """The share of non-abstaining votes that chose the right's finding (0 with no votes)."""
    cast = cast_votes(right)
    return right.votes.get(right.finding.value, 0) / cast if cast else 0.0


class AgendaItem(BaseModel):
    """One right of one case that the chair should look at."""

    model_config = ConfigDict(frozen=True)

    ref: str
    voters: int
    right: RightTally


class CaseLine(BaseModel):
    """A case's rights that need nothing from the chair, grouped by finding and score."""

    model_config = ConfigDict(frozen=True)

    tally: CaseTally
    groups: tuple[tuple[RightScore, tuple[int, ...]], ...]
    resolved: tuple[RightTally, ...]
    listed_above: int
    waiting: tuple[int, ...] = ()


class ChairAgenda(BaseModel):
    model_config = ConfigDict(frozen=True)

    undecided: tuple[AgendaItem, ...]
    split: tuple[AgendaItem, ...]
    cases: tuple[CaseLine, ...]


def is_split(right: RightTally, consensus: float) -> bool:
    """Decided by the votes (not by the chair) with less than ``consensus`` behind it."""
    return (
        right.finding is not Finding.UNDECIDED
        and not right.resolved
        and finding_share(right) < consensus
    )


def chair_agenda(
    tallies: Sequence[CaseTally],
    consensus: float,
    *,
    quorum: int = 1,
    still_voting: frozenset[str] = frozenset(),
) -> ChairAgenda:
    """Sort every right of every case into the chair's three sections.

    A right of a case in ``still_voting`` (voting open, members yet to vote on
    it) that is short of ``quorum`` is not yet the chair's to decide: more votes
    may decide it. It is counted on the case's line as waiting for votes.
    """
    undecided: list[AgendaItem] = []
    split: list[AgendaItem] = []
    lines: list[CaseLine] = []
    for tally in tallies:
        rest: dict[RightScore, list[int]] = {}
        resolved: list[RightTally] = []
        waiting: list[int] = []
        above = 0
        for right in tally.rights:
            item = AgendaItem(ref=tally.ref, voters=tally.voters, right=right)
            if (
                right.finding is Finding.UNDECIDED
                and tally.ref in still_voting
                and cast_votes(right) < quorum
            ):
                waiting.append(right.right)
            elif right.finding is Finding.UNDECIDED:
                undecided.append(item)
                above += 1
            elif is_split(right, consensus):
                split.append(item)
                above += 1
            elif right.resolved:
                resolved.append(right)
            else:
                rest.setdefault(score(right), []).append(right.right)
        lines.append(
            CaseLine(
                tally=tally,
                groups=tuple((key, tuple(numbers)) for key, numbers in rest.items()),
                resolved=tuple(resolved),
                listed_above=above,
                waiting=tuple(waiting),
            )
        )
    # The narrowest splits first: they are the likeliest to change at the meeting.
    split.sort(key=lambda item: (finding_share(item.right), item.ref, item.right.right))
    return ChairAgenda(undecided=tuple(undecided), split=tuple(split), cases=tuple(lines))


def numbers_text(numbers: Sequence[int]) -> str:
    """``Rights 1–4, 6`` or ``Right 5``: runs of consecutive numbers joined by a dash."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs]
    return ("Right " if len(numbers) == 1 else "Rights ") + ", ".join(parts)
