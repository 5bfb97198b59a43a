"""One vocabulary read from the seeds (loaders/vocabulary.py), with the one range rule of each
kind (seeds/kinds.csv) that the SQL audit reads too."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from loaders.reference import load_gazetteer
from loaders.vocabulary import vocabulary
from tests.conftest import ROOT, read_seed

SEEDS = ROOT / "seeds"


def test_the_vocabulary_holds_the_codes_of_the_seeds_in_their_order() -> None:
    words = vocabulary(SEEDS)
    assert words.units == tuple(row["unit"] for row in read_seed("units"))
    assert words.kinds == tuple(row["kind"] for row in read_seed("kinds"))
    assert words.qualifiers == tuple(row["qualifier"] for row in read_seed("qualifiers"))
    assert words.metric_codes == tuple(row["metric_code"] for row in read_seed("metrics"))
    assert words.subjects == (
        *(row["pilot_id"] for row in read_seed("pilots")),
        *(row["pilot_type_code"] for row in read_seed("pilot_types")),
        *(row["region_code"] for row in read_seed("regions")),
        "national",
    )


def test_the_range_rule_is_the_brief_s() -> None:
    words = vocabulary(SEEDS)
    assert {r.name: (r.kinds, r.bounds.between, r.bounds.unit) for r in words.ranges} == {
        "growth": (
            ("growth_pct", "yoy_growth_pct"),
            {"min_value": -100, "strict_min": True},
            "percent",
        ),
        "share": (("share_pct", "coverage_pct"), {"min_value": 0, "max_value": 100}, "percent"),
    }


@pytest.mark.parametrize(
    ("kind", "value", "unit", "problems"),
    [
        ("share_pct", 0.0, "percent", []),
        ("coverage_pct", 100.0, "percent", []),
        ("coverage_pct", 100.5, "percent", ["a coverage_pct of 100.5 is outside 0 to 100"]),
        ("share_pct", -1.0, "percent", ["a share_pct of -1.0 is outside 0 to 100"]),
        ("growth_pct", -99.9, "percent", []),
        ("growth_pct", 900.0, "percent", []),
        ("yoy_growth_pct", -100.0, "percent", ["a yoy_growth_pct of -100.0 is -100 or below"]),
        (
            "share_pct",
            50.0,
            "count",
            ["a share_pct figure must have unit percent, not count"],
        ),
        ("level", -5.0, "count", []),
        ("pp_change", -300.0, "pp", []),
        ("unknown", 1e30, "other", []),
    ],
)
def test_a_figure_out_of_its_kind_s_range_is_named_in_words(
    kind: str, value: float, unit: str, problems: list[str]
) -> None:
    assert vocabulary(SEEDS).problems(kind, value, unit) == problems


def test_the_sql_audit_and_the_vocabulary_find_the_same_figures() -> None:
    cases = [
        (kind, value, unit)
        for kind in ("growth_pct", "yoy_growth_pct", "share_pct", "coverage_pct", "level", "x")
        for value in (-150.0, -100.0, -99.5, -0.1, 0.0, 50.0, 100.0, 100.1, 1e6)
        for unit in ("percent", "count")
    ]
    audit = (ROOT / "audits" / "assert_percentages_in_range.sql").read_text(encoding="utf-8")
    query = re.sub(r"^AUDIT \(.*?\)[^;]*;", "", audit, flags=re.S).replace("@this_model", "facts")
    with duckdb.connect() as connection:
        connection.execute("CREATE SCHEMA seeds")
        connection.execute(
            "CREATE TABLE seeds.kinds AS SELECT kind, unit, min_value::DOUBLE AS min_value, "
            "max_value::DOUBLE AS max_value, strict_min::BOOLEAN AS strict_min "
            f"FROM read_csv('{SEEDS / 'kinds.csv'}', all_varchar = true)"
        )
        connection.execute(
            "CREATE TABLE facts (fact_id TEXT, kind TEXT, value DOUBLE, unit TEXT, "
            "number_text TEXT)"
        )
        connection.executemany(
            "INSERT INTO facts VALUES (?, ?, ?, ?, '')",
            [(str(i), *case) for i, case in enumerate(cases)],
        )
        failing = {int(fact_id) for (fact_id, *_rest) in connection.execute(query).fetchall()}
    words = vocabulary(SEEDS)
    assert failing == {i for i, case in enumerate(cases) if words.problems(*case)}
    assert failing  # the cases do break the rule


def test_nan_lies_in_no_range() -> None:
    assert not vocabulary(SEEDS).bounds["growth_pct"].holds(math.nan)


def test_the_vocabulary_is_read_again_only_when_a_seed_changes(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    first = vocabulary(seeds)
    assert vocabulary(seeds) is first
    assert load_gazetteer(seeds) is first.gazetteer
    kinds = seeds / "kinds.csv"
    kinds.write_text(
        kinds.read_text(encoding="utf-8").replace("percent,0,100,false", "percent,0,110,false"),
        encoding="utf-8",
    )
    again = vocabulary(seeds)
    assert again is not first
    assert again.bounds["share_pct"].max_value == 110


def test_the_gazetteer_knows_the_seeds_pilots_and_metric_wordings() -> None:
    gazetteer = load_gazetteer(SEEDS)
    pilots = read_seed("pilots")
    assert gazetteer.pilots == {row["region_code"]: row["pilot_id"] for row in pilots}
    assert {m.code for m in gazetteer.metrics} == {
        row["metric_code"] for row in read_seed("metrics")
    }
