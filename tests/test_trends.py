"""Trends across meetings: per-right and per-agency arithmetic against hand-worked
figures, the charts and their data, and the report as DOCX, Markdown, CSV and XLSX.

The history (five members, quorum 3; the shipped 2021 rights and their agencies):

* ``t-burglary`` (2099-03-20, Burglary, closed): BG-01 all Met; BG-02 all Met but
  right 2 Not met and right 8 Partially met; BG-03 all Not applicable but right 3
  Not met.
* ``t-domestic`` (2099-04-20, Domestic abuse, closed): DA-01 all Met but right 2
  Partially met and right 9 Not met; DA-02 only two voters, so every right Undecided.
* ``t-open`` (2099-04-25, Burglary): still open, so never counted.

Worked by hand: right 2 has Met 1, Partially met 1, Not met 1 (BG-03's Not
applicable and DA-02's Undecided are not decided); right 3 Met 3, Not met 1. The
Police owe rights 1-7, 10 and 12: seven rights Met in BG-01, BG-02 and DA-01 (21)
plus right 2 (1 Met, 1 Partially, 1 Not met) and right 3 (3 Met, 1 Not met): Met 25,
Partially met 1, Not met 2 of 28. The Witness Care Unit owes 1, 4, 8, 9 and 12:
9 Met from rights 1, 4 and 12, right 8 Met 2 + Partially 1, right 9 Met 2 + Not met 1:
Met 13, Partially met 1, Not met 1 of 15.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING

import docx
import matplotlib.image
import numpy
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from docx.shared import Cm
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.action_service import ActionService
from bot.actions import ActionStatus, NewAction
from bot.errors import PanelError
from bot.models import Category, Finding, VoteOption
from bot.trend_charts import (
    _bars,
    agency_over_time_figure,
    compliance_per_right_figure,
    trend_charts,
)
from bot.trend_export import SCHEMA_VERSION, TIDY_COLUMNS
from bot.trend_report import render_docx, render_markdown
from bot.trend_service import TrendService
from bot.trends import TrendReport

if TYPE_CHECKING:
    from conftest import Cli, Panel
    from docx.document import Document as DocxDocument

START, END = dt.date(2099, 1, 1), dt.date(2099, 12, 31)
M, PM, NM, NA = (
    VoteOption.MET,
    VoteOption.PARTIALLY_MET,
    VoteOption.NOT_MET,
    VoteOption.NOT_APPLICABLE,
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TITLE = "Compliance trends: 1 January 2099 to 31 December 2099"
# Noon UTC in July: 13:00 in the panel's Europe/London summer time.
GENERATED = dt.datetime(2099, 7, 1, 12, 0, tzinfo=dt.UTC)


def _meeting(panel: Panel, meeting_id: str, title: str, date: str, refs: list[str]) -> None:
    panel.import_meeting(
        panel.meeting_doc(
            meeting_id=meeting_id,
            title=title,
            date=date,
            voting_closes=f"{date}T09:00:00+00:00",
            cases=[panel.case_doc(ref) for ref in refs],
        )
    )


def build_history(panel: Panel) -> None:
    _meeting(panel, "t-burglary", "Burglary", "2099-03-20", ["BG-01", "BG-02", "BG-03"])
    _meeting(panel, "t-domestic", "Domestic abuse", "2099-04-20", ["DA-01", "DA-02"])
    _meeting(panel, "t-open", "Burglary", "2099-04-25", ["BG-09"])
    for member in panel.members:
        panel.vote(member, "BG-01", M, meeting_id="t-burglary")
        panel.vote(member, "BG-02", M, meeting_id="t-burglary", changes={2: NM, 8: PM})
        panel.vote(member, "BG-03", NA, meeting_id="t-burglary", changes={3: NM})
        panel.vote(member, "DA-01", M, meeting_id="t-domestic", changes={2: PM, 9: NM})
        panel.vote(member, "BG-09", NM, meeting_id="t-open")
    for member in panel.members[:2]:
        panel.vote(member, "DA-02", M, meeting_id="t-domestic")
    panel.service.meetings.close_voting("t-burglary", panel.chair)
    panel.service.meetings.close_voting("t-domestic", panel.chair)


@pytest.fixture
def history(panel: Panel) -> Panel:
    build_history(panel)
    return panel


def _report(panel: Panel, theme: str | None = None) -> TrendReport:
    report, _ = TrendService(panel.settings, panel.repo, panel.clock).report(START, END, theme)
    return report


@pytest.mark.parametrize(
    ("right", "met", "partially", "not_met", "other", "shares"),
    [
        (2, 1, 1, 1, 2, ("33%", "33%", "33%")),
        (3, 3, 0, 1, 1, ("75%", "0%", "25%")),
        (5, 3, 0, 0, 2, ("100%", "0%", "0%")),
        (8, 2, 1, 0, 2, ("67%", "33%", "0%")),
        (9, 2, 0, 1, 2, ("67%", "0%", "33%")),
    ],
)
def test_per_right_counts_and_shares_match_the_hand_worked_figures(
    history: Panel,
    right: int,
    met: int,
    partially: int,
    not_met: int,
    other: int,
    shares: tuple[str, str, str],
) -> None:
    compliance = _report(history).rights[right - 1].compliance

    assert (compliance.met, compliance.partially_met, compliance.not_met) == (
        met,
        partially,
        not_met,
    )
    assert compliance.other == other
    assert (
        tuple(compliance.percent(f) for f in (Finding.MET, Finding.PARTIALLY_MET, Finding.NOT_MET))
        == shares
    )


@pytest.mark.parametrize(
    ("agency", "rights", "met", "partially", "not_met", "met_share"),
    [
        ("Police", (1, 2, 3, 4, 5, 6, 7, 10, 12), 25, 1, 2, 25 / 28),
        ("Witness Care Unit", (1, 4, 8, 9, 12), 13, 1, 1, 13 / 15),
        ("Probation Service", (1, 11, 12), 9, 0, 0, 1.0),
    ],
)
def test_per_agency_counts_and_shares_match_the_hand_worked_figures(
    history: Panel,
    agency: str,
    rights: tuple[int, ...],
    met: int,
    partially: int,
    not_met: int,
    met_share: float,
) -> None:
    [trend] = [a for a in _report(history).agencies if a.name == agency]

    assert trend.rights == rights
    assert (trend.compliance.met, trend.compliance.partially_met, trend.compliance.not_met) == (
        met,
        partially,
        not_met,
    )
    assert trend.compliance.share(Finding.MET) == pytest.approx(met_share)


def test_police_compliance_over_time_is_per_meeting(history: Panel) -> None:
    [police] = [a for a in _report(history).agencies if a.name == "Police"]

    assert [
        (p.meeting_id, p.compliance.met, p.compliance.partially_met, p.compliance.not_met)
        for p in police.points
    ] == [
        ("t-burglary", 17, 0, 2),
        ("t-domestic", 8, 1, 0),
    ]


def test_categories_per_meeting_and_in_total_leave_out_the_open_meeting(history: Panel) -> None:
    report = _report(history)

    assert [m.id for m in report.meetings] == ["t-burglary", "t-domestic"]
    burglary, domestic = report.meetings
    assert {c: n for c, n in burglary.categories.items() if n} == {
        Category.FULLY_COMPLIANT: 1,
        Category.PARTIALLY_COMPLIANT: 1,
        Category.NON_COMPLIANT: 1,
    }
    assert {c: n for c, n in domestic.categories.items() if n} == {
        Category.PARTIALLY_COMPLIANT: 1,
        Category.NO_DECISION: 1,
    }
    assert report.cases == 5
    assert report.categories[Category.PARTIALLY_COMPLIANT] == 2


def test_rights_most_often_not_met_rank_by_count_then_share(history: Panel) -> None:
    assert [r.number for r in _report(history).most_not_met] == [2, 9, 3]


def test_themes_are_compared_and_a_theme_narrows_the_report(history: Panel) -> None:
    report = _report(history)
    assert [(t.theme, t.meetings, t.cases) for t in report.themes] == [
        ("Burglary", 1, 3),
        ("Domestic abuse", 1, 2),
    ]

    burglary = _report(history, theme="burglary")

    assert [m.id for m in burglary.meetings] == ["t-burglary"]
    assert burglary.rights[1].compliance.not_met == 1
    assert burglary.rights[1].compliance.partially_met == 0


def test_a_period_without_closed_meetings_is_a_plain_error(history: Panel) -> None:
    service = TrendService(history.settings, history.repo, history.clock)

    with pytest.raises(PanelError, match="no closed meetings between 2098-01-01 and 2098-12-31"):
        service.report(dt.date(2098, 1, 1), dt.date(2098, 12, 31))
    with pytest.raises(PanelError, match="the period runs backwards"):
        service.report(END, START)


def test_charts_are_png_and_their_csv_holds_the_reported_figures(history: Panel) -> None:
    report = _report(history)
    charts = {chart.name: chart for chart in trend_charts(report)}

    assert set(charts) == {
        "category-mix-per-meeting",
        "compliance-per-right",
        "compliance-per-agency-over-time",
    }
    assert all(chart.png.startswith(PNG_SIGNATURE) for chart in charts.values())
    mix = list(csv.DictReader(io.StringIO(charts["category-mix-per-meeting"].csv)))
    assert [
        (r["meeting_id"], r["Fully compliant"], r["Panel failed to reach a decision"], r["cases"])
        for r in mix
    ] == [
        ("t-burglary", "1", "0", "3"),
        ("t-domestic", "0", "1", "2"),
    ]
    per_right = {
        r["right"]: r for r in csv.DictReader(io.StringIO(charts["compliance-per-right"].csv))
    }
    assert (per_right["3"]["met"], per_right["3"]["not_met"], per_right["3"]["met_percent"]) == (
        "3",
        "1",
        "75.0",
    )
    assert per_right["2"]["not_met_percent"] == "33.3"
    over_time = list(csv.DictReader(io.StringIO(charts["compliance-per-agency-over-time"].csv)))
    police = [
        (r["meeting_date"], r["met"], r["decided"]) for r in over_time if r["agency"] == "Police"
    ]
    assert police == [("2099-03-20", "17", "19"), ("2099-04-20", "8", "9")]


def test_a_period_with_nothing_decided_still_draws_every_chart(panel: Panel) -> None:
    _meeting(panel, "t-quiet", "Burglary", "2099-03-20", ["BG-01", "BG-02"])
    panel.service.meetings.close_voting("t-quiet", panel.chair)  # nobody voted

    charts = trend_charts(_report(panel))

    assert [chart.png.startswith(PNG_SIGNATURE) for chart in charts] == [True, True, True]
    over_time = list(csv.DictReader(io.StringIO(charts[2].csv)))
    assert over_time and {r["meeting_date"] for r in over_time} == {"2099-03-20"}
    assert {r["decided"] for r in over_time} == {"0"}


def test_agency_lines_share_one_date_axis_in_date_order(panel: Panel) -> None:
    # On the later date every agency has decided findings; on the earlier one only rights
    # the Police do not owe, so the first agency's line (the Police's) begins on the later
    # date while the Witness Care Unit's begins on the earlier one.
    _meeting(panel, "t-late", "Burglary", "2099-04-20", ["BG-01"])
    _meeting(panel, "t-early", "Burglary", "2099-03-20", ["BG-02"])
    not_police = {8, 9, 11}
    for member in panel.members:
        panel.vote(member, "BG-01", M, meeting_id="t-late")
        panel.vote(
            member,
            "BG-02",
            NA,
            meeting_id="t-early",
            changes=dict.fromkeys(not_police, M),
        )
    for meeting_id in ("t-late", "t-early"):
        panel.service.meetings.close_voting(meeting_id, panel.chair)
    report = _report(panel)

    figure, _ = agency_over_time_figure(report)

    axes = figure.axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == ["2099-03-20", "2099-04-20"]
    lines = {
        line.get_label(): numpy.asarray(line.get_xdata()).tolist() for line in axes.get_lines()
    }
    assert report.agencies[0].name == "Police"
    assert lines["Police"] == [1]
    assert lines["Witness Care Unit"] == [0, 1]


def test_report_of_a_period_with_nothing_decided_is_written_as_docx(cli: Cli) -> None:
    panel = cli.panel()
    _meeting(panel, "t-quiet", "Burglary", "2099-03-20", ["BG-01"])
    panel.service.meetings.close_voting("t-quiet", panel.chair)

    result = cli.run("report", "--from", "2099-01-01", "--to", "2099-12-31")

    assert result.returncode == 0, result.stderr
    document = docx.Document(str(cli.tmp / "vcop-trends-2099-01-01-to-2099-12-31.docx"))
    assert len(document.inline_shapes) == 3


def test_stacked_bars_as_one_collection_a_layer_draw_the_pixels_axes_bar_draws() -> None:
    layers = {"#009E73": [3, 0, 2, 5, 1], "#E69F00": [1, 4, 0, 2, 0], "#D55E00": [0, 1, 1, 0, 2]}

    def draw(as_collections: bool) -> bytes:
        figure = Figure(figsize=(4, 3))
        canvas = FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(5))
        bottoms = [0] * 5
        for colour, heights in layers.items():
            if as_collections:
                axes.add_collection(_bars(positions, heights, bottoms, colour, colour))
            else:
                axes.bar(positions, heights, bottom=bottoms, color=colour, label=colour, width=0.8)
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        axes.autoscale_view()
        axes.set_ylim(0, max(bottoms) * 1.05)
        # Placed as the chart places it: a "best" legend searches the data for a gap.
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        canvas.draw()
        return bytes(canvas.buffer_rgba())

    assert draw(as_collections=True) == draw(as_collections=False)


def test_report_docx_opened_with_python_docx_has_the_figures_and_the_charts(
    cli: Cli,
) -> None:
    build_history(cli.panel())

    result = cli.run("report", "--from", "2099-01-01", "--to", "2099-12-31")

    assert result.returncode == 0, result.stderr
    path = cli.tmp / "vcop-trends-2099-01-01-to-2099-12-31.docx"
    document = docx.Document(str(path))
    headings = [
        p.text
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert headings == [
        "Compliance trends: 1 January 2099 to 31 December 2099",
        "Cases per category",
        "Compliance per right",
        "Compliance per agency",
        "Themes compared",
        "Rights most often not met",
        "Actions",
        "Cases per meeting",
    ]
    assert len(document.inline_shapes) == 3
    agency_table = document.tables[2]
    police = [
        [c.text for c in row.cells] for row in agency_table.rows if row.cells[0].text == "Police"
    ]
    assert police == [["Police", "1, 2, 3, 4, 5, 6, 7, 10, 12", "28", "89%", "4%", "7%"]]


def test_report_markdown_writes_charts_and_their_data_beside_it_and_never_overwrites(
    cli: Cli,
) -> None:
    build_history(cli.panel())
    out = cli.tmp / "trends.md"

    first = cli.run(
        "report",
        "--from",
        "2099-01-01",
        "--to",
        "2099-12-31",
        "--format",
        "md",
        "--output",
        str(out),
    )

    assert first.returncode == 0, first.stderr
    text = out.read_text(encoding="utf-8")
    assert "## Compliance per agency" in text
    assert "![Compliance per right](trends-compliance-per-right.png)" in text
    assert "| Right 3 · Information when reporting | 4 | 75% | 0% | 25% |" in text
    for name in (
        "category-mix-per-meeting",
        "compliance-per-right",
        "compliance-per-agency-over-time",
    ):
        assert (cli.tmp / f"trends-{name}.png").read_bytes().startswith(PNG_SIGNATURE)
        assert (cli.tmp / f"trends-{name}.csv").read_text(encoding="utf-8").count("\n") > 1
    (cli.tmp / "trends-compliance-per-right.png").write_bytes(b"mine")

    again = cli.run(
        "report",
        "--from",
        "2099-01-01",
        "--to",
        "2099-12-31",
        "--format",
        "md",
        "--output",
        str(out),
    )

    assert again.returncode == 2
    # The Markdown and every chart file already exist: the refusal names them all.
    assert " already exist; nothing was written" in again.stderr
    assert again.stderr.rstrip().endswith("move the old files away first.")
    assert (cli.tmp / "trends-compliance-per-right.png").read_bytes() == b"mine"


def test_tidy_csv_has_one_versioned_row_per_meeting_case_and_right(cli: Cli) -> None:
    build_history(cli.panel())

    result = cli.run("report", "--from", "2099-01-01", "--to", "2099-12-31", "--format", "csv")

    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == TIDY_COLUMNS
    assert len(rows) == 5 * 12
    assert {r["schema_version"] for r in rows} == {str(SCHEMA_VERSION)}
    [bg02_r2] = [r for r in rows if r["case_ref"] == "BG-02" and r["right"] == "2"]
    assert bg02_r2["finding"] == "Not met"
    assert bg02_r2["agencies"] == "Police"
    assert bg02_r2["votes_not_met"] == "5"
    assert bg02_r2["case_category"] == "Partially compliant"


def test_tidy_xlsx_opened_with_openpyxl_matches_the_csv(cli: Cli) -> None:
    build_history(cli.panel())
    out = cli.tmp / "trends.xlsx"

    result = cli.run(
        "report",
        "--from",
        "2099-01-01",
        "--to",
        "2099-12-31",
        "--format",
        "xlsx",
        "--output",
        str(out),
    )

    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(out)["Findings"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == TIDY_COLUMNS
    assert len(rows) == 1 + 5 * 12
    assert rows[1][0] == SCHEMA_VERSION


def test_report_without_format_writes_an_excel_workbook_when_its_output_ends_in_xlsx(
    cli: Cli,
) -> None:
    build_history(cli.panel())
    out = cli.tmp / "trends.xlsx"

    result = cli.run("report", "--from", "2099-01-01", "--to", "2099-12-31", "--output", str(out))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote {out}"
    rows = list(openpyxl.load_workbook(out)["Findings"].iter_rows(values_only=True))
    assert rows[0] == TIDY_COLUMNS
    assert len(rows) == 1 + 5 * 12


def test_report_format_that_disagrees_with_the_output_ending_is_refused_writing_nothing(
    cli: Cli,
) -> None:
    build_history(cli.panel())
    before = sorted(path.name for path in cli.tmp.iterdir())

    result = cli.run(
        "report", "--from", "2099-01-01", "--to", "2099-12-31",
        "--format", "md", "--output", "trends.docx",
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: --format md writes Markdown text, but the name trends.docx is for a Word "
        "document; nothing was written. Leave out --format to write a Word document, or "
        "name the file trends.md."
    ]
    assert sorted(path.name for path in cli.tmp.iterdir()) == before


def test_report_with_a_bad_date_is_a_plain_error(cli: Cli) -> None:
    result = cli.run("report", "--from", "2099-13-01", "--to", "2099-12-31")

    assert result.returncode == 2
    assert "--from '2099-13-01' is not a date; give it as YYYY-MM-DD" in result.stderr


def test_actions_of_the_periods_meetings_are_counted_opened_done_dropped_and_overdue(
    history: Panel,
) -> None:
    actions = ActionService(history.service)
    chair = history.chair

    def add(meeting: str, due: str) -> int:
        new = NewAction(meeting_id=meeting, agency="Police", description="Review", due=due)
        return actions.add(chair, new).id

    add("t-burglary", "2099-03-10")
    done = add("t-burglary", "2099-06-01")
    dropped = add("t-domestic", "2099-05-20")
    actions.update(chair, done, "Done at the May meeting", ActionStatus.DONE)
    actions.update(chair, dropped, "Superseded", ActionStatus.DROPPED)
    history.clock.set(dt.datetime(2099, 5, 1, 9, 0, tzinfo=dt.UTC))

    figures = _report(history).actions

    assert figures is not None
    assert (figures.opened, figures.done, figures.dropped, figures.overdue) == (3, 1, 1, 1)


def _trends_docx(panel: Panel) -> DocxDocument:
    """The trends DOCX of the whole of 2099, generated at ``GENERATED``."""
    panel.clock.set(GENERATED)
    report = _report(panel)
    return docx.Document(io.BytesIO(render_docx(report, trend_charts(report))))


def test_trends_docx_is_a4_with_its_title_in_every_page_header_and_a_numbered_footer(
    history: Panel,
) -> None:
    document = _trends_docx(history)

    first = document.sections[0]
    width, height = first.page_width or 0, first.page_height or 0
    assert (abs(width - Cm(21.0)), abs(height - Cm(29.7))) < (Cm(0.01), Cm(0.01))
    assert [p.text for p in first.header.paragraphs] == [TITLE]
    assert all(s.header.is_linked_to_previous for s in document.sections[1:])
    footer = first.footer._element
    assert [str(t).strip() for t in footer.xpath(".//w:instrText/text()")] == ["PAGE", "NUMPAGES"]
    assert first.footer.paragraphs[0].text.startswith("Generated 1 July 2099 13:00 BST · Page ")
    usable = width - (first.left_margin or 0) - (first.right_margin or 0)
    assert [shape.width <= usable for shape in document.inline_shapes] == [True, True, True]


def test_trends_docx_properties_name_the_report_the_panel_and_when_it_was_generated(
    history: Panel,
) -> None:
    properties = _trends_docx(history).core_properties

    assert properties.title == TITLE
    assert properties.author == history.settings.panel.name
    assert properties.last_modified_by == history.settings.panel.name
    assert "python-docx" not in properties.comments
    assert properties.created == GENERATED


def test_trends_docx_says_it_was_generated_in_the_panels_time_with_dates_written_out(
    history: Panel,
) -> None:
    document = _trends_docx(history)

    assert (
        f"{history.settings.panel.name}. Closed meetings dated 1 January 2099 to "
        "31 December 2099; generated 1 July 2099 13:00 BST."
    ) in [p.text for p in document.paragraphs]


def test_trends_docx_cases_per_meeting_table_is_alone_on_a_landscape_page_with_category_codes(
    history: Panel,
) -> None:
    document = _trends_docx(history)

    portrait, landscape = document.sections
    assert portrait.orientation == WD_ORIENT.PORTRAIT
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert (landscape.page_width or 0) > (landscape.page_height or 0)
    # The portrait section ends at the one paragraph holding a section break: every table
    # but the per-meeting one comes before it.
    body = list(document.element.body)
    [break_at] = [i for i, child in enumerate(body) if child.xpath("./w:pPr/w:sectPr")]
    after_break = [body.index(table._tbl) > break_at for table in document.tables]
    assert after_break == [False] * (len(after_break) - 1) + [True]
    per_meeting = document.tables[-1]
    assert [c.text for c in per_meeting.rows[0].cells] == [
        "Meeting",
        "Date",
        "Theme",
        "FC",
        "PC",
        "NC",
        "VDNE",
        "NRD",
        "INR",
        "N/A",
        "Cases",
    ]
    assert [c.text for c in per_meeting.rows[1].cells][:3] == [
        "t-burglary",
        "20 March 2099",
        "Burglary",
    ]
    assert [c.text for c in per_meeting.rows[-1].cells][-1] == "5"


def test_one_closed_meeting_with_one_case_is_counted_in_the_singular(panel: Panel) -> None:
    _meeting(panel, "t-single", "Burglary", "2099-03-20", ["BG-01"])
    panel.service.meetings.close_voting("t-single", panel.chair)
    report = _report(panel)
    charts = trend_charts(report)

    document = docx.Document(io.BytesIO(render_docx(report, charts)))
    markdown = render_markdown(report, charts, {})

    sentence = "1 closed meeting and 1 case in the period."
    assert any(p.text.startswith(sentence) for p in document.paragraphs)
    assert f"\n{sentence} " in markdown


def test_per_right_chart_says_so_when_no_right_has_a_decided_finding(panel: Panel) -> None:
    _meeting(panel, "t-quiet", "Burglary", "2099-03-20", ["BG-01"])
    panel.service.meetings.close_voting("t-quiet", panel.chair)  # nobody voted

    figure, _ = compliance_per_right_figure(_report(panel))

    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == ["No right has a decided finding in this period"]


def test_per_right_chart_has_no_message_when_a_right_has_a_decided_finding(
    history: Panel,
) -> None:
    figure, _ = compliance_per_right_figure(_report(history))

    assert list(figure.axes[0].texts) == []


def _edges_are_blank(png: bytes) -> bool:
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    edges = numpy.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return bool((edges[:, :3] == 1.0).all())


def test_category_chart_legend_with_every_category_is_whole_inside_the_picture(
    panel: Panel,
) -> None:
    # One case in each of five categories, "Panel failed to reach a decision" the longest label.
    _meeting(panel, "t-mixed", "Burglary", "2099-03-20", ["FC", "PC", "NC", "NA", "NRD"])
    for member in panel.members:
        panel.vote(member, "FC", M, meeting_id="t-mixed")
        panel.vote(member, "PC", M, meeting_id="t-mixed", changes={2: PM})
        panel.vote(member, "NC", NM, meeting_id="t-mixed")
        panel.vote(member, "NA", NA, meeting_id="t-mixed")
    panel.service.meetings.close_voting("t-mixed", panel.chair)
    report = _report(panel)
    assert report.categories[Category.NO_DECISION] == 1

    [category_mix, *_] = trend_charts(report)

    assert _edges_are_blank(category_mix.png)
