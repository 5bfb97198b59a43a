"""What each build changed in the marts: meta.changes, kept in the published copy.

Publishing compares every mart with its copy in the previous good build, row by row on the
mart's declared grain (plain DuckDB set operations on the two attached files): a key only in the
new copy is `added`, only in the old one `removed`, and a key in both with a column that differs
is `changed`, one row per column with the old and the new value. A report whose text changed (a
revision) first has its old offsets moved to where the same places are in the new text, so a
corrected figure is one `changed` row and not every later figure of the report removed and added
again. A figure's sentence is context, not data: it is shown with a change, never a change
itself. The change log and the list of builds are carried from copy to copy and kept for the
last `changes_keep_builds` builds (config.yaml, variables; default 50)."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

from coopwh.paths import read_only
from loaders.revisions import offset_map

KEEP_BUILDS = 50  # builds whose changes are kept, unless config.yaml sets changes_keep_builds
CONTEXT_COLUMNS = frozenset({"sentence"})  # shown with a change, never compared
KINDS = ("added", "removed", "changed")
SENTENCE = 60  # characters of a sentence shown with a change in words
SCREEN = 40  # change rows past which `coopwh changes` summarises (by report, by province)
FEW_EACH = 5  # rows of each mart it then shows
SHOWN = 200  # rows `coopwh changes` prints per mart before saying how many more (--csv: all)

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
        "printed and its value (e.g. 山西省运城市 销售总额 86.4亿元 = 8640000000 yuan); a check's "
        "name and message",
    ),
)
# the columns a mart row is put in words with (label), each the first of its group it has
LABEL_PARTS = (
    ("subject_name",),
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
        execute(f"ATTACH '{_quote(previous)}' AS previous (READ_ONLY)")
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
                execute(f"COMMENT ON COLUMN published.meta.changes.{name} IS '{_quote(comment)}'")
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
        moved = _move_revised_offsets(adapter, previous is not None)
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


def tables(fetch, database: str, schema: str) -> list[str]:
    """The tables of a schema of an attached database (publish reads them too)."""
    rows = fetch(
        "SELECT table_name FROM duckdb_tables() "
        f"WHERE database_name = '{database}' AND schema_name = '{schema}' ORDER BY 1"
    )
    return [name for (name,) in rows]


def columns(fetch, database: str | None, schema: str, table: str) -> list[tuple[str, str]]:
    """The columns of a table or view, in order, with their types (none if it does not exist);
    database None: the connection's own."""
    where = f"'{database}'" if database else "current_database()"
    return fetch(
        "SELECT column_name, data_type FROM duckdb_columns() "
        f"WHERE database_name = {where} AND schema_name = '{schema}' AND table_name = '{table}' "
        "ORDER BY column_index"
    )


def _columns_of(fetch, database: str, mart: str) -> dict[str, str]:
    return dict(columns(fetch, database, "marts", mart))


def _is_span(column: str) -> bool:
    return column.endswith(("span_start", "span_end", "span_starts"))


def _report_column(column: str, columns) -> str | None:
    """The column naming the report an offset column points into: contribution_report_id for
    contribution_span_start, else report_id."""
    prefix = column.rsplit("span_", 1)[0]
    for name in (f"{prefix}report_id", "report_id"):
        if name in columns:
            return name
    return None


def _move_revised_offsets(adapter, has_previous: bool) -> bool:
    """For each report whose text changed, a one-row temp table moves(m) holding a map from
    'report_id:offset' in the old text to the offset of the same place in the new text, for
    every offset the previous marts hold. False when no offset moved."""
    if not has_previous or "reports" not in tables(adapter.fetchall, "previous", "meta"):
        return False
    revised = adapter.fetchall(
        "SELECT old.report_id, old.text, new.text FROM previous.meta.reports AS old "
        "JOIN published.meta.reports AS new USING (report_id) WHERE old.sha256 <> new.sha256"
    )
    keys, values = [], []
    for report_id, old_text, new_text in revised:
        move = offset_map(old_text, new_text, within_changed=True)
        for at in _old_offsets(adapter, report_id):
            new_at = move(at)
            if new_at is not None and new_at != at:
                keys.append(f"{report_id}:{at}")
                values.append(new_at)
    if not keys:
        return False
    adapter.cursor.execute(
        "CREATE OR REPLACE TEMP TABLE moves AS SELECT MAP(?::TEXT[], ?::INTEGER[]) AS m",
        [keys, values],
    )
    adapter.cursor.execute(
        "CREATE OR REPLACE TEMP TABLE revised AS SELECT UNNEST(?::TEXT[]) AS report_id",
        [[r for r, _, _ in revised]],
    )
    return True


