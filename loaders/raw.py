"""The one module that writes raw.* tables: report texts, sentences, extracted facts and
relations (and the parts of the totals among them), the figures held back with the reason, and
each report's sentence keys (for finding near duplicates)."""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections.abc import Iterable

import duckdb
import pandas as pd

from loaders.contract import RAW, ddl
from loaders.extract import Extraction
from loaders.reports import Report, split_sentences
from loaders.revisions import masked_sentences

RAW_DDL = ddl()
FACT_COLUMNS = RAW["extracted_facts"].column_names
RELATION_COLUMNS = RAW["extracted_relations"].column_names
PART_COLUMNS = RAW["extracted_relation_parts"].column_names  # a total's parts
# The reports loaded, revised or removed since the models last ran (NULL: every report): the
# models of kind by_report (materializations/by_report.py) compute their rows again, no others.
PENDING = "raw.pending_reports"
RAW_TABLES = tuple(f"raw.{name}" for name in RAW)


def pend_every_report(connection: duckdb.DuckDBPyConnection) -> None:
    """Have the by_report models computed whole on their next run (coopwh build --force)."""
    ensure_raw_tables(connection)
    connection.execute(f"INSERT INTO {PENDING} VALUES (NULL)")


def ensure_raw_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and tables if they are missing (and add newer columns)."""
    connection.execute(RAW_DDL)


def stored_hashes(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The sha256 of each report already loaded, by report id."""
    ensure_raw_tables(connection)
    return dict(connection.execute("SELECT report_id, sha256 FROM raw.reports").fetchall())


