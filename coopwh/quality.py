"""Great Expectations at the two edges: facts before they are loaded, marts before they leave.

Suites are code here; they run on pandas frames (GX's SQL path does not work against DuckDB).
GX itself is imported on first use (it takes seconds): a build runs its checks in a worker
process (coopwh.gx_worker) and only unpickles their outcomes, the dataclasses here."""

from __future__ import annotations

import logging
import operator
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from loaders.extract import hold_by_position
from loaders.raw import FACT_COLUMNS as RAW_FACT_COLUMNS

if TYPE_CHECKING:
    import great_expectations as gx

OPTIONAL = ("metric_code", "baseline", "period", "subject_text")
FACT_COLUMNS = [column for column in RAW_FACT_COLUMNS if column not in OPTIONAL]
# what the door in reads of an extracted figure: its checks, and the reasons and examples it gives
CHECKED_COLUMNS = [*FACT_COLUMNS, "metric_code", "subject_text"]
# what a figure's value may be, by its kind: a share or coverage 0-100, growth above -100, an
# amount (a level in these units) not negative
SHARES = ("coverage_pct", "share_pct")
GROWTHS = ("growth_pct", "yoy_growth_pct")
AMOUNT_UNITS = ("yuan", "count", "household", "person", "sqm", "mu")
# The most a figure in each of these units can be in a co-op report, of any kind (a level, an
# increase, a target): more is a misreading or a typing error (10^30 元 would make every sum
# over the marts 10^30), held back for a reviewer as a share over 100% is. Each bound is well
# above any true figure of the genre, so no true one is held:
AMOUNT_BOUNDS = {
    # 10万亿元: the whole national co-op system sells about 6万亿元 a year; China's GDP
    # (about 126万亿元) is no co-op figure
    "yuan": 10**13,
    "count": 10**9,  # 10亿个: China has some 1.8亿 market entities of every kind
    "household": 10**9,  # 10亿户: China has about 4.9亿 households
    # 20亿人: China has 14.1亿 people; a report may say a service reaches all of them
    "person": 2 * 10**9,
    # 1万亿平方米 (a million km²): ten times the floor area of every building in China
    "sqm": 10**12,
    # 100亿亩 (6.7 million km², two thirds of China's land): its farmland is about 19亿亩
    "mu": 10**10,
}
KEEP_RESULTS = 5  # results kept of each suite: the Data Docs of the last few builds


