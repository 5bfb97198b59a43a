"""Write the change log when a build publishes: meta.builds and meta.changes in the new copy,
the history carried from the copy it replaces and this build's changes against it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coopwh.changes.catalog import (
    columns,
    mart_columns,
    quote,
    same_reports,
    tables,
    where_column,
)
from coopwh.changes.revised import move_revised_offsets, old_rows

KEEP_BUILDS = 50  # builds whose changes are kept, unless config.yaml sets changes_keep_builds


CONTEXT_COLUMNS = frozenset({"sentence"})  # shown with a change, never compared


KINDS = ("added", "removed", "changed")


BUILDS_DDL = (
    "CREATE TABLE published.meta.builds (build_id INTEGER PRIMARY KEY, built_at TIMESTAMP, "
    "reports INTEGER, added INTEGER, removed INTEGER, changed INTEGER)"
)


CHANGES_COLUMNS = (
    ("build_id", "INTEGER", "The build that made the change (meta.builds)"),
    ("mart", "TEXT", "The mart, e.g. facts"),
    ("key", "TEXT", "The row's grain values, joined by ' / ' (the mart's declared grain)"),
    ("change", "TEXT", "added, removed or changed"),
    ("column_name", "TEXT", "For changed: the column that changed (one row per column)"),
    ("old_value", "TEXT", "For changed: the value in the previous build, as text"),
    ("new_value", "TEXT", "For changed: the value in this build, as text"),
    ("report_id", "TEXT", "Report behind the row now (for removed: before)"),
    ("span_start", "INTEGER", "Its offset in that report's text now (for removed: before)"),
    ("span_end", "INTEGER", "Offset just past it"),
    ("old_report_id", "TEXT", "For changed: the report behind the old value"),
    ("old_span_start", "INTEGER", "For changed: its offset in the old text of that report"),
    ("old_span_end", "INTEGER", "Offset just past it"),
    ("province_code", "TEXT", "Province the row is about, where the mart says"),
    ("old_sentence", "TEXT", "For changed and removed: the sentence the old value came from"),
    ("new_sentence", "TEXT", "For added and changed: the sentence the new value comes from"),
    (
        "label",
        "TEXT",
        "The row in words, as the marts show it: whose figure, what it measures, the figure as "
        "printed and its value (e.g. 山西省运城市 销售总额 86.4亿元 = 8640000000元); a check's "
        "name and message",
    ),
)


# the columns a mart row is put in words with (label), each the first of its group it has
LABEL_PARTS = (
    ("subject_name", "name", "name_zh"),
    ("metric_name_zh", "metric", "check_name", "fund_name", "metric_code"),
    ("number_text",),
    ("message",),
)


@dataclass
class BuildChanges:
    """What one build changed: rows added, removed and changed, per mart."""

    build_id: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # mart -> kind -> rows

    def total(self, kind: str) -> int:
        return sum(c.get(kind, 0) for c in self.counts.values())

    def line(self) -> str:
        """One line for a build summary."""
        if not any(self.total(k) for k in KINDS):
            return f"Build {self.build_id}: no mart row changed"
        parts = ", ".join(f"{self.total(k)} {k}" for k in KINDS)
        return (
            f"Build {self.build_id} changed the marts: {parts} row(s) (coopwh changes shows them)"
        )


def keep_builds(context) -> int:  # context: sqlmesh.Context
    """How many builds' changes to keep: config.yaml's variables.changes_keep_builds."""
    value = context.config.variables.get("changes_keep_builds", KEEP_BUILDS)
    return max(1, int(value))


def grains(context) -> dict[str, list[str]]:  # context: sqlmesh.Context
    """Each mart's declared grain columns, by table name."""
    result = {}
    for model in context.models.values():
        schema, _, table = model.name.replace('"', "").rpartition(".")
        if schema.endswith("marts") and model.grains:
            result[table] = [g.name for grain in model.grains for g in _columns(grain)]
    return result


def _columns(grain):
    from sqlglot import exp

    return list(grain.find_all(exp.Column)) or [grain]


