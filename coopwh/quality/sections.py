"""The sections of the quality page, each a list of HTML lines: the warnings (summed up by
check past a few), the checks not passed, the figures held back, the reports whose checks
failed, a row per report, what changed, a section per report that needs a person, and every
check, folded."""

from __future__ import annotations

import html
import re

from coopwh.changes.log import ChangeLog, in_words, shown
from coopwh.quality.validator import CheckResult

IN_WORDS_SHOWN = 10  # change rows the page gives in words first


CHANGES_SHOWN = 100  # change rows the page lists (coopwh changes lists them all)


LABELS = {"pass": "通过 pass", "warning": "警告 warning", "fail": "失败 fail"}


IN_FULL = 5  # warnings, held figures or reports a section lists in full before it sums them up


CUT = 120  # characters of a message or sentence a summary row shows


def _anchor(report_id: object) -> str:
    return "report-" + re.sub(r"[^0-9A-Za-z_-]", "_", str(report_id))


def _report_link(report_id: object, with_section: set[str]) -> str:
    if str(report_id) in with_section:
        return f"<a href='#{_anchor(report_id)}'>{escape(report_id)}</a>"
    return escape(report_id)


def reports_with_a_section(
    warnings: list[dict], held: list[dict], progress: list[dict]
) -> set[str]:
    """Only the reports with a warning, an error or a held figure get a section of their own
    (at 1,000 reports the others are a row of the table)."""
    ids = {str(w["report_id"]) for w in warnings if w.get("report_id")}
    ids |= {str(row["report_id"]) for row in held}
    ids |= {
        str(row["report_id"])
        for row in progress
        if row.get("checks_failed") or row.get("checks_warned") or row.get("held")
    }
    return ids


def _warnings_table(warnings: list[dict], with_section: set[str]) -> list[str]:
    parts = [
        "<table><tr><th>检查 Check</th><th>说明 What</th><th>报告数 Stated</th>"
        "<th>加总 Recomputed</th><th>原文 Source sentences</th></tr>"
    ]
    for w in warnings:
        sentences = "<br>".join(escape(s) for s in str(w.get("sentences") or "").split(" / "))
        report = w.get("report_id")
        offsets = w.get("span_starts")
        where = _report_link(report, with_section)
        if offsets is not None and offsets != "":
            where += f" @ {escape(offsets)}"
        parts.append(
            f"<tr><td>{escape(w['check_name'])}</td><td>{escape(w['message'])}</td>"
            f"<td>{escape(_num(w.get('stated_value')))}</td>"
            f"<td>{escape(_num(w.get('expected_value')))}</td>"
            f"<td class='quote'>{sentences}<br>({where})</td></tr>"
        )
    parts.append("</table>")
    return parts


def warnings_section(warnings: list[dict], with_section: set[str]) -> list[str]:
    """Every warning: in full when there are a few; past that, one row per check (how many,
    in how many reports, the first with its sentence), so that they all fit the page's first
    screen beside the verdict, then each of them in full, folded."""
    parts = ["<h2>警告 Warnings</h2>"]
    if not warnings:
        return [*parts, "<p>无 None.</p>"]
    if len(warnings) <= IN_FULL:
        return parts + _warnings_table(warnings, with_section)
    by_check: dict[str, list[dict]] = {}
    for warning in warnings:
        by_check.setdefault(str(warning["check_name"]), []).append(warning)
    parts.append(
        "<table class='groups'><tr><th>检查 Check</th><th>警告 Warnings</th>"
        "<th>报告 Reports</th><th>第一条 The first</th></tr>"
    )
    for check, found in sorted(by_check.items(), key=lambda item: -len(item[1])):
        first = found[0]
        reports = len({str(w.get("report_id")) for w in found})
        sentence = str(first.get("sentences") or "").split(" / ")[0]
        parts.append(
            f"<tr><td>{escape(check)}</td><td class='warning'>{len(found):,}</td>"
            f"<td>{reports:,}</td>"
            f"<td>{escape(_cut(first['message']))}<br><span class='quote'>{escape(_cut(sentence))} "
            f"({_report_link(first.get('report_id'), with_section)})</span></td></tr>"
        )
    parts.append("</table>")
    return [
        *parts,
        f"<details><summary>全部 {len(warnings):,} 条警告 Every warning</summary>",
        *_warnings_table(warnings, with_section),
        "</details>",
    ]


