"""The trends report laid out for people, as Word or as Markdown with its charts beside it.

Both renderings are the same layout (``trends_layout``), written by the
writers the meeting reports and feedback packs use, so the Word file and
the Markdown cannot say different things, and the Word file has the same
A4 pages, page header, numbered footer and properties as every other
document the panel sends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.models import Category, Finding
from bot.report_layout import (
    CATEGORY_CODES,
    Block,
    Document,
    Heading,
    Landscape,
    Paragraph,
    Picture,
    Table,
    category_key,
    long_date,
    timestamp,
)
from bot.report_markdown import document_markdown
from bot.trends import DECIDED, Compliance, TrendReport
from bot.word_document import write_docx
from bot.wording import counted

if TYPE_CHECKING:  # the charts module loads matplotlib, which only drawing needs
    from bot.trend_charts import Chart

_SHARE_HEADER = ("Decided", *(f.value for f in DECIDED))
#: What the Word file and the Markdown are about, as Word's Properties give it.
SUBJECT = "Victims' Code of Practice scrutiny panel compliance trends"


@dataclass(frozen=True)
class _Section:
    heading: str
    intro: str
    table: Table | None
    chart: str | None = None
    #: Too many columns for a portrait page: it goes on a landscape page at the end.
    wide: bool = False


def _shares(compliance: Compliance) -> tuple[str, ...]:
    return (str(compliance.decided), *(compliance.percent(f) for f in DECIDED))


def title_of(report: TrendReport) -> str:
    about = f" ({report.theme})" if report.theme else ""
    return f"Compliance trends{about}: {long_date(report.start)} to {long_date(report.end)}"


def counts_sentence(report: TrendReport) -> str:
    """``1 closed meeting and 6 cases in the period.``"""
    return (
        f"{counted(len(report.meetings), 'closed meeting')} and "
        f"{counted(report.cases, 'case')} in the period."
    )


def _sections(report: TrendReport) -> list[_Section]:
    categories = list(Category)
    per_category = Table(
        header=("Category", "Cases"),
        rows=(
            *((c.value, str(report.categories[c])) for c in categories),
            ("Total", str(report.cases)),
        ),
        weights=(4, 1),
    )
    per_meeting = Table(
        header=("Meeting", "Date", "Theme", *(CATEGORY_CODES[c] for c in categories), "Cases"),
        rows=(
            *(
                (
                    m.id,
                    long_date(m.date),
                    m.theme,
                    *(str(m.categories[c]) for c in categories),
                    str(m.cases),
                )
                for m in report.meetings
            ),
            ("Total", "", "", *(str(report.categories[c]) for c in categories), str(report.cases)),
        ),
        # Codes for the categories, as in the annex's matrix: eleven columns of full
        # category names would break words even on a landscape page.
        weights=(3.0, 2.6, 4.0, *(1.3 for _ in categories), 1.4),
        small=True,
    )
    sections = [
        _Section(
            "Cases per category",
            f"{counts_sentence(report)} Each meeting's own counts are under "
            "Cases per meeting, at the end.",
            per_category,
            "category-mix-per-meeting",
        ),
        _Section(
            "Compliance per right",
            "Each right's decided findings (Met, Partially met or Not met) and the share of "
            "each. Not applicable, Victim did not engage, Information not recorded and "
            "Undecided findings are left out of the shares.",
            Table(
                header=("Right", *_SHARE_HEADER),
                rows=tuple((r.label, *_shares(r.compliance)) for r in report.rights),
                weights=(4.5, 1.4, 1.2, 1.6, 1.2),
                small=True,
            ),
            "compliance-per-right",
        ),
        _Section(
            "Compliance per agency",
            "A finding on a right counts towards each agency that owes the right.",
            Table(
                header=("Agency", "Rights", *_SHARE_HEADER),
                rows=tuple(
                    (a.name, ", ".join(str(n) for n in a.rights), *_shares(a.compliance))
                    for a in report.agencies
                ),
                weights=(3, 2.6, 1.4, 1.2, 1.6, 1.2),
                small=True,
            ),
            "compliance-per-agency-over-time",
        ),
        _Section(
            "Themes compared",
            "Meetings grouped by theme.",
            Table(
                header=("Theme", "Meetings", "Cases", "Fully compliant", *_SHARE_HEADER),
                rows=tuple(
                    (
                        t.theme,
                        str(t.meetings),
                        str(t.cases),
                        str(t.categories[Category.FULLY_COMPLIANT]),
                        *_shares(t.compliance),
                    )
                    for t in report.themes
                ),
                weights=(3.2, 1.9, 1.4, 2.2, 1.8, 1.2, 2.1, 1.5),
                small=True,
            ),
        ),
        _Section(
            "Rights most often not met",
            "Rights by how many cases found them Not met."
            if report.most_not_met
            else "No right was found Not met in the period.",
            Table(
                header=("Right", "Not met", "Share of decided findings"),
                rows=tuple(
                    (r.label, str(r.compliance.not_met), r.compliance.percent(Finding.NOT_MET))
                    for r in report.most_not_met
                ),
                weights=(5, 1.2, 2.4),
                small=True,
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
                Table(
                    header=("Opened", "Done", "Dropped", "Overdue"),
                    rows=((str(a.opened), str(a.done), str(a.dropped), str(a.overdue)),),
                ),
            )
        )
    sections.append(
        _Section(
            "Cases per meeting",
            f"Each meeting's cases by category, the categories by their codes: {category_key()}",
            per_meeting,
            wide=True,
        )
    )
    return sections


def trends_layout(
    report: TrendReport, charts: Sequence[Chart], links: Mapping[str, str] | None = None
) -> Document:
    """The report as layout blocks; ``links`` maps a chart's name to the file Markdown links."""
    title = title_of(report)
    blocks: list[Block] = [
        Heading(1, title),
        Paragraph(
            f"{report.panel}. Closed meetings dated {long_date(report.start)} to "
            f"{long_date(report.end)}; generated {timestamp(report.generated_at)}.",
            italic=True,
        ),
    ]
    by_name = {chart.name: chart for chart in charts}
    landscape = False
    for section in _sections(report):
        if section.wide and not landscape:
            blocks.append(Landscape())
            landscape = True
        # The intro stays on the page of the chart or table it introduces.
        blocks += [Heading(2, section.heading), Paragraph(section.intro, lead=True)]
        chart = by_name.get(section.chart or "")
        if chart is not None:
            link = (links or {}).get(chart.name, "")
            blocks.append(Picture(chart.png, chart.title, link))
        if section.table is not None:
            blocks.append(section.table)
    return Document(title=title, page_header=title, blocks=tuple(blocks))


def render_markdown(
    report: TrendReport, charts: Sequence[Chart], chart_files: Mapping[str, str]
) -> str:
    """The report as Markdown; ``chart_files`` maps a chart's name to its PNG's file name."""
    return document_markdown(trends_layout(report, charts, chart_files))


def render_docx(report: TrendReport, charts: Sequence[Chart]) -> bytes:
    """The report as a Word document with the charts embedded.

    ``report.generated_at`` is printed, so it should be in the panel's timezone.
    """
    return write_docx(
        trends_layout(report, charts),
        author=report.panel,
        subject=SUBJECT,
        generated_at=report.generated_at,
    )
