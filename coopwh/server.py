"""The shared PostgreSQL server: connections, raw tables up, the published copy up and back.

Two databases on one server. The build database (PGDATABASE with _build appended, or
$COOPWH_PG_BUILD_DATABASE) holds SQLMesh's state, its versioned tables and views, and raw.*:
only builds use it. The published database (PGDATABASE, default coopwh) holds what readers
query, schemas marts, seeds and meta, as plain tables. A build writes the new copy into
marts_next, seeds_next and meta_next, grants the coopwh_reader role SELECT on them, and then in
one transaction renames them into place; a query that started before reads the old tables to the
end, a query that starts after reads the new ones. Readers' accounts are members of
coopwh_reader: they can read those three schemas and nothing else.

Everything the product reads on the server (coopwh sql, the copy export, validate and changes
fetch) connects as such a reader, never as the build account (connect_as_reader): a login from
$COOPWH_PG_READER_USER and $COOPWH_PG_READER_PASSWORD, else the login coopwh_reader_login that
the build makes for its own machine (its password kept in the warehouse directory, readable by
the job's user alone), else $PGUSER if it is a reader. A session of the build account that
switched role would not do: SET ROLE and SET SESSION AUTHORIZATION are undone by RESET, so a
query could go back to the build account's rights. A login whose only membership is
coopwh_reader has nowhere to go back to: RESET ROLE lands on the login itself. So no query
string can write, read the server's files (pg_read_file needs pg_read_server_files or a
superuser) or run programs (COPY … TO PROGRAM needs pg_execute_server_program).

The connection comes from the standard libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
PGDATABASE); no secret is written in the project. Data moves in and out as CSV through COPY."""

from __future__ import annotations

import io
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from coopwh.status import BuildError

READER_ROLE = "coopwh_reader"
READER_LOGIN = "coopwh_reader_login"  # the login a build makes for its own machine's readers
READER_LOGIN_FILE = "reader_login.json"  # its password, beside the local published copy
SERVER_POWERS = ("pg_read_server_files", "pg_write_server_files", "pg_execute_server_program")
PUBLISHED_SCHEMAS = ("marts", "seeds", "meta")
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


class ServerError(BuildError):
    """The server cannot be reached or refused what the build asked; the message says why."""


def databases() -> tuple[str, str]:
    """(published database, build database) from the environment."""
    published = os.environ.get("PGDATABASE") or "coopwh"
    return published, os.environ.get("COOPWH_PG_BUILD_DATABASE") or f"{published}_build"


def connect(
    database: str, autocommit: bool = False, user: str | None = None, password: str | None = None
):  # -> psycopg2 connection
    """A connection to one database of the server, from the libpq variables (as user, with
    password, if given: the build's account otherwise)."""
    try:
        import psycopg2
    except ImportError as error:
        raise ServerError(
            "the PostgreSQL driver is not installed: pip install 'coopwh[postgres]'"
        ) from error
    try:
        connection = psycopg2.connect(
            dbname=database, application_name="coopwh", user=user, password=password
        )
    except psycopg2.Error as error:
        where = f"{os.environ.get('PGHOST', 'localhost')}:{os.environ.get('PGPORT', '5432')}"
        raise ServerError(
            f"cannot connect to PostgreSQL at {where}, database {database}, as "
            f"{user or os.environ.get('PGUSER', os.environ.get('USER', '?'))}: "
            f"{str(error).strip()} (set PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE)"
        ) from error
    connection.autocommit = autocommit
    return connection


