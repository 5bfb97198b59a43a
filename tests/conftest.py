"""Shared fixtures: the report text, the curated seeds, and built copies of the project."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "2019-gxs-reform-pilots.txt"
PROJECT_PARTS = [
    "config.yaml",
    "external_models.yaml",
    "models",
    "seeds",
    "audits",
    "macros",
    "reports",
]


def read_seed(name: str) -> list[dict[str, str]]:
    """Rows of seeds/<name>.csv as dicts of strings."""
    with open(ROOT / "seeds" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def copy_project(target: Path) -> Path:
    """Copy what a build needs (models, seeds, reports, SQLMesh tests …) into target."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / part)
    (target / "tests").mkdir()
    for yaml_test in (ROOT / "tests").glob("test_*.yaml"):
        shutil.copy2(yaml_test, target / "tests" / yaml_test.name)
    return target


def coopwh(project: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the coopwh command on a project copy, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "coopwh.cli", "--project", str(project), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def report_text() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project, built once for the whole session (tests must not change it)."""
    project = copy_project(tmp_path_factory.mktemp("built") / "project")
    result = coopwh(project, "build")
    assert result.returncode == 0, result.stderr + result.stdout
    return project


@pytest.fixture
def fresh_project(tmp_path: Path, built_project: Path) -> Path:
    """A copy of the built project (warehouse included) that a test may change."""
    project = tmp_path / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    return project