def _columns(connection: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of raw.<table> (none if it does not exist yet): readers may not create it."""
    rows = connection.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = ?",
        [table],
    ).fetchall()
    return {name for (name,) in rows}


def manifest(connection: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, int, int]]:
    """(sha256, file size, file modification time) of each loaded report, by report id (a
    warehouse loaded before sizes were kept has none: its files are read again)."""
    columns = _columns(connection, "reports")
    if not columns:
        return {}
    stats = "file_size, file_mtime_ns" if "file_size" in columns else "NULL, NULL"
    rows = connection.execute(f"SELECT report_id, sha256, {stats} FROM raw.reports").fetchall()
    return {report_id: (sha, size, mtime) for report_id, sha, size, mtime in rows}


def sentence_keys(text: str, mask: bool = True) -> list[int]:
    """A 64-bit key for each distinct sentence of text, figures masked unless mask is false
    (see revisions.py)."""
    keys = set()
    for sentence in masked_sentences(text, mask):
        digest = hashlib.blake2b(sentence.encode("utf-8"), digest_size=8).digest()
        keys.add(int.from_bytes(digest, "big", signed=True))
    return sorted(keys)


def nearest_reports(
    connection: duckdb.DuckDBPyConnection, keys: dict[int, list[int]], limit: int = 3
) -> dict[int, list[tuple[str, float]]]:
    """For each text (by its number) the loaded reports sharing the most of its sentence keys,
    each with the share of the text's keys it has, best first; one query for them all."""
    if not keys or not _columns(connection, "report_sentence_keys"):
        return {}
    frame = pd.DataFrame(
        [(number, key) for number, own in keys.items() for key in own],
        columns=["number", "sentence_key"],
    )
    connection.register("new_keys", frame)
    try:
        rows = connection.execute(
            "SELECT number, report_id, shared FROM ("
            "  SELECT new_keys.number, loaded.report_id,"
            "    COUNT(DISTINCT new_keys.sentence_key) AS shared,"
            "    ROW_NUMBER() OVER (PARTITION BY new_keys.number"
            "      ORDER BY COUNT(DISTINCT new_keys.sentence_key) DESC, loaded.report_id) AS rank"
            "  FROM new_keys JOIN raw.report_sentence_keys AS loaded USING (sentence_key)"
            "  GROUP BY new_keys.number, loaded.report_id"
            ") WHERE rank <= ? ORDER BY number, rank",
            [limit],
        ).fetchall()
    finally:
        connection.unregister("new_keys")
    found: dict[int, list[tuple[str, float]]] = {}
    for number, report_id, shared in rows:
        found.setdefault(number, []).append((report_id, shared / len(keys[number])))
    return found


def loaded_figures(connection: duckdb.DuckDBPyConnection, report_id: str) -> list[tuple]:
    """The figures the extractor read in a loaded report (held ones too), as printed (spaces
    aside) and read, one per span, in order."""
    if not _columns(connection, "extracted_facts"):
        return []
    rows = connection.execute(
        "SELECT DISTINCT span_start, replace(number_text, ' ', ''), round(value, 6) FROM ("
        "SELECT span_start, number_text, value FROM raw.extracted_facts WHERE report_id = ? "
        "UNION ALL SELECT span_start, number_text, value FROM raw.held_facts WHERE report_id = ?"
        ") ORDER BY span_start",
        [report_id, report_id],
    ).fetchall()
    return [(printed, value) for _, printed, value in rows]


def report_texts(
    connection: duckdb.DuckDBPyConnection, report_ids: Iterable[str]
) -> dict[str, str]:
    """The loaded texts of those of these reports that are loaded, by id (one query)."""
    if not _columns(connection, "reports"):
        return {}
    rows = connection.execute(
        "SELECT report_id, text FROM raw.reports WHERE list_contains(?, report_id)",
        [sorted(set(report_ids))],
    ).fetchall()
    return dict(rows)


def write_reports(
    connection: duckdb.DuckDBPyConnection,
    reports: Iterable[Report],
    extractions: dict[str, Extraction] | None = None,
    present: Iterable[str] | None = None,
    keys: dict[str, list[int]] | None = None,
) -> list[str]:
    """Load these reports into raw.* (their text, sentences and sentence keys, extracted facts
    and relations, and the figures held back), in one transaction.

    A report whose text is unchanged is left alone (its file's size and time are updated).
    present names every report that should remain (default: those given); the others are
    removed. keys: sentence keys already made (by report id), not made again. Returns the ids
    of the reports added, replaced or removed."""
    ensure_raw_tables(connection)
    reports = list(reports)
    extractions = extractions or {}
    loaded = manifest(connection)
    changed = [r for r in reports if loaded.get(r.report_id, ("",))[0] != r.sha256]
    changed_ids = {r.report_id for r in changed}
    touched = [
        r
        for r in reports
        if r.report_id not in changed_ids and loaded[r.report_id][1:] != (r.size, r.mtime_ns)
    ]
    keep = {r.report_id for r in reports} | set(present or ())
    removed = sorted(set(loaded) - keep)
    if not changed and not removed and not touched:
        return []
    frames = _frames(changed, extractions, keys or {})
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
        connection.execute(f"INSERT INTO {PENDING} SELECT UNNEST(?::TEXT[])", [ids])
        for report in touched:
            connection.execute(
                "UPDATE raw.reports SET file_size = ?, file_mtime_ns = ?, path = ? "
                "WHERE report_id = ?",
                [report.size, report.mtime_ns, report.path, report.report_id],
            )
        _backfill_sentence_keys(connection)
        connection.execute("COMMIT")
    except Exception:
        connection.execute("ROLLBACK")
        raise
    return ids


def _frames(
    changed: list[Report], extractions: dict[str, Extraction], keys: dict[str, list[int]]
) -> dict[str, pd.DataFrame]:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    done = [extractions.get(r.report_id) or Extraction(None) for r in changed]
    columns = operator.attrgetter(*FACT_COLUMNS)  # a fact's row, in one call
    part_row = operator.attrgetter("group", "span", "multiplier", "multiplier_span")
    return {
        "raw.reports": pd.DataFrame(
            [
                (r.report_id, r.path, r.sha256, len(r.text), r.text, now, r.size, r.mtime_ns)
                for r in changed
            ],
            columns=RAW["reports"].column_names,
        ),
        "raw.report_sentences": pd.DataFrame(
            [
                (r.report_id, s.sentence_no, s.start, s.end, s.text)
                for r in changed
                for s in split_sentences(r.text)
            ],
            columns=RAW["report_sentences"].column_names,
        ),
        "raw.report_sentence_keys": pd.DataFrame(
            [
                (r.report_id, key)
                for r in changed
                for key in keys.get(r.report_id) or sentence_keys(r.text)
            ],
            columns=RAW["report_sentence_keys"].column_names,
        ),
        "raw.extracted_facts": pd.DataFrame(
            [columns(f) for e in done for f in e.facts], columns=FACT_COLUMNS
        ),
        "raw.extracted_relations": pd.DataFrame(
            [
                [report.report_id, *(getattr(rel, c) for c in RELATION_COLUMNS[1:])]
                for report, e in zip(changed, done, strict=True)
                for rel in e.relations
            ],
            columns=RELATION_COLUMNS,
        ),
        "raw.extracted_relation_parts": pd.DataFrame(
            [
                [report.report_id, rel.relation_type, rel.relation_key, number, *part_row(part)]
                for report, e in zip(changed, done, strict=True)
                for rel in e.relations
                for number, part in enumerate(rel.parts, 1)
            ],
            columns=PART_COLUMNS,
        ).astype({"multiplier_span": "Int64"}),
        "raw.held_facts": pd.DataFrame(
            [(*columns(f), reason) for e in done for f, reason in e.held],
            columns=RAW["held_facts"].column_names,
        ),
    }


def _backfill_sentence_keys(connection: duckdb.DuckDBPyConnection) -> None:
    """Sentence keys for reports loaded before raw.report_sentence_keys existed."""
    missing = connection.execute(  # the ids first: the texts of the others are not read
        "SELECT report_id, text FROM raw.reports WHERE list_contains(?, report_id)",
        [
            [
                report_id
                for (report_id,) in connection.execute(
                    "SELECT report_id FROM raw.reports EXCEPT "
                    "SELECT report_id FROM raw.report_sentence_keys"
                ).fetchall()
            ]
        ],
    ).fetchall()
    rows = [(report_id, key) for report_id, text in missing for key in sentence_keys(text)]
    if rows:
        frame = pd.DataFrame(rows, columns=["report_id", "sentence_key"])
        connection.register("keys_to_load", frame)
        connection.execute("INSERT INTO raw.report_sentence_keys SELECT * FROM keys_to_load")
        connection.unregister("keys_to_load")
