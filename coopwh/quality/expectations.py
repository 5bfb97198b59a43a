"""The suites: what the door in expects of a batch of facts, and the door out of the marts the
workbooks read; and the columns the door in derives beside a batch's own."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from coopwh.quality.validator import import_gx
from loaders.raw import FACT_COLUMNS as RAW_FACT_COLUMNS
from loaders.vocabulary import Vocabulary

if TYPE_CHECKING:
    import great_expectations as gx

OPTIONAL = ("metric_code", "baseline", "period", "subject_text")


FACT_COLUMNS = [column for column in RAW_FACT_COLUMNS if column not in OPTIONAL]


# what the door in reads of an extracted figure: its checks, and the reasons and examples it gives
CHECKED_COLUMNS = [*FACT_COLUMNS, "metric_code", "subject_text"]


# an amount (a level in these units) is not negative; a share, coverage or growth keeps its
# kind's range rule (seeds/kinds.csv, loaders.vocabulary: the one rule of every part)
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


def facts_in_suite(words: Vocabulary) -> gx.ExpectationSuite:
    """The door in: a batch of facts (curated or extracted) before it is loaded."""
    gx, gxe = import_gx()
    # given whole: add_expectation on a suite whose name the store holds writes it each time
    expectations = [
        gxe.ExpectTableColumnsToMatchSet(column_set=FACT_COLUMNS, exact_match=False),
        gxe.ExpectColumnValuesToNotBeNull(column="report_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="number_text"),
        gxe.ExpectColumnValuesToBeInTypeList(column="value", type_list=["float64", "int64"]),
        gxe.ExpectColumnValuesToBeInTypeList(column="span_start", type_list=["int64"]),
        gxe.ExpectColumnValuesToBeInSet(column="unit", value_set=list(words.units)),
        gxe.ExpectColumnValuesToBeInSet(column="kind", value_set=list(words.kinds)),
        gxe.ExpectColumnValuesToBeInSet(column="qualifier", value_set=list(words.qualifiers)),
        gxe.ExpectColumnValuesToBeInSet(column="span_holds_number_text", value_set=[True]),
        # the value of each kind in a column of its own (see with_checks)
        *(  # share first, then growth, as the quality page has always listed them
            gxe.ExpectColumnValuesToBeBetween(column=f"{rule.name}_value", **rule.bounds.between)
            for rule in reversed(words.ranges)
        ),
        gxe.ExpectColumnValuesToBeBetween(column="amount_value", min_value=0),
        # a figure as a multiple of its unit's bound (AMOUNT_BOUNDS), for its kind
        gxe.ExpectColumnValuesToBeBetween(column="amount_of_bound", max_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="subject"),
        # some 3,300 subjects: checked as a derived column (a set that size makes GX slow)
        gxe.ExpectColumnValuesToBeInSet(column="subject_is_known", value_set=[True]),
        gxe.ExpectColumnValuesToBeInSet(column="metric_code", value_set=list(words.metric_codes)),
    ]
    return gx.ExpectationSuite(name="facts_in", expectations=expectations)


def marts_out_suites(
    pilot_types: list[str], pilots: int, words: Vocabulary
) -> dict[str, gx.ExpectationSuite]:
    """The door out: what the workbooks promise of the marts they read."""
    gx, gxe = import_gx()
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
            gxe.ExpectColumnValuesToBeBetween(
                column="growth_pct", **words.bounds["growth_pct"].between
            ),
        ],
        "marts.coverage_by_level": [
            gxe.ExpectColumnValuesToNotBeNull(column="span_start"),
            gxe.ExpectColumnValuesToBeBetween(
                column="coverage_pct", **words.bounds["coverage_pct"].between
            ),
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
    facts: pd.DataFrame, texts: dict[str, str], words: Vocabulary | None = None
) -> pd.DataFrame:
    """facts plus the columns the door in checks beside its own: span_holds_number_text (the
    span lies in the report and holds number_text); given the vocabulary, subject_is_known
    (an empty subject is the other expectation's to report); and the value again in
    <range>_value (share_value, growth_value: each range rule of the vocabulary) or
    amount_value by its kind (empty for the other kinds), and as
    amount_of_bound, a multiple of its unit's bound (empty for units with none). A range
    on a whole column is one pass for GX, where a row condition made it query and copy the
    frame for each of its metrics: at 380,000 figures, seconds."""
    frame = facts.copy()
    if {"value", "kind", "unit"} <= set(frame.columns):  # else the batch is refused whole
        value, kind = pd.to_numeric(frame["value"], errors="coerce"), frame["kind"]
        for rule in words.ranges if words else ():
            frame[f"{rule.name}_value"] = value.where(kind.isin(rule.kinds))
        frame["amount_value"] = value.where(frame["unit"].isin(AMOUNT_UNITS) & (kind == "level"))
        frame["amount_of_bound"] = value.abs() / frame["unit"].map(AMOUNT_BOUNDS)
    if words is not None:
        subjects = set(words.subjects)
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