def _old_offsets(adapter, report_id: str) -> set[int]:
    """Every offset the previous marts hold for a report (an end as the place of its last
    character, so that it moves with it)."""
    offsets: set[int] = set()
    quoted = _quote(report_id)
    for mart in tables(adapter.fetchall, "previous", "marts"):
        columns = _columns_of(adapter.fetchall, "previous", mart)
        for column in filter(_is_span, columns):
            report = _report_column(column, columns)
            if report is None:
                continue
            value = f'"{column}"'
            if column.endswith("starts"):  # a list, or the same as text: '12,40'
                text = columns[column] == "VARCHAR"
                value = (
                    f"UNNEST(STRING_SPLIT({value}, ','))::INTEGER" if text else f"UNNEST({value})"
                )
            last = " - 1" if column.endswith("end") else ""
            rows = adapter.fetchall(
                f'SELECT DISTINCT {value}{last} FROM previous.marts."{mart}" '
                f"WHERE \"{report}\" = '{quoted}'"
            )
            offsets.update(int(at) for (at,) in rows if at is not None)
    return offsets


def _moved_value(column: str, columns, grain) -> str | None:
    """SQL for an old value moved into its report's new text, or None if it holds no offset.
    A fact id (report:offset:subject) is rebuilt with the moved offset, and so is a key or id
    that ends in the row's offset (check:report:…:offset)."""
    value = f't."{column}"'
    if column == "fact_id" or column.endswith("_fact_id"):
        place = f"REGEXP_EXTRACT({value}, '^(.*):[^:]*$', 1)"
        return (
            f"COALESCE(REGEXP_EXTRACT({value}, '^(.*):[0-9]+:[^:]*$', 1) || ':' || "
            f"moves.m[{place}]::TEXT || ':' || REGEXP_EXTRACT({value}, ':([^:]*)$', 1), {value})"
        )
    report = _report_column(column, columns) if _is_span(column) else None
    if report is not None:
        key = f"t.\"{report}\" || ':' || "
        if column.endswith("starts") and columns[column] == "VARCHAR":  # '12,40'
            each = f"x -> COALESCE(moves.m[{key}TRIM(x)]::TEXT, x)"
            return f"ARRAY_TO_STRING(LIST_TRANSFORM(STRING_SPLIT({value}, ','), {each}), ',')"
        if column.endswith("starts"):
            return f"LIST_TRANSFORM({value}, x -> COALESCE(moves.m[{key}x::TEXT], x))"
        if column.endswith("end"):
            return f"COALESCE(moves.m[{key}({value} - 1)::TEXT] + 1, {value})"
        return f"COALESCE(moves.m[{key}{value}::TEXT], {value})"
    is_key = column in grain or column.endswith("_id")
    if is_key and "report_id" in columns and columns[column] == "VARCHAR":
        offset = f"REGEXP_EXTRACT({value}, ':([0-9]+)$', 1)"
        return (
            f"COALESCE(REGEXP_EXTRACT({value}, '^(.*:)[0-9]+$', 1) || "
            f"moves.m[t.report_id || ':' || {offset}]::TEXT, {value})"
        )
    return None


def _old_rows(mart: str, columns: dict[str, str], grain: list[str], moved: bool) -> str:
    """SQL for the previous copy of a mart, its offsets moved into the revised reports' new
    texts (rows of other reports are read as they are)."""
    select = []
    for column in columns:
        plain = f't."{column}"'
        value = _moved_value(column, columns, grain) if moved else None
        if value is not None and "report_id" in columns:
            revised = "t.report_id IN (SELECT report_id FROM revised)"
            value = f"CASE WHEN {revised} THEN {value} ELSE {plain} END"
        select.append(f'{value or plain} AS "{column}"')
    for column in ("report_id", "span_start", "span_end"):
        select.append(f"{_where_column('t', column, columns)} AS __old_{column}")
    source = f'previous.marts."{mart}" AS t' + (", moves" if moved else "")
    return f"SELECT {', '.join(select)} FROM {source}"


def _unchanged(mart: str) -> str:
    """SQL for the reports whose rows in the mart are the same in both copies (as many, the
    same sum of row hashes): only the rows of the others are compared. One more report into a
    thousand compares its own rows, not 380,000 figures."""
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


