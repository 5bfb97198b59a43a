"""Review what the extractor read: a sheet that goes out to a reviewer and comes back.

`export_sheet` writes one row per figure still to review (unreviewed, or held back by the door
in), with its sentence, the extractor's reading in editable columns, and drop-down lists.
`apply_sheet` reads the sheet back, checks every row, records the decisions in
seeds/fact_reviews.csv (versioned like the other seeds) and rebuilds. Nothing is applied if any
row is wrong."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from coopwh.paths import Paths, read_only
from coopwh.workbook import HEADER_FILL, HEADER_FONT, print_setup, set_text, text_lines, write_cover
from loaders.reports import split_sentences

Echo = Callable[[str], None]
SHEET = "审阅"
LISTS = "选项"
DECISIONS = {"accept": "接受", "correct": "更正", "reject": "拒绝"}
REVIEW_COLUMNS = [
    "fact_id",
    "report_id",
    "span_start",
    "decision",
    "subject",
    "metric_code",
    "metric",
    "value",
    "unit",
    "kind",
    "qualifier",
    "baseline",
    "period",
    "is_target",
    "reviewer",
    "reviewed_at",
    "sentence",
    "note",  # the reviewer's 审阅备注, as typed
]
EDITABLE = [
    "subject",
    "metric_code",
    "metric",
    "value",
    "unit",
    "kind",
    "qualifier",
    "baseline",
    "period",
    "is_target",
]


@dataclass(frozen=True)
class Field:
    """A column of the review sheet: key, Chinese header, width, and its list of choices."""

    key: str
    zh: str
    width: int
    choices: str = ""  # the column of the lists sheet it takes its values from


FIELDS = [
    Field("fact_id", "数据编号", 30),
    Field("report_id", "来源报告", 22),
    Field("span_start", "原文位置", 9),
    Field("number_text", "原文数字", 12),
    Field("sentence", "原文句子（数字以【】标出）", 60),
    Field("decision", "审阅结论", 14, "decision"),
    Field("subject", "单位", 28, "subject"),
    Field("metric_code", "规范指标", 26, "metric_code"),
    Field("metric", "指标（原文）", 18),
    Field("value", "数值", 14),
    Field("unit", "量纲", 12, "unit"),
    Field("kind", "类别", 16, "kind"),
    Field("qualifier", "数字性质", 12, "qualifier"),
    Field("baseline", "基期", 10),
    Field("period", "期间", 10),
    Field("is_target", "是否目标", 10, "is_target"),
    Field("held_reason", "暂缓原因（若有）", 36),
    Field("note", "审阅备注", 24),
    Field("failed_check", "未通过的核对（请先审）Failed check", 48),
]
ZH = {field.key: field.zh for field in FIELDS}
DECISION_FILL = PatternFill("solid", fgColor="FFF2CC")
READ_ONLY_FILL = PatternFill("solid", fgColor="F2F2F2")
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


@dataclass(frozen=True)
class _Formula:
    """A cell of the returned sheet that holds a formula (read as typed, never computed)."""

    text: str
    cell: str  # its coordinate, e.g. J7


class ReviewError(Exception):
    """A review sheet that cannot be applied; the message names every wrong row and cell."""


@dataclass
class Applied:
    """What applying a sheet recorded."""

    accepted: int = 0
    corrected: int = 0
    rejected: int = 0
    unchanged: int = 0  # decisions already recorded as they are in the sheet
    left: int = 0  # rows without a decision

    @property
    def changed(self) -> int:
        return self.accepted + self.corrected + self.rejected


# ---------------------------------------------------------------------------------------------
# Export


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
                "sentence": _marked(text, row["span_start"], row["span_end"]),
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


def _marked(text: str, start: int, end: int) -> str:
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


# ---------------------------------------------------------------------------------------------
# Apply


def apply_sheet(paths: Paths, sheet_path: Path, reviewer: str | None = None) -> Applied:
    """Check every row of a filled review sheet and record its decisions in
    seeds/fact_reviews.csv. Raises ReviewError naming each wrong row, writing nothing."""
    rows = _read_sheet(sheet_path)
    readings = _readings(paths)
    reference = _reference(paths)
    seeds_path = paths.project / "seeds" / "fact_reviews.csv"
    recorded = _recorded(seeds_path)
    reviewer = reviewer or os.environ.get("COOPWH_REVIEWER") or getpass.getuser()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    errors: list[str] = []
    decided: dict[str, dict] = {}
    result = Applied()
    for number, row in rows:
        where = f"{sheet_path.name}, sheet {SHEET}, row {number}"
        formulas = [(key, value) for key, value in row.items() if isinstance(value, _Formula)]
        for key, formula in formulas:
            header = f" ({ZH[key]})" if key in ZH else ""
            errors.append(
                f"{where}, cell {formula.cell}{header}: a formula ({formula.text}), not a value: "
                "type the value itself"
            )
        if formulas:
            continue
        decision = _token(row.get("decision"))
        if not decision:
            result.left += 1
            continue
        fact_id = str(row.get("fact_id") or "").strip()
        reading = readings.get(fact_id)
        if reading is None:
            errors.append(
                f"{where}, {_cell('fact_id', number)}: fact_id {fact_id!r} is not a figure the "
                "extractor read in this warehouse"
            )
            continue
        if decision not in DECISIONS:
            errors.append(
                f"{where}, {_cell('decision', number)}: decision {row.get('decision')!r} is "
                "not one of accept, correct, reject"
            )
            continue
        if fact_id in decided:
            errors.append(f"{where}, {_cell('fact_id', number)}: {fact_id} appears twice")
            continue
        corrected, problems = _corrections(row, reading, reference, number)
        errors += [f"{where}, {problem}" for problem in problems]
        if problems:
            continue
        if decision == "accept" and corrected:
            fields = ", ".join(sorted(corrected))
            errors.append(
                f"{where}, {_cell('decision', number)}: accept, but {fields} changed; choose "
                "correct to keep the changes, or undo them"
            )
            continue
        if decision == "correct" and not corrected:
            errors.append(
                f"{where}, {_cell('decision', number)}: correct, but nothing was changed; "
                "choose accept if the reading is right"
            )
            continue
        final = {**reading, **corrected}
        if decision != "reject":
            errors += [f"{where}: {problem}" for problem in _check_final(final, reference)]
        entry = {
            "fact_id": fact_id,
            "report_id": reading["report_id"],
            "span_start": str(reading["span_start"]),
            "decision": decision,
            **{key: _csv_value(corrected.get(key)) for key in EDITABLE},
            "reviewer": reviewer,
            "reviewed_at": now,
            "sentence": reading["sentence"],
            "note": _csv_value(row.get("note")).strip(),
        }
        old = recorded.get(fact_id)
        if old is not None and _same_decision(old, entry):
            result.unchanged += 1
            continue
        decided[fact_id] = entry
    if errors:
        raise ReviewError(
            f"{sheet_path}: {len(errors)} problem(s); nothing was applied:\n  "
            + "\n  ".join(errors)
        )
    for entry in decided.values():
        attribute = {"accept": "accepted", "correct": "corrected", "reject": "rejected"}
        name = attribute[entry["decision"]]
        setattr(result, name, getattr(result, name) + 1)
    if decided:
        _write_recorded(seeds_path, {**recorded, **decided})
    return result


def _read_sheet(path: Path) -> list[tuple[int, dict]]:
    try:
        workbook = load_workbook(path)  # formulas as typed: a cell must hold its value
    except Exception as error:  # noqa: BLE001 (openpyxl raises many kinds)
        raise ReviewError(f"{path}: cannot be read as an Excel workbook ({error})") from error
    if SHEET not in workbook.sheetnames:
        raise ReviewError(f"{path}: has no sheet {SHEET!r}; is it a coopwh review sheet?")
    sheet = workbook[SHEET]
    keys = [cell.value for cell in sheet[2]]
    missing = {"fact_id", "decision", *EDITABLE} - set(keys)
    if missing:
        raise ReviewError(
            f"{path}: row 2 of {SHEET} lacks the columns {', '.join(sorted(missing))}"
        )
    rows = []
    for number, cells in enumerate(sheet.iter_rows(min_row=3), start=3):
        values = [
            _Formula(str(getattr(c.value, "text", c.value)), c.coordinate)
            if c.data_type == "f"
            else c.value
            for c in cells
        ]
        if any(v not in (None, "") for v in values):
            rows.append((number, dict(zip(keys, values, strict=False))))
    workbook.close()
    return rows


def _readings(paths: Paths) -> dict[str, dict]:
    """The extractor's reading of every figure, by the key a review names (from raw.*)."""
    if not paths.build_db.exists():
        raise ReviewError(f"{paths.build_db}: no warehouse yet; run `coopwh build` first")
    with read_only(paths.build_db) as connection:
        cursor = connection.execute(
            "SELECT report_id || ':' || span_start || ':' || COALESCE(subject, '?') AS fact_id, "
            "report_id, span_start, span_end, number_text, subject, metric_code, metric, value, "
            "unit, kind, qualifier, baseline, period, is_target FROM raw.extracted_facts "
            "UNION ALL BY NAME SELECT report_id || ':' || span_start || ':' || "
            "COALESCE(subject, '?') AS fact_id, report_id, span_start, span_end, number_text, "
            "subject, metric_code, metric, value, unit, kind, qualifier, baseline, period, "
            "is_target FROM raw.held_facts"
        )
        names = [column[0] for column in cursor.description]
        readings = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
        texts = dict(connection.execute("SELECT report_id, text FROM raw.reports").fetchall())
    for reading in readings.values():
        reading["sentence"] = _marked(
            texts[reading["report_id"]], reading["span_start"], reading["span_end"]
        )
        reading["is_target"] = bool(reading["is_target"])
    return readings


