"""The checks the GX worker runs by name (coopwh.quality.worker): the door in on a batch of
facts, curated or extracted, and the door out on the published marts; a refused figure's
reason in words."""

from __future__ import annotations

import operator
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from coopwh.quality.expectations import (
    AMOUNT_BOUNDS,
    CHECKED_COLUMNS,
    facts_in_suite,
    marts_out_suites,
    with_checks,
)
from coopwh.quality.validator import CheckResult, Failure, Validator
from loaders.extract import hold_by_position
from loaders.vocabulary import vocabulary

if TYPE_CHECKING:
    import great_expectations as gx


def curated_facts(seeds_dir: Path) -> pd.DataFrame:
    """seeds/report_facts.csv as the loader reads it."""
    frame = pd.read_csv(seeds_dir / "report_facts.csv", dtype={"report_id": str, "subject": str})
    return frame.where(frame.notna(), None) if len(frame) else frame


def facts_frame(columns: dict[str, list]) -> pd.DataFrame:
    """Extracted facts (fact_columns) as a frame with the loader's columns."""
    frame = pd.DataFrame(columns)
    frame["value"] = frame["value"].astype("float64")
    return frame


def check_facts_in(
    validator: Validator, frame: pd.DataFrame, texts: dict[str, str], source: str, seeds_dir: Path
) -> CheckResult:
    """The door in for one batch of facts; source names the file it came from."""
    words = vocabulary(seeds_dir)
    frame = with_checks(frame, texts, words)
    return validator.validate(facts_in_suite(words), frame, source)


def check_extractions(
    validator: Validator, extractions: list, texts: dict[str, str], source: str, seeds_dir: Path
) -> CheckResult:
    """The door in for the extracted facts of many reports at once, in one batch. A figure it
    refuses is held back in its own report's Extraction with its reason, and the others load;
    if the batch as a whole is refused (see held_rows), nothing is held and the result says so."""
    columns = fact_columns(extractions)
    check, reasons = check_fact_columns(validator, columns, texts, source, seeds_dir)
    hold_by_position(extractions, reasons or {})
    return check


def fact_columns(extractions: list) -> dict[str, list]:
    """The facts to load of extractions (loaders.extract.Extraction), in order, column by
    column, the columns the door in reads: a batch goes to the GX worker as one list per
    column, which pickles and becomes a frame far faster than a dict per figure (at a thousand
    reports, 380,000 of them), and GX copies a narrower frame faster."""
    facts = [fact for extraction in extractions for fact in extraction.facts]
    if not facts:
        return {name: [] for name in CHECKED_COLUMNS}
    values = zip(*map(operator.attrgetter(*CHECKED_COLUMNS), facts), strict=True)
    return dict(zip(CHECKED_COLUMNS, map(list, values), strict=True))


def check_fact_columns(
    validator: Validator,
    columns: dict[str, list],
    texts: dict[str, str],
    source: str,
    seeds_dir: Path,
) -> tuple[CheckResult, dict[int, str] | None]:
    """The door in for extracted facts given column by column (fact_columns), in one batch:
    the outcome, and the positions of the rows it holds back with their reasons (None if it
    holds none, or refuses the batch whole)."""
    frame = facts_frame(columns)
    check = check_facts_in(validator, frame, texts, source, seeds_dir)
    reasons = None if check.success else held_rows(check, frame)
    check.held = len(reasons or ())
    return check, reasons


def held_rows(check: CheckResult, frame: pd.DataFrame) -> dict[int, str] | None:
    """The rows of frame the door in refused, each with its reason in words; None if the batch
    as a whole is refused (a column missing or of the wrong type: a fault of the extractor)."""
    reasons: dict[int, list[str]] = {}
    for failure in check.failures:
        if not failure.rows:
            return None
        for row in failure.rows:
            reasons.setdefault(row, []).append(_reason(failure, frame.iloc[row]))
    return {row: "; ".join(texts) for row, texts in reasons.items()}


def _reason(failure: Failure, row: pd.Series) -> str:
    column = failure.column
    value = row.get(column) if column in row.index else None
    if column == "subject" and (value is None or value != value):
        return f"no subject: {row.get('subject_text') or 'the unit is not named'}"
    if column == "subject_is_known":
        return f"subject {row.get('subject')!r} is not a pilot, pilot type or region the seeds know"
    if column == "span_holds_number_text":
        return "its span does not hold its number_text"
    if column == "amount_of_bound":
        unit = row.get("unit")
        return (
            f"value {row.get('value'):g} {unit} is beyond the most a figure in {unit} can be "
            f"in these reports ({AMOUNT_BOUNDS[unit]:.0e} {unit}): a misreading or a typing error"
        )
    if "between" in failure.expectation:
        return f"value {row.get('value')} is out of range for a {row.get('kind')} figure"
    if "in_set" in failure.expectation:
        return f"{column} {value!r} is not in the seeds' list"
    return f"{failure.expectation} on {column}"


def check_marts_out(validator: Validator, published_db: Path, seeds_dir: Path) -> list[CheckResult]:
    """The door out: the marts the workbooks read, from the published copy (the range rules
    from the seeds' vocabulary)."""
    from coopwh.published import read_only

    with read_only(published_db) as connection:
        types = [
            r[0]
            for r in connection.execute("SELECT pilot_type_code FROM seeds.pilot_types").fetchall()
        ]
        (pilots,) = connection.execute("SELECT COUNT(*) FROM seeds.pilots").fetchone()
        suites = marts_out_suites(types, pilots, vocabulary(seeds_dir))
        frames = {}
        for mart, suite in suites.items():
            names = [c[0] for c in connection.execute(f"DESCRIBE {mart}").fetchall()]
            columns = _checked_columns(suite, names)
            frames[mart] = connection.execute(f"SELECT {columns} FROM {mart}").df()
    return [validator.validate(suites[mart], frames[mart], mart) for mart in suites]


def _checked_columns(suite: gx.ExpectationSuite, names: list[str]) -> str:
    """Of a mart's column names, those its suite's expectations read or their row conditions
    name: a mart of a thousand reports is not read whole into memory to check a few columns. A
    column only checked for nulls is read as a flag, null where it is null (at 10,000 reports
    the sentences of marts.facts alone were gigabytes in the worker)."""
    words, flags = set(), set()
    for expectation in suite.expectations:
        column = getattr(expectation, "column", None)
        words.add(column)
        if type(expectation).__name__ == "ExpectColumnValuesToNotBeNull":
            flags.add(column)
        condition = str(getattr(expectation, "row_condition", None) or "")
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", condition))
    for expectation in suite.expectations:  # a column read otherwise too is read as it is
        if type(expectation).__name__ != "ExpectColumnValuesToNotBeNull":
            flags.discard(getattr(expectation, "column", None))
        condition = str(getattr(expectation, "row_condition", None) or "")
        flags -= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", condition))
    return (
        ", ".join(
            f'CASE WHEN "{name}" IS NULL THEN NULL ELSE 1 END AS "{name}"'
            if name in flags
            else f'"{name}"'
            for name in names
            if name in words
        )
        or "1 AS row"
    )
