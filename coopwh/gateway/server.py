"""The PostgreSQL server's connections: its two databases, a connection to each, and the
errors a server gives, in words (see coopwh.gateway.postgres for what lives where)."""

from __future__ import annotations

import os
from contextlib import contextmanager

from coopwh.errors import BuildError

PUBLISHED_SCHEMAS = ("marts", "seeds", "meta")


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


def fetch(connection, sql: str, parameters=None) -> list[tuple]:
    cursor = connection.cursor()
    cursor.execute(sql, parameters)
    return cursor.fetchall()


@contextmanager
def closing(connection):
    try:
        yield connection
    finally:
        connection.close()


def quote(value: object) -> str:
    return str(value).replace("'", "''")