def connect_as_reader(database: str, root: Path):  # -> psycopg2 connection
    """A read-only connection with no rights but coopwh_reader's (see the module's docstring):
    the login of $COOPWH_PG_READER_USER, else the reader login kept in root (the gateway's
    directory in the warehouse), else $PGUSER if it is a reader; else $PGUSER (the build
    account) makes the kept login, or resets its password, and that is used."""
    user = os.environ.get("COOPWH_PG_READER_USER")
    if user:
        connection = connect(
            database, user=user, password=os.environ.get("COOPWH_PG_READER_PASSWORD")
        )
        return _reading_only(connection, f"COOPWH_PG_READER_USER ({user})")
    kept = _kept_login(root)
    if kept is not None:
        try:
            connection = connect(database, user=kept[0], password=kept[1])
        except ServerError:  # its password was reset from another machine: reset it below
            pass
        else:
            return _reading_only(connection, f"the reader login kept in {root / READER_LOGIN_FILE}")
    connection = connect(database)
    more = _more_than_reading(connection)
    if more is None:  # an analyst's own login in coopwh_reader
        connection.set_session(readonly=True)
        return connection
    try:
        _ensure_reader_role(connection.cursor(), database, root, remake=True)
        connection.commit()
    except ServerError as error:
        raise ServerError(
            f"{os.environ.get('PGUSER', 'PGUSER')} {more}, and coopwh reads the server as a "
            f"reader only; set COOPWH_PG_READER_USER and COOPWH_PG_READER_PASSWORD to a login in "
            f"{READER_ROLE}, or run the build on this machine ({error})"
        ) from error
    finally:
        connection.close()
    user, password = _kept_login(root)
    return _reading_only(
        connect(database, user=user, password=password),
        f"the reader login kept in {root / READER_LOGIN_FILE}",
    )


def _reading_only(connection, whose: str):  # psycopg2 connection -> the same
    """The connection, read-only, if its login can do no more than read; else it is closed and
    refused, naming why."""
    more = _more_than_reading(connection)
    if more is not None:
        connection.close()
        raise ServerError(
            f"{whose} {more}: coopwh reads the server as a reader only; give it a login "
            f"whose only role is {READER_ROLE} (CREATE ROLE … LOGIN PASSWORD '…' IN ROLE "
            f"{READER_ROLE})"
        )
    connection.set_session(readonly=True)
    return connection


def _more_than_reading(connection) -> str | None:
    """What the connection's login may do beyond reading the published tables, in words, or
    None: a superuser, a login that may create roles or databases, one that holds the server's
    file and program roles, or one that is (or may become) the owner of the published database
    or of one of its schemas. Membership counts whether inherited or not (SET ROLE would reach
    it)."""
    cursor = connection.cursor()
    cursor.execute(
        "SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, "
        "ARRAY(SELECT p FROM unnest(%s::text[]) AS p WHERE pg_has_role(current_user, p, "
        "'MEMBER')), pg_has_role(current_user, d.datdba, 'MEMBER'), "
        "ARRAY(SELECT nspname::text FROM pg_namespace WHERE nspname = ANY(%s) "
        "AND pg_has_role(current_user, nspowner, 'MEMBER') ORDER BY 1) "
        "FROM pg_roles AS r, pg_database AS d "
        "WHERE r.rolname = current_user AND d.datname = current_database()",
        [list(SERVER_POWERS), list(PUBLISHED_SCHEMAS)],
    )
    superuser, create_role, create_db, powers, owns_database, owns_schemas = cursor.fetchone()
    connection.rollback()
    if superuser:
        return "is a superuser"
    if create_role or create_db:
        return "may create " + ("roles" if create_role else "databases")
    if powers:
        return f"is a member of {', '.join(powers)}"
    if owns_database:
        return "owns the published database"
    if owns_schemas:
        return f"owns the schemas {', '.join(owns_schemas)}"
    return None


def _kept_login(root: Path) -> tuple[str, str] | None:
    """The reader login the build made and its password, as kept in root; None if none is."""
    try:
        kept = json.loads((root / READER_LOGIN_FILE).read_text(encoding="utf-8"))
        return str(kept["user"]), str(kept["password"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _keep_login(root: Path, user: str, password: str) -> None:
    """Write the reader login's password into root, readable by the job's user alone."""
    path = root / READER_LOGIN_FILE
    staging = path.with_name(path.name + ".tmp")
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging.unlink(missing_ok=True)
        descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"user": user, "password": password}, handle)
        os.replace(staging, path)
    except OSError as error:
        staging.unlink(missing_ok=True)
        raise ServerError(f"{path}: cannot keep the reader login's password ({error})") from error


