"""The SQLMesh unit tests (tests/test_*.yaml) pass; each checks one model's logic on a few rows."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from tests.conftest import ROOT


def test_sqlmesh_unit_tests_pass(tmp_path: Path) -> None:
    os.environ["COOPWH_BUILD_DB"] = str(tmp_path / "unit.duckdb")
    os.environ["COOPWH_CACHE_DIR"] = str(tmp_path / "cache")
    warnings.filterwarnings("ignore", category=FutureWarning)
    from sqlmesh import Context

    context = Context(paths=str(ROOT))
    result = context.test()
    details = [f"{test}: {detail}" for test, detail in [*result.failures, *result.errors]]
    assert result.testsRun >= 4
    assert not details, "\n".join(details)