def not_passed_section(audits: list, checks: list[CheckResult]) -> list[str]:
    """The audits and expectations that did not pass: errors (blocking) and warnings."""
    bad_audits = [a for a in audits if not a.passed]
    bad_checks = [
        (check, expectation, column, success)
        for check in checks
        for expectation, column, success in check.expectations
        if not success
    ]
    parts = ["<h2>未通过的检查 Checks not passed</h2>"]
    if not bad_audits and not bad_checks:
        return [*parts, "<p>全部通过 Every audit and expectation passed.</p>"]
    if bad_audits:
        parts += _audit_rows(bad_audits)
    if bad_checks:
        parts += _expectation_rows(bad_checks)
    return parts


def held_section(held: list[dict], with_section: set[str]) -> list[str]:
    parts = [
        "<h2>暂缓入库的数字 Figures held back</h2><p>这些数字未通过入库检查，暂不进入数据集市；"
        "同一报告的其他数字已入库。These figures failed the door-in checks and are kept out of "
        "the marts (marts.held_facts); the rest of their reports loaded.</p>"
    ]
    if not held:
        return [*parts, "<p>无 None.</p>"]
    if len(held) <= IN_FULL:
        return parts + _held_table(held, with_section)
    reports = len({str(row["report_id"]) for row in held})
    return [
        *parts,
        f"<details><summary>{len(held):,} 个数字，{reports:,} 份报告 figures in {reports:,} "
        "reports</summary>",
        *_held_table(held, with_section),
        "</details>",
    ]


def _held_table(held: list[dict], with_section: set[str]) -> list[str]:
    parts = [
        "<table><tr><th>报告 Report</th><th>位置 Span</th><th>原文数字 As printed</th>"
        "<th>原因 Reason</th><th>原文 Sentence</th></tr>"
    ]
    for row in held:
        parts.append(
            f"<tr><td>{_report_link(row['report_id'], with_section)}</td>"
            f"<td>{escape(row['span_start'])}</td>"
            f"<td>{escape(row['number_text'])}</td><td>{escape(row['reason'])}</td>"
            f"<td class='quote'>{escape(row.get('sentence'))}</td></tr>"
        )
    parts.append("</table>")
    return parts


def failed_reports_section(progress: list[dict], with_section: set[str]) -> list[str]:
    """The reports whose checks failed or warned, by name, linked to their sections."""
    parts = ["<h2>检查未通过的报告 Reports with checks that failed</h2>"]
    rows = [r for r in progress if r.get("checks_failed") or r.get("checks_warned")]
    if not rows:
        return [*parts, "<p>无 None.</p>"]
    items = [
        f"<li>{_report_link(r['report_id'], with_section)}: "
        f"{r.get('checks_failed') or 0} 项错误 failed, {r.get('checks_warned') or 0} 项警告 "
        "warned</li>"
        for r in rows
    ]
    if len(items) <= IN_FULL:
        return [*parts, "<ul>", *items, "</ul>"]
    return [
        *parts,
        f"<details><summary>{len(items):,} 份报告 reports</summary><ul>",
        *items,
        "</ul></details>",
    ]