def _where_column(side: str, column: str, columns: dict) -> str:
    """SQL for a column of a row, NULL if the mart has none; a row that names several figures
    (span_starts, as in audit_findings) has the span_start of the first of them."""
    if column in columns:
        return f'{side}."{column}"'
    if column == "span_start" and "span_starts" in columns:
        return f"TRY_CAST(split_part({side}.\"span_starts\", ',', 1) AS INTEGER)"
    return "NULL"


def _compare(adapter, mart, grain, build_id, previous, moved) -> dict[str, int]:
    """Insert this build's changes to one mart; return the rows added, removed and changed."""
    fetch = adapter.fetchall
    new_columns = _columns_of(fetch, "published", mart)
    old_columns = (
        _columns_of(fetch, "previous", mart)
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
            adapter.execute(f"CREATE OR REPLACE TEMP TABLE unchanged AS {_unchanged(mart)}")
            where = (
                " WHERE NOT EXISTS (SELECT 1 FROM unchanged AS u "
                "WHERE u.report_id IS NOT DISTINCT FROM t.report_id)"
            )
            new_rows = f"(SELECT * FROM {new_rows} AS t{where})"
        old = _old_rows(mart, old_columns, grain, moved) + where
        adapter.execute(f"CREATE OR REPLACE TEMP TABLE old_rows AS {old}")
    else:
        adapter.execute(
            "CREATE OR REPLACE TEMP TABLE old_rows AS SELECT NULL::TEXT AS __none WHERE FALSE"
        )
    key = " || ' / ' || ".join(f"COALESCE(n.\"{c}\"::TEXT, '')" for c in grain)
    old_key = key.replace("n.", "o.")
    on = " AND ".join(f'o."{c}" IS NOT DISTINCT FROM n."{c}"' for c in grain)

    new_where = ", ".join(
        f"{_where_column('n', c, new_columns)}{'::TEXT' * (c == 'report_id')} AS __{c}"
        for c in ("report_id", "span_start", "span_end")
    )
    province_new = _where_column("n", "province_code", new_columns)
    province_old = _where_column("o", "province_code", old_columns)
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
        parts.append(f"'= ' || {value} || ' ' || {alias}.\"unit\"")
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


def _add_sentences(adapter, build_id: int, has_previous: bool) -> None:
    """The sentences behind changed and removed rows, from each copy's marts.facts."""
    if "facts" not in tables(adapter.fetchall, "published", "marts"):
        return
    adapter.execute(
        "UPDATE published.meta.changes AS c SET new_sentence = (SELECT ANY_VALUE(f.sentence) "
        "FROM published.marts.facts AS f WHERE f.report_id = c.report_id "
        f"AND f.span_start = c.span_start) WHERE c.build_id = {build_id} "
        "AND c.change IN ('added', 'changed')"
    )
    if has_previous and "facts" in tables(adapter.fetchall, "previous", "marts"):
        adapter.execute(
            "UPDATE published.meta.changes AS c SET old_sentence = (SELECT ANY_VALUE(f.sentence) "
            "FROM previous.marts.facts AS f WHERE f.report_id = COALESCE(c.old_report_id, "
            "c.report_id) AND f.span_start = COALESCE(c.old_span_start, c.span_start)) "
            f"WHERE c.build_id = {build_id} AND c.change IN ('changed', 'removed')"
        )


def _quote(value: object) -> str:
    return str(value).replace("'", "''")


class ChangesError(Exception):
    """The change log cannot answer: no published copy, an unknown mart, a bad --since."""


@dataclass
class ChangeLog:
    """Builds and their changes read from a published copy: the counts of them all, and the
    rows themselves (all, or the first few of each mart)."""

    builds: list[dict]
    rows: list[dict]
    counts: dict[str, dict[str, int]]  # mart -> kind -> rows (a changed row counted once)
    lines: dict[str, int]  # mart -> change rows (a changed row has one per column)
    by_report: dict[str, int] = field(default_factory=dict)  # report -> rows changed
    by_province: dict[str, int] = field(default_factory=dict)  # province name -> rows changed

    def first(self, count: int) -> list[dict]:
        """The first rows across marts: changed ones, then removed, then added."""
        order = {"changed": 0, "removed": 1, "added": 2}
        return sorted(self.rows, key=lambda row: order[row["change"]])[:count]

    def more(self, shown: int) -> int:
        """How many rows there are beyond the first `shown`."""
        return max(0, sum(self.lines.values()) - shown)


def read_log(
    published_db: Path,
    since: str | None = None,
    mart: str | None = None,
    province: str | None = None,
    per_mart: int | None = None,
) -> ChangeLog:
    """The builds after `since` (a build id, or a date: builds from that day on; default: the
    last build only) and their changes, optionally to one mart or about one province; with
    per_mart, only the first rows of each mart (changed, then removed, then added)."""
    if not published_db.exists():
        raise ChangesError(f"{published_db}: no published build yet (run coopwh build)")
    with read_only(published_db) as connection:
        fetch = connection.execute
        if "changes" not in tables(lambda sql: fetch(sql).fetchall(), _db(fetch), "meta"):
            raise ChangesError(
                f"{published_db}: this copy was published before the change log existed; "
                "the next build starts it"
            )
        builds = _dicts(fetch(f"SELECT * FROM meta.builds WHERE {_since(since)} ORDER BY build_id"))
        marts = [
            name
            for (name,) in fetch(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        where = [_since(since, "c.")]
        parameters: list = []
        if mart:
            name = mart.removeprefix("marts.")
            if name not in marts:
                raise ChangesError(f"no mart {mart!r}; the marts are: {', '.join(marts)}")
            where.append("c.mart = ?")
            parameters.append(name)
        if province:
            where.append("c.province_code = ?")
            parameters.append(province)
        selected = f"FROM meta.changes AS c WHERE {' AND '.join(where)}"
        counts: dict[str, dict[str, int]] = {}
        lines: dict[str, int] = {}
        for name, kind, keys, count in fetch(
            "SELECT mart, change, COUNT(DISTINCT (build_id, key)), COUNT(*) "
            f"{selected} GROUP BY ALL ORDER BY ALL",
            parameters,
        ).fetchall():
            counts.setdefault(name, dict.fromkeys(KINDS, 0))[kind] = keys
            lines[name] = lines.get(name, 0) + count
        order = (
            "c.mart, CASE c.change WHEN 'changed' THEN 0 WHEN 'removed' THEN 1 ELSE 2 END, "
            "c.build_id, c.report_id, c.span_start, c.key, c.column_name"
        )
        first = (
            ""
            if per_mart is None
            else (f"QUALIFY ROW_NUMBER() OVER (PARTITION BY c.mart ORDER BY {order}) <= {per_mart}")
        )
        rows = _dicts(
            fetch(
                "SELECT b.built_at, c.* FROM meta.changes AS c JOIN meta.builds AS b "
                f"USING (build_id) WHERE {' AND '.join(where)} {first} ORDER BY {order}",
                parameters,
            )
        )
        by = {}
        joined = (
            f"FROM meta.changes AS c LEFT JOIN {_PROVINCES} AS r ON r.code = c.province_code "
            f"WHERE {' AND '.join(where)}"
        )
        for name, column in (
            ("report", "COALESCE(c.report_id, c.old_report_id, '—')"),
            ("province", "COALESCE(r.name_zh, c.province_code, '—')"),
        ):
            by[name] = dict(
                fetch(
                    f"SELECT {column}, COUNT(DISTINCT (c.build_id, c.mart, c.key)) AS n "
                    f"{joined} GROUP BY 1 ORDER BY n DESC, 1",
                    parameters,
                ).fetchall()
            )
    return ChangeLog(builds, rows, counts, lines, by["report"], by["province"])


_PROVINCES = "(SELECT region_code AS code, full_name AS name_zh FROM seeds.regions)"


def _db(fetch) -> str:
    return fetch("SELECT current_database()").fetchone()[0]


def _dicts(cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _since(since: str | None, prefix: str = "") -> str:
    """SQL on meta.builds (or changes joined to it) for the builds after `since`."""
    if since is None:
        return f"{prefix}build_id = (SELECT MAX(build_id) FROM meta.builds)"
    if since.isdigit():
        return f"{prefix}build_id > {int(since)}"
    try:
        day = dt.datetime.fromisoformat(since)
    except ValueError:
        raise ChangesError(
            f"--since {since!r}: give a build id (a whole number, see meta.builds) "
            "or a date such as 2026-11-30"
        ) from None
    return f"build_id IN (SELECT build_id FROM meta.builds WHERE built_at >= '{day.isoformat()}')"


def describe(log: ChangeLog, shown: int = SHOWN) -> str:
    """The change log as text: the builds, then per mart the counts and the rows."""
    if not log.builds:
        return "No build in that range."
    lines = [
        f"Build {b['build_id']} at {b['built_at']:%Y-%m-%d %H:%M} UTC, {b['reports']} report(s): "
        f"{b['added']} added, {b['removed']} removed, {b['changed']} changed"
        for b in log.builds
    ]
    counts = log.counts
    if not counts:
        lines.append("No mart row changed.")
    total = sum(sum(c.values()) for c in counts.values())
    if shown == SHOWN and total > SCREEN:  # more than a screenful: summarise, then a few each
        shown = FEW_EACH
        for label, counted in (("report", log.by_report), ("province", log.by_province)):
            top = list(counted.items())
            listed = ", ".join(f"{name} {n:,}" for name, n in top[:FEW_EACH])
            more = f", and {len(top) - FEW_EACH:,} more" if len(top) > FEW_EACH else ""
            lines.append(f"By {label}: {listed}{more}")
        lines.append(
            f"{total:,} rows: the first {FEW_EACH} of each mart below; all of them: "
            "coopwh changes --all (or --csv)"
        )
    by_mart: dict[str, list[dict]] = {}
    for row in log.rows:
        by_mart.setdefault(row["mart"], []).append(row)
    for mart, rows in by_mart.items():
        c = counts[mart]
        lines += ["", f"marts.{mart}: " + ", ".join(f"{c[k]} {k}" for k in KINDS)]
        for row in rows[:shown]:
            lines += _describe_row(row)
        if log.lines[mart] > min(len(rows), shown):
            more = log.lines[mart] - min(len(rows), shown)
            lines.append(f"  … and {more} more (--all or --csv gives them all)")
    return "\n".join(lines)


def in_words(row: dict) -> str:
    """A change row as a person reads it: the row in words (its label), its report and the
    sentence behind it; the mart's key only where the row has no words."""
    name = row.get("label") or row["key"]
    sentence = row.get("new_sentence") or row.get("old_sentence")
    report = row.get("report_id") or row.get("old_report_id")
    if sentence:
        cut = sentence if len(sentence) <= SENTENCE else sentence[: SENTENCE - 1] + "……"
        return f"{name}（{report}：“{cut}”）"
    return f"{name}（{report}）" if report else name


def _describe_row(row: dict) -> list[str]:
    where = _where(row["report_id"], row["span_start"], row["span_end"])
    if row["change"] == "added":
        return [f"  + {in_words(row)}"]
    if row["change"] == "removed":
        return [f"  - {in_words(row)}"]
    before = _where(row["old_report_id"], row["old_span_start"], row["old_span_end"])
    change = f"{row['column_name']} {shown(row['old_value'])} → {shown(row['new_value'])}"
    lines = [f"  ~ {row.get('label') or row['key']}: {change}"]
    if row["old_sentence"] or before:
        lines.append(f"      before{before}: {row['old_sentence'] or ''}".rstrip())
    if row["new_sentence"] or where:
        lines.append(f"      now{where}: {row['new_sentence'] or ''}".rstrip())
    return lines


def shown(value: str | None) -> str:
    """A stored value as people read it: 1260000000.0 as 1,260,000,000, 58.0 as 58."""
    if value is None:
        return "∅"
    try:
        number = float(value)
    except ValueError:
        return value
    if number.is_integer() and "e" not in value.lower():
        return f"{int(number):,}" if abs(number) >= 10_000 else str(int(number))
    return value


def _where(report_id, start, end) -> str:
    if not report_id or start is None:
        return ""
    return f" [{report_id} {start}–{end}]" if end is not None else f" [{report_id} {start}]"


def write_csv(log: ChangeLog, out=None, crlf: bool = False) -> None:
    """Every change row as CSV (to stdout by default), lines ended with LF (CRLF if asked)."""
    out = out or sys.stdout
    names = ["built_at"] + [name for name, _, _ in CHANGES_COLUMNS]
    end = "\r\n" if crlf else "\n"
    writer = csv.DictWriter(out, fieldnames=names, extrasaction="ignore", lineterminator=end)
    writer.writeheader()
    writer.writerows(log.rows)


def last_build_log(published_db: Path, per_mart: int | None = SHOWN) -> ChangeLog | None:
    """What the last build changed (the first rows of each mart), or None when the copy has no
    change log."""
    try:
        return read_log(published_db, per_mart=per_mart)
    except ChangesError:
        return None