def record(adapter, previous: Path | None, grain_of: dict[str, list[str]], keep: int, built_at):
    """Write published.meta.builds and meta.changes: the history carried from the previous
    copy (pruned to the last `keep` builds) and this build's changes against it."""
    execute = adapter.execute
    fetch = adapter.fetchall
    if previous is not None:
        execute(f"ATTACH '{quote(previous)}' AS previous (READ_ONLY)")
    try:
        has_history = previous is not None and _has(fetch, "previous", "meta", "changes")
        last = fetch("SELECT MAX(build_id) FROM previous.meta.builds")[0][0] if has_history else 0
        build_id = (last or 0) + 1
        floor = build_id - keep
        if has_history and _log_carried(fetch):  # the copy publish started from holds it
            for table in ("builds", "changes"):
                execute(f"DELETE FROM published.meta.{table} WHERE build_id <= {floor}")
        else:
            for table in ("builds", "changes"):
                execute(f"DROP TABLE IF EXISTS published.meta.{table}")
            execute(BUILDS_DDL)
            columns = ", ".join(f"{name} {kind}" for name, kind, _ in CHANGES_COLUMNS)
            execute(f"CREATE TABLE published.meta.changes ({columns})")
            for name, _, comment in CHANGES_COLUMNS:
                execute(f"COMMENT ON COLUMN published.meta.changes.{name} IS '{quote(comment)}'")
            execute(
                "COMMENT ON TABLE published.meta.changes IS 'What each build changed in the "
                "marts, against the previous good build (coopwh changes)'"
            )
            if has_history:
                for table in ("builds", "changes"):
                    execute(
                        f"INSERT INTO published.meta.{table} BY NAME "
                        f"SELECT * FROM previous.meta.{table} WHERE build_id > {floor}"
                    )
        result = BuildChanges(build_id)
        moved = move_revised_offsets(adapter, previous is not None)
        for mart in tables(fetch, "published", "marts"):
            result.counts[mart] = _compare(
                adapter, mart, grain_of.get(mart), build_id, previous, moved
            )
        _add_sentences(adapter, build_id, previous is not None)
        reports = fetch("SELECT COUNT(*) FROM published.meta.reports")[0][0]
        execute(
            "INSERT INTO published.meta.builds VALUES "
            f"({build_id}, '{built_at}'::TIMESTAMP, {reports}, {result.total('added')}, "
            f"{result.total('removed')}, {result.total('changed')})"
        )
    finally:
        if previous is not None:
            execute("DETACH previous")
    return result


def _log_carried(fetch) -> bool:
    """Whether the new copy holds the previous copy's log already (publish started from a
    copy of it), in this version's columns: then the log is kept there and pruned, not copied
    again (at 1,000 reports the first build logged 380,000 rows)."""
    names = [name for name, _, _ in CHANGES_COLUMNS]
    builds, changes = (
        [name for name, _ in columns(fetch, "published", "meta", table)]
        for table in ("builds", "changes")
    )
    return (
        bool(builds)
        and changes == names
        and (
            fetch("SELECT MAX(build_id) FROM published.meta.builds")
            == fetch("SELECT MAX(build_id) FROM previous.meta.builds")
        )
    )


def _has(fetch, database: str, schema: str, table: str) -> bool:
    return table in tables(fetch, database, schema)


def _unchanged(adapter, mart: str) -> str:
    """SQL for the reports whose rows in the mart are the same in both copies (as many, the
    same sum of row hashes): only the rows of the others are compared. One more report into a
    thousand compares its own rows, not 380,000 figures. The publish that wrote the copy
    found them already, where it compared the mart by report (catalog.same_reports)."""
    found = same_reports(f'published.marts."{mart}"')
    if adapter.fetchall(
        f"SELECT 1 FROM duckdb_tables() WHERE temporary AND table_name = '{found}'"
    ):
        return f"SELECT report_id FROM {found}"
    by_report = (
        "SELECT report_id, COUNT(*) AS n_rows, SUM(hash(t)) AS digest "
        f'FROM {{}}.marts."{mart}" AS t GROUP BY report_id'
    )
    return (
        f"SELECT n.report_id FROM ({by_report.format('published')}) AS n "
        f"JOIN ({by_report.format('previous')}) AS o "
        "ON n.report_id IS NOT DISTINCT FROM o.report_id "
        "WHERE n.n_rows = o.n_rows AND n.digest = o.digest"
    )


