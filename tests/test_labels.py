"""Every code a workbook shows has its Chinese label in seeds/labels.csv (one place)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import coopwh, query

SHOWN = [  # (mart, column, seeds.labels domain): the codes the workbooks put in Chinese
    ("marts.facts", "subject_level", "subject_level"),
    ("marts.facts", "review_status", "review_status"),
    ("marts.growth_since_2016", "subject_level", "subject_level"),
    ("marts.growth_since_2016", "basis", "basis"),
    ("marts.growth_since_2016", "growth_basis", "growth_basis"),
    ("marts.coverage_by_level", "subject_level", "subject_level"),
    ("marts.coverage_by_level", "covers", "covers"),
    ("marts.coverage_by_level", "before_basis", "before_basis"),
    ("marts.fund_composition", "total_check", "total_check"),
    ("marts.pilot_scorecard", "level", "subject_level"),
]


def test_every_code_shown_has_a_chinese_label(built_project: Path) -> None:
    for mart, column, domain in SHOWN:
        missing = query(
            built_project,
            f"SELECT DISTINCT {column} FROM {mart} WHERE {column} IS NOT NULL AND {column} "
            f"NOT IN (SELECT code FROM seeds.labels WHERE domain = '{domain}')",
        )
        assert missing == [], f"{mart}.{column}: no label in seeds/labels.csv for {missing}"


def test_the_sichuan_workbook_shows_its_implied_growth_in_chinese(
    built_project: Path, tmp_path: Path
) -> None:
    assert coopwh(built_project, "export", "--out", str(tmp_path)).returncode == 0
    sheet = load_workbook(tmp_path / "四川省.xlsx", read_only=True)["增长"]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "由水平及其变化推算" in cells
    assert not [c for c in cells if c.startswith("implied by")]
