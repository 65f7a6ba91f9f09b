"""Compliance trends across closed meetings: the arithmetic, kept pure.

A Police and Crime Commissioner's office asks how compliance moves from
meeting to meeting, right by right and agency by agency. Everything here is
computed from meetings' tallies alone, so the figures in the DOCX, the
Markdown, the charts and the tidy CSV all come from one place.

**Decided findings** are the panel's judgements on compliance: Met, Partially
met and Not met. A right found Not applicable, Victim did not engage,
Information not recorded or Undecided says nothing about whether the agency
complied, so it is counted (as ``other``) but kept out of the shares. A
finding on a right counts once towards each agency that owes the right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from bot.models import CaseTally, Category, Finding, Meeting
from bot.rights import RightsCatalogue

#: The findings whose shares the trends report, in the order every surface shows them.
DECIDED: tuple[Finding, ...] = (Finding.MET, Finding.PARTIALLY_MET, Finding.NOT_MET)
MOST_NOT_MET_LIMIT = 5


class Compliance(BaseModel):
    """How many findings were Met, Partially met, Not met, or something else."""

    model_config = ConfigDict(frozen=True)

    met: int = 0
    partially_met: int = 0
    not_met: int = 0
    other: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.partially_met + self.not_met

    def count(self, finding: Finding) -> int:
        return {
            Finding.MET: self.met,
            Finding.PARTIALLY_MET: self.partially_met,
            Finding.NOT_MET: self.not_met,
        }.get(finding, 0)

    def share(self, finding: Finding) -> float:
        """The finding's share of decided findings, 0 to 1 (0 when none was decided)."""
        return self.count(finding) / self.decided if self.decided else 0.0

    def percent(self, finding: Finding) -> str:
        """The share as a whole percentage for people, or an em dash when none was decided."""
        return f"{round(100 * self.share(finding))}%" if self.decided else "—"

    def __add__(self, other: Compliance) -> Compliance:
        return Compliance(
            met=self.met + other.met,
            partially_met=self.partially_met + other.partially_met,
            not_met=self.not_met + other.not_met,
            other=self.other + other.other,
        )


def compliance_of(findings: Iterable[Finding]) -> Compliance:
    """Count findings into a Compliance."""
    met = partially = not_met = other = 0
    for finding in findings:
        if finding is Finding.MET:
            met += 1
        elif finding is Finding.PARTIALLY_MET:
            partially += 1
        elif finding is Finding.NOT_MET:
            not_met += 1
        else:
            other += 1
    return Compliance(met=met, partially_met=partially, not_met=not_met, other=other)


class MeetingFindings(BaseModel):
    """One closed meeting and its cases' tallies: the input of the trends."""

    model_config = ConfigDict(frozen=True)

    meeting: Meeting
    cases: tuple[CaseTally, ...]


