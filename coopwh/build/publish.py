"""Publish the readers' copy: marts and seeds as plain tables in a new DuckDB file, swapped in."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from coopwh.changes.catalog import columns, same_reports, tables
from coopwh.changes.record import BuildChanges, grains, keep_builds, record
from coopwh.gateway import gateway_for
from coopwh.paths import Paths
from coopwh.phases import Phases

PUBLISHED_SCHEMAS = ("marts", "seeds")


def publish(context, paths: Paths, audits: list, phases: Phases) -> tuple[Path, BuildChanges]:
    """Write marts and seeds into warehouse/coopwh.duckdb.tmp with what they changed against
    the copy they replace (meta.changes), then rename it over the old copy.

    The new copy starts as a copy of the old one (a file copy, unless most of that file is free
    blocks), and each table is brought up to the build's: the rows of the reports whose rows
    differ are replaced (by count and hash of each report's rows), or the whole table when
    most reports differ, its columns changed, or it has rows of no report (_publish_table).
    meta.reports goes the same way, the change log is kept and pruned (changes.record), the
    rest of meta.* is written anew.

    Readers with the old file open keep their snapshot; new readers get the new one. Nothing is
    half-written: the rename is atomic. On a server the marts come from the server into a
    local DuckDB copy, compared there with the server's current copy, and go back to the server
    (coopwh.gateway), swapped in before the local copy is."""
    gateway = gateway_for(paths)
    with phases.phase("publish"):
        adapter = gateway.built(context.engine_adapter)
        if not gateway.fetch_published():  # the readers' copy now: the one this replaces
            paths.published_db.unlink(missing_ok=True)
    target = paths.published_db
    staging = target.with_name(target.name + ".tmp")
    _remove(staging)  # a copy a killed build left half-written
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _write_and_swap(context, paths, audits, phases, adapter, target, staging)
    except BaseException:  # a full disk, a fault, a stop: the old copy stands, no leftover
        _remove(staging)
        raise


def _remove(staging: Path) -> None:
    """Remove a staging copy and DuckDB's write-ahead log beside it."""
    for path in (staging, staging.with_name(staging.name + ".wal")):
        path.unlink(missing_ok=True)


def _write_and_swap(
    context, paths: Paths, audits: list, phases: Phases, adapter, target: Path, staging: Path
) -> tuple[Path, BuildChanges]:
    """publish()'s work: staging written and renamed over target."""
    with phases.phase("publish"):
        if target.exists() and _mostly_used(adapter, target):
            shutil.copyfile(target, staging)
    adapter.execute(f"ATTACH '{_quote(staging)}' AS published")
    try:
        with phases.phase("publish"):
            # meta.* is written anew, but the reports (by report) and the log (changes.record)
            for table in tables(adapter.fetchall, "published", "meta"):
                if table not in ("reports", "builds", "changes"):
                    adapter.execute(f'DROP TABLE published.meta."{table}"')
            catalog = _Catalog(adapter)
            for schema in PUBLISHED_SCHEMAS:
                adapter.execute(f"CREATE SCHEMA IF NOT EXISTS published.{schema}")
                relations = _relations(adapter, schema)
                names = {table for table, _ in relations}
                for table in tables(adapter.fetchall, "published", schema):
                    if table not in names:
                        adapter.execute(f'DROP TABLE published.{schema}."{table}"')
                for table, comment in relations:
                    built, copy = f'{schema}."{table}"', f'published.{schema}."{table}"'
                    whole = _publish_table(adapter, built, copy, catalog)
                    _copy_comments(adapter, catalog, schema, table, comment, whole)
            built_at = _write_build_info(adapter, audits)
        with phases.phase("changes"):
            previous = target if target.exists() else None
            changes = record(adapter, previous, grains(context), keep_builds(context), built_at)
    finally:
        adapter.execute("DETACH published")
    with phases.phase("publish"):
        gateway_for(paths).send_published(staging)
    os.replace(staging, target)
    return target, changes


def _mostly_used(adapter, database: Path) -> bool:
    """Whether most of the file's blocks hold data: tables written whole into a copy leave the
    blocks of what they replaced free (DuckDB reuses them, but never gives them back), so a
    copy more than half free is not started from: a new file is written, compact."""
    adapter.execute(f"ATTACH '{_quote(database)}' AS sizing (READ_ONLY)")
    try:
        ((used, free),) = adapter.fetchall(
            "SELECT used_blocks, free_blocks FROM pragma_database_size() "
            "WHERE database_name = 'sizing'"
        )
    finally:
        adapter.execute("DETACH sizing")
    return free <= used


def _publish_table(adapter, source: str, target: str, catalog: _Catalog | None = None) -> bool:
    """Make the table target (in the copy of the previous published file) hold the rows of
    source. If both have the same columns, a report_id and no row without one, only the rows
    of the reports whose rows differ (in number or in the sum of their hashes) are deleted
    and inserted again: one more report into 1,000 copies its own rows, not the 380,000
    figures of marts.facts. Otherwise, or when more than half of the reports differ, the
    table is written whole. Returns whether it was (its descriptions are gone then)."""
    catalog = catalog or _Catalog(adapter, read=False)
    old_columns = catalog.columns(target)
    by_report = ("report_id", "VARCHAR") in old_columns
    if by_report and old_columns == catalog.columns(source):
        each = "SELECT report_id, COUNT(*) AS n, SUM(hash(t)) AS h FROM {} AS t GROUP BY ALL"
        adapter.execute(
            "CREATE OR REPLACE TEMP TABLE publish_differing AS SELECT "
            "COALESCE(new.report_id, old.report_id) AS report_id, "
            "new.n IS NOT DISTINCT FROM old.n AND new.h IS NOT DISTINCT FROM old.h AS same "
            f"FROM ({each.format(source)}) AS new FULL JOIN ({each.format(target)}) AS old "
            "ON new.report_id = old.report_id"
        )
        ((unnamed, differing, reports),) = adapter.fetchall(
            "SELECT COUNT(*) FILTER (WHERE report_id IS NULL), COUNT(*) FILTER (WHERE NOT same), "
            "COUNT(*) FROM publish_differing"
        )
        if not unnamed and differing * 2 <= reports:
            if differing:
                changed = "report_id IN (SELECT report_id FROM publish_differing WHERE NOT same)"
                adapter.execute(f"DELETE FROM {target} WHERE {changed}")
                adapter.execute(f"INSERT INTO {target} SELECT * FROM {source} WHERE {changed}")
            # the change log compares the rows of these reports only: kept for it
            adapter.execute(
                f"CREATE OR REPLACE TEMP TABLE {same_reports(target)} AS "
                "SELECT report_id FROM publish_differing WHERE same"
            )
            return False
    adapter.execute(f"DROP TABLE IF EXISTS {same_reports(target)}")
    adapter.execute(f"DROP TABLE IF EXISTS {target}")
    adapter.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")
    return True


class _Catalog:
    """The columns (name, type, description) and the description of every table and view of
    the published schemas, in the build's database and in the copy, read in two queries as
    publishing starts: a query of DuckDB's catalog took 5 ms, and a publish asked 130 of them.
    What it does not hold (a temporary view, meta.*) is asked as it is needed."""

    def __init__(self, adapter, read: bool = True) -> None:
        self.adapter = adapter
        self.known: dict[tuple, list[tuple[str, str, str | None]]] = {}
        self.described: dict[tuple, str | None] = {}
        if not read:
            return
        schemas = ", ".join(f"'{schema}'" for schema in PUBLISHED_SCHEMAS)
        where = (
            "WHERE database_name IN (current_database(), 'published') "
            f"AND schema_name IN ({schemas})"
        )
        database = "CASE WHEN database_name = 'published' THEN 'published' END"
        for key_database, schema, table, column, kind, comment in adapter.fetchall(
            f"SELECT {database}, schema_name, table_name, column_name, data_type, comment "
            f"FROM duckdb_columns() {where} ORDER BY database_name, schema_name, table_name, "
            "column_index"
        ):
            self.known.setdefault((key_database, schema, table), []).append((column, kind, comment))
        for key_database, schema, table, comment in adapter.fetchall(
            f"SELECT {database}, schema_name, table_name, comment FROM duckdb_tables() {where}"
        ):
            self.described[(key_database, schema, table)] = comment

    @staticmethod
    def key(relation: str) -> tuple[str | None, str, str]:
        """(database, schema, name) of published.schema."name", schema."name" (the build's:
        database None), or a temporary view's name."""
        parts = [part.strip('"') for part in relation.split(".")]
        if len(parts) == 1:  # a temporary view of this connection
            parts = ["temp", "main", *parts]
        return (parts[0] if len(parts) == 3 else None, *parts[-2:])

    def columns(self, relation: str) -> list[tuple[str, str]]:
        """changes.columns of a relation: its columns, in order, with their types."""
        key = self.key(relation)
        if key in self.known:
            return [(column, kind) for column, kind, _ in self.known[key]]
        return columns(self.adapter.fetchall, *key)

    def comments(self, relation: str) -> dict[str, str | None]:
        """The description of each column of a relation the catalog holds."""
        return {column: comment for column, _, comment in self.known.get(self.key(relation), [])}


def _relations(adapter, schema: str) -> list[tuple[str, str | None]]:
    rows = adapter.fetchall(
        "SELECT view_name, comment FROM duckdb_views() "
        f"WHERE database_name = current_database() AND schema_name = '{schema}' "
        "UNION ALL SELECT table_name, comment FROM duckdb_tables() "
        f"WHERE database_name = current_database() AND schema_name = '{schema}' ORDER BY 1"
    )
    return [(name, comment) for name, comment in rows]


def _copy_comments(
    adapter, catalog: _Catalog, schema: str, table: str, comment: str | None, whole: bool
) -> None:
    """The table's and its columns' descriptions, as the build has them (one removed there is
    removed in the copy too); only those that differ are written (a COMMENT is a change to
    the catalog: the hundreds of them took most of a second a build). whole: the copy's table
    was written anew, without descriptions."""
    target = f'published.{schema}."{table}"'
    build = catalog.comments(f'{schema}."{table}"').items()
    copy = {} if whole else catalog.comments(target)
    copied = None if whole else catalog.described.get(catalog.key(target))
    if (copied or None) != (comment or None):
        described = f"'{_quote(comment)}'" if comment else "NULL"
        adapter.execute(f'COMMENT ON TABLE published.{schema}."{table}" IS {described}')
    for column, column_comment in build:
        if (copy.get(column) or None) == (column_comment or None):
            continue
        described = f"'{_quote(column_comment)}'" if column_comment else "NULL"
        adapter.execute(f'COMMENT ON COLUMN published.{schema}."{table}"."{column}" IS {described}')


def _write_build_info(adapter, audits: list) -> str:
    built_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    summary = {
        "audits": len(audits),
        "failed_blocking": sum(1 for a in audits if a.blocking and not a.passed),
        "warnings": sum(1 for a in audits if not a.blocking and not a.passed),
    }
    adapter.execute("CREATE SCHEMA IF NOT EXISTS published.meta")
    adapter.execute(
        "CREATE TABLE published.meta.build_info AS SELECT "
        f"'{built_at}'::TIMESTAMP AS built_at, '{json.dumps(summary)}'::JSON AS audit_summary"
    )
    adapter.execute(
        "CREATE TABLE published.meta.audit_results "
        "(audit TEXT, model TEXT, blocking BOOLEAN, failed_rows INT)"
    )
    for a in audits:
        adapter.execute(
            "INSERT INTO published.meta.audit_results VALUES "
            f"('{_quote(a.audit)}', '{_quote(a.model)}', {a.blocking}, {a.failed_rows})"
        )
    # a report without a curated title (seeds.reports) is named by its first line, and dated
    # by the year that line names
    first_line = "TRIM(SPLIT_PART(LTRIM(reports.text, chr(10) || ' '), chr(10), 1))"
    adapter.execute(
        "CREATE OR REPLACE TEMP VIEW published_reports AS SELECT reports.report_id, reports.path, "
        "reports.sha256, reports.n_chars, reports.loaded_at, "
        f"COALESCE(seeds.title, {first_line}) AS title, "
        "COALESCE(seeds.data_as_of, NULLIF(REGEXP_EXTRACT("
        f"{first_line}, '(19|20)[0-9][0-9]', 0), '')) AS data_as_of, reports.text "
        "FROM raw.reports AS reports LEFT JOIN seeds.reports AS seeds USING (report_id)"
    )
    _publish_table(adapter, "published_reports", "published.meta.reports")  # 57 MB of texts
    return built_at


def _quote(value: object) -> str:
    return str(value).replace("'", "''")
