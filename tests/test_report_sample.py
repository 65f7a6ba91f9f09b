"""The sample meeting's public report, as the demo produces it after the whole workflow
(votes in Slack, a chair's resolution, panel-wide notes, the close): every section, the
counts against the tally, and not one case detail."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from summary_data import category_counts

from bot.config import load_settings
from bot.panel import PanelServices
from bot.report_layout import PUBLIC_HEADINGS
from handlers.demo import run_demo
from storage.repo import Repository

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = yaml.safe_load((ROOT / "bot" / "data" / "sample_meeting.yaml").read_text("utf-8"))
MEETING = SAMPLE["meeting"]["id"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, PanelServices]]:
    work = tmp_path_factory.mktemp("sample")
    shutil.copy(ROOT / "app.yaml", work / "app.yaml")
    settings = load_settings(work / "app.yaml", env={})
    out = work / "demo"
    database = work / "vcop-demo.db"
    assert run_demo(settings, out, out=io.StringIO(), database=database) == 0
    markdown = (out / f"{MEETING}-draft-summary.md").read_text(encoding="utf-8")
    service = PanelServices(settings, Repository(database))
    yield markdown, service
    service.repo.close()


def _section(markdown: str, heading: str) -> str:
    return markdown.split(f"\n## {heading}\n")[1].split("\n## ")[0]


def test_the_sample_report_has_the_published_shape(demo: tuple[str, PanelServices]) -> None:
    markdown, _ = demo
    assert markdown.startswith(
        "# Victims' Code of Practice – Stalking or harassment Scrutiny Panel 17 September 2025\n"
    )
    assert re.findall(r"^## (.+)$", markdown, flags=re.M) == list(PUBLIC_HEADINGS)
    meeting = _section(markdown, "The panel meeting")
    assert meeting.startswith(
        "\nThe panel met on 17 September 2025 and scrutinised 6 cases relating to stalking or "
        "harassment.\n\nStalking is a pattern of fixated"
    )
    assert "voting is still open" not in markdown  # the demo's chair closed voting


def test_the_sample_findings_agree_with_the_tally(demo: tuple[str, PanelServices]) -> None:
    markdown, service = demo
    findings = _section(markdown, "The findings from the panel's meeting")
    counted = category_counts(findings)
    tally = service.tallying.meeting_tally(MEETING).category_counts()
    assert counted == {category.value: n for category, n in tally.items() if n}
    assert list(counted) == [category.value for category in tally if tally[category]]
    assert "the victim chose not to engage" in findings
    assert "This is a gap in the record" in findings
    assert "- Whether the victims' information leaflet was given" in findings  # panel-wide


def test_the_sample_good_practice_and_learning(demo: tuple[str, PanelServices]) -> None:
    markdown, _ = demo
    learning = _section(markdown, "Good practice and learning from the panel")
    assert "- The police now run a stalking clinic" in learning
    assert "- Stalking champions in each policing area" in learning
    assert "- Special measures were applied for early" in learning
    assert "- A written update after every bail decision" in learning


def test_the_sample_report_holds_no_case_detail(demo: tuple[str, PanelServices]) -> None:
    markdown, service = demo
    settings = service.settings
    details = [*settings.panel.members, *settings.panel.chair, *settings.panel.secretariat]
    for case in SAMPLE["cases"]:
        details += [case["ref"], case["offence"], case["outcome"], case["summary"][:60]]
        details += [entry["entry"] for entry in case.get("timeline", [])]
    details += [r.reason for r in service.resolutions.for_meeting(MEETING)]
    for detail in details:
        assert detail not in markdown, detail
