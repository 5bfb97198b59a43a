"""The shared PostgreSQL server as the warehouse's home: raw tables up, the published copy up
and back, and a build lock that holds across machines.

Two databases on one server. The build database (PGDATABASE with _build appended, or
$COOPWH_PG_BUILD_DATABASE) holds SQLMesh's state, its versioned tables and views, and raw.*:
only builds use it. The published database (PGDATABASE, default coopwh) holds what readers
query, schemas marts, seeds and meta, as plain tables. A build writes the new copy into
marts_next, seeds_next and meta_next, grants the coopwh_reader role SELECT on them, and then in
one transaction renames them into place; a query that started before reads the old tables to the
end, a query that starts after reads the new ones. Readers' accounts are members of
coopwh_reader: they can read those three schemas and nothing else (coopwh.gateway.readers).

The connection comes from the standard libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
PGDATABASE); no secret is written in the project. Data moves in and out as CSV through COPY."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from coopwh.errors import BuildError
from coopwh.gateway import Gateway
from coopwh.gateway.readers import READER_ROLE, connect_as_reader, ensure_reader_role
from coopwh.gateway.server import (
    PUBLISHED_SCHEMAS,
    ServerError,
    closing,
    connect,
    databases,
    fetch,
    quote,
)

LOCK_KEY = 715_1969  # the advisory lock a build holds on the build database


TO_POSTGRES = {
    "VARCHAR": "TEXT",
    "INTEGER": "INTEGER",
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE PRECISION",
    "FLOAT": "REAL",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMP",
    "DATE": "DATE",
    "JSON": "JSONB",
}


TO_DUCKDB = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "integer": "INTEGER",
    "smallint": "INTEGER",
    "bigint": "BIGINT",
    "double precision": "DOUBLE",
    "real": "DOUBLE",
    "numeric": "DOUBLE",  # ROUND on PostgreSQL gives numeric; readers get the same doubles
    "boolean": "BOOLEAN",
    "timestamp without time zone": "TIMESTAMP",
    "date": "DATE",
    "jsonb": "JSON",
    "json": "JSON",
}


def ensure_databases() -> None:
    """Create the two databases if they are missing (the account needs CREATEDB for that), and
    keep readers out of the build database."""
    published, build = databases()
    with closing(connect("postgres", autocommit=True)) as connection:
        cursor = connection.cursor()
        for name in (published, build):
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                continue
            try:
                cursor.execute(f'CREATE DATABASE "{name}"')
            except Exception as error:
                raise ServerError(
                    f"database {name} does not exist and could not be created ({error}); "
                    f"ask the server's administrator to run: CREATE DATABASE {name} OWNER "
                    f"{os.environ.get('PGUSER', 'coopwh')}"
                ) from error
        cursor.execute(f'REVOKE ALL ON DATABASE "{build}" FROM PUBLIC')


@contextmanager
def build_lock() -> Iterator[None]:
    """Hold the server's build lock (a session advisory lock), or fail at once: builds from two
    machines never overlap. Creates the databases first if they are missing."""
    ensure_databases()
    _, build = databases()
    with closing(connect(build, autocommit=True)) as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        if not cursor.fetchone()[0]:
            raise BuildError(
                f"another build is running on the server ({build}); wait for it to finish"
            )
        try:
            yield
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def push_raw(local: Path, tables: tuple[str, ...]) -> None:
    """Replace raw.* on the server with the loaders' tables in the local DuckDB file, in one
    transaction (the models' views keep pointing at the same tables)."""
    _, build = databases()
    with duckdb.connect(str(local), read_only=True) as source, closing(connect(build)) as target:
        cursor = target.cursor()
        cursor.execute("CREATE SCHEMA IF NOT EXISTS raw")
        for qualified in tables:
            schema, table = qualified.split(".")
            columns = _duckdb_columns(source, schema, table)
            wanted = ", ".join(f'"{name}" {TO_POSTGRES[kind]}' for name, kind in columns)
            cursor.execute(f'CREATE TABLE IF NOT EXISTS raw."{table}" ({wanted})')
            for name, kind in columns:
                added = f'"{name}" {TO_POSTGRES[kind]}'
                cursor.execute(f'ALTER TABLE raw."{table}" ADD COLUMN IF NOT EXISTS {added}')
            cursor.execute(f'TRUNCATE raw."{table}"')
            _copy_in(source, cursor, f"{schema}.{table}", f'raw."{table}"', columns)
        target.commit()


def pull_build(adapter) -> duckdb.DuckDBPyConnection:  # adapter: SQLMesh's, on the server
    """The marts, the seeds and raw.reports of the build database's prod environment, with
    their comments, in an in-memory DuckDB database: what publishing copies from."""
    local = duckdb.connect()
    connection = adapter.connection
    for schema in ("marts", "seeds"):
        local.execute(f"CREATE SCHEMA {schema}")
        for (table,) in fetch(
            connection,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            [schema],
        ):
            _copy_out(connection, local, schema, table)
    local.execute("CREATE SCHEMA raw")
    _copy_out(connection, local, "raw", "reports")
    return local


def push_published(published: Path) -> None:
    """Copy the published DuckDB file to the server's published database and swap it in."""
    published_db, _ = databases()
    with (
        duckdb.connect(str(published), read_only=True) as source,
        closing(connect(published_db)) as target,
    ):
        cursor = target.cursor()
        ensure_reader_role(cursor, published_db, published.parent)
        for schema in PUBLISHED_SCHEMAS:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema}_next CASCADE")
            cursor.execute(f"CREATE SCHEMA {schema}_next")
            for table, comment in source.execute(
                "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = ?", [schema]
            ).fetchall():
                columns = _duckdb_columns(source, schema, table)
                wanted = ", ".join(f'"{name}" {TO_POSTGRES[kind]}' for name, kind in columns)
                target_name = f'{schema}_next."{table}"'
                cursor.execute(f"CREATE TABLE {target_name} ({wanted})")
                _copy_in(source, cursor, f'{schema}."{table}"', target_name, columns)
                _comment(cursor, source, schema, table, comment, target_name)
            cursor.execute(f"GRANT USAGE ON SCHEMA {schema}_next TO {READER_ROLE}")
            cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema}_next TO {READER_ROLE}")
        target.commit()  # the new copy is complete; readers still see the old one
        for schema in PUBLISHED_SCHEMAS:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema}_old CASCADE")
            cursor.execute(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [schema]
            )
            if cursor.fetchone():
                cursor.execute(f"ALTER SCHEMA {schema} RENAME TO {schema}_old")
            cursor.execute(f"ALTER SCHEMA {schema}_next RENAME TO {schema}")
        target.commit()  # the swap: one transaction
        for schema in PUBLISHED_SCHEMAS:  # waits for readers still on the old tables
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema}_old CASCADE")
        target.commit()