@dataclass
class _Reference:
    subjects: set[str]
    metrics: set[str]
    units: set[str]
    kinds: set[str]
    qualifiers: set[str]


def _reference(paths: Paths) -> _Reference:
    seeds = paths.project / "seeds"

    def column(seed: str, name: str) -> set[str]:
        with open(seeds / f"{seed}.csv", encoding="utf-8", newline="") as handle:
            return {row[name] for row in csv.DictReader(handle)}

    return _Reference(
        subjects=column("pilots", "pilot_id")
        | column("pilot_types", "pilot_type_code")
        | column("regions", "region_code")
        | {"national"},
        metrics=column("metrics", "metric_code"),
        units=column("units", "unit"),
        kinds=column("kinds", "kind"),
        qualifiers=column("qualifiers", "qualifier"),
    )


def _corrections(row: dict, reading: dict, reference: _Reference, number: int):
    """The fields the reviewer changed, parsed; and the problems found, each naming its cell.
    An emptied cell keeps the extractor's reading."""
    corrected: dict = {}
    problems: list[str] = []
    for key in EDITABLE:
        try:
            value = _parse(key, row.get(key), reference)
        except ValueError as error:
            problems.append(f"{_cell(key, number)}: {error}")
            continue
        original = reading.get(key)
        if value is None:
            continue
        if key == "value":
            changed = original is None or abs(value - float(original)) > 1e-9 * max(1.0, abs(value))
        elif key == "is_target":
            changed = value != bool(original)
        else:
            changed = value != (original or None)
        if changed:
            corrected[key] = value
    return corrected, problems


