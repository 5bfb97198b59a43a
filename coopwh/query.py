"""Run analysts' SQL read-only against the published copy and format the result as a table."""

from __future__ import annotations

import re
import unicodedata

import duckdb

from coopwh.paths import Paths
from coopwh.published import read_only


class QueryError(Exception):
    """A query that could not run; the message says why."""


class Refused(QueryError):
    """A query that tried more than reading the warehouse; the message names what and why."""


ALLOWED = "only one SELECT (or WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) per call"
NOT_READING = {  # what each kind of statement would do, for the refusal
    "COPY": "COPY … TO writes a file (and COPY … FROM loads one)",
    "EXPORT": "EXPORT DATABASE writes files",
    "ATTACH": "ATTACH opens another database",
    "DETACH": "DETACH closes a database",
    "LOAD": "INSTALL and LOAD add extensions",
    "SET": "SET, RESET and USE change the session",
    "TRANSACTION": "BEGIN, COMMIT and ROLLBACK manage transactions",
    "CALL": "CALL runs a procedure (to read a table function, write FROM function())",
    "PREPARE": "PREPARE and EXECUTE run other statements",
    "EXECUTE": "PREPARE and EXECUTE run other statements",
}
FILE_AS_TABLE = re.compile(r"Table with name (\S*(?:/|\.(?:csv|tsv|parquet|json|txt|gz))\S*) does")
READING = {"SELECT", "EXPLAIN"}  # DuckDB's statement types; DESCRIBE, SHOW, PRAGMA are SELECTs


def refusal(what: str, instead: str = ALLOWED) -> Refused:
    """The error for a query that does what: 'coopwh sql is read-only: <what>; only one …'."""
    return Refused(f"coopwh sql is read-only: {what}; {instead}")


def check_statements(types: list[str]) -> None:
    """Refuse a call that is not one reading statement (types: DuckDB's statement types)."""
    if not types:
        raise refusal("no statement was given")
    if len(types) > 1:
        raise refusal(f"{len(types)} statements were given")
    (kind,) = types
    if kind in READING:
        return
    if kind in NOT_READING:
        raise refusal(NOT_READING[kind])
    words = kind.replace("_", " ")  # CREATE, INSERT, UPDATE, DELETE, DROP, ALTER, MERGE INTO, …
    raise refusal(f"{words} changes the warehouse")


def statement_types(connection, sql: str) -> list[str]:
    """The type of each statement in sql, by DuckDB's own parser (DuckDBPyConnection.
    extract_statements); a parser error is raised as it is."""
    return [statement.type.name for statement in connection.extract_statements(sql)]


def run_query(paths: Paths, sql: str) -> tuple[list[str], list[tuple]]:
    """Run one reading statement on the published warehouse through a connection that can
    read nothing else (paths.read_only: no files, no extensions, settings locked); return
    column names and rows. Anything else is refused, naming what it would have done."""
    if not paths.published_db.exists():
        raise QueryError(f"{paths.published_db}: no warehouse yet; run `coopwh build` first")
    try:
        connection = read_only(paths.published_db)
    except (duckdb.Error, RuntimeError) as error:
        raise QueryError(f"{paths.published_db}: cannot be opened ({error})") from error
    try:
        statements = connection.extract_statements(sql)
        check_statements([statement.type.name for statement in statements])
        cursor = connection.execute(statements[0])
        if cursor.description is None:
            return [], []
        columns = [column[0] for column in cursor.description]
        return columns, cursor.fetchall()
    except duckdb.PermissionException as error:  # a file or an extension, inside a SELECT
        said = str(error).strip().splitlines()[0]
        raise refusal(
            "files and extensions are out of its reach (read_csv, read_parquet, read_text, "
            f"glob, …; DuckDB said: {said})",
            "query the published tables (marts.*, seeds.*, meta.*)",
        ) from error
    except duckdb.CatalogException as error:  # FROM 'a/file.csv' looks for a table of that name
        named = FILE_AS_TABLE.search(str(error))
        if named:
            raise refusal(
                f"files are out of its reach ({named.group(1)} is a file, not a table)",
                "query the published tables (marts.*, seeds.*, meta.*)",
            ) from error
        raise QueryError(str(error).strip()) from error
    except duckdb.Error as error:
        raise QueryError(str(error).strip()) from error
    finally:
        connection.close()


def format_table(columns: list[str], rows: list[tuple], max_width: int = 60) -> str:
    """Format rows as an aligned text table; wide CJK characters count as two columns."""
    cells = [[_cell(value, max_width) for value in row] for row in rows]
    widths = [
        max([_width(name)] + [_width(row[i]) for row in cells]) for i, name in enumerate(columns)
    ]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows) and bool(rows)
        for i in range(len(columns))
    ]

    def line(values: list[str]) -> str:
        padded = [_pad(value, widths[i], right=numeric[i]) for i, value in enumerate(values)]
        return "│ " + " │ ".join(padded) + " │"

    border = "─"
    top = "┌─" + "─┬─".join(border * w for w in widths) + "─┐"
    middle = "├─" + "─┼─".join(border * w for w in widths) + "─┤"
    bottom = "└─" + "─┴─".join(border * w for w in widths) + "─┘"
    body = [line(row) for row in cells]
    count = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
    return "\n".join([top, line(columns), middle, *body, bottom, count])


def _cell(value: object, max_width: int) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        text = f"{value:.10g}" if abs(value) < 1e15 else f"{value:.0f}"
    else:
        text = str(value)
    text = text.replace("\n", " ")
    if _width(text) > max_width:
        while _width(text) > max_width - 1:
            text = text[:-1]
        text += "…"
    return text


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap
