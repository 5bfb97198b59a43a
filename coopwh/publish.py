"""Publish the readers' copy: marts and seeds as plain tables in a new DuckDB file, swapped in."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from coopwh.changes import BuildChanges, grains, keep_builds, record
from coopwh.paths import Paths
from coopwh.phases import Phases

PUBLISHED_SCHEMAS = ("marts", "seeds")


def publish(context, paths: Paths, audits: list, phases: Phases) -> tuple[Path, BuildChanges]:
    """Write marts and seeds into warehouse/coopwh.duckdb.tmp with what they changed against
    the copy they replace (meta.changes), then rename it over the old copy.

    Readers with the old file open keep their snapshot; new readers get the new one. Nothing is
    half-written: the rename is atomic. On a server the marts come from the server into a
    local DuckDB copy, compared there with the server's current copy, and go back to the server
    (coopwh.server), swapped in before the local copy is."""
    adapter = context.engine_adapter
    if paths.on_server:
        from coopwh import server

        with phases.phase("publish"):
            adapter = _Local(server.pull_build(adapter))
            if not server.pull_published(paths.published_db):  # readers' copy: the previous
                paths.published_db.unlink(missing_ok=True)
    target = paths.published_db
    staging = target.with_name(target.name + ".tmp")
    staging.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    adapter.execute(f"ATTACH '{_quote(staging)}' AS published")
    try:
        with phases.phase("publish"):
            for schema in PUBLISHED_SCHEMAS:
                adapter.execute(f"CREATE SCHEMA published.{schema}")
                for table, comment in _relations(adapter, schema):
                    adapter.execute(
                        f'CREATE TABLE published.{schema}."{table}" '
                        f'AS SELECT * FROM {schema}."{table}"'
                    )
                    _copy_comments(adapter, schema, table, comment)
            built_at = _write_build_info(adapter, audits)
        with phases.phase("changes"):
            previous = target if target.exists() else None
            changes = record(adapter, previous, grains(context), keep_builds(context), built_at)
    finally:
        adapter.execute("DETACH published")
    if paths.on_server:
        with phases.phase("publish"):
            server.push_published(staging)
    os.replace(staging, target)
    return target, changes


class _Local:
    """What publishing uses of SQLMesh's engine adapter, on a DuckDB connection of our own."""

    def __init__(self, connection) -> None:
        self.cursor = connection

    def execute(self, sql: str) -> None:
        self.cursor.execute(sql)

    def fetchall(self, sql: str) -> list[tuple]:
        return self.cursor.execute(sql).fetchall()


def _relations(adapter, schema: str) -> list[tuple[str, str | None]]:
    rows = adapter.fetchall(
        "SELECT view_name, comment FROM duckdb_views() "
        f"WHERE database_name = current_database() AND schema_name = '{schema}' "
        "UNION ALL SELECT table_name, comment FROM duckdb_tables() "
        f"WHERE database_name = current_database() AND schema_name = '{schema}' ORDER BY 1"
    )
    return [(name, comment) for name, comment in rows]


def _copy_comments(adapter, schema: str, table: str, comment: str | None) -> None:
    if comment:
        adapter.execute(f"COMMENT ON TABLE published.{schema}.\"{table}\" IS '{_quote(comment)}'")
    columns = adapter.fetchall(
        "SELECT column_name, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() "
        f"AND schema_name = '{schema}' AND table_name = '{table}' AND comment IS NOT NULL"
    )
    for column, column_comment in columns:
        adapter.execute(
            f'COMMENT ON COLUMN published.{schema}."{table}"."{column}" '
            f"IS '{_quote(column_comment)}'"
        )


def _write_build_info(adapter, audits: list) -> str:
    built_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    summary = {
        "audits": len(audits),
        "failed_blocking": sum(1 for a in audits if a.blocking and not a.passed),
        "warnings": sum(1 for a in audits if not a.blocking and not a.passed),
    }
    adapter.execute("CREATE SCHEMA published.meta")
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
        "CREATE TABLE published.meta.reports AS SELECT reports.report_id, reports.path, "
        "reports.sha256, reports.n_chars, reports.loaded_at, "
        f"COALESCE(seeds.title, {first_line}) AS title, "
        "COALESCE(seeds.data_as_of, NULLIF(REGEXP_EXTRACT("
        f"{first_line}, '(19|20)[0-9][0-9]', 0), '')) AS data_as_of, reports.text "
        "FROM raw.reports AS reports LEFT JOIN seeds.reports AS seeds USING (report_id)"
    )
    return built_at


def _quote(value: object) -> str:
    return str(value).replace("'", "''")
