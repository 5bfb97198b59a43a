"""The server's readers: everything the product reads on the server (coopwh sql, the readers'
copy that export, validate and changes fetch) connects as a reader, never as the build account.

A login from $COOPWH_PG_READER_USER and $COOPWH_PG_READER_PASSWORD, else the login
coopwh_reader_login that the build makes for its own machine (its password kept in the
warehouse directory, readable by the job's user alone), else $PGUSER if it is a reader. A
session of the build account that switched role would not do: SET ROLE and SET SESSION
AUTHORIZATION are undone by RESET, so a query could go back to the build account's rights. A
login whose only membership is coopwh_reader has nowhere to go back to: RESET ROLE lands on the
login itself. So no query string can write, read the server's files (pg_read_file needs
pg_read_server_files or a superuser) or run programs (COPY … TO PROGRAM needs
pg_execute_server_program)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import duckdb

from coopwh.gateway.server import (
    PUBLISHED_SCHEMAS,
    ServerError,
    closing,
    connect,
    databases,
)

READER_ROLE = "coopwh_reader"
READER_LOGIN = "coopwh_reader_login"  # the login a build makes for its own machine's readers
READER_LOGIN_FILE = "reader_login.json"  # its password, beside the local published copy
SERVER_POWERS = ("pg_read_server_files", "pg_write_server_files", "pg_execute_server_program")


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
        ensure_reader_role(connection.cursor(), database, root, remake=True)
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


def query(root: Path, sql: str) -> tuple[list[str], list[tuple]]:
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
    with closing(connect_as_reader(published_db, root)) as connection:
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


def ensure_reader_role(cursor, published_db: str, root: Path, remake: bool = False) -> None:
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
