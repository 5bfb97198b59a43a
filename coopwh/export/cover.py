"""A workbook's cover: its scope, the reports behind it, how much is reviewed, the audits and
the warnings about its own figures, the changes since the last export, and a guide."""

from __future__ import annotations

from pathlib import Path

from coopwh.changes.log import ChangesError, in_words, read_log, shown
from coopwh.export import columns
from coopwh.export.columns import (
    COVER_CHANGES,
    COVER_REPORTS,
    GUIDE,
    LONG_SHEETS,
    NATIONAL,
)
from coopwh.export.scope import Scope, Warehouse
from coopwh.export.workbook import SCALES, Column


def _review_line(data: Warehouse, reports: list[dict]) -> str:
    """How much of each report a person has checked (curated or reviewed), and what waits."""
    lines = []
    rows = [data.review[r["report_id"]] for r in reports if r["report_id"] in data.review]
    if len(rows) > COVER_REPORTS:
        waiting = sum(row["waiting"] for row in rows)
        done = sum(1 for row in rows if not row["waiting"])
        lines.append(f"{len(rows)} 份报告中 {done} 份已全部核对；共 {waiting:,} 条数字待审。")
        reports = [r for r in reports if data.review.get(r["report_id"], {}).get("waiting")]
        reports = reports[:COVER_REPORTS]
    for report in reports:
        row = data.review.get(report["report_id"])
        if row:
            lines.append(
                f"{report['report_id']}：已核对 {row['reviewed_pct'] or 0:.1f}%"
                f"（手工整理 {row['curated']}，审阅接受 {row['accepted']}，"
                f"更正 {row['corrected']}，拒绝 {row['rejected']}；"
                f"待审 {row['waiting']}，其中暂缓入库 {row['held']}）{_checks_words(row)}"
            )
    lines.append(
        "未经审阅的数字由程序从报告中读出（review_status 为 unreviewed），请对照原文使用。"
    )
    return "\n".join(lines)


def _checks_words(row: dict) -> str:
    """What the checks of a report's own arithmetic found, in words for its cover."""
    passed, warned, failed = (
        row.get(k) or 0 for k in ("checks_passed", "checks_warned", "checks_failed")
    )
    if not passed + warned + failed:
        return ""
    if not warned + failed:
        return f"；报告自身的算术核对 {passed} 项全部通过"
    return f"；报告自身的算术核对：通过 {passed} 项，警告 {warned} 项，错误 {failed} 项（见“警告”）"


def changes_line(published_db: Path, since: int | None, code: str | None) -> str:
    """The changes to this scope since the build the previous export was made from."""
    if since is None:
        return "尚无变化记录。"
    try:
        log = read_log(published_db, str(since), province=code, per_mart=COVER_CHANGES)
    except ChangesError:
        return "尚无变化记录。"
    builds = "、".join(str(b["build_id"]) for b in log.builds)
    if not log.builds:
        return f"自上次导出（第 {since} 次构建）以来没有新的构建。"
    head = f"自上次导出（第 {since} 次构建）以来，第 {builds} 次构建"
    counts = log.counts
    if not counts:
        return head + "没有改变本范围的数据。"
    total = {k: sum(c[k] for c in counts.values()) for k in ("added", "removed", "changed")}
    lines = [
        f"{head}：新增 {total['added']} 行，删除 {total['removed']} 行，修改 {total['changed']} 行"
        f"（全部见 coopwh changes --since {since}）。"
    ]
    rows = log.first(COVER_CHANGES)
    for row in rows:
        if row["change"] == "changed":
            column = columns.column_of(row["mart"], row["column_name"])
            before, after = (_as_shown(row[v], column) for v in ("old_value", "new_value"))
            name = column.zh if column else row["column_name"]
            lines.append(f"修改 {row.get('label') or row['key']}：{name} {before} → {after}")
        else:
            verb = "新增" if row["change"] == "added" else "删除"
            lines.append(f"{verb} {in_words(row)}")
    if log.more(len(rows)):
        lines.append(f"……及其他 {log.more(len(rows))} 行")
    return "\n".join(lines)


