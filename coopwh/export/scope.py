"""What the workbooks read from the published copy: what every workbook shares (the build,
the reports, the pilots, the labels), and one scope's rows, read while its sheets are written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Callable, Sequence

from coopwh.errors import ExportError
from coopwh.export import columns
from coopwh.export.columns import CHART_BARS, DERIVED, LONG_SHEETS
from coopwh.export.index import Index
from coopwh.export.workbook import WIDTH_SAMPLE
from coopwh.published import fetch_dicts

VOCABULARIES = {"units": "unit", "kinds": "kind", "qualifiers": "qualifier"}


@dataclasses.dataclass
class Warehouse:
    """What every workbook reads from the published copy: the build, reports, pilots, labels."""

    built_at: dt.datetime
    audit_summary: dict
    reports: list[dict]
    warnings: list[dict]
    pilots: list[dict]
    comments: dict[str, dict[str, str]]  # mart -> column -> description
    labels: dict[
        str, dict[str, str]
    ]  # units, kinds, qualifiers, seeds.labels' domains -> code -> Chinese
    review: dict[str, dict]  # report id -> its row of marts.review_progress
    provinces: list[tuple[str, str]]  # (code, name) of every province with a pilot or a figure


@dataclasses.dataclass
class Scope:
    """The rows of one workbook: the whole country (code None) or one province's."""

    code: str | None
    name: str
    growth: Sequence[dict]  # the rows of the tables: read as their sheets are written
    coverage: Sequence[dict]
    funds: Sequence[dict]
    pilots: list[dict]
    facts: Sequence[dict]  # of each long sheet, at most MAX_SHEET_ROWS rows
    facts_total: int
    report_ids: set[str]
    others: list[str]  # units that are not pilots, with figures in this scope
    chart: Sequence[dict] = ()  # the growth since 2016 charted: at most CHART_BARS of it
    warnings: list[dict] = dataclasses.field(default_factory=list)  # those about its figures
    blocks: dict[str, dict[str, tuple]] = dataclasses.field(default_factory=dict)  # see Index

    def total(self, key: str) -> int:
        """How many rows a table of the scope has (growth, coverage, funds, facts)."""
        return sum(rows for rows, _ in self.blocks[key].values())

    def capped(self) -> list[str]:
        """The long sheets with more rows than a sheet lists: their tables go to CSV files."""
        return [key for key in LONG_SHEETS if self.total(key) > columns.MAX_SHEET_ROWS]


def read_warehouse(connection) -> Warehouse:
    """What every workbook needs from the published, read-only copy."""
    (info,) = fetch_dicts(connection, "SELECT built_at, audit_summary FROM meta.build_info")
    return Warehouse(
        built_at=info["built_at"],
        audit_summary=json.loads(info["audit_summary"]),
        reports=fetch_dicts(
            connection, "SELECT * EXCLUDE (text) FROM meta.reports ORDER BY report_id"
        ),
        warnings=fetch_dicts(
            connection,
            "SELECT * FROM marts.audit_findings WHERE status = 'warning' ORDER BY finding_id",
        ),
        pilots=fetch_dicts(connection, "SELECT * FROM marts.pilot_scorecard ORDER BY region_code"),
        review={
            row["report_id"]: row
            for row in fetch_dicts(connection, "SELECT * FROM marts.review_progress")
        },
        labels={
            vocabulary: {
                row["code"]: row["name_zh"]
                for row in fetch_dicts(
                    connection, f"SELECT {key} AS code, name_zh FROM seeds.{vocabulary}"
                )
            }
            for vocabulary, key in VOCABULARIES.items()
        }
        | _labels(connection),
        provinces=[
            (row["region_code"], row["full_name"])
            for row in fetch_dicts(
                connection,
                "SELECT region_code, full_name FROM seeds.regions WHERE region_code IN ("
                "SELECT province_code FROM marts.pilot_scorecard UNION "
                "SELECT province_code FROM marts.facts) ORDER BY region_code",
            )
        ],
        comments=_comments(
            fetch_dicts(
                connection,
                "SELECT table_name, column_name, comment FROM duckdb_columns() "
                "WHERE schema_name = 'marts' AND comment IS NOT NULL",
            )
        ),
    )


