"""A figure's key, report:offset:subject, comes from one macro in the models (@FACT_ID) and one
module in Python (loaders/keys.py), and the two agree."""

from __future__ import annotations

import os
import re
import warnings

import duckdb
import pytest
from sqlglot import exp

from loaders.keys import fact_id, fact_id_parts, fact_id_sql, moved_fact_id
from tests.conftest import ROOT


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


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):
    """The models that key a figure, rendered by SQLMesh from this project."""
    work = tmp_path_factory.mktemp("render")
    names = ("COOPWH_BUILD_DB", "COOPWH_CACHE_DIR")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["COOPWH_BUILD_DB"] = str(work / "render.duckdb")
    os.environ["COOPWH_CACHE_DIR"] = str(work / "cache")
    warnings.filterwarnings("ignore", category=FutureWarning)
    from sqlmesh import Context

    try:
        context = Context(paths=str(ROOT))
        models = ["staging.stg_raw__extracted_facts", "staging.stg_raw__held_facts"]
        yield {name: context.render(name) for name in models}
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_the_macro_renders_the_sql_python_uses(rendered, dialect: str) -> None:
    for query in rendered.values():
        (key,) = [e for e in query.expressions if e.alias_or_name == "fact_id"]
        bare = key.this.transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) else n)
        sql = bare.sql(dialect).replace('"', "")
        assert sql == fact_id_sql(), sql


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