def progress_section(progress: list[dict], with_section: set[str]) -> list[str]:
    parts = [
        "<h2>各报告 Reports</h2><p>每份报告一行：数字、已由人工核对的比例（手工整理、接受、更正或"
        "拒绝）、核对结果和暂缓的数字。One row per report: its figures, the share a person has "
        "looked at (curated, accepted, corrected or rejected; the rest wait: "
        "<code>coopwh review export</code>), its checks and its figures held back. A report with "
        "a warning, an error or a held figure links to its section below.</p>"
    ]
    if not progress:
        return [*parts, "<p>无 None.</p>"]
    parts.append(
        "<table class='reports'><tr><th>报告 Report</th><th>数字 Figures</th>"
        "<th>已审 Reviewed</th><th>核对通过 Checks passed</th><th>警告 Warned</th>"
        "<th>错误 Failed</th><th>无法核对 Not checkable</th><th>暂缓 Held</th>"
        "<th>手工 Curated</th><th>接受 Accepted</th><th>更正 Corrected</th>"
        "<th>拒绝 Rejected</th><th>待审 Waiting</th></tr>"
    )
    for row in progress:
        share = row.get("reviewed_pct")
        warned, errors = row.get("checks_warned") or 0, row.get("checks_failed") or 0
        parts.append(
            f"<tr><td>{_report_link(row['report_id'], with_section)}</td>"
            f"<td>{row['figures']}</td>"
            f"<td>{escape('' if share is None else f'{share:.1f}%')}</td>"
            f"<td>{row.get('checks_passed') or 0}</td>"
            f"<td{' class=warning' if warned else ''}>{warned}</td>"
            f"<td{' class=fail' if errors else ''}>{errors}</td>"
            f"<td>{row.get('checks_not_checkable') or 0}</td>"
            f"<td{' class=warning' if row['held'] else ''}>{row['held']}</td>"
            f"<td>{row['curated']}</td><td>{row['accepted']}</td><td>{row['corrected']}</td>"
            f"<td>{row['rejected']}</td><td>{row['waiting']}</td></tr>"
        )
    parts.append("</table>")
    return parts


def per_report_sections(
    warnings: list[dict], held: list[dict], progress: list[dict], with_section: set[str]
) -> list[str]:
    """A section per report with a warning, an error or a held figure: its warnings, its
    held figures."""
    if not with_section:
        return []
    order = [str(r["report_id"]) for r in progress if str(r["report_id"]) in with_section]
    order += sorted(with_section - set(order))
    by_id = {str(r["report_id"]): r for r in progress}
    parts = ["<h2>需要处理的报告 Reports that need a person</h2>"]
    for report_id in order:
        row = by_id.get(report_id, {})
        parts.append(f"<h3 id='{_anchor(report_id)}'>{escape(report_id)}</h3>")
        if row:
            parts.append(
                f"<p>{row['figures']} 个数字 figures · 核对 checks "
                f"{row.get('checks_passed') or 0} 通过 passed / "
                f"{row.get('checks_warned') or 0} 警告 warned / "
                f"{row.get('checks_failed') or 0} 错误 failed · {row['held']} 暂缓 held</p>"
            )
        mine = [w for w in warnings if str(w.get("report_id")) == report_id]
        if mine:
            parts += _warnings_table(mine, set())
        kept = [h for h in held if str(h["report_id"]) == report_id]
        if kept:
            parts += _held_table(kept, set())
        if not mine and not kept:
            parts.append("<p>核对未通过，见上表 Checks did not pass: see the table above.</p>")
    return parts


