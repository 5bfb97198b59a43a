"""Every row of a scope's long table (增长, 覆盖率, 全部数据) as CSV beside its workbook, when its
sheet lists only the newest MAX_SHEET_ROWS: written by DuckDB a few reports at a time, its
labels joined in, its reports in the order the warehouse took them in. A CSV whose reports so
far are those it holds (the same rows, by count and hash, in the same order) gets the rows of
its new reports appended (a new report is the last taken in): one more report into 1,000
writes its own rows, not the 380,000 before them. What a written CSV holds is recorded in the
export's manifest: its blocks (each report's rows by count and hash, in order), size and
time."""

from __future__ import annotations

import codecs
import dataclasses
import shutil
from pathlib import Path

from coopwh.export.columns import COVERAGE, CSV_ROWS, FACTS, GROWTH, LONG_SHEETS
from coopwh.export.scope import LOAD_ORDER, Scope, Warehouse, dated, in_load_order, scope_tables
from coopwh.export.workbook import FORMULA_STARTS, Column

SHEET_COLUMNS = {"growth": GROWTH, "coverage": COVERAGE, "facts": FACTS}


# the label a sheet shows for a code, in SQL: column key -> (the code's column, where its label is)
LABELLED = {
    "level_zh": ("subject_level", "subject_level"),
    "basis_zh": ("basis", "basis"),
    "growth_basis_zh": ("growth_basis", "growth_basis"),
    "covers_zh": ("covers", "covers"),
    "before_basis": ("before_basis", "before_basis"),
    "review_status_zh": ("review_status", "review_status"),
    "level_unit_zh": ("level_unit", "units"),
    "unit_zh": ("unit", "units"),
    "kind_zh": ("kind", "kinds"),
    "qualifier_zh": ("qualifier", "qualifiers"),
}
VOCABULARY_KEYS = {"units": "unit", "kinds": "kind", "qualifiers": "qualifier"}


def csv_name(name: str, key: str) -> str:
    """The CSV of a scope's long table: 全国-全部数据.csv, 四川省-增长.csv …"""
    return f"{name}-{LONG_SHEETS[key]}.csv"


@dataclasses.dataclass
class CsvWrite:
    """What becomes of one CSV: kept as it is, appended (the rows written to source go at the
    end of target, which is cut at `keep` bytes first) or replaced (by source)."""

    how: str  # keep, append, replace
    target: Path
    record: dict  # for the manifest: signature, blocks (size and mtime_ns once in place)
    source: Path | None = None
    keep: int = 0  # bytes of target kept, when appending
    start: int = 0  # the first block written


def plan_csv(
    data: Warehouse, scope: Scope, key: str, target: Path, signature: str, before: dict | None
) -> CsvWrite:
    """How to bring the CSV of a scope's table up to date: its blocks now against what the
    manifest says the file in place holds (before; its size and time tell it is that file)."""
    blocks = scope.blocks[key]
    now = [[rid, *blocks[rid]] for rid in in_load_order(data, blocks)]
    record = {"signature": signature, "blocks": now}
    old = (before or {}).get("blocks")
    if (
        isinstance(old, list)
        and (before or {}).get("signature") == signature
        and _stat(target) == ((before or {}).get("size"), (before or {}).get("mtime_ns"))
        and now[: len(old)] == old
        and old
    ):
        if len(old) == len(now):
            return CsvWrite("keep", target, {**before, **record})
        return CsvWrite("append", target, record, keep=before["size"], start=len(old))
    return CsvWrite("replace", target, record)


def write_csv(connection, data: Warehouse, scope: Scope, key: str, plan: CsvWrite, where: Path):
    """Write what plan says into the directory `where` (the rows a CSV gains, or all of it, as
    plan.source); keep writes nothing."""
    if plan.how == "keep":
        return
    report_ids = [rid for rid, *_ in plan.record["blocks"][plan.start :]]
    plan.source = where / f"{plan.target.name}.{plan.how}"
    _write_rows(connection, data, scope, key, report_ids, plan.source, header=plan.start == 0)


