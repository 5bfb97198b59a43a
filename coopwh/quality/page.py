"""The one-page quality summary (HTML, Chinese and English): audits, expectations, warnings."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from coopwh.changes.log import ChangeLog
from coopwh.quality.sections import (
    LABELS,
    changes_section,
    escape,
    failed_reports_section,
    held_section,
    not_passed_section,
    passing_section,
    per_report_sections,
    progress_section,
    reports_with_a_section,
    warnings_section,
)
from coopwh.quality.validator import CheckResult

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222;
max-width:72em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#1f4e78;color:#fff}.pass{color:#1a7f37}.warning{color:#b35900;font-weight:bold}
.fail{color:#c62828;font-weight:bold}.quote{color:#555;font-size:.9em}
.verdict{font-size:1.2em;padding:.5em .8em;border-radius:4px;background:#f3f3f3}
.pass-box{background:#e8f5e9}.warning-box{background:#fff3e0}.fail-box{background:#ffebee}
h3{font-size:1em;margin-top:1.2em}details{margin:.6em 0}summary{cursor:pointer;font-weight:bold}
table.reports td:not(:first-child){text-align:right}table.reports td:first-child{white-space:nowrap}
"""


def write_summary(
    path: Path,
    audits: list,  # coopwh.build.AuditOutcome
    checks: list[CheckResult],
    warnings: list[dict],
    docs: Path | None,
    held: list[dict] | None = None,
    progress: list[dict] | None = None,
    changes: ChangeLog | None = None,
) -> Path:
    """Write the summary page to path and return it; held are the rows of marts.held_facts,
    progress those of marts.review_progress, changes what the last build changed. The page
    leads with what needs a person (verdict, warnings and errors, held figures, reports whose
    checks failed), then a row per report, then what changed; the passing checks come last,
    folded."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    held = held or []
    progress = progress or []
    failed = sum(1 for a in audits if a.blocking and not a.passed) + sum(
        1 for c in checks if c.refused
    )
    verdict = "fail" if failed else ("warning" if warnings or held else "pass")
    expectations = sum(len(c.expectations) for c in checks)
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>数据质量报告 Data quality report</title><style>{STYLE}</style></head><body>",
        "<h1>供销合作社改革试点数据仓库 · 数据质量报告<br>Co-op reform pilot warehouse · "
        "data quality report</h1>",
        f"<p class='verdict {verdict}-box'>结论 Verdict: "
        f"<span class='{verdict}'>{LABELS[verdict]}</span> · {len(warnings)} 条警告 warnings, "
        f"{failed} 项错误 errors, {len(held)} 个数字暂缓入库 figures held back</p>",
        f"<p>生成时间 Generated: {now:%Y-%m-%d %H:%M:%S} UTC · "
        f"{len(audits)} 项审计 audits, {expectations} 项期望 expectations, "
        f"{len(progress)} 份报告 reports</p>",
    ]
    if docs:
        link = os.path.relpath(docs, path.parent)
        parts.append(
            "<p>Great Expectations 数据文档 Data Docs: "
            f"<a href='{escape(link)}'>{escape(link)}</a></p>"
        )
    with_section = reports_with_a_section(warnings, held, progress)
    parts += warnings_section(warnings, with_section)
    parts += not_passed_section(audits, checks)
    parts += held_section(held, with_section)
    parts += failed_reports_section(progress, with_section)
    parts += progress_section(progress, with_section)
    parts += changes_section(changes)
    parts += per_report_sections(warnings, held, progress, with_section)
    parts += passing_section(audits, checks)
    parts.append("</body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
