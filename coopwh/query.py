"""Run analysts' SQL read-only against the published copy and format the result as a table."""

from __future__ import annotations

import unicodedata

import duckdb

from coopwh.paths import Paths


class QueryError(Exception):
    """A query that could not run; the message says why."""


def run_query(paths: Paths, sql: str) -> tuple[list[str], list[tuple]]:
    """Run sql on the published warehouse, read-only; return column names and rows."""
    if not paths.published_db.exists():
        raise QueryError(f"{paths.published_db}: no warehouse yet; run `coopwh build` first")
    try:
        connection = duckdb.connect(str(paths.published_db), read_only=True)
    except duckdb.Error as error:
        raise QueryError(f"{paths.published_db}: cannot be opened ({error})") from error
    try:
        cursor = connection.execute(sql)
        if cursor.description is None:
            return [], []
        columns = [column[0] for column in cursor.description]
        return columns, cursor.fetchall()
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