def _compare(adapter, mart, grain, build_id, previous, moved) -> dict[str, int]:
    """Insert this build's changes to one mart; return the rows added, removed and changed."""
    fetch = adapter.fetchall
    new_columns = mart_columns(fetch, "published", mart)
    old_columns = (
        mart_columns(fetch, "previous", mart)
        if previous is not None and mart in tables(fetch, "previous", "marts")
        else {}
    )
    grain = [c for c in (grain or []) if c in new_columns]
    if not grain:  # a mart without a grain has no rows to follow
        return {}
    if not all(c in old_columns for c in grain):
        old_columns = {}  # a new mart, or one whose grain changed: every row is new
    new_rows = f'published.marts."{mart}"'
    if old_columns:
        where = ""
        if "report_id" in new_columns and old_columns == new_columns:
            adapter.execute(
                f"CREATE OR REPLACE TEMP TABLE unchanged AS {_unchanged(adapter, mart)}"
            )
            where = (
                " WHERE NOT EXISTS (SELECT 1 FROM unchanged AS u "
                "WHERE u.report_id IS NOT DISTINCT FROM t.report_id)"
            )
            new_rows = f"(SELECT * FROM {new_rows} AS t{where})"
        old = old_rows(mart, old_columns, grain, moved) + where
        adapter.execute(f"CREATE OR REPLACE TEMP TABLE old_rows AS {old}")
    else:
        adapter.execute(
            "CREATE OR REPLACE TEMP TABLE old_rows AS SELECT NULL::TEXT AS __none WHERE FALSE"
        )
    key = " || ' / ' || ".join(f"COALESCE(n.\"{c}\"::TEXT, '')" for c in grain)
    old_key = key.replace("n.", "o.")
    on = " AND ".join(f'o."{c}" IS NOT DISTINCT FROM n."{c}"' for c in grain)

    new_where = ", ".join(
        f"{where_column('n', c, new_columns)}{'::TEXT' * (c == 'report_id')} AS __{c}"
        for c in ("report_id", "span_start", "span_end")
    )
    province_new = where_column("n", "province_code", new_columns)
    province_old = where_column("o", "province_code", old_columns)
    label_new, label_old = _label("n", new_columns), _label("o", old_columns)
    insert = "INSERT INTO published.meta.changes "
    counts = {}
    adapter.execute(
        f"{insert}SELECT {build_id}, '{mart}', {key}, 'added', NULL, NULL, NULL, {new_where}, "
        f"NULL, NULL, NULL, ({province_new})::TEXT, NULL, NULL, {label_new} FROM {new_rows} AS n "
        + (f"WHERE NOT EXISTS (SELECT 1 FROM old_rows AS o WHERE {on})" if old_columns else "")
    )
    counts["added"] = _count(fetch, build_id, mart, "added")
    if not old_columns:
        return counts
    adapter.execute(
        f"{insert}SELECT {build_id}, '{mart}', {old_key}, 'removed', NULL, NULL, NULL, "
        "o.__old_report_id::TEXT, o.__old_span_start, o.__old_span_end, NULL, NULL, NULL, "
        f"({province_old})::TEXT, NULL, NULL, {label_old} FROM old_rows AS o WHERE "
        f'NOT EXISTS (SELECT 1 FROM published.marts."{mart}" AS n WHERE {on})'
    )
    counts["removed"] = _count(fetch, build_id, mart, "removed")
    compared = [
        c for c in new_columns if c in old_columns and c not in grain and c not in CONTEXT_COLUMNS
    ]
    if compared:
        differs = " OR ".join(
            _differs(f'o."{c}"', f'n."{c}"', c, new_columns, old_columns) for c in compared
        )
        adapter.execute(
            "CREATE OR REPLACE TEMP TABLE changed_pairs AS SELECT "
            + ", ".join(f'o."{c}" AS "o_{c}", n."{c}" AS "n_{c}"' for c in compared)
            + f", {key} AS __key, {new_where}, o.__old_report_id, o.__old_span_start, "
            f"o.__old_span_end, COALESCE(({province_new})::TEXT, "
            f"({province_old})::TEXT) AS __province, {label_new} AS __label "
            f"FROM {new_rows} AS n JOIN old_rows AS o ON {on} WHERE {differs}"
        )
        for column in compared:
            which = _differs(f'"o_{column}"', f'"n_{column}"', column, new_columns, old_columns)
            adapter.execute(
                f"{insert}SELECT {build_id}, '{mart}', __key, 'changed', '{column}', "
                f'"o_{column}"::TEXT, "n_{column}"::TEXT, __report_id, __span_start, '
                "__span_end, __old_report_id::TEXT, __old_span_start, __old_span_end, "
                f"__province, NULL, NULL, __label FROM changed_pairs WHERE {which}"
            )
        counts["changed"] = fetch("SELECT COUNT(*) FROM changed_pairs")[0][0]
    return counts


