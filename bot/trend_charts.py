"""The trends report's charts: PNG pictures, each with the data it plots as CSV.

matplotlib draws on its Agg canvas through ``Figure`` objects, never pyplot:
no display is needed and no global figure state is shared between threads
(the bot may build two reports at once). Each chart's CSV holds exactly the
numbers drawn, so a reader can check a bar against a figure in the report.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict

from bot.models import Category, Finding
from bot.trends import DECIDED, Compliance, TrendReport

# Colours distinguishable with the common colour-vision deficiencies (Okabe and Ito).
CATEGORY_COLOURS: dict[Category, str] = {
    Category.FULLY_COMPLIANT: "#009E73",
    Category.PARTIALLY_COMPLIANT: "#E69F00",
    Category.NON_COMPLIANT: "#D55E00",
    Category.DID_NOT_ENGAGE: "#56B4E9",
    Category.NO_DECISION: "#CC79A7",
    Category.NOT_RECORDED: "#999999",
    Category.NOT_APPLICABLE: "#F0E442",
}
FINDING_COLOURS: dict[Finding, str] = {
    Finding.MET: "#009E73",
    Finding.PARTIALLY_MET: "#E69F00",
    Finding.NOT_MET: "#D55E00",
}
AGENCY_STYLES = ("-", "--", "-.", ":")
DPI = 110
MAX_LABELLED_BARS = 40


class Chart(BaseModel):
    """One chart: a file-safe name, a caption, the PNG, and its data as CSV."""

    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    png: bytes
    csv: str


def _png(figure: Figure, *, whole: bool = False) -> bytes:
    """The figure as PNG; ``whole`` widens the picture to anything drawn outside the figure.

    A legend placed beside the plot is as wide as its longest label, which a
    fixed margin cannot know; ``whole`` keeps all of it in the picture.
    """
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight" if whole else None)
    return buffer.getvalue()


def _chart(
    name: str, title: str, header: Sequence[str], drawn: tuple[Figure, list[list[object]]]
) -> Chart:
    """A drawn figure and the rows it plots as a Chart.

    ``name`` is given, not derived from the title: it names the files a report writes
    beside its Markdown, which should not change when a title is reworded.
    """
    figure, rows = drawn
    return Chart(name=name, title=title, png=_png(figure), csv=_csv(header, rows))


def _nothing_decided(axes: Axes, text: str) -> None:
    """Say so in the middle of an empty plot, so a reader does not take it for a fault."""
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes)


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _share(compliance: Compliance, finding: Finding) -> float:
    """A share in percent, rounded to one place, as drawn and as written to the CSV."""
    return round(100 * compliance.share(finding), 1)


def _compliance_columns(compliance: Compliance) -> list[object]:
    return [
        compliance.met,
        compliance.partially_met,
        compliance.not_met,
        compliance.decided,
        *(_share(compliance, finding) for finding in DECIDED),
    ]


COMPLIANCE_HEADER = (
    "met",
    "partially_met",
    "not_met",
    "decided",
    "met_percent",
    "partially_met_percent",
    "not_met_percent",
)


def _bars(
    positions: Sequence[int],
    heights: Sequence[int],
    bottoms: Sequence[int],
    colour: str,
    label: str,
    width: float = 0.8,
) -> PolyCollection:
    """One stacked layer of bars as a single artist.

    A national year has 168 meetings and seven categories: as separate
    rectangles (``Axes.bar``) that is over a thousand artists to create and
    draw one by one; one collection per layer draws the same picture in a
    fraction of the time.
    """
    half = width / 2
    boxes = [
        [(x - half, b), (x + half, b), (x + half, b + h), (x - half, b + h)]
        for x, h, b in zip(positions, heights, bottoms, strict=True)
        if h
    ]
    return PolyCollection(boxes, facecolors=colour, edgecolors="none", label=label)


def category_mix_chart(report: TrendReport) -> Chart:
    """Stacked bars: how many cases of each category each meeting had."""
    meetings = report.meetings
    width = min(16.0, max(7.0, 0.35 * len(meetings) + 3))
    figure = Figure(figsize=(width, 4.8))
    axes = figure.add_subplot()
    positions = list(range(len(meetings)))
    bottoms = [0] * len(meetings)
    for category in Category:
        heights = [m.categories[category] for m in meetings]
        if any(heights):
            axes.add_collection(
                _bars(positions, heights, bottoms, CATEGORY_COLOURS[category], category.value)
            )
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    axes.autoscale_view()
    axes.set_ylim(0, max(max(bottoms, default=0), 1) * 1.05)
    step = max(1, math.ceil(len(meetings) / MAX_LABELLED_BARS))
    axes.set_xticks(positions[::step])
    axes.set_xticklabels(
        [f"{m.date.isoformat()} {m.id}" for m in meetings][::step],
        rotation=60,
        ha="right",
        fontsize=7,
    )
    axes.set_ylabel("Cases")
    axes.set_title("Cases per category, meeting by meeting")
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    # Fixed margins for the slanted labels: a tight layout would draw the many bars of a
    # national year once more just to measure them. The legend, beside the plot, is kept
    # whole when the picture is saved.
    figure.subplots_adjust(left=0.06, right=0.97, top=0.92, bottom=0.32)
    rows = [
        [m.id, m.date.isoformat(), m.theme, *(m.categories[c] for c in Category), m.cases]
        for m in meetings
    ]
    header = ["meeting_id", "meeting_date", "theme", *(c.value for c in Category), "cases"]
    return Chart(
        name="category-mix-per-meeting",
        title="Cases per category, meeting by meeting",
        png=_png(figure, whole=True),
        csv=_csv(header, rows),
    )


def compliance_per_right_figure(report: TrendReport) -> tuple[Figure, list[list[object]]]:
    """Horizontal stacked bars: each right's decided findings as Met, Partially met, Not met.

    Returns the figure and its data rows, one per right.
    """
    rights = list(report.rights)
    figure = Figure(figsize=(9.0, 0.45 * len(rights) + 1.8))
    axes = figure.add_subplot()
    positions = list(range(len(rights)))
    lefts = [0.0] * len(rights)
    for finding in DECIDED:
        widths = [_share(r.compliance, finding) for r in rights]
        axes.barh(
            positions, widths, left=lefts, color=FINDING_COLOURS[finding], label=finding.value
        )
        lefts = [a + b for a, b in zip(lefts, widths, strict=True)]
    axes.set_yticks(positions)
    axes.set_yticklabels([f"{r.label} (n={r.compliance.decided})" for r in rights], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("Share of decided findings (%)")
    axes.set_title("Compliance per right")
    if not any(r.compliance.decided for r in rights):
        _nothing_decided(axes, "No right has a decided finding in this period")
    # Below the plot, where it can never hide the last right's bar.
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(DECIDED))
    figure.tight_layout()
    return figure, [[r.number, r.label, *_compliance_columns(r.compliance)] for r in rights]


def agency_over_time_figure(report: TrendReport) -> tuple[Figure, list[list[object]]]:
    """Lines: each agency's share of decided findings that were Met, meeting date by date.

    Meetings on the same date (several panels' histories) are added together
    before the share is taken, so each point is the share of every finding that
    day. Returns the figure and its data rows (a date with nothing decided has
    a row but no point).
    """
    figure = Figure(figsize=(9.0, 4.8))
    axes = figure.add_subplot()
    rows: list[list[object]] = []
    lines: list[tuple[str, list[str], list[float]]] = []
    for agency in report.agencies:
        by_date: dict[str, Compliance] = {}
        for point in agency.points:
            key = point.date.isoformat()
            by_date[key] = by_date.get(key, Compliance()) + point.compliance
        dates = sorted(by_date)
        drawn = [d for d in dates if by_date[d].decided]
        lines.append((agency.name, drawn, [_share(by_date[d], Finding.MET) for d in drawn]))
        rows.extend([d, agency.name, *_compliance_columns(by_date[d])] for d in dates)
    # Dates become positions on the axis, in date order whichever agency has a point there:
    # matplotlib would otherwise order them as the lines first mention them.
    dates_drawn = sorted({d for _, drawn, _ in lines for d in drawn})
    position = {d: index for index, d in enumerate(dates_drawn)}
    for index, (name, drawn, shares) in enumerate(lines):
        axes.plot(
            [position[d] for d in drawn],
            shares,
            marker="o",
            markersize=3,
            linestyle=AGENCY_STYLES[index % len(AGENCY_STYLES)],
            label=name,
        )
    axes.set_ylim(0, 100)
    axes.set_ylabel("Met, % of decided findings")
    axes.set_title("Compliance per agency over time")
    step = max(1, math.ceil(len(dates_drawn) / 12))
    ticks = list(range(0, len(dates_drawn), step))
    axes.set_xticks(ticks, [dates_drawn[i] for i in ticks])
    if not dates_drawn:
        _nothing_decided(axes, "No agency has a decided finding in this period")
    axes.tick_params(axis="x", labelrotation=45, labelsize=7)
    if report.agencies:
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    return figure, rows


def trend_charts(report: TrendReport) -> list[Chart]:
    """The report's three charts, in the order the report shows them."""
    per_right = compliance_per_right_figure(report)
    over_time = agency_over_time_figure(report)
    return [
        category_mix_chart(report),
        _chart(
            "compliance-per-right",
            "Compliance per right",
            ["right", "label", *COMPLIANCE_HEADER],
            per_right,
        ),
        _chart(
            "compliance-per-agency-over-time",
            "Compliance per agency over time",
            ["meeting_date", "agency", *COMPLIANCE_HEADER],
            over_time,
        ),
    ]
