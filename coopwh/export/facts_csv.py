"""Every figure of a scope as CSV beside its workbook (when a sheet would not hold them all),
written by DuckDB a few reports at a time, its labels joined in."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

from coopwh.export.columns import CSV_ROWS, FACTS
from coopwh.export.scope import rows_where
from coopwh.export.workbook import FORMULA_STARTS, Column


def write_all_facts(connection, code: str | None, path: Path) -> None:
    """Every figure of the scope, with the columns of the 全部数据 sheet, as CSV (UTF-8 with a
    byte-order mark, so Excel reads the Chinese), written by DuckDB: the labels are joined in,
    and text that Excel would take for a formula gets a leading apostrophe. Written a few
    reports at a time (about CSV_ROWS figures, in report order), so DuckDB sorts a part, not
    all 380,000 figures of 1,000 reports at once (its writer then held 0.65 GB)."""
    where, parameters = rows_where(code, "f.")
    columns = ", ".join(f'{_csv_expression(column)} AS "{column.zh}"' for column in FACTS)
    parts: list[list[str]] = [[]]
    size = 0
    for report_id, count in connection.execute(
        f"SELECT report_id, COUNT(*) FROM marts.facts AS f WHERE {where} "
        "GROUP BY report_id ORDER BY report_id",
        parameters,
    ).fetchall():
        if size and size + count > CSV_ROWS:
            parts.append([])
            size = 0
        parts[-1].append(report_id)
        size += count
    temporary = path.with_name(path.name + ".tmp")
    body = path.with_name(path.name + ".body")
    with open(temporary, "wb") as target:
        target.write(codecs.BOM_UTF8)
        for number, report_ids in enumerate(parts):
            connection.execute(
                f"COPY (SELECT {columns} FROM marts.facts AS f "
                "LEFT JOIN seeds.kinds AS k ON k.kind = f.kind "
                "LEFT JOIN seeds.units AS u ON u.unit = f.unit "
                "LEFT JOIN seeds.qualifiers AS q ON q.qualifier = f.qualifier "
                f"WHERE {where} AND list_contains(?, f.report_id) "
                "ORDER BY f.report_id, f.span_start, f.subject_id) "
                f"TO '{_literal(body)}' (FORMAT csv, HEADER {str(number == 0).lower()})",
                [*parameters, report_ids],
            )
            with open(body, "rb") as source:
                shutil.copyfileobj(source, target, 1 << 20)
    body.unlink()
    temporary.replace(path)


def _csv_expression(column: Column) -> str:
    """The SQL of one column of the facts CSV: what fact_row gives the sheet."""
    labelled = {
        "level_zh": _case("f.subject_level", "subject_level"),
        "review_status_zh": _case("f.review_status", "review_status"),
        "kind_zh": "COALESCE(k.name_zh, f.kind)",
        "unit_zh": "COALESCE(u.name_zh, f.unit)",
        "qualifier_zh": "COALESCE(q.name_zh, f.qualifier)",
    }
    sql = labelled.get(column.key, f"f.{column.key}")
    if column.fmt in ("text", "sentence"):  # never a formula when Excel opens it
        starts = ", ".join(f"'{start}'" for start in FORMULA_STARTS)
        sql = f"CASE WHEN left({sql}, 1) IN ({starts}) THEN '''' || {sql} ELSE {sql} END"
    return sql


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


def _case(column: str, domain: str) -> str:
    """SQL: the Chinese label of column's code in seeds.labels (the code if it has none)."""
    return (
        f"COALESCE((SELECT label_zh FROM seeds.labels WHERE domain = '{domain}' "
        f"AND code = {column}), {column})"
    )
