"""The tables and columns of the DuckDB databases a publish has attached (the new copy as
`published`, the one it replaces as `previous`), and which columns hold offsets."""

from __future__ import annotations


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


def mart_columns(fetch, database: str, mart: str) -> dict[str, str]:
    return dict(columns(fetch, database, "marts", mart))


def is_span(column: str) -> bool:
    return column.endswith(("span_start", "span_end", "span_starts"))


def report_column(column: str, columns) -> str | None:
    """The column naming the report an offset column points into: contribution_report_id for
    contribution_span_start, else report_id."""
    prefix = column.rsplit("span_", 1)[0]
    for name in (f"{prefix}report_id", "report_id"):
        if name in columns:
            return name
    return None


def where_column(side: str, column: str, columns: dict) -> str:
    """SQL for a column of a row, NULL if the mart has none; a row that names several figures
    (span_starts, as in audit_findings) has the span_start of the first of them."""
    if column in columns:
        return f'{side}."{column}"'
    if column == "span_start" and "span_starts" in columns:
        return f"TRY_CAST(split_part({side}.\"span_starts\", ',', 1) AS INTEGER)"
    return "NULL"


def quote(value: object) -> str:
    return str(value).replace("'", "''")


def same_reports(target: str) -> str:
    """The temporary table listing the reports whose rows in target (published.schema."name")
    the publish found the same as in the copy it replaces (by count and hash), if it compared
    them: the change log need not compare them again."""
    return "publish_same__" + "__".join(part.strip('"') for part in target.split(".")[1:])
