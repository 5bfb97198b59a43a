"""What each build changed in the marts: meta.changes, coopwh changes, the quality page, covers."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest

from coopwh.changes.log import shown
from loaders.revisions import offset_map
from tests.conftest import NEW_REPORT, coopwh, query

NEW_ID = NEW_REPORT.stem
# a longer figure, so later offsets move; and a level of 昌黎 (河北)
OLD_FIGURE, NEW_FIGURE = "分别增长58%和47%", "分别增长58.5%和47%"
OLD_LEVEL, NEW_LEVEL = "销售总额达到12.6亿元", "销售总额达到12.9亿元"


def changes(project: Path, *args: str) -> list[dict]:
    result = coopwh(project, "changes", "--csv", *args)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def run_with(project: Path, name: str, text: str) -> None:
    """The scheduled job with one file in the inbox: taken in, built, exported."""
    inbox = project / "reports" / "inbox"
    inbox.mkdir(exist_ok=True)
    (inbox / name).write_text(text, encoding="utf-8")
    result = coopwh(project, "run")
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> dict:
    """The built project exported, then the 2020 report taken in by `coopwh run` (which
    exports), then revised (two figures corrected, one of them longer) and run again: the
    change log of each step."""
    project = tmp_path_factory.mktemp("changes") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    assert coopwh(project, "export").returncode == 0
    run_with(project, NEW_REPORT.name, NEW_REPORT.read_text(encoding="utf-8"))
    added = changes(project)
    new_facts = f"SELECT fact_id FROM marts.facts WHERE report_id = '{NEW_ID}'"
    facts_after_new = query(project, new_facts)
    findings = query(project, "SELECT finding_id, span_starts FROM marts.audit_findings")
    page_after_new = (project / "warehouse" / "quality" / "index.html").read_text()
    revised = NEW_REPORT.read_text(encoding="utf-8")
    revised = revised.replace(OLD_FIGURE, NEW_FIGURE).replace(OLD_LEVEL, NEW_LEVEL)
    run_with(project, NEW_REPORT.name, revised)
    revision = changes(project)
    readable = coopwh(project, "changes")
    return {
        "project": project,
        "added": added,
        "new_facts": {fact_id for (fact_id,) in facts_after_new},
        "finding_starts": dict(findings),
        "page_after_new": page_after_new,
        "revision": revision,
        "readable": readable.stdout,
        "revised_text": revised,
    }


def test_a_new_report_adds_exactly_its_rows(history: dict) -> None:
    facts = [r for r in history["added"] if r["mart"] == "facts"]
    assert {r["change"] for r in facts} == {"added"}
    assert {r["key"] for r in facts} == history["new_facts"]
    assert all(r["report_id"] == NEW_ID for r in facts)
    # nothing of the 2019 report moved, in any mart
    assert not [r for r in history["added"] if r["change"] != "added" and r["mart"] == "facts"]
    assert not [r for r in history["added"] if r["report_id"] == "2019-gxs-reform-pilots"]
    # a check names several figures (span_starts): its change points at the first of them
    checks = [r for r in history["added"] if r["mart"] == "audit_findings" and r["report_id"]]
    assert checks
    for row in checks:
        assert row["span_start"] == history["finding_starts"][row["key"]].split(",")[0], row


def test_a_revision_changes_exactly_the_rows_of_the_corrected_figures(history: dict) -> None:
    rows = history["revision"]
    facts = [r for r in rows if r["mart"] == "facts"]
    assert {r["change"] for r in facts} == {"changed"}, facts
    changed = {(r["key"], r["column_name"]): r for r in facts}
    assert {key for key, _ in changed} == {
        f"{NEW_ID}:134:dual_track",  # 58% → 58.5%
        f"{NEW_ID}:305:changli",  # 12.6亿元 → 12.9亿元, after the longer figure: offset moved
    }
    value = changed[(f"{NEW_ID}:134:dual_track", "value")]
    assert (float(value["old_value"]), float(value["new_value"])) == (58.0, 58.5)
    assert (value["old_span_start"], value["old_span_end"]) == ("134", "137")
    assert (value["span_start"], value["span_end"]) == ("134", "139")
    assert OLD_FIGURE in value["old_sentence"] and NEW_FIGURE in value["new_sentence"]
    level = changed[(f"{NEW_ID}:305:changli", "value")]
    assert (float(level["old_value"]), float(level["new_value"])) == (1.26e9, 1.29e9)
    assert (level["old_span_start"], level["span_start"]) == ("303", "305")
    text = history["revised_text"]
    assert text[int(level["span_start"]) : int(level["span_end"])] == "12.9亿元"
    # every other mart row that moved did so because of one of the two figures
    others = {(r["mart"], r["key"]) for r in rows if r["mart"] != "facts"}
    assert ("growth_since_2016", f"{NEW_ID} / dual_track / sales_total / since_2016") in others
    assert ("pilot_scorecard", "changli") in others
    assert not [r for r in rows if r["change"] != "changed"]


def test_coopwh_changes_reads_well(history: dict) -> None:
    text = history["readable"]
    assert "marts.facts: 0 added, 0 removed, 2 changed" in text
    assert "~ 双线运行机制试点（汇总） 销售总额 58.5% = 58.5%: value 58 → 58.5" in text
    assert "1,260,000,000 → 1,290,000,000" in text
    assert f"before [{NEW_ID} 134–137]: " in text and OLD_FIGURE in text


def test_the_quality_page_says_what_changed(history: dict) -> None:
    page = (history["project"] / "warehouse" / "quality" / "index.html").read_text()
    section = page.split("本次变化 What changed")[1].split("<h2>")[0]
    assert "<td>marts.facts</td><td>0</td><td>0</td><td>2</td>" in section
    assert NEW_FIGURE in section and "58.5" in section
    assert f"{NEW_ID} @ 134" in section  # where the changed figure is
    # the new report's rows: a figure at its offset, its review progress as the whole report
    added = history["page_after_new"].split("本次变化 What changed")[1].split("<h2>")[0]
    assert f"<td>review_progress</td><td>{NEW_ID}</td><td>added</td>" in added
    assert f"{NEW_ID} @ " in added and "@ None" not in added


def test_province_covers_list_the_changes_that_touch_them(history: dict) -> None:
    exports = history["project"] / "exports"

    def cover(name: str) -> str:
        sheet = openpyxl.load_workbook(exports / f"{name}.xlsx", read_only=True)["封面"]
        rows = sheet.iter_rows(values_only=True)
        return next(row[1] for row in rows if len(row) > 1 and row[0] == "变化")

    hebei = cover("河北省")
    # a pilot's row by its name, its column by the heading and in the units of its sheet
    assert "修改 河北昌黎：销售总额（亿元） 12.6 → 12.9" in hebei, hebei
    assert "推算基期水平 1,130,044,843.05 → 1,156,950,672.65" in hebei
    assert "12.6亿元 → 12.9亿元" in hebei and "1,260,000,000 → 1,290,000,000" in hebei
    assert "58.5" not in hebei  # the pooled figure is no province's
    assert "58 → 58.5" in cover("全国")
    assert "没有改变本范围的数据" in cover("广西壮族自治区")


def test_exporting_the_same_build_again_gives_the_same_covers(history: dict) -> None:
    exports = history["project"] / "exports"
    before = (exports / "河北省.xlsx").read_bytes()
    assert coopwh(history["project"], "export").returncode == 0
    assert (exports / "河北省.xlsx").read_bytes() == before


def test_a_build_that_changes_nothing_records_no_change_and_the_log_keeps_n_builds(
    fresh_project: Path,
) -> None:
    config = fresh_project / "config.yaml"
    config.write_text(config.read_text() + "\nvariables:\n  changes_keep_builds: 2\n")
    builds = query(fresh_project, "SELECT COUNT(*) FROM meta.builds")[0][0]
    rows = query(fresh_project, "SELECT COUNT(*) FROM meta.changes")[0][0]
    assert rows > 0  # the first build's 'added' rows
    assert coopwh(fresh_project, "build", "--force").returncode == 0
    assert query(fresh_project, "SELECT COUNT(*) FROM meta.changes")[0][0] == rows
    last = query(fresh_project, "SELECT added, removed, changed FROM meta.builds ORDER BY build_id")
    assert len(last) == builds + 1 and last[-1] == (0, 0, 0)
    result = coopwh(fresh_project, "changes")
    assert "No mart row changed." in result.stdout
    assert coopwh(fresh_project, "build").returncode == 0  # nothing changed: no new build
    assert query(fresh_project, "SELECT COUNT(*) FROM meta.builds")[0][0] == builds + 1

    assert coopwh(fresh_project, "build", "--force").returncode == 0  # a third: two are kept

    kept = query(fresh_project, "SELECT build_id FROM meta.builds ORDER BY 1")
    assert len(kept) == 2 and kept[-1][0] >= 3
    assert query(fresh_project, "SELECT DISTINCT build_id FROM meta.changes") == []
    older = changes(fresh_project, "--since", "0")
    assert not older  # the first build's 'added' rows went with it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "last week"), "give a build id"),
        (("--mart", "nope"), "no mart 'nope'; the marts are: audit_findings"),
    ],
)
def test_bad_requests_say_what_to_give(built_project: Path, args, message) -> None:
    result = coopwh(built_project, "changes", *args)
    assert result.returncode == 1 and message in result.stderr


def test_offsets_follow_a_rewritten_sentence() -> None:
    old = "标题\n销售额增长15%，利润增长8%。其他不变。农资12亿元。"
    for new, figure in (
        ("标题\n销售额增长16%，利润增长8%。其他不变。农资12亿元。", "16%"),
        ("标题\n销售额增长15.5%，利润增长8%。其他不变。农资12亿元。", "15.5%"),
        ("标题\n销售额增长115%，利润增长8%。其他不变。农资12亿元。", "115%"),
    ):
        move = offset_map(old, new, within_changed=True)
        assert new[move(old.index("15%")) :].startswith(figure)
        assert new[move(old.index("8%")) :].startswith("8%")
        assert new[move(old.index("12亿元")) :].startswith("12亿元")
        assert offset_map(old, new)(old.index("15%")) is None  # without it: nowhere to go


def test_values_read_as_people_write_them() -> None:
    assert shown("1260000000.0") == "1,260,000,000"
    assert (shown("58.0"), shown("58.5"), shown(None), shown("昌黎")) == ("58", "58.5", "∅", "昌黎")
