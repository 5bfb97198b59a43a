"""Excel export: every workbook reopens, every number matches the marts, text stays text."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from coopwh.export import columns, writing
from coopwh.export.workbook import LINE_HEIGHT, Column, Sheet, _display_width, write_workbook
from coopwh.paths import Paths
from coopwh.review.layout import set_text
from tests.conftest import FIXTURES, as_csv, coopwh, query, to_pdf


@pytest.fixture(scope="module")
def exported(built_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    result = coopwh(built_project, "export", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def sheet_rows(path: Path, title: str) -> list[dict]:
    sheet = load_workbook(path)[title]
    values = list(sheet.iter_rows(values_only=True))
    header, rows = values[0], []
    for row in values[1:]:
        if all(value is None for value in row):
            break  # the table ends at the first empty row; a note may follow
        rows.append(dict(zip(header, row, strict=True)))
    return rows


def test_a_workbook_per_province_with_pilots_and_a_national_one(
    built_project: Path, exported: Path
) -> None:
    provinces = {
        name
        for (name,) in query(
            built_project, "SELECT DISTINCT province_name FROM marts.pilot_scorecard"
        )
    }
    assert {p.stem for p in exported.glob("*.xlsx")} == provinces | {"全国"}
    assert "四川省" in provinces and len(provinces) == 26


def test_every_fact_in_every_workbook_matches_the_marts(
    built_project: Path, exported: Path
) -> None:
    facts = {
        (report, start, subject): value
        for report, start, subject, value in query(
            built_project, "SELECT report_id, span_start, subject_name, value FROM marts.facts"
        )
    }
    seen = 0
    for path in exported.glob("*.xlsx"):
        for row in sheet_rows(path, "全部数据"):
            key = (row["来源报告"], row["原文位置（起）"], row["单位"])
            assert row["数值"] == pytest.approx(facts[key]), (path.name, row)
            seen += 1
    assert seen == 2 * len(facts) - sum(1 for key in facts if key[2].endswith("（汇总）"))


def test_growth_funds_and_pilots_sheets_match_the_marts(
    built_project: Path, exported: Path
) -> None:
    growth = {
        (start, subject): value
        for start, subject, value in query(
            built_project,
            "SELECT span_start, subject_name, growth_pct FROM marts.growth_since_2016",
        )
    }
    contributions = dict(
        query(
            built_project,
            "SELECT contribution_span_start, contribution_yuan FROM marts.fund_composition "
            "WHERE contribution_span_start IS NOT NULL",
        )
    )
    sales = dict(query(built_project, "SELECT name, sales_growth_pct FROM marts.pilot_scorecard"))
    for path in exported.glob("*.xlsx"):
        book = load_workbook(path)
        for row in sheet_rows(path, "增长"):
            assert row["增长率"] == growth[(row["原文位置（起）"], row["单位"])]
        if "基金" in book.sheetnames:
            for row in sheet_rows(path, "基金"):
                if row["出资原文位置"] is not None:
                    assert row["出资合计（万元）"] * 10_000 == pytest.approx(
                        contributions[row["出资原文位置"]]
                    )
        for row in sheet_rows(path, "试点单位"):
            assert row["销售总额增长"] == sales[row["试点单位"]]


def test_beijing_workbook_shows_its_fund_in_wan_yuan(exported: Path) -> None:
    rows = sheet_rows(exported / "北京市.xlsx", "基金")
    assert {row["报告总规模（万元）"] for row in rows} == {100_000}
    sheet = load_workbook(exported / "北京市.xlsx")["基金"]
    assert sheet["G2"].number_format == "#,##0.00##"


def test_sheets_are_made_for_reading(exported: Path) -> None:
    book = load_workbook(exported / "四川省.xlsx")
    assert book.sheetnames == [
        "封面",
        "增长",
        "增长图",
        "覆盖率",
        "试点单位",
        "全部数据",
        "字段说明",
    ]
    facts = book["全部数据"]
    assert facts.freeze_panes == "A2"
    assert facts.auto_filter.ref.startswith("A1:")
    assert facts.print_title_rows == "$1:$1"
    assert facts.page_setup.orientation == "landscape"
    assert facts.sheet_properties.pageSetUpPr.fitToPage
    percent = [c for c in facts["F"][1:] if c.number_format.endswith('"%"')]
    assert percent and all(isinstance(c.value, int | float) for c in percent)
    cover = {row[0]: row[1] for row in book["封面"].iter_rows(min_row=3, values_only=True)}
    assert "阻断性审计全部通过" in cover["审计状态"]
    assert cover["警告"] == "本省数字无警告；其他地区的数字另有 1 项警告，见 全国.xlsx"
    assert cover["数据截至"] == "2019-01"


@pytest.mark.parametrize("workbook", ["全国", "陕西省", "北京市"])
def test_a_warning_is_on_the_covers_of_the_figures_it_is_about(exported: Path, workbook) -> None:
    """陕西、北京基金汇总: the summary says 37个, the cases 16个 + 20个. A provincial office sees
    the warnings about its own figures (and how many others there are), the country all."""
    sheet = load_workbook(exported / f"{workbook}.xlsx")["封面"]
    cover = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert cover["警告"].startswith("1. ") and "37个" in cover["警告"]
    assert "其他地区" not in cover["警告"]


def test_national_growth_sheet_has_a_native_bar_chart(exported: Path) -> None:
    sheet = load_workbook(exported / "全国.xlsx")["增长图"]
    assert len(sheet._charts) == 1


def test_same_warehouse_gives_the_same_bytes(
    built_project: Path, tmp_path: Path, exported: Path
) -> None:
    again = tmp_path / "again"
    assert coopwh(built_project, "export", "--out", str(again)).returncode == 0
    for path in exported.glob("*.xlsx"):
        assert _digest(path) == _digest(again / path.name), path.name


@pytest.mark.parametrize("text", ["=SUM(A1:A2)", "+86 10 1234", "-3%", "@cmd"])
def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path, text: str) -> None:
    book = Workbook()
    set_text(book.active["A1"], text)
    book.save(tmp_path / "t.xlsx")
    cell = load_workbook(tmp_path / "t.xlsx").active["A1"]
    assert (cell.value, cell.data_type) == (text, "s")


def test_long_sheets_are_capped_and_every_row_goes_to_a_csv_beside_them(
    built_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long sheet (增长, 覆盖率, 全部数据) lists at most MAX_SHEET_ROWS rows; when its table
    has more, every row goes to a CSV beside the workbook, and the cover and the sheet say so.
    One rule for every workbook: a province's are capped the same way."""
    monkeypatch.setattr(columns, "MAX_SHEET_ROWS", 20)
    paths = Paths(built_project, built_project / "warehouse")

    writing.write_workbooks(paths, tmp_path, echo=lambda message: None)

    path = tmp_path / "全国.xlsx"
    ((total,),) = query(built_project, "SELECT COUNT(*) FROM marts.facts")
    with open(tmp_path / "全国-全部数据.csv", encoding="utf-8-sig", newline="") as handle:
        everything = list(csv.DictReader(handle))
    sheet = sheet_rows(path, "全部数据")
    assert len(sheet) == 20 and len(everything) == total > 20
    for shown, written in zip(sheet, everything, strict=False):  # one report: the same order
        assert {k: as_csv(v, written[k]) for k, v in shown.items()} == written
    cover = {row[0]: row[1] for row in load_workbook(path)["封面"].iter_rows(values_only=True)}
    assert "全国-全部数据.csv" in cover["数字"] and f"{total:,}" in cover["数字"]
    assert "从新到旧" in cover["长表"] and "至多列出 20 行" in cover["长表"]
    assert f"“全部数据”表共 {total:,} 行，全部见 全国-全部数据.csv" in cover["长表"]
    note = load_workbook(path)["全部数据"].cell(row=23, column=1).value
    assert (
        note == f"共{total:,}行，本表按报告从新到旧列出前20行；全部见同目录下的 全国-全部数据.csv。"
    )
    ((growth,),) = query(built_project, "SELECT COUNT(*) FROM marts.growth_since_2016")
    assert len(sheet_rows(path, "增长")) == 20 < growth
    assert (tmp_path / "全国-增长.csv").exists()
    ((sichuan,),) = query(
        built_project, "SELECT COUNT(*) FROM marts.facts WHERE province_name = '四川省'"
    )
    assert sichuan > 20 and len(sheet_rows(tmp_path / "四川省.xlsx", "全部数据")) == 20
    assert (tmp_path / "四川省-全部数据.csv").exists()


