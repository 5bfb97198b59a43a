"""Curated seeds follow a revised report's text: spans move with their sentence.

A curated row whose sentence is unchanged gets the new offsets. A fact, relation or review
decision whose sentence changed no longer says what the text says: it leaves the seed and is
written, whole, beside the archived old version of the report, for a reviewer to look at.
Fund rows are kept and listed (the fund audits then say what no longer adds up)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from loaders.keys import moved_fact_id
from loaders.revisions import offset_map

SPANS = {
    "report_facts": ("span_start", "span_end"),
    "fact_relations": (
        "share_span",
        "part_span",
        "whole_span",
        "start_span",
        "end_span",
        "change_span",
    ),
    "fund_contributions": ("span_start",),
    "funds": ("total_span_start",),
    "fact_reviews": ("span_start",),  # its fact_id holds the offset too: rewritten with it
}
MOVABLE_ONLY = ("fund_contributions", "funds")  # kept even when a span cannot move


@dataclass
class Reanchored:
    """What re-anchoring did to the curated seeds of one report."""

    kept: int = 0  # rows that follow the new text
    moved: int = 0  # of those, rows whose offsets changed
    flagged: list[str] = field(default_factory=list)  # one line per row whose sentence changed
    written: list[Path] = field(default_factory=list)  # where the rows that left a seed went

    def describe(self) -> str:
        lines = [f"{self.kept} curated row(s) follow the new text ({self.moved} moved)"]
        lines += [f"  sentence changed: {line}" for line in self.flagged]
        lines += [f"  rows that left the seeds are in {path}" for path in self.written]
        return "\n".join(lines)


def reanchor(
    seeds_dir: Path, report_id: str, old_text: str, new_text: str, out_prefix: Path
) -> Reanchored:
    """Move the spans of report_id's curated rows from old_text to new_text, in place.

    Rows whose sentence changed leave report_facts.csv and fact_relations.csv and are written
    to <out_prefix>.<seed>.csv."""
    move = offset_map(old_text, new_text)
    result = Reanchored()
    for seed, columns in SPANS.items():
        path = seeds_dir / f"{seed}.csv"
        if not path.exists():
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            fields, rows = reader.fieldnames or [], list(reader)
        kept, left = [], []
        for row in rows:
            if row.get("report_id") != report_id:
                kept.append(row)
                continue
            moved = _move_row(row, columns, move, new_text)
            if moved is not None:
                result.kept += 1
                result.moved += row != moved
                kept.append(moved)
                continue
            result.flagged.append(f"{seed}: " + _describe(row))
            (kept if seed in MOVABLE_ONLY else left).append(row)
        if not left and kept == rows:
            continue
        _write(path, fields, kept)
        if left:
            target = out_prefix.with_name(f"{out_prefix.name}.{seed}.csv")
            _write(target, fields, left)
            result.written.append(target)
    return result


def _move_row(row: dict, columns, move, new_text: str) -> dict | None:
    moved = dict(row)
    for column in columns:
        value = (row.get(column) or "").strip()
        if not value or column == "span_end":
            continue
        new = move(int(value))
        if new is None:
            return None
        moved[column] = str(new)
    if "fact_id" in row and moved["span_start"] != row["span_start"]:  # report:offset:subject
        moved["fact_id"] = moved_fact_id(row["fact_id"], int(moved["span_start"]))
    if "span_end" in columns and row.get("span_end"):
        moved["span_end"] = str(
            int(moved["span_start"]) + int(row["span_end"]) - int(row["span_start"])
        )
        if new_text[int(moved["span_start"]) : int(moved["span_end"])] != row.get("number_text"):
            return None
    return moved


def _describe(row: dict) -> str:
    keys = ("relation_id", "fund_id", "number_text", "span_start", "subject", "note")
    return ", ".join(f"{k}={row[k]}" for k in keys if row.get(k))


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
