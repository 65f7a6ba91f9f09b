"""The sample meeting's Word files rendered as pages, the way a reader will see them.

The demo runs the whole workflow (votes, a resolution, panel-wide notes, the close) and
writes the draft public report and the annex; LibreOffice turns each into a PDF and
poppler reads the pages back. Skipped where LibreOffice or poppler is not installed
(Debian: ``apt-get install libreoffice-writer-nogui poppler-utils``). Set
``VCOP_KEEP_PAGES=DIR`` to keep the PDFs and a PNG of every page for a look.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.report_layout import PUBLIC_HEADINGS
from handlers.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]
MEETING = "2025-09-stalking"
TOOLS = ("soffice", "pdftotext", "pdfinfo", "pdftoppm")

pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS),
    reason="LibreOffice (soffice) and poppler-utils are needed to render pages",
)


def _pdf(docx_file: Path, folder: Path, profile_folder: Path) -> Path:
    """Convert with a LibreOffice profile of our own, so a running LibreOffice cannot interfere."""
    profile = profile_folder.as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(docx_file),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = folder / f"{docx_file.stem}.pdf"
    assert pdf.exists(), f"LibreOffice wrote no PDF for {docx_file.name}"
    return pdf


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    return [
        (float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    ]


def _body_lines(page: str) -> list[str]:
    """A page's lines without its running header (DRAFT …) and footer (Generated … Page n)."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return [
        line
        for line in lines
        if not line.startswith("DRAFT") and not re.match(r"Generated .* Page \d+ of \d+$", line)
    ]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("render")
    config = work / "app.yaml"
    shutil.copy(ROOT / "app.yaml", config)
    settings = load_settings(config, env={})
    out = work / "demo"
    assert run_demo(settings, out, out=io.StringIO()) == 0
    keep = os.environ.get("VCOP_KEEP_PAGES")
    folder = Path(keep) if keep else work / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    pdfs = {
        "public": _pdf(out / f"{MEETING}-draft-summary.docx", folder, work / "profile"),
        "annex": _pdf(out / f"{MEETING}-annex.docx", folder, work / "profile"),
    }
    for name, pdf in pdfs.items():
        subprocess.run(
            ["pdftoppm", "-r", "70", "-png", str(pdf), str(folder / name)],
            check=True,
            timeout=120,
        )
    return pdfs


def test_every_page_says_draft_and_carries_its_number(rendered: dict[str, Path]) -> None:
    for pdf in rendered.values():
        pages = _pages(pdf)
        assert pages
        for number, page in enumerate(pages, start=1):
            lines = [line.strip() for line in page.splitlines() if line.strip()]
            assert lines[0].startswith("DRAFT"), (pdf.name, number, lines[:2])
            assert re.search(rf"Page {number} of {len(pages)}$", lines[-1]), lines[-1]
            assert "Generated 10 September 2025 10:00 BST" in lines[-1]


def test_no_page_holds_a_single_stray_line(rendered: dict[str, Path]) -> None:
    for pdf in rendered.values():
        for number, page in enumerate(_pages(pdf), start=1):
            assert len(_body_lines(page)) > 2, (pdf.name, number, _body_lines(page))


def test_the_public_report_reads_in_the_published_order_on_a_few_a4_pages(
    rendered: dict[str, Path],
) -> None:
    pages = _pages(rendered["public"])
    assert 2 <= len(pages) <= 4
    assert all(
        abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in _page_sizes(rendered["public"])
    )
    text = re.sub(r"\s+", " ", "\n".join(pages))
    positions = [text.index(heading) for heading in PUBLIC_HEADINGS]
    assert positions == sorted(positions)
    first_page = re.sub(r"\s+", " ", pages[0])
    assert "Victims' Code of Practice – Stalking or harassment Scrutiny Panel 17 September" in (
        first_page
    )
    assert "scrutinised 6 cases relating to stalking or harassment" in text
    for ref in ("SH-01", "SH-06"):
        assert ref not in text


def test_the_annex_matrix_fits_a_landscape_page_without_breaking_a_word(
    rendered: dict[str, Path],
) -> None:
    sizes = _page_sizes(rendered["annex"])
    width, height = sizes[-1]
    assert width > height
    matrix = _pages(rendered["annex"])[-1]
    header = next(line for line in matrix.splitlines() if line.strip().startswith("Case"))
    assert header.split() == ["Case", *(f"R{n}" for n in range(1, 13)), "Category"]
    rows = [line.split() for line in matrix.splitlines() if line.strip().startswith("SH-")]
    assert [row[0] for row in rows] == [f"SH-0{n}" for n in range(1, 7)]
    assert all(len(row) == 14 for row in rows), rows
