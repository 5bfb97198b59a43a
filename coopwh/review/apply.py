"""Apply a filled review sheet: every row checked first, then the decisions recorded in
seeds/fact_reviews.csv (versioned like the other seeds)."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from pathlib import Path

from openpyxl import load_workbook

from coopwh.paths import Paths
from coopwh.published import read_only
from coopwh.review.fields import (
    DECISIONS,
    EDITABLE,
    SHEET,
    ZH,
    Applied,
    Formula,
    ReviewError,
    as_token,
    cell_name,
    check_final,
    corrections,
    review_reference,
)
from coopwh.review.record import csv_value, read_recorded, same_decision, write_recorded
from coopwh.review.sheet import marked
from loaders.keys import fact_id_sql


def apply_sheet(paths: Paths, sheet_path: Path, reviewer: str | None = None) -> Applied:
    """Check every row of a filled review sheet and record its decisions in
    seeds/fact_reviews.csv. Raises ReviewError naming each wrong row, writing nothing."""
    rows = _read_sheet(sheet_path)
    readings = _readings(paths)
    reference = review_reference(paths)
    seeds_path = paths.project / "seeds" / "fact_reviews.csv"
    recorded = read_recorded(seeds_path)
    reviewer = reviewer or os.environ.get("COOPWH_REVIEWER") or getpass.getuser()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    errors: list[str] = []
    decided: dict[str, dict] = {}
    result = Applied()
    for number, row in rows:
        where = f"{sheet_path.name}, sheet {SHEET}, row {number}"
        formulas = [(key, value) for key, value in row.items() if isinstance(value, Formula)]
        for key, formula in formulas:
            header = f" ({ZH[key]})" if key in ZH else ""
            errors.append(
                f"{where}, cell {formula.cell}{header}: a formula ({formula.text}), not a value: "
                "type the value itself"
            )
        if formulas:
            continue
        decision = as_token(row.get("decision"))
        if not decision:
            result.left += 1
            continue
        fact_id = str(row.get("fact_id") or "").strip()
        reading = readings.get(fact_id)
        if reading is None:
            errors.append(
                f"{where}, {cell_name('fact_id', number)}: fact_id {fact_id!r} is not a figure the "
                "extractor read in this warehouse"
            )
            continue
        if decision not in DECISIONS:
            errors.append(
                f"{where}, {cell_name('decision', number)}: decision {row.get('decision')!r} is "
                "not one of accept, correct, reject"
            )
            continue
        if fact_id in decided:
            errors.append(f"{where}, {cell_name('fact_id', number)}: {fact_id} appears twice")
            continue
        corrected, problems = corrections(row, reading, reference, number)
        errors += [f"{where}, {problem}" for problem in problems]
        if problems:
            continue
        if decision == "accept" and corrected:
            fields = ", ".join(sorted(corrected))
            errors.append(
                f"{where}, {cell_name('decision', number)}: accept, but {fields} changed; choose "
                "correct to keep the changes, or undo them"
            )
            continue
        if decision == "correct" and not corrected:
            errors.append(
                f"{where}, {cell_name('decision', number)}: correct, but nothing was changed; "
                "choose accept if the reading is right"
            )
            continue
        final = {**reading, **corrected}
        if decision != "reject":
            errors += [f"{where}: {problem}" for problem in check_final(final, reference)]
        entry = {
            "fact_id": fact_id,
            "report_id": reading["report_id"],
            "span_start": str(reading["span_start"]),
            "decision": decision,
            **{key: csv_value(corrected.get(key)) for key in EDITABLE},
            "reviewer": reviewer,
            "reviewed_at": now,
            "sentence": reading["sentence"],
            "note": csv_value(row.get("note")).strip(),
        }
        old = recorded.get(fact_id)
        if old is not None and same_decision(old, entry):
            result.unchanged += 1
            continue
        decided[fact_id] = entry
    if errors:
        raise ReviewError(
            f"{sheet_path}: {len(errors)} problem(s); nothing was applied:\n  "
            + "\n  ".join(errors)
        )
    for entry in decided.values():
        attribute = {"accept": "accepted", "correct": "corrected", "reject": "rejected"}
        name = attribute[entry["decision"]]
        setattr(result, name, getattr(result, name) + 1)
    if decided:
        write_recorded(seeds_path, {**recorded, **decided})
    return result


def _read_sheet(path: Path) -> list[tuple[int, dict]]:
    try:
        workbook = load_workbook(path)  # formulas as typed: a cell must hold its value
    except Exception as error:  # noqa: BLE001 (openpyxl raises many kinds)
        raise ReviewError(f"{path}: cannot be read as an Excel workbook ({error})") from error
    if SHEET not in workbook.sheetnames:
        raise ReviewError(f"{path}: has no sheet {SHEET!r}; is it a coopwh review sheet?")
    sheet = workbook[SHEET]
    keys = [cell.value for cell in sheet[2]]
    missing = {"fact_id", "decision", *EDITABLE} - set(keys)
    if missing:
        raise ReviewError(
            f"{path}: row 2 of {SHEET} lacks the columns {', '.join(sorted(missing))}"
        )
    rows = []
    for number, cells in enumerate(sheet.iter_rows(min_row=3), start=3):
        values = [
            Formula(str(getattr(c.value, "text", c.value)), c.coordinate)
            if c.data_type == "f"
            else c.value
            for c in cells
        ]
        if any(v not in (None, "") for v in values):
            rows.append((number, dict(zip(keys, values, strict=False))))
    workbook.close()
    return rows


def _readings(paths: Paths) -> dict[str, dict]:
    """The extractor's reading of every figure, by the key a review names (from raw.*)."""
    if not paths.build_db.exists():
        raise ReviewError(f"{paths.build_db}: no warehouse yet; run `coopwh build` first")
    with read_only(paths.build_db) as connection:
        cursor = connection.execute(
            f"SELECT {fact_id_sql()} AS fact_id, "
            "report_id, span_start, span_end, number_text, subject, metric_code, metric, value, "
            "unit, kind, qualifier, baseline, period, is_target FROM raw.extracted_facts "
            f"UNION ALL BY NAME SELECT {fact_id_sql()} AS fact_id, "
            "report_id, span_start, span_end, number_text, "
            "subject, metric_code, metric, value, unit, kind, qualifier, baseline, period, "
            "is_target FROM raw.held_facts"
        )
        names = [column[0] for column in cursor.description]
        readings = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
        texts = dict(connection.execute("SELECT report_id, text FROM raw.reports").fetchall())
    for reading in readings.values():
        reading["sentence"] = marked(
            texts[reading["report_id"]], reading["span_start"], reading["span_end"]
        )
        reading["is_target"] = bool(reading["is_target"])
    return readings