def _label(alias: str, columns: dict[str, str]) -> str:
    """SQL: a mart row in words (LABEL_PARTS it has, then = value unit for a figure)."""
    parts = []
    for group in LABEL_PARTS:
        found = next((c for c in group if c in columns), None)
        if found:
            parts.append(f'{alias}."{found}"::TEXT')
    if "value" in columns and "unit" in columns:
        value = f"REGEXP_REPLACE({alias}.\"value\"::TEXT, '\\.0$', '')"
        unit = (  # its name in seeds.units (元, %, 个), as the workbooks show it
            "COALESCE((SELECT u.name_zh FROM published.seeds.units AS u "
            f'WHERE u.unit = {alias}."unit"), {alias}."unit")'
        )
        parts.append(f"'= ' || {value} || {unit}")
    return f"NULLIF(CONCAT_WS(' ', {', '.join(parts)}), '')" if parts else "NULL::TEXT"


def _differs(old: str, new: str, column: str, new_columns: dict, old_columns: dict) -> str:
    """SQL: the two values differ (compared as text when the column's type changed)."""
    if new_columns[column] == old_columns[column]:
        return f"{old} IS DISTINCT FROM {new}"
    return f"{old}::TEXT IS DISTINCT FROM {new}::TEXT"


def _count(fetch, build_id: int, mart: str, kind: str) -> int:
    return fetch(
        "SELECT COUNT(*) FROM published.meta.changes "
        f"WHERE build_id = {build_id} AND mart = '{mart}' AND change = '{kind}'"
    )[0][0]


SENTENCE_CHUNK = 500  # reports whose changes get their sentences in one statement


def _add_sentences(adapter, build_id: int, has_previous: bool) -> None:
    """The sentences behind changed and removed rows, from each copy's marts.facts: a few
    hundred reports' rows in each statement (an UPDATE holds what it replaced in memory until
    it ends: the first build of 10,000 reports, every row added, ran out of memory in one)."""
    if "facts" not in tables(adapter.fetchall, "published", "marts"):
        return
    sides = [("new_sentence", "published", "c.report_id", "c.span_start", "('added', 'changed')")]
    if has_previous and "facts" in tables(adapter.fetchall, "previous", "marts"):
        report = "COALESCE(c.old_report_id, c.report_id)"
        span = "COALESCE(c.old_span_start, c.span_start)"
        sides.append(("old_sentence", "previous", report, span, "('changed', 'removed')"))
    for column, copy, report, span, changes in sides:
        these = f"c.build_id = {build_id} AND c.change IN {changes}"
        ids = adapter.fetchall(
            f"SELECT DISTINCT {report} FROM published.meta.changes AS c "
            f"WHERE {these} AND {report} IS NOT NULL ORDER BY 1"
        )
        for first in range(0, len(ids), SENTENCE_CHUNK):
            chunk = ", ".join(f"'{quote(r)}'" for (r,) in ids[first : first + SENTENCE_CHUNK])
            adapter.execute(
                f"UPDATE published.meta.changes AS c SET {column} = (SELECT "
                f"ANY_VALUE(f.sentence) FROM {copy}.marts.facts AS f WHERE f.report_id IN "
                f"({chunk}) AND f.report_id = {report} AND f.span_start = {span}) "
                f"WHERE {these} AND {report} IN ({chunk})"
            )