def test_export_refuses_after_a_failed_build(fresh_project: Path, tmp_path: Path) -> None:
    seed = fresh_project / "seeds" / "fund_contributions.csv"
    seed.write_text(
        seed.read_text(encoding="utf-8").replace("246000000", "256000000"), encoding="utf-8"
    )
    assert coopwh(fresh_project, "build").returncode == 1
    result = coopwh(fresh_project, "export", "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "refused" in result.stderr and "assert_fund_parts_sum_to_stated_total" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice is not installed (apt-get install libreoffice-calc); .ci/run installs it",
)
def test_every_workbook_converts_to_pdf_with_libreoffice(exported: Path, tmp_path: Path) -> None:
    books = sorted(exported.glob("*.xlsx"))
    result = to_pdf(books, tmp_path)
    assert result.returncode == 0, result.stderr
    pdfs = {p.stem for p in tmp_path.glob("*.pdf")}
    assert pdfs == {b.stem for b in books}
    assert all(p.stat().st_size > 1000 for p in tmp_path.glob("*.pdf"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# its first figures' sentence begins with "=", as a formula would
EQUALS_SENTENCE = "=全市供销系统实现销售收入86.5亿元，同比增长12.3%；"


@pytest.fixture(scope="module")
def exported_again(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> dict:
    """An export; then one workbook removed and one edited by someone, the 寿光 report (with a
    sentence that begins with "=") taken in, and an export into the same folder again."""
    project = tmp_path_factory.mktemp("again") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    out = project.parent / "out"
    assert coopwh(project, "export", "--out", str(out)).returncode == 0
    before = {p.name: (p.stat().st_mtime_ns, _digest(p)) for p in out.glob("*.xlsx")}
    (out / "北京市.xlsx").unlink()  # removed by someone: written again
    with open(out / "四川省.xlsx", "ab") as edited:  # changed by someone: written again
        edited.write(b"\0")
    report = project.parent / "2020-shouguang-county.txt"
    text = (FIXTURES / report.name).read_text(encoding="utf-8")
    report.write_text(text.replace(EQUALS_SENTENCE[1:], EQUALS_SENTENCE, 1), encoding="utf-8")
    assert coopwh(project, "ingest", str(report)).returncode == 0
    result = coopwh(project, "export", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return {"out": out, "before": before, "result": result}


def test_an_export_writes_again_only_the_workbooks_whose_contents_changed(
    exported_again: dict,
) -> None:
    out, before = exported_again["out"], exported_again["before"]
    after = {p.name: (p.stat().st_mtime_ns, _digest(p)) for p in out.glob("*.xlsx")}
    written = {name for name in after if after[name] != before.get(name)}
    assert written == {"全国.xlsx", "山东省.xlsx", "北京市.xlsx", "四川省.xlsx"}
    kept = f"({len(after) - 4} unchanged since the last export, kept)"
    assert kept in exported_again["result"].stdout
    assert any("寿光" in (row["单位"] or "") for row in sheet_rows(out / "山东省.xlsx", "全部数据"))
    assert load_workbook(out / "四川省.xlsx")["封面"]["A1"].value  # whole again


def test_a_report_sentence_beginning_with_equals_comes_back_as_text(exported_again: dict) -> None:
    path = exported_again["out"] / "山东省.xlsx"
    rows = sheet_rows(path, "全部数据")
    (row,) = [r for r in rows if r["原文数字"] == "86.5亿元"]
    assert row["原文句子"] == EQUALS_SENTENCE
    sheet = load_workbook(path)["全部数据"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == EQUALS_SENTENCE]
    assert len(cells) == 2  # on the rows of both its figures
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)  # stays text


def test_table_cells_come_back_as_written(tmp_path: Path) -> None:
    """The table rows are written as XML straight into XlsxWriter's row buffer: text that
    needs escaping, formula-like text, long text, booleans, numbers by their column's format
    and a fact's value by its unit all come back through openpyxl as they went in."""
    texts = ['a & b <c> "d"', " leading", "trailing ", "tab\there", "_x0041_", "=1+1", "多行\n文本"]
    columns = [
        Column("t", "文本", "Text"),
        Column("s", "句子", "Sentence", "sentence"),
        Column("n", "数", "Number", "pct"),
        Column("v", "值", "Value", "value"),
        Column("w", "万", "Wan", "wan"),
    ]
    rows = [
        {"t": t, "s": t, "n": i + 0.5, "v": Decimal("12.5"), "unit": "percent", "w": 12345678}
        for i, t in enumerate(texts)
    ]
    rows += [
        {"t": True, "s": "x" * 40_000, "n": None, "v": 3, "unit": "yuan", "w": None},
        {"t": "bell\x07", "s": None, "n": 7, "v": 2.25, "unit": "pp", "w": 0},
        # values seen before, now beside another unit, or equal to True but not it
        {"t": 1, "s": texts[0], "n": 7.0, "v": Decimal("12.5"), "unit": "yuan", "w": 0.0},
    ]
    path = tmp_path / "cells.xlsx"
    write_workbook(
        path, [("范围", "测试")], [Sheet("表", columns, rows)], dt.datetime(2020, 1, 1), "t"
    )

    sheet = load_workbook(path)["表"]
    back = list(sheet.iter_rows(min_row=2, max_row=len(rows) + 1))
    for row, cells in zip(rows[: len(texts)], back, strict=False):
        text = row["t"].replace("_x0041_", "_x005F_x0041_")  # Excel reads it back as _x0041_
        assert [c.value for c in cells] == [text, text, row["n"], 12.5, 1234.5678]
        assert [c.number_format for c in cells[2:]] == ['0.00"%"', '0.00"%"', "#,##0.00##"]
        assert cells[1].alignment.wrap_text and not cells[0].alignment.wrap_text
        assert cells[0].quotePrefix == cells[1].quotePrefix == row["t"].startswith("=")
    assert [c.value for c in back[-3]] == ["是", "x" * 32_767, None, 3, None]
    assert back[-3][3].number_format == "#,##0"
    assert [c.value for c in back[-2]] == ["bell_x0007_", None, 7, 2.25, 0]
    assert [c.number_format for c in back[-2][2:]] == ['0"%"', '0.00"个百分点"', "#,##0.00##"]
    assert [c.value for c in back[-1]] == ["1", texts[0], 7, 12.5, 0]  # a text column
    assert [c.number_format for c in back[-1][2:]] == ['0"%"', "#,##0", "#,##0.00##"]  # 12.5 yuan
    heights = [sheet.row_dimensions[n].height for n in range(2, len(rows) + 2)]
    assert heights[-4] == 2 * LINE_HEIGHT and heights[0] is None  # two lines, one line
    assert sheet.auto_filter.ref == f"A1:E{len(rows) + 1}" and sheet.freeze_panes == "A2"


def test_display_width_is_unicodes_east_asian_width_for_every_character() -> None:
    wide = {"W", "F"}
    for code in range(sys.maxunicode + 1):
        expected = 2 if unicodedata.east_asian_width(chr(code)) in wide else 1
        assert _display_width(chr(code)) == expected, hex(code)
    assert _display_width("销售总额 sales（亿元）") == 8 + 6 + 8