def _audit_rows(audits: list) -> list[str]:
    parts = [
        "<table><tr><th>审计 Audit</th><th>模型 Model</th><th>阻断 Blocking</th>"
        "<th>结果 Result</th></tr>"
    ]
    for a in audits:
        state = "pass" if a.passed else ("fail" if a.blocking else "warning")
        detail = "" if a.passed else f" ({a.failed_rows} rows)"
        blocking = "是 yes" if a.blocking else "否 no"
        parts.append(
            f"<tr><td>{escape(a.audit)}</td><td>{escape(a.model)}</td><td>{blocking}"
            f"</td><td class='{state}'>{LABELS[state]}{detail}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _expectation_rows(rows: list[tuple[CheckResult, str, object, bool]]) -> list[str]:
    parts = [
        "<table><tr><th>套件 Suite</th><th>数据 Batch</th><th>期望 Expectation</th>"
        "<th>列 Column</th><th>结果 Result</th></tr>"
    ]
    for check, expectation, column, success in rows:
        state = "pass" if success else ("warning" if check.held else "fail")
        failure = next(
            (f for f in check.failures if (f.expectation, f.column) == (expectation, column)),
            None,
        )
        detail = f"<br><span class='quote'>{escape(failure.describe())}</span>" if failure else ""
        if failure and check.held:
            detail += "<br>those figures are held back; the rest of the batch loaded"
        parts.append(
            f"<tr><td>{escape(check.suite)}</td><td>{escape(check.source)}</td><td>{escape(expectation)}</td>"
            f"<td>{escape(column)}</td><td class='{state}'>{LABELS[state]}{detail}</td></tr>"
        )
    parts.append("</table>")
    return parts


def passing_section(audits: list, checks: list[CheckResult]) -> list[str]:
    """The full lists of audits and expectations, folded, their counts in the summaries."""
    passed = sum(1 for a in audits if a.passed)
    rows = [(c, e, col, ok) for c in checks for e, col, ok in c.expectations]
    met = sum(1 for c in checks for _, _, success in c.expectations if success)
    return [
        "<h2>全部检查 Every check</h2>",
        f"<details><summary>SQLMesh 审计 Audits (in the warehouse): {passed} / {len(audits)} "
        "通过 passed</summary>",
        *_audit_rows(audits),
        "</details>",
        f"<details><summary>Great Expectations 期望 Expectations (at the edges): {met} / "
        f"{len(rows)} 通过 passed</summary>",
        *_expectation_rows(rows),
        "</details>",
    ]


def _where(report_id: str | None, offsets: object) -> str:
    """Where a row's figures are: its report, and their offsets in its text if it has any (a
    row of review_progress is a whole report)."""
    return f"{report_id} @ {offsets}" if offsets is not None and offsets != "" else f"{report_id}"


def changes_section(log: ChangeLog | None) -> list[str]:
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
            f"<tr><td>marts.{escape(mart)}</td><td>{c['added']}</td><td>{c['removed']}</td>"
            f"<td>{c['changed']}</td></tr>"
        )
    parts.append("</table>")
    rows = log.first(CHANGES_SHOWN)
    signs = {"added": "+", "removed": "−", "changed": "~"}
    parts.append("<ul class='words'>")
    parts += [
        f"<li>{signs.get(row['change'], '')} {escape(in_words(row))}</li>"
        for row in rows[:IN_WORDS_SHOWN]
    ]
    parts.append("</ul>")
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
            f"{label}: {escape(text)}"
            for label, text in (("原 before", row["old_sentence"]), ("新 now", row["new_sentence"]))
            if text
        )
        where = _where(row["report_id"], row["span_start"]) if row["report_id"] else ""
        parts.append(
            f"<tr><td>{escape(row['mart'])}</td><td>{escape(row.get('label') or row['key'])}</td>"
            f"<td>{escape(row['change'])}"
            f"</td><td>{escape(row['column_name'])}</td><td>{escape(before)}</td>"
            f"<td>{escape(now)}</td><td class='quote'>{sentences}"
            f"{'<br>' if sentences and where else ''}{escape(where)}</td></tr>"
        )
    parts.append("</table>")
    if log.more(len(rows)):
        parts.append(f"<p>… 另有 {log.more(len(rows))} 行 more rows: coopwh changes</p>")
    return parts


def _cut(text: object) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= CUT else text[: CUT - 1] + "…"


def escape(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: object) -> str:
    if value is None:
        return ""
    number = float(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