NUMERIC = (*SCALES, "pct", "pp", "number", "int", "yuan")  # the sheets' number formats


def _as_shown(value: str | None, column: Column | None) -> str:
    """A changed value as its sheet shows it: yuan in 万元 or 亿元, a percent with %, a number
    with its thousands marked (to four decimals at most)."""
    fmt = column.fmt if column else ""
    try:
        number = float(value) if value is not None and fmt in NUMERIC else None
    except ValueError:
        number = None
    if number is None:
        return shown(value)
    if fmt in ("pct", "pp"):
        return f"{number:g}%" if fmt == "pct" else f"{number:g}个百分点"
    return f"{number / SCALES.get(fmt, 1):,.4f}".rstrip("0").rstrip(".")


def _long_sheets(scope: Scope, csvs: dict[str, str]) -> str:
    """How the long sheets are ordered, how many rows each lists, and where the rest are."""
    sheets = "".join(f"“{title}”" for title in LONG_SHEETS.values())
    line = (
        f"{sheets}表按来源报告的数据截至时间从新到旧排列（未注明的在后，同一时间按报告编号从后到前），"
        f"每表至多列出 {columns.MAX_SHEET_ROWS:,} 行。"
    )
    if csvs:
        listed = "；".join(
            f"“{LONG_SHEETS[key]}”表共 {scope.total(key):,} 行，全部见 {name}"
            for key, name in csvs.items()
        )
        line += f"{listed}（与本工作簿同目录，UTF-8 编码；报告按入库先后排列，新报告的行在末尾）。"
    return line


def cover_lines(
    data: Warehouse, what: str, report_ids: set[str], scope: Scope, csvs: dict[str, str]
) -> list[tuple[str, str]]:
    """The cover: scope, vintage and the reports with figures in this workbook, how its long
    sheets are ordered and capped (csvs: the CSV of each capped one, by table), build time,
    review progress, audits and standing warnings, and a guide."""
    summary = data.audit_summary
    passed = summary["audits"] - summary["failed_blocking"] - summary["warnings"]
    status = (
        f"阻断性审计全部通过（{passed}/{summary['audits']} 项通过，{summary['warnings']} 项警告）"
        if summary["failed_blocking"] == 0
        else f"有 {summary['failed_blocking']} 项阻断性审计未通过"
    )
    shown = [r for r in data.reports if r["report_id"] in report_ids]
    reports = "\n".join(
        f"{r['title'] or r['report_id']}（{r['report_id']}，"
        f"数据截至 {r['data_as_of'] or '未注明'}，SHA-256 {r['sha256'][:12]}）"
        for r in shown[:COVER_REPORTS]
    )
    if len(shown) > COVER_REPORTS:
        reports += f"\n……及其他 {len(shown) - COVER_REPORTS} 份报告（全部见数据仓库 meta.reports）"
    warnings = "\n".join(
        f"{i}. {w['message']}\n   原文：{w['sentences']}" for i, w in enumerate(scope.warnings, 1)
    )
    elsewhere = len(data.warnings) - len(scope.warnings)
    if elsewhere:  # a province's workbook: the warnings about its own figures
        warnings = (warnings + "\n" if warnings else "本省数字无警告；") + (
            f"其他地区的数字另有 {elsewhere} 项警告，见 {NATIONAL}.xlsx"
        )
    figures = f"{scope.facts_total:,} 条"
    if "facts" in csvs:
        figures += f"；“全部数据”表列出最新的 {columns.MAX_SHEET_ROWS:,} 条，全部见 {csvs['facts']}"
    vintage = max((r["data_as_of"] or "" for r in shown), default="")
    return [
        ("范围", what),
        ("数据截至", vintage),
        ("来源报告", reports),
        ("数字", figures),
        ("长表", _long_sheets(scope, csvs)),
        ("生成时间", f"{data.built_at:%Y-%m-%d %H:%M:%S} UTC（数据仓库构建时间）"),
        ("审阅进度", _review_line(data, shown)),
        ("审计状态", status),
        ("警告", warnings or "无"),
        ("使用说明", GUIDE),
    ]