def commit_csv(plan: CsvWrite) -> dict:
    """Put a written CSV in place (its rows appended, or the whole file renamed over the old
    one) and return its record with the file's size and time."""
    if plan.how == "append":
        with open(plan.target, "r+b") as target, open(plan.source, "rb") as source:
            target.truncate(plan.keep)
            target.seek(plan.keep)
            shutil.copyfileobj(source, target, 1 << 20)
        plan.source.unlink()
    elif plan.how == "replace":
        plan.source.replace(plan.target)
    size, mtime_ns = _stat(plan.target)
    return {**plan.record, "size": size, "mtime_ns": mtime_ns}


def _stat(path: Path) -> tuple[int | None, int | None]:
    try:
        stat = path.stat()
    except OSError:
        return None, None
    return stat.st_size, stat.st_mtime_ns


def _write_rows(
    connection,
    data: Warehouse,
    scope: Scope,
    key: str,
    report_ids: list[str],
    path: Path,
    header: bool,
) -> None:
    """The rows of these reports (in this order, a report's rows in the sheet's order) as CSV
    (UTF-8 with a byte-order mark and a header when header, so Excel reads the Chinese), by
    DuckDB, a few reports at a time (about CSV_ROWS rows: DuckDB sorts a part, not all
    380,000 figures of 1,000 reports at once; its writer then held 0.65 GB)."""
    sql, order, values = scope_tables(data, scope.code)[key]
    selected = ", ".join(f'{_expression(column)} AS "{column.zh}"' for column in SHEET_COLUMNS[key])
    joins = " ".join(_join(column) for column in SHEET_COLUMNS[key] if column.key in LABELLED)
    blocks = scope.blocks[key]
    parts: list[list[str]] = [[]]
    size = 0
    for report_id in report_ids:
        rows = blocks[report_id][0]
        if size and size + rows > CSV_ROWS:
            parts.append([])
            size = 0
        parts[-1].append(report_id)
        size += rows
    body = path.with_name(path.name + ".body")
    with open(path, "wb") as target:
        if header:
            target.write(codecs.BOM_UTF8)
        for number, part in enumerate(parts):
            if not part:
                continue
            connection.execute(
                f"COPY (SELECT {selected} FROM ({dated(sql)}) AS t {joins} "
                f"WHERE list_contains(?, t.report_id) ORDER BY {_qualified(LOAD_ORDER)}, "
                f"{_qualified(order)}) TO '{_literal(body)}' "
                f"(FORMAT csv, HEADER {str(header and number == 0).lower()})",
                [*values, part],
            )
            with open(body, "rb") as source:
                shutil.copyfileobj(source, target, 1 << 20)
    body.unlink(missing_ok=True)


def _qualified(order: str) -> str:
    """An ORDER BY of the table's columns, each named as t's."""
    return ", ".join(f"t.{term.strip()}" for term in order.split(","))


def _expression(column: Column) -> str:
    """The SQL of one column of a CSV: what the sheet's row shaping gives it."""
    sql = f"l_{column.key}.label_zh" if column.key in LABELLED else f"t.{column.key}"
    if column.key in LABELLED:
        code, _ = LABELLED[column.key]
        sql = f"COALESCE({sql}, t.{code})"
    if column.fmt in ("text", "sentence"):  # never a formula when Excel opens it
        starts = ", ".join(f"'{start}'" for start in FORMULA_STARTS)
        sql = f"CASE WHEN left({sql}, 1) IN ({starts}) THEN '''' || {sql} ELSE {sql} END"
    return sql


def _join(column: Column) -> str:
    """The join that brings a column's label: seeds.labels by domain, or a vocabulary."""
    code, domain = LABELLED[column.key]
    alias = f"l_{column.key}"
    if domain in VOCABULARY_KEYS:
        return (
            f"LEFT JOIN (SELECT {VOCABULARY_KEYS[domain]} AS code, name_zh AS label_zh "
            f"FROM seeds.{domain}) AS {alias} ON {alias}.code = t.{code}"
        )
    return (
        f"LEFT JOIN (SELECT code, label_zh FROM seeds.labels WHERE domain = '{domain}') "
        f"AS {alias} ON {alias}.code = t.{code}"
    )


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
