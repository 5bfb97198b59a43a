"""The one module that writes raw.* tables: report texts and their sentences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import pandas as pd

from loaders.reports import Report, split_sentences

RAW_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.reports (
  report_id TEXT PRIMARY KEY, path TEXT, sha256 TEXT, n_chars INT, text TEXT, loaded_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS raw.report_sentences (
  report_id TEXT, sentence_no INT, sentence_start INT, sentence_end INT, sentence TEXT,
  PRIMARY KEY (report_id, sentence_no)
);
"""


def ensure_raw_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and tables if they are missing."""
    connection.execute(RAW_DDL)


def stored_hashes(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The sha256 of each report already loaded, by report id."""
    ensure_raw_tables(connection)
    return dict(connection.execute("SELECT report_id, sha256 FROM raw.reports").fetchall())


def write_reports(connection: duckdb.DuckDBPyConnection, reports: Iterable[Report]) -> list[str]:
    """Insert or replace reports and their sentences in one transaction; return changed ids."""
    ensure_raw_tables(connection)
    known = stored_hashes(connection)
    changed = [report for report in reports if known.get(report.report_id) != report.sha256]
    if not changed:
        return []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    report_rows = pd.DataFrame(
        [(r.report_id, r.path, r.sha256, len(r.text), r.text, now) for r in changed],
        columns=["report_id", "path", "sha256", "n_chars", "text", "loaded_at"],
    )
    sentence_rows = pd.DataFrame(
        [
            (r.report_id, s.sentence_no, s.start, s.end, s.text)
            for r in changed
            for s in split_sentences(r.text)
        ],
        columns=["report_id", "sentence_no", "sentence_start", "sentence_end", "sentence"],
    )
    ids = [r.report_id for r in changed]
    connection.execute("BEGIN TRANSACTION")
    try:
        connection.execute(
            "DELETE FROM raw.report_sentences WHERE list_contains(?, report_id)", [ids]
        )
        connection.execute("DELETE FROM raw.reports WHERE list_contains(?, report_id)", [ids])
        connection.register("report_rows", report_rows)
        connection.register("sentence_rows", sentence_rows)
        connection.execute("INSERT INTO raw.reports SELECT * FROM report_rows")
        connection.execute("INSERT INTO raw.report_sentences SELECT * FROM sentence_rows")
        connection.execute("COMMIT")
    except Exception:
        connection.execute("ROLLBACK")
        raise
    finally:
        connection.unregister("report_rows")
        connection.unregister("sentence_rows")
    return ids
