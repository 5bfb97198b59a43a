"""The raw.* tables the loaders write, said once: the contract between Python and SQL.

From it come the DDL that makes the tables and the columns the loaders fill (loaders.raw), and
external_models.yaml, the raw.* tables as SQLMesh sees them (it reads that file itself). After
changing a table here, write the yaml again (a test fails until it is):

    python -m loaders.contract             # rewrites external_models.yaml
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

YAML = Path(__file__).resolve().parent.parent / "external_models.yaml"


@dataclass(frozen=True)
class Column:
    """A column of a raw table: its name and type (DuckDB's)."""

    name: str
    type: str
    added: bool = False  # added after the table was first made: warehouses built before gain it
    in_models: bool = True  # in external_models.yaml (False: the loaders' own bookkeeping)


@dataclass(frozen=True)
class Table:
    """A raw table: its columns, its key, and what it holds (None: no model reads it)."""

    name: str
    columns: tuple[Column, ...]
    description: str | None = None
    key: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _columns(spec: str, **flags: bool) -> tuple[Column, ...]:
    """Columns from 'name TYPE, name TYPE' (flags apply to all of them)."""
    pairs = (part.split() for part in spec.split(","))
    return tuple(Column(name, kind, **flags) for name, kind in pairs)


FACT = _columns(
    "report_id TEXT, span_start INT, span_end INT, number_text TEXT, value DOUBLE, unit TEXT, "
    "kind TEXT, qualifier TEXT, metric TEXT, metric_code TEXT, subject TEXT, baseline TEXT, "
    "period TEXT, is_target BOOLEAN, subject_text TEXT"
)
TABLES = (
    Table(
        "reports",
        _columns(
            "report_id TEXT, path TEXT, sha256 TEXT, n_chars INT, text TEXT, loaded_at TIMESTAMP"
        )
        # the file's size and time: a later build need not read a file whose size and time
        # are those it loaded
        + _columns("file_size BIGINT, file_mtime_ns BIGINT", added=True, in_models=False),
        "One row per report file read, with its decoded text.",
        key=("report_id",),
    ),
    Table(
        "report_sentences",
        _columns(
            "report_id TEXT, sentence_no INT, sentence_start INT, sentence_end INT, sentence TEXT"
        ),
        "The sentences of each report, with their character offsets in the decoded text.",
        key=("report_id", "sentence_no"),
    ),
    Table("extracted_facts", FACT, "Facts the extractor read from each report, before review."),
    Table(
        "extracted_relations",
        _columns(
            "report_id TEXT, relation_type TEXT, share_span INT, part_span INT, whole_span INT, "
            "start_span INT, end_span INT, change_span INT, before_period TEXT, note TEXT"
        )
        + _columns("relation_key TEXT", added=True),
        "Figures the extractor found related in each report (a range, a percentage-point "
        "change, an increase, a share and its counts, a growth and both its levels, a total "
        "and its parts, a target and its completion).",
    ),
    Table(
        "extracted_relation_parts",
        _columns(
            "report_id TEXT, relation_type TEXT, relation_key TEXT, part_no INT, group_no INT, "
            "part_span INT, multiplier DOUBLE, multiplier_span INT"
        ),
        "The parts of each total the extractor found with its parts (sum_of_parts, "
        "respectively_sum, split_two_ways), one row per part.",
    ),
    Table(
        "held_facts",
        FACT + _columns("reason TEXT"),
        "Figures the extractor read but the door in held back, with the reason; the rest of "
        "their report loads.",
    ),
    # a 64-bit key of each distinct sentence of a report, figures masked (loaders.revisions)
    Table("report_sentence_keys", _columns("report_id TEXT, sentence_key BIGINT")),
    # the reports loaded, revised or removed since the models last ran (NULL: every report)
    Table("pending_reports", _columns("report_id TEXT")),
)
RAW = {table.name: table for table in TABLES}


def ddl() -> str:
    """The statements that make the raw schema and its tables if missing, and add to a table
    made before them the columns added since."""
    statements = ["CREATE SCHEMA IF NOT EXISTS raw"]
    for table in TABLES:
        parts = [f"{column.name} {column.type}" for column in table.columns]
        if table.key:
            parts.append(f"PRIMARY KEY ({', '.join(table.key)})")
        statements.append(f"CREATE TABLE IF NOT EXISTS raw.{table.name} ({', '.join(parts)})")
        statements.extend(
            f"ALTER TABLE raw.{table.name} ADD COLUMN IF NOT EXISTS {column.name} {column.type}"
            for column in table.columns
            if column.added
        )
    return ";\n".join(statements) + ";\n"


def external_models_yaml() -> str:
    """external_models.yaml as this contract writes it: the tables the models read, with the
    columns they may read."""
    lines = [
        "# The raw.* tables the Python loaders write: the contract between Python and SQL.",
        "# Written by `python -m loaders.contract` from loaders/contract.py; do not edit.",
    ]
    for table in TABLES:
        if table.description is None:
            continue
        lines += [
            f'- name: \'"raw"."{table.name}"\'',
            f"  description: {table.description}",
            "  columns:",
        ]
        lines += [f"    {c.name}: {c.type}" for c in table.columns if c.in_models]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else YAML
    target.write_text(external_models_yaml(), encoding="utf-8")
    print(f"wrote {target}")