def ensure_databases() -> None:
    """Create the two databases if they are missing (the account needs CREATEDB for that), and
    keep readers out of the build database."""
    published, build = databases()
    with _closing(connect("postgres", autocommit=True)) as connection:
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
    with _closing(connect(build, autocommit=True)) as connection:
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
    with duckdb.connect(str(local), read_only=True) as source, _closing(connect(build)) as target:
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
        for (table,) in _fetch(
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
        _closing(connect(published_db)) as target,
    ):
        cursor = target.cursor()
        _ensure_reader_role(cursor, published_db, published.parent)
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
    with _closing(connect_as_reader(published_db, local.parent)) as connection:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        tables = _fetch(
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


def query(paths, sql: str) -> tuple[list[str], list[tuple]]:  # paths: coopwh.paths.Paths
    """Run one reading statement on the published database, as a reader (connect_as_reader);
    return column names and rows. What DuckDB's parser reads as anything but one SELECT or
    EXPLAIN is refused before it is sent, as on DuckDB; what it cannot parse (PostgreSQL's own
    syntax) goes to the server, where the reader's rights stop anything but reading."""
    import psycopg2

    from coopwh.query import QueryError, check_statements, refusal, statement_types

    with duckdb.connect(config={"enable_external_access": False}) as parser:
        try:
            types = statement_types(parser, sql)
        except duckdb.Error:
            types = None
    if types is not None:
        check_statements(types)
    published_db, _ = databases()
    with _closing(connect_as_reader(published_db, paths.root)) as connection:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
        except psycopg2.Error as error:
            said = str(error).strip().splitlines()[0]
            if error.pgcode in ("42501", "25006"):  # insufficient privilege, read-only
                raise refusal(
                    f"the reader's rights stop it (the server said: {said})",
                    f"a reader may SELECT from {', '.join(PUBLISHED_SCHEMAS)} and nothing else",
                ) from error
            raise QueryError(str(error).strip()) from error
        if cursor.description is None:
            return [], []
        return [column[0] for column in cursor.description], cursor.fetchall()


def _ensure_reader_role(cursor, published_db: str, root: Path, remake: bool = False) -> None:
    """The coopwh_reader role, allowed to connect to the published database (and nobody else);
    and, unless readers log in as $COOPWH_PG_READER_USER, the reader login this machine's
    readers use, its password kept in root (a new one if none is kept there, or if remake)."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [READER_ROLE])
    if not cursor.fetchone():
        try:
            cursor.execute(f"CREATE ROLE {READER_ROLE} NOLOGIN")
        except Exception as error:
            raise ServerError(
                f"the role {READER_ROLE} does not exist and could not be created ({error}); "
                f"ask the server's administrator to run: CREATE ROLE {READER_ROLE} NOLOGIN"
            ) from error
    cursor.execute(f'REVOKE ALL ON DATABASE "{published_db}" FROM PUBLIC')  # no temp tables
    cursor.execute(f'GRANT CONNECT ON DATABASE "{published_db}" TO {READER_ROLE}')
    if os.environ.get("COOPWH_PG_READER_USER") or (_kept_login(root) and not remake):
        return
    password = secrets.token_urlsafe(24)
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [READER_LOGIN])
    make = "ALTER" if cursor.fetchone() else "CREATE"
    try:
        cursor.execute(f"{make} ROLE {READER_LOGIN} LOGIN PASSWORD %s", [password])
        cursor.execute(f"GRANT {READER_ROLE} TO {READER_LOGIN}")
    except Exception as error:
        raise ServerError(
            f"the reader login {READER_LOGIN} could not be made ({str(error).strip()}); ask the "
            f"server's administrator for a login in {READER_ROLE} (CREATE ROLE … LOGIN PASSWORD "
            f"'…' IN ROLE {READER_ROLE}) and set COOPWH_PG_READER_USER and "
            "COOPWH_PG_READER_PASSWORD to it"
        ) from error
    _keep_login(root, READER_LOGIN, password)


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
    columns = _fetch(
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
    (comment,) = _fetch(connection, "SELECT obj_description(%s::regclass)", [f'{schema}."{table}"'])
    if comment[0]:
        target.execute(f"COMMENT ON TABLE {schema}.\"{table}\" IS '{_quote(comment[0])}'")
    for name, _, column_comment in columns:
        if column_comment:
            target.execute(
                f'COMMENT ON COLUMN {schema}."{table}"."{name}" IS \'{_quote(column_comment)}\''
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


def _fetch(connection, sql: str, parameters=None) -> list[tuple]:
    cursor = connection.cursor()
    cursor.execute(sql, parameters)
    return cursor.fetchall()


@contextmanager
def _closing(connection):
    try:
        yield connection
    finally:
        connection.close()


def _quote(value: object) -> str:
    return str(value).replace("'", "''")