def _parse(key: str, raw: object, reference: _Reference):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if key == "value":
        if isinstance(raw, bool):
            raise ValueError(f"value {raw!r} is not a number")
        if isinstance(raw, int | float):
            return float(raw)
        try:
            return float(str(raw).replace(",", "").replace("，", "").strip())
        except ValueError:
            raise ValueError(f"value {raw!r} is not a number") from None
    if key == "is_target":
        text = str(raw).strip().lower()
        if text in ("true", "是", "1", "yes"):
            return True
        if text in ("false", "否", "0", "no"):
            return False
        raise ValueError(f"is_target {raw!r} is not true or false")
    text = str(raw).strip()
    known = {
        "subject": reference.subjects,
        "metric_code": reference.metrics,
        "unit": reference.units,
        "kind": reference.kinds,
        "qualifier": reference.qualifiers,
    }.get(key)
    if known is not None:
        token = _token(text)
        if token not in known:
            raise ValueError(f"{key} {text!r} is not in the list (see the drop-down)")
        return token
    return text


def _check_final(fact: dict, reference: _Reference) -> list[str]:
    """The door-in rules a figure must keep after review (plain checks, no GX import)."""
    problems = []
    if not fact.get("subject"):
        problems.append("the figure has no subject: choose one in the subject column")
    value, kind = fact.get("value"), fact.get("kind")
    if kind in ("coverage_pct", "share_pct") and not 0 <= value <= 100:
        problems.append(f"a {kind} of {value} is outside 0 to 100")
    if kind in ("growth_pct", "yoy_growth_pct") and value <= -100:
        problems.append(f"a {kind} of {value} is -100 or below")
    percent_kinds = ("coverage_pct", "share_pct", "growth_pct", "yoy_growth_pct")
    if kind in percent_kinds and fact.get("unit") != "percent":
        problems.append(f"a {kind} figure must have unit percent, not {fact.get('unit')}")
    return problems


def _token(value: object) -> str:
    """The code at the start of a list choice ('370783 山东省潍坊市寿光市' -> '370783')."""
    text = str(value or "").strip()
    return text.split()[0].lower() if text else ""


def _cell(key: str, number: int) -> str:
    column = next(i for i, f in enumerate(FIELDS, start=1) if f.key == key)
    return f"cell {get_column_letter(column)}{number}"


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def _same_decision(old: dict, new: dict) -> bool:
    keys = ["decision", *EDITABLE, "note"]
    return all((old.get(k) or "") == (new.get(k) or "") for k in keys)


def upgrade_reviews_seed(seeds_dir: Path) -> bool:
    """Give a seeds/fact_reviews.csv written by an earlier version the columns it lacks
    (empty), so its rows still build; True if it was rewritten."""
    path = seeds_dir / "fact_reviews.csv"
    if not path.exists():
        return False
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    if not header or all(column in header for column in REVIEW_COLUMNS):
        return False
    _write_recorded(path, _recorded(path))
    return True


def _recorded(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["fact_id"]: row for row in csv.DictReader(handle)}


def _write_recorded(path: Path, rows: dict[str, dict]) -> None:
    ordered = sorted(
        rows.values(), key=lambda r: (r["report_id"], int(r["span_start"]), r["fact_id"])
    )
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=REVIEW_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(ordered)
    temporary.replace(path)


def backup(path: Path, directory: Path) -> Path:
    """A copy of the reviews seed, kept in directory (not beside the seeds, which a build
    fingerprints), to put back if the rebuild fails."""
    directory.mkdir(parents=True, exist_ok=True)
    copy = directory / (path.name + ".before-review")
    shutil.copy2(path, copy)
    return copy
