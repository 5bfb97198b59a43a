"""A figure's key, report:offset:subject, comes from one macro in the models (@FACT_ID) and one
module in Python (loaders/keys.py), and the two agree."""

from __future__ import annotations

import importlib.util
import re

import duckdb
import pytest
from sqlglot import exp

from loaders.keys import fact_id, fact_id_parts, fact_id_sql, moved_fact_id
from tests.conftest import ROOT


def _macro():
    spec = importlib.util.spec_from_file_location("fact_id_macro", ROOT / "macros" / "fact_id.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fact_id


def test_every_model_that_keys_a_figure_builds_its_fact_id_with_the_macro() -> None:
    built = {}
    for path in sorted((ROOT / "models").rglob("*.sql")):
        for expression in re.findall(r"^\s*(.+?)\s+AS fact_id\b", path.read_text(), re.M):
            built[path.stem] = expression
    assert len(built) == 4, built
    for model, expression in built.items():
        assert expression.startswith("@FACT_ID("), model
    for path in (ROOT / "models").rglob("*.sql"):
        assert not re.search(r"span_start::TEXT\s*\|\|\s*':'", path.read_text()), path


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_the_macro_renders_the_sql_python_uses(dialect: str) -> None:
    columns = [exp.column(name) for name in ("report_id", "span_start", "subject")]
    assert _macro()(None, *columns).sql(dialect) == fact_id_sql()


def test_the_key_the_sql_builds_is_the_key_python_builds() -> None:
    rows = [("2019-gxs", 1234, "sichuan"), ("r:with:colons", 0, None), ("r", 7, "510000")]
    with duckdb.connect() as connection:
        built = connection.execute(
            f"SELECT {fact_id_sql()} FROM (VALUES {', '.join(['(?, ?, ?)'] * len(rows))}) "
            "AS facts(report_id, span_start, subject)",
            [value for row in rows for value in row],
        ).fetchall()
    assert [key for (key,) in built] == [fact_id(*row) for row in rows]
    assert fact_id("r:with:colons", 0, None) == "r:with:colons:0:?"
    assert fact_id_parts("r:with:colons:12:sichuan") == ("r:with:colons", 12, "sichuan")
    assert moved_fact_id("r:12:sichuan", 40) == "r:40:sichuan"
