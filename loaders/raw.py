"""The one module that writes raw.* tables: report texts, sentences, extracted facts and
relations, and the figures held back with the reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import pandas as pd

from loaders.extract import Extraction
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
CREATE TABLE IF NOT EXISTS raw.extracted_relations (
  report_id TEXT, relation_type TEXT, share_span INT, part_span INT, whole_span INT,
  start_span INT, end_span INT, change_span INT, before_period TEXT, note TEXT
);
CREATE TABLE IF NOT EXISTS raw.held_facts (
  report_id TEXT, span_start INT, span_end INT, number_text TEXT, value DOUBLE, unit TEXT,
  kind TEXT, qualifier TEXT, metric TEXT, metric_code TEXT, subject TEXT, baseline TEXT,
  period TEXT, is_target BOOLEAN, subject_text TEXT, reason TEXT
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
RELATION_COLUMNS = [
    "report_id",
    "relation_type",
    "share_span",
    "part_span",
    "whole_span",
    "start_span",
    "end_span",
    "change_span",
    "before_period",
    "note",
]
RAW_TABLES = (
    "raw.report_sentences",
    "raw.extracted_facts",
    "raw.extracted_relations",
    "raw.held_facts",
    "raw.reports",
)


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
    extractions: dict[str, Extraction] | None = None,
    sync: bool = True,
) -> list[str]:
    """Make raw.* hold exactly these reports (their text, sentences, extracted facts and
    relations, and the figures held back), in one transaction.

    Reports whose text is unchanged are left alone; with sync, reports no longer given are
    removed. Returns the ids of the reports added, replaced or removed."""
    ensure_raw_tables(connection)
    reports = list(reports)
    extractions = extractions or {}
    known = stored_hashes(connection)
    changed = [r for r in reports if known.get(r.report_id) != r.sha256]
    removed = sorted(set(known) - {r.report_id for r in reports}) if sync else []
    if not changed and not removed:
        return []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    done = [extractions.get(r.report_id) or Extraction(None) for r in changed]
    frames = {
        "raw.reports": pd.DataFrame(
            [(r.report_id, r.path, r.sha256, len(r.text), r.text, now) for r in changed],
            columns=["report_id", "path", "sha256", "n_chars", "text", "loaded_at"],
        ),
        "raw.report_sentences": pd.DataFrame(
            [
                (r.report_id, s.sentence_no, s.start, s.end, s.text)
                for r in changed
                for s in split_sentences(r.text)
            ],
            columns=["report_id", "sentence_no", "sentence_start", "sentence_end", "sentence"],
        ),
        "raw.extracted_facts": pd.DataFrame(
            [[getattr(f, c) for c in FACT_COLUMNS] for e in done for f in e.facts],
            columns=FACT_COLUMNS,
        ),
        "raw.extracted_relations": pd.DataFrame(
            [
                [report.report_id, *(getattr(rel, c) for c in RELATION_COLUMNS[1:])]
                for report, e in zip(changed, done, strict=True)
                for rel in e.relations
            ],
            columns=RELATION_COLUMNS,
        ),
        "raw.held_facts": pd.DataFrame(
            [
                [*(getattr(f, c) for c in FACT_COLUMNS), reason]
                for e in done
                for f, reason in e.held
            ],
            columns=[*FACT_COLUMNS, "reason"],
        ),
    }
    ids = [r.report_id for r in changed] + removed
    connection.execute("BEGIN TRANSACTION")
    try:
        for table in RAW_TABLES:
            connection.execute(f"DELETE FROM {table} WHERE list_contains(?, report_id)", [ids])
        for table, frame in frames.items():
            if len(frame):
                connection.register("rows_to_load", frame)
                connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM rows_to_load")
                connection.unregister("rows_to_load")
        connection.execute("COMMIT")
    except Exception:
        connection.execute("ROLLBACK")
        raise
    return ids
