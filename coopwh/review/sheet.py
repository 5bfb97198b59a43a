"""Write the review sheet: one row per figure still to review (unreviewed, or held back by the
door in), its sentence with the figure marked, the reading in editable columns, drop-downs."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from coopwh.paths import Paths
from coopwh.published import read_only
from coopwh.review.fields import (
    DECISION_FILL,
    DECISIONS,
    EDITABLE,
    FIELDS,
    LISTS,
    READ_ONLY_FILL,
    SHEET,
    ReviewError,
)
from coopwh.review.layout import (
    HEADER_FILL,
    HEADER_FONT,
    print_setup,
    set_text,
    text_lines,
    write_cover,
)
from loaders.reports import split_sentences

GUIDE = (
    "每行是抽取程序从报告中读出的一个数字，尚待人工审阅。请阅读“原文句子”（数字以【】标出），"
    "在“审阅结论”一列选择：accept 接受（读得正确）、correct 更正（直接改写单位、指标、数值等列中"
    "读错的内容，并选 correct）、reject 拒绝（这不是一个应入库的数字）。留空的行下次再审。"
    "下拉列表给出可选的结论、单位、指标、量纲、类别和数字性质。灰色列请勿修改。"
    "改完保存后运行：coopwh review apply 本文件.xlsx。有任何一行不合格，系统会指出行和单元格，"
    "且不作任何改动。\n"
    "Each row is a figure the extractor read and nobody has reviewed yet. Read the sentence (the "
    "figure is marked 【】) and choose a decision: accept (read right), correct (overwrite what "
    "was read wrong in the columns subject…is_target, then choose correct) or reject (not a "
    "figure to keep). Rows left blank stay for later. Grey columns are not to be edited. Then "
    "run: coopwh review apply FILE.xlsx; a wrong row is named with its cell and nothing is "
    "applied."
)


def export_sheet(paths: Paths, out: Path, report_id: str | None = None) -> int:
    """Write the review workbook of the figures still to review; return how many rows."""
    if not paths.published_db.exists():
        raise ReviewError(f"{paths.published_db}: no warehouse yet; run `coopwh build` first")
    with read_only(paths.published_db) as connection:
        rows, lists, reports, built_at = _waiting(connection, report_id)
    if report_id and report_id not in reports:
        raise ReviewError(
            f"--report {report_id}: no such report in the warehouse "
            f"(reports: {', '.join(sorted(reports))})"
        )
    workbook = Workbook()
    cover = workbook.active
    cover.title = "说明"
    chosen = [r for r in sorted(reports) if report_id in (None, r)]
    counts = {r: sum(1 for row in rows if row["report_id"] == r) for r in chosen}
    write_cover(
        cover,
        "供销合作社改革试点数据 · 审阅表 Review sheet",
        [
            ("报告 Reports", "\n".join(f"{reports[r]}（{r}）：{counts[r]} 条待审" for r in chosen)),
            ("数据版本 Build", f"{built_at:%Y-%m-%d %H:%M:%S} UTC（数据仓库构建时间）"),
            ("待审数字 To review", f"{len(rows)} 条 rows"),
            ("使用说明 How to", GUIDE),
        ],
    )
    sheet = workbook.create_sheet(SHEET)
    _write_rows(sheet, rows)
    _write_lists(workbook.create_sheet(LISTS), lists)
    _add_choices(sheet, lists, len(rows))
    workbook.active = 1
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    workbook.save(temporary)
    temporary.replace(out)
    return len(rows)


def _waiting(connection, report_id: str | None):
    def fetch(sql: str, *parameters) -> list[dict]:
        cursor = connection.execute(sql, list(parameters))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    where = "" if report_id is None else "AND report_id = ?"
    parameters = () if report_id is None else (report_id,)
    texts = {r["report_id"]: r for r in fetch("SELECT report_id, title, text FROM meta.reports")}
    facts = fetch(
        "SELECT fact_id, report_id, span_start, span_end, number_text, subject_id, metric_code, "
        "metric, value, unit, kind, qualifier, baseline, period, is_target, NULL AS held_reason, "
        "failed_checks FROM marts.facts "
        f"WHERE review_status = 'unreviewed' {where}",
        *parameters,
    )
    held = fetch(
        "SELECT fact_id, report_id, span_start, span_end, number_text, subject_id, metric_code, "
        "metric, value, unit, kind, qualifier, NULL AS baseline, NULL AS period, "
        "NULL AS is_target, reason AS held_reason, NULL AS failed_checks FROM marts.held_facts "
        f"WHERE TRUE {where}",
        *parameters,
    )
    subjects = fetch(
        "SELECT pilot_id AS code, name FROM seeds.pilots UNION ALL "
        "SELECT pilot_type_code, name_zh || '（汇总）' FROM seeds.pilot_types UNION ALL "
        "SELECT 'national', '全国' UNION ALL "
        "SELECT regions.region_code, COALESCE(grand.full_name, '') "
        "|| COALESCE(parent.full_name, '') || regions.full_name FROM seeds.regions AS regions "
        "LEFT JOIN seeds.regions AS parent ON regions.parent_code = parent.region_code "
        "LEFT JOIN seeds.regions AS grand ON parent.parent_code = grand.region_code "
        "WHERE regions.region_code NOT IN (SELECT region_code FROM seeds.pilots) "
        "ORDER BY 1"
    )
    lists = {
        "decision": [f"{code} {zh}" for code, zh in DECISIONS.items()],
        "subject": [f"{s['code']} {s['name']}" for s in subjects],
        "metric_code": [
            f"{m['code']} {m['name']}"
            for m in fetch("SELECT metric_code AS code, name_zh AS name FROM seeds.metrics")
        ],
        "unit": [r["code"] for r in fetch("SELECT unit AS code FROM seeds.units")],
        "kind": [r["code"] for r in fetch("SELECT kind AS code FROM seeds.kinds")],
        "qualifier": [r["code"] for r in fetch("SELECT qualifier AS code FROM seeds.qualifiers")],
        "is_target": ["true", "false"],
    }
    names = {s["code"]: s["name"] for s in subjects}
    metric_names = dict(item.split(" ", 1) for item in lists["metric_code"])
    failed = {  # what each failed check of a report's own arithmetic says
        r["finding_id"]: f"{r['status']}: {r['message']}"
        for r in fetch(
            "SELECT finding_id, status, message FROM marts.audit_findings "
            "WHERE status IN ('warning', 'error')"
        )
    }

    def checks(row: dict) -> str | None:
        found = [failed[f] for f in (row["failed_checks"] or "").split(",") if f in failed]
        return "\n".join(found) or None

    rows = []
    for row in sorted(  # the figures of a failed check first: they most need a person
        [*facts, *held],
        key=lambda r: (checks(r) is None, r["report_id"], r["span_start"]),
    ):
        text = texts[row["report_id"]]["text"]
        subject = row["subject_id"]
        rows.append(
            {
                **row,
                "failed_check": checks(row),
                "sentence": marked(text, row["span_start"], row["span_end"]),
                "subject": f"{subject} {names.get(subject, '')}".strip() if subject else None,
                "metric_code": (
                    f"{row['metric_code']} {metric_names.get(row['metric_code'], '')}".strip()
                    if row["metric_code"]
                    else None
                ),
                "is_target": None if row["is_target"] is None else str(row["is_target"]).lower(),
            }
        )
    (built_at,) = connection.execute("SELECT built_at FROM meta.build_info").fetchone()
    reports = {r: (texts[r]["title"] or r) for r in texts}
    return rows, lists, reports, built_at


def marked(text: str, start: int, end: int) -> str:
    """The sentence around [start, end) with the figure marked 【】."""
    for sentence in split_sentences(text):
        if sentence.start <= start < sentence.end:
            return (
                text[sentence.start : start]
                + "【"
                + text[start:end]
                + "】"
                + text[end : max(end, sentence.end)]
            )
    return text[start:end]


def _write_rows(sheet, rows: list[dict]) -> None:
    for column, field in enumerate(FIELDS, start=1):
        for row, text, font in ((1, field.zh, HEADER_FONT), (2, field.key, Font(color="FFFFFF"))):
            cell = sheet.cell(row=row, column=column)
            set_text(cell, text)
            cell.font = font
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(column)].width = field.width
    editable = {"decision", "note", *EDITABLE}
    for index, row in enumerate(rows, start=3):
        for column, field in enumerate(FIELDS, start=1):
            cell = sheet.cell(row=index, column=column)
            value = row.get(field.key)
            if isinstance(value, str):
                set_text(cell, value)
            elif value is not None:
                cell.value = value
            if field.key == "decision":
                cell.fill = DECISION_FILL
            elif field.key not in editable:
                cell.fill = READ_ONLY_FILL
            cell.alignment = Alignment(wrap_text=field.key == "sentence", vertical="top")
        lines = text_lines(row["sentence"], FIELDS[4].width)
        sheet.row_dimensions[index].height = 15 * max(1, lines)
    sheet.freeze_panes = "F3"
    last = get_column_letter(len(FIELDS))
    sheet.auto_filter.ref = f"A2:{last}{max(2, len(rows) + 2)}"
    print_setup(sheet, repeat_header=True)
    sheet.print_title_rows = "1:2"


def _write_lists(sheet, lists: dict[str, list[str]]) -> None:
    for column, (key, values) in enumerate(lists.items(), start=1):
        set_text(sheet.cell(row=1, column=column), key)
        for row, value in enumerate(values, start=2):
            set_text(sheet.cell(row=row, column=column), value)
        sheet.column_dimensions[get_column_letter(column)].width = 30
    sheet.sheet_state = "hidden"


def _add_choices(sheet, lists: dict[str, list[str]], rows: int) -> None:
    keys = list(lists)
    last_row = max(3, rows + 2)
    for column, field in enumerate(FIELDS, start=1):
        if not field.choices:
            continue
        list_column = get_column_letter(keys.index(field.choices) + 1)
        size = len(lists[field.choices]) + 1
        validation = DataValidation(
            type="list",
            formula1=f"'{LISTS}'!${list_column}$2:${list_column}${size}",
            allow_blank=True,
            showErrorMessage=field.key == "decision",
            errorTitle="审阅结论 decision",
            error="请从列表中选择 accept、correct 或 reject。Choose accept, correct or reject.",
        )
        letter = get_column_letter(column)
        validation.add(f"{letter}3:{letter}{last_row}")
        sheet.add_data_validation(validation)