def pull_published(local: Path) -> bool:
    """Copy the server's published copy into a local DuckDB file (replaced whole, read in one
    snapshot of the server); False if the server has none yet."""
    published_db, _ = databases()
    with closing(connect_as_reader(published_db, local.parent)) as connection:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        tables = fetch(
            connection,
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('marts', 'seeds', 'meta') ORDER BY 1, 2",
        )
        if not tables:
            return False
        staging = local.with_name(local.name + ".pulling")
        staging.unlink(missing_ok=True)
        local.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(staging)) as target:
            for schema in {schema for schema, _ in tables}:
                target.execute(f"CREATE SCHEMA {schema}")
            for schema, table in tables:
                _copy_out(connection, target, schema, table)
        connection.rollback()
    os.replace(staging, local)
    return True


def _duckdb_columns(connection, schema: str, table: str) -> list[tuple[str, str]]:
    return connection.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()


def _copy_in(source, cursor, source_name: str, target_name: str, columns) -> None:
    """COPY a DuckDB table into a PostgreSQL one, through CSV (every value quoted, so that an
    empty text stays empty and a NULL, unquoted, stays NULL)."""
    names = ", ".join(f'"{name}"' for name, _ in columns)
    path = _scratch(source_name)
    try:
        source.execute(
            f"COPY (SELECT {names} FROM {source_name}) TO '{path}' "
            "(FORMAT csv, HEADER false, FORCE_QUOTE *)"
        )
        with open(path, encoding="utf-8") as handle:
            cursor.copy_expert(f"COPY {target_name} ({names}) FROM STDIN WITH (FORMAT csv)", handle)
    finally:
        path.unlink(missing_ok=True)