def rows_where(code: str | None, alias: str = "") -> tuple[str, list]:
    """The condition on a mart's rows for a scope (the country's: all; a province's: its own),
    with its parameters."""
    return ("TRUE", []) if code is None else (f"{alias}province_code = ?", [code])


def scope_pilots(data: Warehouse, code: str | None) -> list[dict]:
    """The pilot units of a scope: all of them, or a province's."""
    return [p for p in data.pilots if code is None or p["province_code"] == code]


def scope_tables(data: Warehouse, code: str | None) -> dict[str, tuple[str, str, list]]:
    """The SQL of each table a workbook shows (its rows, their order within a report, its
    parameters): the country's rows, or only the province's own (its units at every level,
    and its pilot types' pooled results). The long tables' reports come in the order of
    newest_first (a sheet) or oldest_first (a CSV); the funds in the order given."""
    pilots = scope_pilots(data, code)
    where, parameters = rows_where(code)
    types = sorted({p["pilot_type_code"] for p in pilots})
    pooled = (
        "subject_kind = 'pilot_type'"
        if code is None
        else ("subject_kind = 'pilot_type' AND list_contains(?, subject_id)")
    )
    return {
        "growth": (
            f"SELECT * FROM marts.growth_since_2016 WHERE {where} OR ({pooled})",
            "subject_kind DESC, basis, subject_id, span_start",
            [*parameters, *([] if code is None else [types])],
        ),
        "coverage": (
            f"SELECT * FROM marts.coverage_by_level WHERE {where}",
            "span_start, subject_id",
            parameters,
        ),
        "funds": (
            "SELECT * FROM marts.fund_composition WHERE list_contains(?, subject_id)",
            "fund_id, contribution_span_start NULLS LAST",
            [[p["pilot_id"] for p in pilots]],
        ),
        "facts": (
            f"SELECT * FROM marts.facts WHERE {where}",
            "span_start, subject_id",
            parameters,
        ),
    }


def scope_members(data: Warehouse, code: str | None) -> dict[str, set[str]]:
    """What puts pooled rows in a scope (Index.by_report): the pilot types of its pilots (the
    growth sheet's pooled results) and its pilots (their funds)."""
    pilots = scope_pilots(data, code)
    types = set() if code is None else {p["pilot_type_code"] for p in pilots}
    return {
        "growth": types,
        "coverage": set(),
        "funds": {p["pilot_id"] for p in pilots},
        "facts": set(),
    }


def read_scope(index: Index, data: Warehouse, code: str | None, name: str) -> Scope:
    """What one workbook's cover says of its scope (pilots, figures, reports, other units),
    from the index of the published copy; its rows come with with_rows."""
    members = scope_members(data, code)
    blocks = {key: index.by_report(key, code, members[key]) for key in members}
    facts = blocks["facts"]
    warnings = data.warnings
    if code is not None:  # the warnings about a province's figures
        touched = index.touched.get(code, set())
        warnings = [w for w in data.warnings if w["finding_id"] in touched]
    return Scope(
        code,
        name,
        [],
        [],
        [],
        scope_pilots(data, code),
        [],
        sum(rows for rows, _ in facts.values()),
        set(facts),
        index.others.get(code, []),
        warnings=warnings,
        blocks=blocks,
    )


def dated(sql: str) -> str:
    """A table's SQL with, beside each row, its report's data date and the time the warehouse
    took the report in (meta.reports)."""
    return (
        "SELECT t.*, r.data_as_of AS report_data_as_of, r.loaded_at AS report_loaded_at "
        f"FROM ({sql}) AS t LEFT JOIN (SELECT report_id, data_as_of, loaded_at FROM "
        "meta.reports) AS r USING (report_id)"
    )


