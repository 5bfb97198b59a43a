"""Changes in words: a figure that arrives is named as the marts show it (subject, metric,
the figure as printed, its report and sentence) in coopwh changes, on the quality page and on
its province's cover; past a screenful the log is summarised."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import FIXTURES, coopwh, query, read_seed

RAW_KEY = re.compile(r"[\w-]+:\d+:\w+")  # report:offset:subject, the mart's key


def test_one_new_report_s_figures_are_named_in_words(fresh_project: Path) -> None:
    inbox = fresh_project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "2023-fujian-news.txt", inbox)
    assert coopwh(fresh_project, "run").returncode == 0
    expected = (
        "福建省 基层社乡镇覆盖率 98.3% = 98.3%（2023-fujian-news："
        "“全省基层社乡镇覆盖率提高了5.2个百分点，达到98.3%；”）"
    )
    log = coopwh(fresh_project, "changes").stdout
    assert f"  + {expected}" in log, log
    added = [line for line in log.splitlines() if line.startswith("  + ")]
    assert added and not any(RAW_KEY.fullmatch(line[4:].split(" ")[0]) for line in added)
    page = (fresh_project / "warehouse" / "quality" / "index.html").read_text(encoding="utf-8")
    assert "福建省 基层社乡镇覆盖率 98.3% = 98.3%" in page
    cover = load_workbook(fresh_project / "exports" / "福建省.xlsx")["封面"]
    text = "\n".join(str(c.value) for row in cover.iter_rows() for c in row if c.value)
    assert f"新增 {expected}" in text, text
    codes = "|".join(row["unit"] for row in read_seed("units"))  # in words, not codes
    labels = query(fresh_project, "SELECT label FROM meta.changes WHERE label LIKE '%= %'")
    assert labels and not [t for (t,) in labels if re.search(rf"= \S+ ({codes})\b", t)]


def test_more_than_a_screenful_is_summarised_by_report_and_province(
    built_project: Path,
) -> None:
    log = coopwh(built_project, "changes").stdout  # the first build: 394 rows added
    lines = log.splitlines()
    assert any(line.startswith("By report: 2019-gxs-reform-pilots ") for line in lines), log
    assert any(line.startswith("By province: ") for line in lines), log
    assert "coopwh changes --all (or --csv)" in log
    assert len(lines) < 80
    every = coopwh(built_project, "changes", "--all").stdout
    assert len([line for line in every.splitlines() if line.startswith("  + ")]) > 300