def _scratch(name: str) -> Path:
    """A temporary CSV file for one table on its way between the engines."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in name)
    return Path(os.environ.get("TMPDIR", "/tmp")) / f"coopwh-{os.getpid()}-{safe}.csv"


def _copy_out(connection, target: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """COPY a PostgreSQL table into a new DuckDB one of the same name, with its comments."""
    columns = fetch(
        connection,
        "SELECT column_name, data_type, col_description(%s::regclass, ordinal_position) "
        "FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "ORDER BY ordinal_position",
        [f'{schema}."{table}"', schema, table],
    )
    kinds = {name: TO_DUCKDB.get(kind, "VARCHAR") for name, kind, _ in columns}
    names = ", ".join(f'"{name}"' for name, _, _ in columns)
    buffer = io.StringIO()
    connection.cursor().copy_expert(
        f'COPY (SELECT {names} FROM {schema}."{table}") TO STDOUT WITH (FORMAT csv, HEADER)',
        buffer,
    )
    path = _scratch(f"{schema}.{table}")
    path.write_text(buffer.getvalue(), encoding="utf-8")
    try:
        typed = ", ".join(f"'{name}': '{kind}'" for name, kind in kinds.items())
        target.execute(
            f'CREATE TABLE {schema}."{table}" AS SELECT * FROM read_csv(?, header = true, '
            f"columns = {{{typed}}}, allow_quoted_nulls = false, quote = '\"', escape = '\"')",
            [str(path)],
        )
    finally:
        path.unlink(missing_ok=True)
    (comment,) = fetch(connection, "SELECT obj_description(%s::regclass)", [f'{schema}."{table}"'])
    if comment[0]:
        target.execute(f"COMMENT ON TABLE {schema}.\"{table}\" IS '{quote(comment[0])}'")
    for name, _, column_comment in columns:
        if column_comment:
            target.execute(
                f'COMMENT ON COLUMN {schema}."{table}"."{name}" IS \'{quote(column_comment)}\''
            )


def _comment(cursor, source, schema: str, table: str, comment, target_name: str) -> None:
    if comment:
        cursor.execute(f"COMMENT ON TABLE {target_name} IS %s", [comment])
    for name, column_comment in source.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = ? "
        "AND table_name = ? AND comment IS NOT NULL",
        [schema, table],
    ).fetchall():
        cursor.execute(f'COMMENT ON COLUMN {target_name}."{name}" IS %s', [column_comment])


class LocalAdapter:
    """What publishing uses of SQLMesh's engine adapter, on a DuckDB connection of our own."""

    def __init__(self, connection) -> None:
        self.cursor = connection

    def execute(self, sql: str) -> None:
        self.cursor.execute(sql)

    def fetchall(self, sql: str) -> list[tuple]:
        return self.cursor.execute(sql).fetchall()


class Postgres(Gateway):
    """The shared server: SQLMesh builds in the build database, readers read the published one;
    the local files are the loaders' raw.* and a snapshot of the published copy."""

    name = "postgres"
    sqlmesh_gateway = "postgres"

    def lock(self):
        return build_lock()

    def send_raw(self, build_db: Path, tables) -> None:
        push_raw(build_db, tuple(tables))

    def built(self, adapter):
        return LocalAdapter(pull_build(adapter))

    def fetch_published(self) -> bool:
        return pull_published(self.paths.published_db)

    def send_published(self, staging: Path) -> None:
        push_published(staging)

    def forget_pending(self, pending_table: str) -> None:
        with duckdb.connect(str(self.paths.build_db)) as local:  # the loaders' copy, sent next
            local.execute(f"DELETE FROM {pending_table}")

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        from coopwh.gateway.readers import query

        return query(self.paths.root, sql)

    def home(self) -> str:
        return f"the server's database {databases()[0]}"

    def where(self) -> str:
        return f"{self.home()} (local copy: {self.paths.published_db})"
