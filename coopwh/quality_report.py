"""The one-page quality summary (HTML, Chinese and English): audits, expectations, warnings."""

from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path

from coopwh.changes import ChangeLog, shown
from coopwh.quality import CheckResult

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222;
max-width:72em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#1f4e78;color:#fff}.pass{color:#1a7f37}.warning{color:#b35900;font-weight:bold}
.fail{color:#c62828;font-weight:bold}.quote{color:#555;font-size:.9em}
"""
CHANGES_SHOWN = 100  # change rows the page lists (coopwh changes lists them all)
LABELS = {"pass": "通过 pass", "warning": "警告 warning", "fail": "失败 fail"}


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
    progress those of marts.review_progress, changes what the last build changed."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    held = held or []
    failed = sum(1 for a in audits if a.blocking and not a.passed) + sum(
        1 for c in checks if c.refused
    )
    verdict = "fail" if failed else ("warning" if warnings or held else "pass")
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>数据质量报告 Data quality report</title><style>{STYLE}</style></head><body>",
        "<h1>供销合作社改革试点数据仓库 · 数据质量报告<br>Co-op reform pilot warehouse · "
        "data quality report</h1>",
        f"<p>生成时间 Generated: {now:%Y-%m-%d %H:%M:%S} UTC · 结论 Verdict: "
        f"<span class='{verdict}'>{LABELS[verdict]}</span> · "
        f"{len(audits)} 项审计 audits, {sum(len(c.expectations) for c in checks)} 项期望 "
        f"expectations, {len(warnings)} 条警告 warnings, {len(held)} 个数字暂缓入库 figures "
        "held back</p>",
    ]
    if docs:
        link = os.path.relpath(docs, path.parent)
        parts.append(
            f"<p>Great Expectations 数据文档 Data Docs: <a href='{_e(link)}'>{_e(link)}</a></p>"
        )
    parts += _changes_section(changes)
    parts.append("<h2>警告 Warnings</h2>")
    if warnings:
        parts.append(
            "<table><tr><th>检查 Check</th><th>说明 What</th><th>报告数 Stated</th>"
            "<th>加总 Recomputed</th><th>原文 Source sentences</th></tr>"
        )
        for w in warnings:
            sentences = "<br>".join(_e(s) for s in str(w.get("sentences") or "").split(" / "))
            parts.append(
                f"<tr><td>{_e(w['check_name'])}</td><td>{_e(w['message'])}</td>"
                f"<td>{_e(_num(w.get('stated_value')))}</td>"
                f"<td>{_e(_num(w.get('expected_value')))}</td>"
                f"<td class='quote'>{sentences}<br>"
                f"({_e(_where(w.get('report_id'), w.get('span_starts')))})</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>无 None.</p>")
    parts.append(
        "<h2>审阅进度 Review progress</h2><p>每份报告中已由人工核对的数字（手工整理、接受、更正或"
        "拒绝）和待审的数字。Figures a person has looked at (curated, accepted, corrected or "
        "rejected) and those still waiting: <code>coopwh review export</code>.</p>"
    )
    if progress:
        parts.append(
            "<table><tr><th>报告 Report</th><th>数字 Figures</th><th>手工 Curated</th>"
            "<th>接受 Accepted</th><th>更正 Corrected</th><th>拒绝 Rejected</th>"
            "<th>待审 Waiting</th><th>暂缓 Held</th><th>已审 Reviewed</th>"
            "<th>核对通过 Checks passed</th><th>警告 Warned</th><th>错误 Failed</th></tr>"
        )
        for row in progress:
            share = row.get("reviewed_pct")
            parts.append(
                f"<tr><td>{_e(row['report_id'])}</td><td>{row['figures']}</td>"
                f"<td>{row['curated']}</td><td>{row['accepted']}</td><td>{row['corrected']}</td>"
                f"<td>{row['rejected']}</td><td>{row['waiting']}</td><td>{row['held']}</td>"
                f"<td>{_e('' if share is None else f'{share:.1f}%')}</td>"
                f"<td>{row.get('checks_passed', 0)}</td><td>{row.get('checks_warned', 0)}</td>"
                f"<td>{row.get('checks_failed', 0)}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>无 None.</p>")
    parts.append(
        "<h2>暂缓入库的数字 Figures held back</h2><p>这些数字未通过入库检查，暂不进入数据集市；"
        "同一报告的其他数字已入库。These figures failed the door-in checks and are kept out of "
        "the marts (marts.held_facts); the rest of their reports loaded.</p>"
    )
    if held:
        parts.append(
            "<table><tr><th>报告 Report</th><th>位置 Span</th><th>原文数字 As printed</th>"
            "<th>原因 Reason</th><th>原文 Sentence</th></tr>"
        )
        for row in held:
            parts.append(
                f"<tr><td>{_e(row['report_id'])}</td><td>{_e(row['span_start'])}</td>"
                f"<td>{_e(row['number_text'])}</td><td>{_e(row['reason'])}</td>"
                f"<td class='quote'>{_e(row.get('sentence'))}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>无 None.</p>")
    parts.append(
        "<h2>SQLMesh 审计 Audits (in the warehouse)</h2><table><tr><th>审计 Audit</th>"
        "<th>模型 Model</th><th>阻断 Blocking</th><th>结果 Result</th></tr>"
    )
    for a in audits:
        state = "pass" if a.passed else ("fail" if a.blocking else "warning")
        detail = "" if a.passed else f" ({a.failed_rows} rows)"
        blocking = "是 yes" if a.blocking else "否 no"
        parts.append(
            f"<tr><td>{_e(a.audit)}</td><td>{_e(a.model)}</td><td>{blocking}"
            f"</td><td class='{state}'>{LABELS[state]}{detail}</td></tr>"
        )
    parts.append("</table><h2>Great Expectations 期望 Expectations (at the edges)</h2>")
    parts.append(
        "<table><tr><th>套件 Suite</th><th>数据 Batch</th><th>期望 Expectation</th>"
        "<th>列 Column</th><th>结果 Result</th></tr>"
    )
    for check in checks:
        failures = {(f.expectation, f.column): f for f in check.failures}
        for expectation, column, success in check.expectations:
            state = "pass" if success else ("warning" if check.held else "fail")
            failure = failures.get((expectation, column))
            detail = f"<br><span class='quote'>{_e(failure.describe())}</span>" if failure else ""
            if failure and check.held:
                detail += "<br>those figures are held back; the rest of the batch loaded"
            parts.append(
                f"<tr><td>{_e(check.suite)}</td><td>{_e(check.source)}</td><td>{_e(expectation)}</td>"
                f"<td>{_e(column)}</td><td class='{state}'>{LABELS[state]}{detail}</td></tr>"
            )
    parts.append("</table></body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _where(report_id: str | None, offsets: object) -> str:
    """Where a row's figures are: its report, and their offsets in its text if it has any (a
    row of review_progress is a whole report)."""
    return f"{report_id} @ {offsets}" if offsets is not None and offsets != "" else f"{report_id}"


def _changes_section(log: ChangeLog | None) -> list[str]:
    """本次变化 What changed: per mart the rows added, removed and changed by the last build,
    then the changed and removed rows (the values and their sentences) and the first added."""
    parts = ["<h2>本次变化 What changed</h2>"]
    if log is None or not log.builds:
        return [*parts, "<p>尚无变化记录 No change log yet.</p>"]
    build = log.builds[-1]
    parts.append(
        f"<p>第 {build['build_id']} 次构建与上一次成功构建相比 Build {build['build_id']} "
        f"against the previous good build: {build['added']} 行新增 added, {build['removed']} "
        f"行删除 removed, {build['changed']} 行修改 changed. "
        "<code>coopwh changes</code> 列出全部 lists them all.</p>"
    )
    counts = log.counts
    if not counts:
        return [*parts, "<p>数据集市无变化 No mart row changed.</p>"]
    parts.append(
        "<table><tr><th>集市 Mart</th><th>新增 Added</th><th>删除 Removed</th>"
        "<th>修改 Changed</th></tr>"
    )
    for mart, c in counts.items():
        parts.append(
            f"<tr><td>marts.{_e(mart)}</td><td>{c['added']}</td><td>{c['removed']}</td>"
            f"<td>{c['changed']}</td></tr>"
        )
    parts.append("</table>")
    rows = log.first(CHANGES_SHOWN)
    parts.append(
        "<table><tr><th>集市 Mart</th><th>行 Row</th><th>变化 Change</th><th>列 Column</th>"
        "<th>原值 Before</th><th>新值 Now</th><th>原文 Sentences</th></tr>"
    )
    for row in rows:
        before, now = (
            (shown(row["old_value"]), shown(row["new_value"]))
            if row["change"] == "changed"
            else ("", "")
        )
        sentences = "<br>".join(
            f"{label}: {_e(text)}"
            for label, text in (("原 before", row["old_sentence"]), ("新 now", row["new_sentence"]))
            if text
        )
        where = _where(row["report_id"], row["span_start"]) if row["report_id"] else ""
        parts.append(
            f"<tr><td>{_e(row['mart'])}</td><td>{_e(row.get('label') or row['key'])}</td>"
            f"<td>{_e(row['change'])}"
            f"</td><td>{_e(row['column_name'])}</td><td>{_e(before)}</td>"
            f"<td>{_e(now)}</td><td class='quote'>{sentences}"
            f"{'<br>' if sentences and where else ''}{_e(where)}</td></tr>"
        )
    parts.append("</table>")
    if log.more(len(rows)):
        parts.append(f"<p>… 另有 {log.more(len(rows))} 行 more rows: coopwh changes</p>")
    return parts


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: object) -> str:
    if value is None:
        return ""
    number = float(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
