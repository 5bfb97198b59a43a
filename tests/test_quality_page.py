"""The quality page as a person sees it: rendered by a real browser (headless Chromium), read as
text. It leads with the verdict and the warnings, then a row per report, then the passing checks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, coopwh

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def rendered_text(page: Path, profile: Path) -> str:
    """The page's text as Chromium lays it out (its DOM after rendering, tags dropped)."""
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_quality_page_leads_with_the_warning_then_a_row_per_report(
    fresh_project: Path, tmp_path: Path
) -> None:
    report = ROOT / "tests" / "fixtures" / "relations" / "2024-jian-fund.txt"
    inbox = fresh_project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(report, inbox)
    assert coopwh(fresh_project, "run").returncode == 0
    dom = rendered_text(fresh_project / "warehouse" / "quality" / "index.html", tmp_path / "p")
    verdict = dom.index("结论 Verdict")
    warning = dom.index("8000", dom.index("警告 Warnings"))  # the first tranche's 8000万元
    table = dom.index("各报告 Reports")
    passing = dom.index("全部检查 Every check")
    assert verdict < warning < table < passing
    assert dom.index("本次变化 What changed") > table
    # the jian report's row: its figures and its checks passed / warned / failed
    row = dom[dom.index(f"#report-{report.stem}", table) :].split("</tr>")[0]
    cells = [cell.split(">", 1)[1] for cell in row.split("<td")[1:]]
    assert cells and all(cell.endswith("</td>") for cell in cells), row
    figures, _, passed, warned, failed = (cell[: -len("</td>")] for cell in cells[:5])
    assert int(figures) > 0 and int(passed) > 0 and int(warned) > 0 and failed == "0"
    # its section, linked from the row, lists the warning
    section = dom[dom.index(f'id="report-{report.stem}"') :].split("<h3")[0]
    assert "8000" in section
    assert "<details>" in dom[passing:] and "<summary>" in dom[passing:]