class MeetingTrend(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    date: dt.date
    theme: str
    categories: dict[Category, int]
    compliance: Compliance

    @property
    def cases(self) -> int:
        return sum(self.categories.values())


class RightTrend(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    label: str
    agencies: tuple[str, ...]
    compliance: Compliance


class AgencyPoint(BaseModel):
    """An agency's compliance at one meeting, for the chart over time."""

    model_config = ConfigDict(frozen=True)

    meeting_id: str
    date: dt.date
    compliance: Compliance


class AgencyTrend(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    rights: tuple[int, ...]
    compliance: Compliance
    points: tuple[AgencyPoint, ...]


class ThemeTrend(BaseModel):
    model_config = ConfigDict(frozen=True)

    theme: str
    meetings: int
    categories: dict[Category, int]
    compliance: Compliance

    @property
    def cases(self) -> int:
        return sum(self.categories.values())


class ActionFigures(BaseModel):
    """Actions opened in the period, and how many are done and overdue now."""

    model_config = ConfigDict(frozen=True)

    opened: int = Field(ge=0)
    done: int = Field(ge=0)
    dropped: int = Field(ge=0)
    overdue: int = Field(ge=0)


class TrendReport(BaseModel):
    """Everything the trends report says, ready to render."""

    model_config = ConfigDict(frozen=True)

    start: dt.date
    end: dt.date
    theme: str | None
    panel: str
    generated_at: dt.datetime
    meetings: tuple[MeetingTrend, ...]
    categories: dict[Category, int]
    rights: tuple[RightTrend, ...]
    agencies: tuple[AgencyTrend, ...]
    themes: tuple[ThemeTrend, ...]
    most_not_met: tuple[RightTrend, ...]
    actions: ActionFigures | None = None

    @property
    def cases(self) -> int:
        return sum(self.categories.values())


def _categories(cases: Iterable[CaseTally]) -> dict[Category, int]:
    counts = dict.fromkeys(Category, 0)
    for case in cases:
        counts[case.category] += 1
    return counts


def _add_categories(a: dict[Category, int], b: dict[Category, int]) -> dict[Category, int]:
    return {category: a[category] + b[category] for category in Category}


def build_trends(
    findings: Sequence[MeetingFindings],
    rights: RightsCatalogue,
    *,
    start: dt.date,
    end: dt.date,
    theme: str | None,
    panel: str,
    generated_at: dt.datetime,
    actions: ActionFigures | None = None,
    agencies: Sequence[str] = (),
) -> TrendReport:
    """The trends of ``findings`` (closed meetings, oldest first).

    ``agencies`` orders the per-agency figures (app.yaml order); agencies that
    no right names have no findings and are left out.
    """
    per_right: dict[int, list[Finding]] = {number: [] for number in rights.numbers}
    meetings: list[MeetingTrend] = []
    owed = {name: [r.number for r in rights.rights_of(name)] for name in agencies}
    owed = {name: numbers for name, numbers in owed.items() if numbers}
    agency_points: dict[str, list[AgencyPoint]] = {name: [] for name in owed}
    for item in findings:
        meeting_right: dict[int, list[Finding]] = {number: [] for number in rights.numbers}
        for case in item.cases:
            for tally in case.rights:
                if tally.right in meeting_right:
                    meeting_right[tally.right].append(tally.finding)
        right_compliance = {n: compliance_of(fs) for n, fs in meeting_right.items()}
        for number, found in meeting_right.items():
            per_right[number].extend(found)
        for name, numbers in owed.items():
            total = sum((right_compliance[n] for n in numbers), Compliance())
            agency_points[name].append(
                AgencyPoint(meeting_id=item.meeting.id, date=item.meeting.date, compliance=total)
            )
        meetings.append(
            MeetingTrend(
                id=item.meeting.id,
                date=item.meeting.date,
                theme=item.meeting.title,
                categories=_categories(item.cases),
                compliance=sum(right_compliance.values(), Compliance()),
            )
        )
    right_trends = tuple(
        RightTrend(
            number=right.number,
            label=right.label,
            agencies=right.agencies,
            compliance=compliance_of(per_right[right.number]),
        )
        for right in rights.items
    )
    by_number = {r.number: r for r in right_trends}
    agency_trends = tuple(
        AgencyTrend(
            name=name,
            rights=tuple(numbers),
            compliance=sum((by_number[n].compliance for n in numbers), Compliance()),
            points=tuple(agency_points[name]),
        )
        for name, numbers in owed.items()
    )
    return TrendReport(
        start=start,
        end=end,
        theme=theme,
        panel=panel,
        generated_at=generated_at,
        meetings=tuple(meetings),
        categories=_categories(case for item in findings for case in item.cases),
        rights=right_trends,
        agencies=agency_trends,
        themes=_themes(meetings),
        most_not_met=most_often_not_met(right_trends),
        actions=actions,
    )


def _themes(meetings: Sequence[MeetingTrend]) -> tuple[ThemeTrend, ...]:
    """Meetings grouped by theme (their title), themes in alphabetical order."""
    grouped: dict[str, list[MeetingTrend]] = {}
    for meeting in meetings:
        grouped.setdefault(meeting.theme, []).append(meeting)
    themes = []
    for theme in sorted(grouped, key=str.casefold):
        group = grouped[theme]
        categories = dict.fromkeys(Category, 0)
        for meeting in group:
            categories = _add_categories(categories, meeting.categories)
        themes.append(
            ThemeTrend(
                theme=theme,
                meetings=len(group),
                categories=categories,
                compliance=sum((m.compliance for m in group), Compliance()),
            )
        )
    return tuple(themes)


def most_often_not_met(
    rights: Sequence[RightTrend], limit: int = MOST_NOT_MET_LIMIT
) -> tuple[RightTrend, ...]:
    """Rights found Not met at least once, most often first (then by share, then number)."""
    found = [r for r in rights if r.compliance.not_met > 0]
    found.sort(
        key=lambda r: (-r.compliance.not_met, -r.compliance.share(Finding.NOT_MET), r.number)
    )
    return tuple(found[:limit])
