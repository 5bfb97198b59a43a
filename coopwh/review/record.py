"""The reviewers' decisions as a seed: seeds/fact_reviews.csv read, written whole, backed up
while a rebuild decides, and given the columns of this version."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from coopwh.review.fields import EDITABLE, REVIEW_COLUMNS


def csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def same_decision(old: dict, new: dict) -> bool:
    keys = ["decision", *EDITABLE, "note"]
    return all((old.get(k) or "") == (new.get(k) or "") for k in keys)


def upgrade_reviews_seed(seeds_dir: Path) -> bool:
    """Give a seeds/fact_reviews.csv written by an earlier version the columns it lacks
    (empty), so its rows still build; True if it was rewritten."""
    path = seeds_dir / "fact_reviews.csv"
    if not path.exists():
        return False
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    if not header or all(column in header for column in REVIEW_COLUMNS):
        return False
    write_recorded(path, read_recorded(path))
    return True


def read_recorded(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["fact_id"]: row for row in csv.DictReader(handle)}


def write_recorded(path: Path, rows: dict[str, dict]) -> None:
    ordered = sorted(
        rows.values(), key=lambda r: (r["report_id"], int(r["span_start"]), r["fact_id"])
    )
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=REVIEW_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(ordered)
    temporary.replace(path)


def backup(path: Path, directory: Path) -> Path:
    """A copy of the reviews seed, kept in directory (not beside the seeds, which a build
    fingerprints), to put back if the rebuild fails."""
    directory.mkdir(parents=True, exist_ok=True)
    copy = directory / (path.name + ".before-review")
    shutil.copy2(path, copy)
    return copy
