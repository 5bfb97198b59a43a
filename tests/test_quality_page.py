"""The quality page as a person sees it: rendered by a real browser (headless Chromium), read as
text. It leads with the verdict and the warnings, then a row per report, then the passing checks."""

from __future__ import annotations

import html
import json
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


PROBE = """<script>
// where each part of the page lies, as the browser laid it out: in the first screen or not
const screen = window.innerHeight;
const bottom = (element) => element.getBoundingClientRect().bottom;
const verdict = document.querySelector('.verdict');
const warnings = document.querySelector('table.groups');
const reports = document.querySelector('table.reports');
document.body.insertAdjacentHTML('beforeend', '<pre id="probe">' + JSON.stringify({
  screen: screen,
  verdict: bottom(verdict),
  warnings: bottom(warnings),
  groups: warnings.querySelectorAll('tr').length - 1,
  reports_top: reports.getBoundingClientRect().top,
  report_rows: reports.querySelectorAll('tr').length - 1,
}) + '</pre>');
</script>"""


def laid_out(page: Path, profile: Path, width: int, height: int) -> dict:
    """Where the verdict, the warnings and the reports table lie when Chromium lays the page
    out in a window of this size (a script added to a copy of the page measures them)."""
    probed = page.with_name("probed.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "--dump-dom",
            probed.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found = result.stdout.rsplit('<pre id="probe">', 1)[1].split("</pre>")[0]  # not the script
    return json.loads(html.unescape(found))


def test_a_thousand_reports_page_has_the_verdict_and_every_warning_on_its_first_screen(
    tmp_path: Path,
) -> None:
    """At 1,000 reports, 150 warnings of three checks and 40 held figures, the page still opens
    with the verdict and every warning (a row per check, its count and the first of them) on
    a laptop's first screen; the table below has a row per report."""
    from coopwh.build.audits import AuditOutcome
    from coopwh.quality.page import write_summary

    reports = [f"2024-county-{n:04d}" for n in range(1000)]
    checks = ("assert_parts_add_up_to_their_total", "assert_growth_matches_its_levels")
    warnings = [
        {
            "finding_id": f"w{n}",
            "check_name": checks[n % 2] if n < 140 else "assert_shares_match_their_counts",
            "status": "warning",
            "report_id": reports[n * 6],
            "span_starts": str(100 + n),
            "message": f"合计{n + 200}万元，各项加总{n + 190}万元",
            "stated_value": n + 200,
            "expected_value": n + 190,
            "sentences": f"全县社有企业实现营业收入合计{n + 200}万元，其中农资{n}万元。",
        }
        for n in range(150)
    ]
    held = [
        {
            "report_id": reports[n * 20],
            "span_start": 50 + n,
            "number_text": "120%",
            "reason": "value 120.0 is out of range for a coverage_pct figure",
            "sentence": "基层社乡镇覆盖率达到120%。",
        }
        for n in range(40)
    ]
    progress = [
        {
            "report_id": report,
            "figures": 380,
            "reviewed_pct": 0.0,
            "checks_passed": 20,
            "checks_warned": 1 if n % 6 == 0 and n < 900 else 0,
            "checks_failed": 0,
            "checks_not_checkable": 3,
            "held": 1 if n % 20 == 0 and n < 800 else 0,
            "curated": 0,
            "accepted": 0,
            "corrected": 0,
            "rejected": 0,
            "waiting": 380,
        }
        for n, report in enumerate(reports)
    ]
    audits = [AuditOutcome(f"audit_{n}", "marts.facts", n % 3 == 0, 0) for n in range(70)]
    page = write_summary(tmp_path / "index.html", audits, [], warnings, None, held, progress)

    where = laid_out(page, tmp_path / "profile", 1366, 768)

    assert where["verdict"] <= where["screen"]
    assert where["groups"] == 3  # every warning, by its check
    assert where["warnings"] <= where["screen"], where
    assert where["reports_top"] > where["warnings"] and where["report_rows"] == 1000
    text = rendered_text(page, tmp_path / "profile-text")
    assert "150 条警告" in text or "全部 150 条警告" in text
    assert page.stat().st_size < 2_000_000  # one self-contained file that opens at once