# a sheet lists the newest reports first (by data date, 数据截至; then by id, from the last);
# a CSV lists every report in the order the warehouse took them in, so that a new report's
# rows go at its end (a CSV gains them, it is not written again)
NEWEST_FIRST = "report_data_as_of DESC NULLS LAST, report_id DESC"
LOAD_ORDER = "report_loaded_at ASC NULLS FIRST, report_id ASC"


def newest_first(data: Warehouse, report_ids) -> list[str]:
    """Report ids in the order of a sheet (NEWEST_FIRST), as DuckDB sorts them (strings by code
    point); a report meta.reports does not list has no date."""
    dates = {r["report_id"]: r["data_as_of"] for r in data.reports}
    return sorted(
        report_ids,
        key=lambda rid: (dates.get(rid) is not None, dates.get(rid) or "", rid),
        reverse=True,
    )


def in_load_order(data: Warehouse, report_ids) -> list[str]:
    """Report ids in the order of a CSV (LOAD_ORDER)."""
    loaded = {r["report_id"]: r["loaded_at"] for r in data.reports}
    never = dt.datetime.min
    return sorted(
        report_ids,
        key=lambda rid: (loaded.get(rid) is not None, loaded.get(rid) or never, rid),
    )


def with_rows(connection, data: Warehouse, scope: Scope) -> Scope:
    """The scope with the rows of its tables (see scope_tables), as the sheets show them (labels
    in Chinese beside the codes; the long sheets' first MAX_SHEET_ROWS rows, newest reports
    first), and the bars of its growth chart: each read while its sheet is written
    (_Fetched)."""
    shapes = {
        "growth": functools.partial(growth_row, data),
        "coverage": functools.partial(coverage_row, data),
        "funds": functools.partial(fund_row, data),
        "facts": functools.partial(fact_row, data),
    }
    tables = scope_tables(data, scope.code)
    rows = {}
    for key, (sql, order, values) in tables.items():
        if key not in LONG_SHEETS:
            rows[key] = _Fetched(connection, f"{sql} ORDER BY {order}", values, shapes[key])
            continue
        # the newest reports that fill the sheet: only their rows are read and sorted
        newest, enough = [], 0
        for report_id in newest_first(data, scope.blocks[key]):
            if enough >= columns.MAX_SHEET_ROWS:
                break
            newest.append(report_id)
            enough += scope.blocks[key][report_id][0]
        rows[key] = _Fetched(
            connection,
            f"SELECT * FROM ({dated(sql)}) AS t WHERE list_contains(?, report_id) "
            f"ORDER BY {NEWEST_FIRST}, {order}",
            [*values, newest],
            shapes[key],
            columns.MAX_SHEET_ROWS,
            total=scope.total(key),
        )
    sql, order, values = tables["growth"]
    chart = _Fetched(
        connection,
        f"SELECT * FROM ({dated(sql)}) AS t WHERE basis = 'since_2016' "
        f"ORDER BY {NEWEST_FIRST}, {order}",
        values,
        shapes["growth"],
        CHART_BARS,
    )
    return dataclasses.replace(
        scope,
        growth=rows["growth"],
        coverage=rows["coverage"],
        funds=rows["funds"],
        facts=rows["facts"],
        chart=chart,
    )