def _gx():
    """great_expectations and its expectations module, imported on first use."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations import expectations as gxe

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx, gxe


@dataclass
class Failure:
    """One expectation that did not hold, with example rows."""

    expectation: str
    column: str
    unexpected: int
    examples: list[dict] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # positions of every failing row, if per row

    def describe(self) -> str:
        rows = "; ".join(
            ", ".join(f"{k}={v}" for k, v in row.items() if v is not None and v == v)
            for row in self.examples
        )
        where = self.column or "the table"
        return f"{self.expectation} on {where}: {self.unexpected} row(s), e.g. {rows}"


@dataclass
class CheckResult:
    """The outcome of one suite on one batch."""

    suite: str
    source: str  # the file or mart the batch came from
    expectations: list[tuple[str, str, bool]]  # (expectation, column, success)
    failures: list[Failure]
    held: int = 0  # figures held back (the rest of the batch loaded)

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def refused(self) -> bool:
        """The batch did not load at all (as opposed to loading with some figures held)."""
        return bool(self.failures) and not self.held

    def describe(self) -> str:
        head = f"{self.source}: refused by {self.suite}"
        return head + "".join(f"\n  {failure.describe()}" for failure in self.failures)


def door_out_verdict(checks: list[CheckResult]) -> dict:
    """What the door out found on the marts, as the build records it and export reads it:
    whether they pass, and each failed check described."""
    failed = [check.describe() for check in checks if not check.success]
    return {"ok": not failed, "detail": "\n".join(failed)}


@dataclass(frozen=True)
class Reference:
    """What the door in checks facts against, all from the seeds: the one vocabulary of units,
    kinds and qualifiers, the known subjects (pilots, pilot types, every region, national) and
    the metric codes."""

    units: list[str]
    kinds: list[str]
    qualifiers: list[str]
    subjects: list[str]
    metrics: list[str]


def facts_in_suite(reference: Reference) -> gx.ExpectationSuite:
    """The door in: a batch of facts (curated or extracted) before it is loaded."""
    gx, gxe = _gx()
    # given whole: add_expectation on a suite whose name the store holds writes it each time
    expectations = [
        gxe.ExpectTableColumnsToMatchSet(column_set=FACT_COLUMNS, exact_match=False),
        gxe.ExpectColumnValuesToNotBeNull(column="report_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="number_text"),
        gxe.ExpectColumnValuesToBeInTypeList(column="value", type_list=["float64", "int64"]),
        gxe.ExpectColumnValuesToBeInTypeList(column="span_start", type_list=["int64"]),
        gxe.ExpectColumnValuesToBeInSet(column="unit", value_set=reference.units),
        gxe.ExpectColumnValuesToBeInSet(column="kind", value_set=reference.kinds),
        gxe.ExpectColumnValuesToBeInSet(column="qualifier", value_set=reference.qualifiers),
        gxe.ExpectColumnValuesToBeInSet(column="span_holds_number_text", value_set=[True]),
        # the value of each kind in a column of its own (see with_checks)
        gxe.ExpectColumnValuesToBeBetween(column="share_value", min_value=0, max_value=100),
        gxe.ExpectColumnValuesToBeBetween(column="growth_value", min_value=-100, strict_min=True),
        gxe.ExpectColumnValuesToBeBetween(column="amount_value", min_value=0),
        # a figure as a multiple of its unit's bound (AMOUNT_BOUNDS), for its kind
        gxe.ExpectColumnValuesToBeBetween(column="amount_of_bound", max_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="subject"),
        # some 3,300 subjects: checked as a derived column (a set that size makes GX slow)
        gxe.ExpectColumnValuesToBeInSet(column="subject_is_known", value_set=[True]),
        gxe.ExpectColumnValuesToBeInSet(column="metric_code", value_set=reference.metrics),
    ]
    return gx.ExpectationSuite(name="facts_in", expectations=expectations)


def marts_out_suites(pilot_types: list[str], pilots: int) -> dict[str, gx.ExpectationSuite]:
    """The door out: what the workbooks promise of the marts they read."""
    gx, gxe = _gx()
    suites = {
        "marts.facts": [
            gxe.ExpectColumnValuesToNotBeNull(column="fact_id"),
            gxe.ExpectColumnValuesToBeUnique(column="fact_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="report_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="span_start"),
            gxe.ExpectColumnValuesToNotBeNull(column="sentence"),
            gxe.ExpectColumnValuesToNotBeNull(column="subject_name"),
        ],
        "marts.growth_since_2016": [
            gxe.ExpectColumnValuesToNotBeNull(column="subject_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="metric_code"),
            gxe.ExpectColumnValuesToNotBeNull(column="span_start"),
            gxe.ExpectColumnValuesToBeBetween(column="growth_pct", min_value=-100, strict_min=True),
        ],
        "marts.coverage_by_level": [
            gxe.ExpectColumnValuesToNotBeNull(column="span_start"),
            gxe.ExpectColumnValuesToBeBetween(column="coverage_pct", min_value=0, max_value=100),
        ],
        "marts.fund_composition": [
            gxe.ExpectColumnValuesToNotBeNull(column="fund_id"),
            gxe.ExpectColumnValuesToNotBeNull(
                column="contribution_span_start",
                row_condition="source_type != 'none_stated'",
                condition_parser="pandas",
            ),
        ],
        "marts.pilot_scorecard": [
            gxe.ExpectColumnValuesToNotBeNull(column="pilot_id"),
            gxe.ExpectColumnValuesToBeUnique(column="pilot_id"),
            gxe.ExpectColumnValuesToBeInSet(column="pilot_type_code", value_set=pilot_types),
            gxe.ExpectTableRowCountToEqual(value=pilots),
        ],
        "marts.pilot_type_summary": [
            gxe.ExpectColumnDistinctValuesToEqualSet(
                column="pilot_type_code", value_set=pilot_types
            ),
            gxe.ExpectColumnSumToBeBetween(column="unit_count", min_value=pilots, max_value=pilots),
        ],
    }
    return {
        mart: gx.ExpectationSuite(name=mart.replace("marts.", "out_"), expectations=expectations)
        for mart, expectations in suites.items()
    }


def with_checks(
    facts: pd.DataFrame, texts: dict[str, str], subjects: set[str] | None = None
) -> pd.DataFrame:
    """facts plus the columns the door in checks beside its own: span_holds_number_text (the
    span lies in the report and holds number_text); given the known subjects, subject_is_known
    (an empty subject is the other expectation's to report); and the value again in
    share_value, growth_value or amount_value by its kind (empty for the other kinds), and as
    amount_of_bound, a multiple of its unit's bound (empty for units with none). A range
    on a whole column is one pass for GX, where a row condition made it query and copy the
    frame for each of its metrics: at 380,000 figures, seconds."""
    frame = facts.copy()
    if {"value", "kind", "unit"} <= set(frame.columns):  # else the batch is refused whole
        value, kind = pd.to_numeric(frame["value"], errors="coerce"), frame["kind"]
        frame["share_value"] = value.where(kind.isin(SHARES))
        frame["growth_value"] = value.where(kind.isin(GROWTHS))
        frame["amount_value"] = value.where(frame["unit"].isin(AMOUNT_UNITS) & (kind == "level"))
        frame["amount_of_bound"] = value.abs() / frame["unit"].map(AMOUNT_BOUNDS)
    if subjects is not None:
        frame["subject_is_known"] = [
            subject is None or subject != subject or subject in subjects
            for subject in frame["subject"]
        ]

    def holds(report_id: str, start: int, end: int, number_text: str) -> bool:
        text = texts.get(report_id)
        start, end = int(start), int(end)
        return text is not None and 0 <= start < end <= len(text) and text[start:end] == number_text

    frame["span_holds_number_text"] = [
        holds(*row)
        for row in zip(
            frame["report_id"],
            frame["span_start"],
            frame["span_end"],
            frame["number_text"],
            strict=True,
        )
    ]
    return frame


class Validator:
    """A file-backed GX context under warehouse/quality/gx, so every run lands in Data Docs."""

    def __init__(self, root: Path) -> None:
        gx, _ = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        root.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(root))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_or_update_pandas("coopwh")
        self.results: list[CheckResult] = []

    def validate(self, suite: gx.ExpectationSuite, frame: pd.DataFrame, source: str) -> CheckResult:
        """Run suite on frame; keep and return the outcome, with example rows of each failure."""
        gx, _ = _gx()
        asset_name = suite.name
        try:
            asset = self.source.get_asset(asset_name)
        except LookupError:
            asset = self.source.add_dataframe_asset(name=asset_name)
        try:
            batch_definition = asset.get_batch_definition("whole")
        except (KeyError, LookupError):
            batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        suite = self.context.suites.add_or_update(suite)
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=asset_name, data=batch_definition, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": frame.reset_index(drop=True)},
            result_format="COMPLETE",
        )
        expectations, failures = [], []
        for outcome in result.results:
            config = outcome.expectation_config
            column = config.kwargs.get("column", "")
            expectations.append((config.type, column, bool(outcome.success)))
            if outcome.success:
                continue
            details = outcome.result or {}
            indexes = details.get("unexpected_index_list") or []
            rows = [frame.iloc[i] for i in indexes[:3] if isinstance(i, int) and i < len(frame)]
            keep = [
                c
                for c in (
                    "report_id",
                    "span_start",
                    "number_text",
                    "value",
                    "unit",
                    "kind",
                    "subject",
                    "metric_code",
                    column,
                )
                if c in frame.columns
            ]
            examples = [{c: row[c] for c in dict.fromkeys(keep)} for row in rows]
            if (
                not examples
                and outcome.exception_info
                and outcome.exception_info.get("raised_exception")
            ):
                examples = [{"error": outcome.exception_info.get("exception_message")}]
            if not examples and "observed_value" in details:
                examples = [{"observed": details["observed_value"]}]
            count = details.get("unexpected_count") or len(indexes) or 1
            rows = [i for i in indexes if isinstance(i, int)]
            failures.append(Failure(config.type, column, count, examples, rows))
        checked = CheckResult(suite.name, source, expectations, failures)
        self.results.append(checked)
        return checked

    def build_docs(self) -> Path:
        """Build GX's Data Docs of the results kept (see prune); return its index page."""
        self.prune()
        self.context.clean_data_docs()  # pages of results no longer kept go too
        self.context.build_data_docs()
        url = self.context.get_docs_sites_urls()[0]["site_url"]
        return Path(url.removeprefix("file://"))

    def prune(self, keep: int = KEEP_RESULTS) -> None:
        """Keep the newest `keep` results of each suite in the store, and every result this
        context made (`coopwh validate` checks each report apart): Data Docs renders every
        stored result on every build (about 15 ms each), so the results of every run the
        scheduled job ever made would slow each build without end."""
        made = Counter(check.suite for check in self.results)
        by_suite: dict[str, list] = {}
        store = self.context.validation_results_store
        for key in store.list_keys():
            by_suite.setdefault(key.expectation_suite_identifier.name, []).append(key)
        for suite, keys in by_suite.items():
            keys.sort(key=lambda found: (str(found.run_id.run_time), found.to_tuple()))
            for key in keys[: -max(keep, made[suite])]:
                store.remove_key(key)


def reference(seeds_dir: Path) -> Reference:
    """The vocabulary, subjects and metric codes from the seeds."""

    def column(seed: str, name: str) -> list[str]:
        return pd.read_csv(seeds_dir / f"{seed}.csv", dtype=str)[name].tolist()

    subjects = [
        *column("pilots", "pilot_id"),
        *column("pilot_types", "pilot_type_code"),
        *column("regions", "region_code"),
        "national",
    ]
    return Reference(
        units=column("units", "unit"),
        kinds=column("kinds", "kind"),
        qualifiers=column("qualifiers", "qualifier"),
        subjects=subjects,
        metrics=column("metrics", "metric_code"),
    )


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
    known = reference(seeds_dir)
    frame = with_checks(frame, texts, set(known.subjects))
    return validator.validate(facts_in_suite(known), frame, source)


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


def check_marts_out(validator: Validator, published_db: Path) -> list[CheckResult]:
    """The door out: the marts the workbooks read, from the published copy."""
    from coopwh.paths import read_only

    with read_only(published_db) as connection:
        types = [
            r[0]
            for r in connection.execute("SELECT pilot_type_code FROM seeds.pilot_types").fetchall()
        ]
        (pilots,) = connection.execute("SELECT COUNT(*) FROM seeds.pilots").fetchone()
        suites = marts_out_suites(types, pilots)
        frames = {}
        for mart, suite in suites.items():
            names = [c[0] for c in connection.execute(f"DESCRIBE {mart}").fetchall()]
            columns = _checked_columns(suite, names)
            frames[mart] = connection.execute(f"SELECT {columns} FROM {mart}").df()
    return [validator.validate(suites[mart], frames[mart], mart) for mart in suites]


def _checked_columns(suite: gx.ExpectationSuite, names: list[str]) -> str:
    """Of a mart's column names, those its suite's expectations read or their row conditions
    name: a mart of a thousand reports is not read whole into memory to check a few columns."""
    words = set()
    for expectation in suite.expectations:
        words.add(getattr(expectation, "column", None))
        condition = str(getattr(expectation, "row_condition", None) or "")
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", condition))
    return ", ".join(f'"{name}"' for name in names if name in words) or "1 AS row"
