"""The one module that writes raw.* tables: report texts, their sentences and extracted facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import pandas as pd

from loaders.extract import Fact
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
CREATE TABLE IF NOT EXISTS raw.extracted_facts (
  report_id TEXT, span_start INT, span_end INT, number_text TEXT, value DOUBLE, unit TEXT,
  kind TEXT, qualifier TEXT, metric TEXT, metric_code TEXT, subject TEXT, baseline TEXT,
  period TEXT, is_target BOOLEAN, subject_text TEXT
);
"""
FACT_COLUMNS = [
    "report_id",
    "span_start",
    "span_end",
    "number_text",
    "value",
    "unit",
    "kind",
    "qualifier",
    "metric",
    "metric_code",
    "subject",
    "baseline",
    "period",
    "is_target",
    "subject_text",
]


def ensure_raw_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and tables if they are missing."""
    connection.execute(RAW_DDL)


def stored_hashes(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The sha256 of each report already loaded, by report id."""
    ensure_raw_tables(connection)
    return dict(connection.execute("SELECT report_id, sha256 FROM raw.reports").fetchall())


def write_reports(
    connection: duckdb.DuckDBPyConnection,
    reports: Iterable[Report],
    facts: dict[str, list[Fact]] | None = None,
    sync: bool = True,
) -> list[str]:
    """Make raw.* hold exactly these reports (and their extracted facts), in one transaction.

    Reports whose text is unchanged are left alone; with sync, reports no longer given are
    removed. Returns the ids of the reports added, replaced or removed."""
    ensure_raw_tables(connection)
    reports = list(reports)
    facts = facts or {}
    known = stored_hashes(connection)
    changed = [r for r in reports if known.get(r.report_id) != r.sha256]
    removed = sorted(set(known) - {r.report_id for r in reports}) if sync else []
    if not changed and not removed:
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
    fact_rows = pd.DataFrame(
        [
            [getattr(fact, column) for column in FACT_COLUMNS]
            for r in changed
            for fact in facts.get(r.report_id, [])
        ],
        columns=FACT_COLUMNS,
    )
    ids = [r.report_id for r in changed] + removed
    connection.execute("BEGIN TRANSACTION")
    try:
        for table in ("raw.report_sentences", "raw.extracted_facts", "raw.reports"):
            connection.execute(f"DELETE FROM {table} WHERE list_contains(?, report_id)", [ids])
        for name, frame, table in (
            ("report_rows", report_rows, "raw.reports"),
            ("sentence_rows", sentence_rows, "raw.report_sentences"),
            ("fact_rows", fact_rows, "raw.extracted_facts"),
        ):
            if len(frame):
                connection.register(name, frame)
                connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
                connection.unregister(name)
        connection.execute("COMMIT")
    except Exception:
        connection.execute("ROLLBACK")
        raise
    return ids