class _Fetched:
    """A query's rows, shaped as a sheet shows them, read while the sheet is written: how many
    there are is known at once (`total`: before the limit), the rows are queried when the
    sheet is written (the first of them measured for the column widths, then all of them, a
    chunk at a time, from a cursor of their own). A workbook's rows are never all held: the
    全国 workbook of 1,000 reports had 160,000 rows, before its sheets were capped. Iterated
    once."""

    HEAD = WIDTH_SAMPLE  # rows at hand at once: those the column widths are measured on

    def __init__(
        self,
        connection,
        sql: str,
        parameters: list,
        shape: Callable,
        limit: int | None = None,
        total: int | None = None,
    ) -> None:
        """total: how many rows the table has, if known (else counted; limited, the query's
        rows are the first `limit` of them)."""
        self._cursor = connection.cursor()
        if total is None:
            (total,) = self._cursor.execute(
                f"SELECT COUNT(*) FROM ({sql}) AS t", parameters
            ).fetchone()
        self.total = total
        self._count = self.total if limit is None else min(self.total, limit)
        self._query = (sql + ("" if limit is None else f" LIMIT {limit}"), parameters)
        self._shape = shape
        self._head: list[dict] | None = None

    def _start(self) -> list[dict]:
        if self._head is None:
            self._cursor.execute(*self._query)
            self._names = [column[0] for column in self._cursor.description]
            self._head = self._shaped(self._cursor.fetchmany(self.HEAD))
        return self._head

    def _shaped(self, chunk: list[tuple]) -> list[dict]:
        names, shape = self._names, self._shape
        return [shape(dict(zip(names, row, strict=True))) for row in chunk]

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list[dict]:
        if index.stop is None or index.stop > self.HEAD:
            raise IndexError(f"only the first {self.HEAD} rows are at hand")
        return self._start()[index]

    def __iter__(self):
        try:
            head = self._start()
            self._head = []
            yield from head
            given = len(head)
            del head
            while chunk := self._cursor.fetchmany(10_000):
                given += len(chunk)
                yield from self._shaped(chunk)
        finally:  # read to the end, or left (a stop, a failure): the cursor goes now
            self._cursor.close()
        if given != self._count:
            raise ExportError(
                f"the rows changed while they were written ({given} of {self._count})"
            )


def _comments(rows: list[dict]) -> dict[str, dict[str, str]]:
    comments: dict[str, dict[str, str]] = {}
    for row in rows:
        comments.setdefault(f"marts.{row['table_name']}", {})[row["column_name"]] = row["comment"]
    for mart in comments.values():
        mart.update(DERIVED)
    return comments


def _labels(connection) -> dict[str, dict[str, str]]:
    """seeds.labels by domain: code -> its Chinese label."""
    labels: dict[str, dict[str, str]] = {}
    for row in fetch_dicts(connection, "SELECT domain, code, label_zh FROM seeds.labels"):
        labels.setdefault(row["domain"], {})[row["code"]] = row["label_zh"]
    return labels


def label(data: Warehouse, domain: str, code: str | None) -> str | None:
    """The Chinese label of a code (seeds.labels), or the code itself if it has none."""
    return data.labels.get(domain, {}).get(code, code) if code is not None else None


def growth_row(data: Warehouse, row: dict) -> dict:
    year_on_year = "（同比）" if row["basis"] == "year_on_year" else ""
    return {
        **row,
        "level_zh": label(data, "subject_level", row["subject_level"]),
        "basis_zh": label(data, "basis", row["basis"]),
        "growth_basis_zh": label(data, "growth_basis", row["growth_basis"]),
        "level_unit_zh": data.labels["units"].get(row["level_unit"] or "", row["level_unit"]),
        "chart_label": f"{row['subject_name']}·{row['metric_name_zh']}{year_on_year}",
    }


def coverage_row(data: Warehouse, row: dict) -> dict:
    return {
        **row,
        "level_zh": label(data, "subject_level", row["subject_level"]),
        "covers_zh": label(data, "covers", row["covers"]),
        "qualifier_zh": data.labels["qualifiers"].get(row["qualifier"], row["qualifier"]),
        "before_basis": label(data, "before_basis", row["before_basis"]),
    }


def fund_row(data: Warehouse, row: dict) -> dict:
    return {**row, "total_check_zh": label(data, "total_check", row["total_check"])}


def pilot_row(data: Warehouse, row: dict) -> dict:
    return {**row, "level_zh": label(data, "subject_level", row["level"])}


def fact_row(data: Warehouse, row: dict) -> dict:
    return {
        **row,
        "level_zh": label(data, "subject_level", row["subject_level"]),
        "kind_zh": data.labels["kinds"].get(row["kind"], row["kind"]),
        "unit_zh": data.labels["units"].get(row["unit"], row["unit"]),
        "qualifier_zh": data.labels["qualifiers"].get(row["qualifier"], row["qualifier"]),
        "review_status_zh": label(data, "review_status", row["review_status"]),
    }
