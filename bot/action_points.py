"""Points to act on: a meeting summary's learning and observations, ready to become actions.

The chair turns a learning point into an action with one click, so each point
carries what the action form can be filled in with: the words, the case it came
from, the right it is about and the agency that owns it, where the panel's own
data say so. A guess is only a suggestion in the form; the chair can change it.

The right is the one the text names ("right 4"), or else the only right of the
case the panel found not met or partially met. The agency is the one the text
names among that right's agencies, or the only agency the text names, or else
the first agency the right lists (the Code names the lead agency first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.feedback import mentions
from bot.models import Finding, RightTally
from bot.rights import RightsCatalogue
from bot.summary import DraftSummary

_RIGHT_NAMED = re.compile(r"\bright\s+(\d{1,2})\b", re.IGNORECASE)
_FAILED = (Finding.NOT_MET, Finding.PARTIALLY_MET)


class PointKind(StrEnum):
    LEARNING = "learning"
    OBSERVATION = "observation"


class ActionPoint(BaseModel):
    """One learning point or observation, with the action form's suggested source."""

    model_config = ConfigDict(frozen=True)

    meeting_id: str
    kind: PointKind
    text: str
    case_ref: str | None = None
    right: int | None = None
    agency: str | None = None

    @property
    def label(self) -> str:
        return "Learning" if self.kind is PointKind.LEARNING else "Observation"


def suggested_right(
    text: str, rights: RightsCatalogue, case_rights: Sequence[RightTally] = ()
) -> int | None:
    """The right the text names, else the case's only right found not (fully) met."""
    named = {int(n) for n in _RIGHT_NAMED.findall(text)} & set(rights.numbers)
    if len(named) == 1:
        return named.pop()
    if named:
        return None
    failed = [r.right for r in case_rights if r.finding in _FAILED]
    return failed[0] if len(failed) == 1 else None


def suggested_agency(
    text: str, agencies: Sequence[str], rights: RightsCatalogue, right: int | None
) -> str | None:
    """The agency to suggest as the owner, or None when the data do not say."""
    named = [a for a in agencies if mentions(text, a)]
    owing = [a for a in rights.get(right).agencies if a in agencies] if right else []
    named_owing = [a for a in named if a in owing]
    if len(named_owing) == 1:
        return named_owing[0]
    if len(named) == 1:
        return named[0]
    return owing[0] if owing and not named else None


def action_points(
    summary: DraftSummary,
    agencies: Sequence[str],
    recorded: Iterable[tuple[str | None, str]] = (),
) -> list[ActionPoint]:
    """The summary's learning points, then its observations: the panel's own first, then
    each case's in agenda order; leaving out those already recorded as an action
    (same case, same words)."""
    done = set(recorded)
    rights = summary.rights
    points: list[ActionPoint] = []

    def add(
        kind: PointKind, texts: Iterable[str], ref: str | None, case: Sequence[RightTally]
    ) -> None:
        for text in texts:
            if (ref, text) in done:
                continue
            right = suggested_right(text, rights, case)
            points.append(
                ActionPoint(
                    meeting_id=summary.meeting_id,
                    kind=kind,
                    text=text,
                    case_ref=ref,
                    right=right,
                    agency=suggested_agency(text, agencies, rights, right),
                )
            )

    for kind in PointKind:
        field = "learning" if kind is PointKind.LEARNING else "observations"
        add(kind, getattr(summary.panel_notes, field), None, ())
        for case in summary.cases:
            add(kind, getattr(case, field), case.ref, case.rights)
    return points
