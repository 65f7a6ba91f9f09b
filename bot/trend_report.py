"""The trends report laid out for people: Markdown with its charts beside it, or DOCX.

Both renderings walk the same list of sections (``_sections``), so the
tables in the Word file and in the Markdown cannot say different things.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import docx
from docx.shared import Inches, Pt

from bot.models import Category, Finding
from bot.trends import DECIDED, Compliance, TrendReport

if TYPE_CHECKING:  # the charts module loads matplotlib, which only drawing needs
    from docx.document import Document as DocxDocument

    from bot.trend_charts import Chart

_SHARE_HEADER = ("Decided", *(f.value for f in DECIDED))


@dataclass(frozen=True)
class _Table:
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True)
class _Section:
    heading: str
    intro: str
    table: _Table | None
    chart: str | None = None


def _shares(compliance: Compliance) -> tuple[str, ...]:
    return (str(compliance.decided), *(compliance.percent(f) for f in DECIDED))


def title_of(report: TrendReport) -> str:
    about = f" ({report.theme})" if report.theme else ""
    return f"Compliance trends{about}: {report.start.isoformat()} to {report.end.isoformat()}"


def _sections(report: TrendReport) -> list[_Section]:
    categories = [c for c in Category]
    per_meeting = _Table(
        header=("Meeting", "Date", "Theme", *(c.value for c in categories), "Cases"),
        rows=[
            (
                m.id,
                m.date.isoformat(),
                m.theme,
                *(str(m.categories[c]) for c in categories),
                str(m.cases),
            )
            for m in report.meetings
        ]
        + [("Total", "", "", *(str(report.categories[c]) for c in categories), str(report.cases))],
    )
    sections = [
        _Section(
            "Cases per category",
            f"{len(report.meetings)} closed meetings and {report.cases} cases in the period.",
            per_meeting,
            "category-mix-per-meeting",
        ),
        _Section(
            "Compliance per right",
            "Each right's decided findings (Met, Partially met or Not met) and the share of "
            "each. Not applicable, Victim did not engage, Information not recorded and "
            "Undecided findings are left out of the shares.",
            _Table(
                header=("Right", *_SHARE_HEADER),
                rows=[(r.label, *_shares(r.compliance)) for r in report.rights],
            ),
            "compliance-per-right",
        ),
        _Section(
            "Compliance per agency",
            "A finding on a right counts towards each agency that owes the right.",
            _Table(
                header=("Agency", "Rights", *_SHARE_HEADER),
                rows=[
                    (a.name, ", ".join(str(n) for n in a.rights), *_shares(a.compliance))
                    for a in report.agencies
                ],
            ),
            "compliance-per-agency-over-time",
        ),
        _Section(
            "Themes compared",
            "Meetings grouped by theme.",
            _Table(
                header=("Theme", "Meetings", "Cases", "Fully compliant", *_SHARE_HEADER),
                rows=[
                    (
                        t.theme,
                        str(t.meetings),
                        str(t.cases),
                        str(t.categories[Category.FULLY_COMPLIANT]),
                        *_shares(t.compliance),
                    )
                    for t in report.themes
                ],
            ),
        ),
        _Section(
            "Rights most often not met",
            "Rights by how many cases found them Not met."
            if report.most_not_met
            else "No right was found Not met in the period.",
            _Table(
                header=("Right", "Not met", "Share of decided findings"),
                rows=[
                    (r.label, str(r.compliance.not_met), r.compliance.percent(Finding.NOT_MET))
                    for r in report.most_not_met
                ],
            )
            if report.most_not_met
            else None,
        ),
    ]
    if report.actions is not None:
        a = report.actions
        sections.append(
            _Section(
                "Actions",
                "Actions recorded at the meetings in the period; overdue means still open "
                "after its due date.",
                _Table(
                    header=("Opened", "Done", "Dropped", "Overdue"),
                    rows=[(str(a.opened), str(a.done), str(a.dropped), str(a.overdue))],
                ),
            )
        )
    return sections


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: TrendReport, chart_files: Mapping[str, str]) -> str:
    """The report as Markdown; ``chart_files`` maps a chart's name to its PNG's file name."""
    lines = [
        f"# {title_of(report)}",
        "",
        f"{report.panel}. Closed meetings dated {report.start.isoformat()} to "
        f"{report.end.isoformat()}; generated {report.generated_at:%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    for section in _sections(report):
        lines += [f"## {section.heading}", "", section.intro, ""]
        if section.chart and section.chart in chart_files:
            lines += [f"![{section.heading}]({chart_files[section.chart]})", ""]
        if section.table is not None:
            lines.append("| " + " | ".join(section.table.header) + " |")
            lines.append("|" + "---|" * len(section.table.header))
            lines += [
                "| " + " | ".join(_md_cell(cell) for cell in row) + " |"
                for row in section.table.rows
            ]
            lines.append("")
    return "\n".join(lines)


def _add_table(document: DocxDocument, rows: Sequence[Sequence[str]]) -> None:
    """A grid table of ``rows`` (the first is the header), made in one go.

    A national year's table has a row per meeting (168); python-docx's
    ``add_row`` and ``cell.text`` work out the table's grid again for every
    cell, so the table is made at its full size and each cell's empty
    paragraph gets its text directly.
    """
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for tr, row in zip(table._tbl.tr_lst, rows, strict=True):
        for tc, text in zip(tr.tc_lst, row, strict=True):
            tc.p_lst[0].add_r().text = text


def render_docx(report: TrendReport, charts: Sequence[Chart]) -> bytes:
    """The report as a Word document with the charts embedded."""
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    document.add_heading(title_of(report), level=0)
    document.add_paragraph(
        f"{report.panel}. Closed meetings dated {report.start.isoformat()} to "
        f"{report.end.isoformat()}; generated {report.generated_at:%Y-%m-%d %H:%M} UTC."
    )
    by_name = {chart.name: chart for chart in charts}
    for section in _sections(report):
        document.add_heading(section.heading, level=1)
        document.add_paragraph(section.intro)
        chart = by_name.get(section.chart or "")
        if chart is not None:
            document.add_picture(io.BytesIO(chart.png), width=Inches(6.3))
            document.add_paragraph(chart.title, style="Caption")
        if section.table is not None:
            _add_table(document, [section.table.header, *section.table.rows])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
