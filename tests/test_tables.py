"""Reports with tables: tables read as tables in every format, rendered into the text a row a
line, each cell's figure read with its row and column, the columns that relate checked by the
audits, bad tables held or refused with a reason; prose-only reports untouched."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import Workbook

from loaders.extract import extract
from loaders.reference import load_gazetteer
from loaders.reports import ReportError, html_text, read_report, split_sentences
from loaders.table_labels import read_label
from loaders.tables import Placed, find_tables, render
from tests.conftest import FIXTURES, REPORT, ROOT, coopwh, query

TABLES = ROOT / "tests" / "fixtures" / "tables"
GAZETTEER = load_gazetteer(ROOT / "seeds")
LABELLED = [  # the fixture reports with tables, each with its hand labels (NAME.labels.csv)
    "2023-hunan-bulletin.html",
    "2023-jiujiang-prefecture.docx",
    "2024-shangrao-prefecture.docx",
    "2024-shangrao-prefecture.pdf",
    "2024-sichuan-half-year.xlsx",
]
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice is not installed (apt-get install libreoffice-writer libreoffice-calc)",
)


def labels(name: str) -> list[dict[str, str]]:
    with open(TABLES / f"{name}.labels.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def at(text: str, figure: str, nth: int) -> int:
    """Where the nth occurrence of figure starts in text."""
    position = -1
    for _ in range(nth):
        position = text.find(figure, position + 1)
    return position


def reading(fact) -> tuple:
    return (
        round(fact.value, 4),
        fact.unit,
        fact.kind,
        fact.metric_code or "",
        fact.subject,
        fact.period or "",
        fact.baseline or "",
    )


def labelled(row: dict[str, str]) -> tuple:
    return (
        round(float(row["value"]), 4),
        row["unit"],
        row["kind"],
        row["metric_code"],
        row["subject"],
        row["period"],
        row["baseline"],
    )


# ---------------------------------------------------------------------------------------------
# Rendering and finding tables in a text


def test_merged_header_cells_repeat_over_the_columns_and_rows_they_span() -> None:
    cells = [
        Placed(0, 0, "指标", rowspan=2),
        Placed(0, 1, "完成情况", colspan=2),
        Placed(0, 3, "同比增长（%）", rowspan=2),
        Placed(1, 1, "2023年"),
        Placed(1, 2, "2022年"),
        Placed(2, 0, "一、经营指标", colspan=4),  # a section's title across the table
        Placed(3, 0, "销售总额"),
        Placed(3, 1, "3256.4"),
        Placed(3, 2, "3010.2", rowspan=2),  # a figure is printed once
        Placed(3, 3, "8.2"),
    ]
    assert render(cells, "表1 主要指标") == [
        "表1 主要指标",
        "指标｜完成情况｜完成情况｜同比增长（%）",
        "指标｜2023年｜2022年｜同比增长（%）",
        "一、经营指标｜｜｜",
        "销售总额｜3256.4｜3010.2｜8.2",
    ]


def test_a_table_in_a_text_gives_each_cell_with_its_offsets_and_its_caption() -> None:
    text = "前言。\n表1 2023年主要指标\n单位：亿元\n指标｜2023年\n销售总额｜3256.4\n结语。\n"
    (table,) = find_tables(text)
    assert table.caption == ["表1 2023年主要指标", "单位：亿元"]
    cell = table.rows[1][1]
    assert (cell.text, text[cell.start : cell.end]) == ("3256.4", "3256.4")
    assert text[table.lines[1][0] : table.lines[1][1]] == "销售总额｜3256.4"
    assert find_tables("一行｜不成表\n正文。") == []


def test_a_markdown_table_in_a_text_report_is_a_table() -> None:
    text = (
        "某县供销社2023年工作总结\n| 指标 | 2023年 |\n| --- | --- |\n| 销售总额（亿元） | 12.6 |\n"
    )
    (table,) = find_tables(text)
    assert [[cell.text for cell in row] for row in table.rows] == [
        ["指标", "2023年"],
        ["销售总额（亿元）", "12.6"],
    ]


def test_a_row_is_one_sentence_whatever_its_cells_hold() -> None:
    text = "指标｜备注\n销售总额｜已完成。超额｜3\n利润｜未完成；｜4\n"
    rows = [s.text for s in split_sentences(text)]
    assert rows == ["指标｜备注", "销售总额｜已完成。超额｜3", "利润｜未完成；｜4"]


@pytest.mark.parametrize(
    ("header", "reads"),
    [
        ("同比增长（%）", {"kind": "yoy_growth_pct", "baseline": "上年", "unit": "%"}),
        ("比2016年增长（%）", {"kind": "growth_pct", "baseline": "2016", "unit": "%"}),
        ("较试点前增长(%)", {"kind": "growth_pct", "baseline": "试点前"}),
        ("增减（个百分点）", {"kind": "pp_change", "unit": "个百分点"}),
        ("比上年增加（个）", {"kind": "other", "baseline": "上年", "unit": "个"}),
        ("占比（%）", {"kind": "share_pct", "metric": "占比"}),
        ("基层社乡镇覆盖率（%）", {"kind": "coverage_pct", "metric": "基层社乡镇覆盖率"}),
        ("2023年1-9月", {"period": "2023年1-9月", "metric": ""}),
        ("1-9月", {"period": "1-9月"}),
        ("上年同期", {"relative": -1, "kind": None}),
        ("本年累计（万元）", {"relative": 0, "unit": "万元"}),
        ("销售总额（亿元）", {"metric": "销售总额", "unit": "亿元"}),
        ("单位：万元", {"unit": "万元"}),
        ("其中：农产品销售额", {"metric": "农产品销售额"}),
        ("全省合计", {"total": True}),
        ("序号", {"serial": True}),
        ("计量单位", {"unit_column": True}),
        ("县（市、区）", {"label_column": True, "metric": ""}),
    ],
)
def test_a_header_says_its_kind_baseline_unit_and_period(header: str, reads: dict) -> None:
    label = read_label(header)
    assert {key: getattr(label, key) for key in reads} == reads


# ---------------------------------------------------------------------------------------------
# Figures from cells


BULLETIN = (
    "吉安市供销合作社2023年经营情况\n"
    "2023年，全市供销系统经营稳中有进。\n"
    "表1 主要经济指标\n"
    "指标｜单位｜2023年｜2022年｜同比增长（%）｜比2016年增长（%）\n"
    "销售总额｜亿元｜86.5｜80.1｜8.0｜—\n"
    "利润总额｜万元｜4120｜3890｜5.9｜41.2\n"
    "资产负债率｜%｜56.3｜58.1｜—｜—\n"
    "表2 各县（市、区）基层社\n"
    "县（市、区）｜基层社（个）｜比上年增加（个）｜乡镇覆盖率（%）\n"
    "吉安县｜21｜2｜100\n"
    "永丰县｜18｜1｜94.4\n"
    "全市合计｜196｜12｜97.1\n"
    "全市农产品销售额增长12%。\n"
)


def test_each_cell_figure_reads_with_its_row_column_and_the_reports_unit() -> None:
    extraction = extract(BULLETIN, "r", GAZETTEER)
    facts = {(f.number_text, f.period): f for f in extraction.facts}
    sales = facts[("86.5", "2023年")]
    assert reading(sales) == (8650000000.0, "yuan", "level", "sales_total", "360800", "2023年", "")
    assert (
        BULLETIN[sales.sentence_start : sales.sentence_end] == "销售总额｜亿元｜86.5｜80.1｜8.0｜—"
    )
    assert reading(facts[("80.1", "2022年")])[0] == 8010000000.0
    assert reading(facts[("8.0", "2023年")])[2:] == (
        "yoy_growth_pct",
        "sales_total",
        "360800",
        "2023年",
        "上年",
    )
    assert reading(facts[("41.2", "2023年")])[2:] == (
        "growth_pct",
        "profit_total",
        "360800",
        "2023年",
        "2016",
    )
    assert facts[("56.3", "2023年")].kind == "share_pct"  # a rate: as the prose reads one
    coverage = next(f for f in extraction.facts if f.number_text == "94.4")
    assert (coverage.kind, coverage.metric_code, coverage.subject) == (
        "coverage_pct",
        "township_coverage",
        "360825",  # 永丰县, one subject per row
    )
    total = next(f for f in extraction.facts if f.number_text == "196")
    assert (total.subject, total.metric_code, total.unit) == ("360800", "grassroots_coops", "count")
    added = next(f for f in extraction.facts if f.number_text == "12" and f.metric)
    assert (added.kind, added.baseline) == ("other", "上年")
    prose = next(f for f in extraction.facts if f.number_text == "12%")
    assert prose.kind == "growth_pct"  # the prose after the tables reads as before


def test_the_columns_that_relate_are_relations_for_the_audits() -> None:
    extraction = extract(BULLETIN, "r", GAZETTEER)
    by_span = {f.span_start: f.number_text for f in extraction.facts}
    found = {
        (r.relation_type, by_span.get(r.start_span), by_span[r.end_span], by_span[r.change_span])
        for r in extraction.relations
    }
    assert ("growth", "80.1", "86.5", "8.0") in found
    assert ("growth", "3890", "4120", "5.9") in found
    assert ("change", None, "21", "2") in found  # the before (19) is implied by the change
    assert not any(
        r.relation_type == "growth" and by_span[r.change_span] == "41.2"
        for r in extraction.relations
    )  # fmt: skip  (no 2016 column: nothing to compare)


def test_a_transposed_table_takes_its_metric_from_the_column_and_its_period_from_the_row() -> None:
    text = (
        "某省供销合作社近三年发展情况\n"
        "年份｜销售总额（亿元）｜基层社（个）\n"
        "2021年｜310.2｜1820\n"
        "2022年｜335.8｜1906\n"
        "2023年｜362.4｜1987\n"
    )
    facts = extract(text, "r", GAZETTEER).facts
    read = {(f.number_text, f.metric_code, f.period, f.unit) for f in facts}
    assert ("335.8", "sales_total", "2022年", "yuan") in read
    assert ("1987", "grassroots_coops", "2023年", "count") in read


def test_a_table_of_words_gives_nothing_and_a_cell_naming_nothing_is_held() -> None:
    text = (
        "某市供销合作社2023年工作情况\n"
        "名称｜负责人\n示范社｜张三\n综合服务社｜李四\n"
        "表2 其他\n｜2023年\n｜12.5\n｜13.1\n"
        "表3 说明\n指标｜2023年\n基层社｜约3个（新建1个）\n农民专业合作社｜5\n"
    )
    extraction = extract(text, "r", GAZETTEER)
    reasons = Counter(reason for _, reason in extraction.held)
    assert not any(f.number_text in ("12.5", "13.1") for f in extraction.facts)
    assert reasons["a table cell whose row and column name nothing it measures"] == 2
    assert any("words beside its figure" in reason for reason in reasons)


def test_a_row_of_a_township_has_no_subject_and_the_door_in_holds_it() -> None:
    text = "某县供销合作社2023年基层社情况\n乡镇｜基层社（个）\n城关镇｜3\n合计｜12\n"
    facts = {f.number_text: f for f in extract(text, "r", GAZETTEER).facts}
    assert facts["3"].subject is None and "below a county" in facts["3"].subject_text
    assert facts["12"].subject == "national"  # the report names no unit: the national total


def test_the_prose_fixture_reports_hold_no_table() -> None:
    """The table reader is never reached on a report of prose: its figures are as before."""
    for path in [REPORT, *sorted(FIXTURES.glob("*.txt"))]:
        assert find_tables(path.read_text(encoding="utf-8")) == [], path.name


# ---------------------------------------------------------------------------------------------
# The formats


def test_an_html_table_with_spans_caption_and_text_around_it() -> None:
    text = html_text(
        "<p>前言</p><table><caption>表1 指标</caption>"
        "<tr><th rowspan=2>指标</th><th colspan=2>完成</th></tr>"
        "<tr><th>2023年</th><th>2022年</th></tr>"
        "<tbody><tr><td>销售<br>总额</td><td>3.2</td><td>3.0</td></tr></tbody>"
        "</table>后记<p>完</p>"
    )
    assert "\n表1 指标\n指标｜完成｜完成\n指标｜2023年｜2022年\n销售总额｜3.2｜3.0\n后记" in text


def test_a_page_laid_out_in_a_table_reads_as_paragraphs() -> None:
    prose = "全市供销合作社系统实现销售总额86.5亿元，同比增长8.0%。" * 12  # a cell of prose
    page = (
        f"<table><tr><td>导航</td><td><h1>某市供销社通报</h1><p>{prose}</p>"
        "<table><tr><td>指标</td><td>2023年</td></tr><tr><td>基层社（个）</td><td>196</td></tr>"
        "</table></td></tr></table>"
    )
    text = html_text(page)
    assert f"\n{prose}\n" in text  # as it read before: a line per block
    assert "\n指标｜2023年\n基层社（个）｜196\n" in text  # the table of figures inside it


def test_a_hostile_html_table_is_read_within_bounds() -> None:
    rows = "".join(f"<tr><td rowspan=999999 colspan=999999>{i}</td></tr>" for i in range(300))
    text = html_text(f"<table>{rows}</table>")
    assert "0" in text  # read, one cell a row, without a grid of 300 × 10^12 places


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_with(body: str, path: Path) -> Path:
    """A .docx whose body is this WordprocessingML."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml", f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
        )
    return path


def cell(text: str, properties: str = "") -> str:
    return f"<w:tc><w:tcPr>{properties}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def test_a_docx_table_with_merged_cells_is_a_line_per_row(tmp_path: Path) -> None:
    body = (
        "<w:p><w:r><w:t>某县供销社2023年报告</w:t></w:r></w:p>"
        "<w:tbl><w:tr>"
        + cell("指标", '<w:vMerge w:val="restart"/>')
        + cell("完成情况", '<w:gridSpan w:val="2"/>')
        + "</w:tr><w:tr>"
        + cell("", "<w:vMerge/>")
        + cell("2023年")
        + cell("2022年")
        + "</w:tr><w:tr>"
        + cell("销售总额（亿元）")
        + cell("12.6")
        + cell("11.9")
        + "</w:tr></w:tbl><w:p><w:r><w:t>完。</w:t></w:r></w:p>"
    )
    text = read_report(docx_with(body, tmp_path / "report.docx")).text
    assert text == (
        "某县供销社2023年报告\n指标｜完成情况｜完成情况\n指标｜2023年｜2022年\n"
        "销售总额（亿元）｜12.6｜11.9\n完。"
    )


def sheet_book(path: Path, formulas: bool = False) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "主要指标"
    sheet["A1"] = "某省供销合作社2024年1-3月主要指标"
    sheet.merge_cells("A1:D1")
    sheet.append(["指标", "本年累计（万元）", "上年同期（万元）", "同比增长（%）"])
    sheet.append(["销售总额", 1250.5, 1180, "=ROUND((B3/C3-1)*100,1)" if formulas else 6.0])
    sheet["B3"].number_format = "#,##0.0"
    sheet.append(["利润总额", 0.0812, 0.0788, 3.0])
    sheet["B4"].number_format = "0.00%"
    book.save(path)
    return path


def test_an_xlsx_report_is_a_table_per_sheet_shown_as_the_sheet_shows_it(tmp_path: Path) -> None:
    report = read_report(sheet_book(tmp_path / "2024-province.xlsx"))
    assert report.text.splitlines() == [
        "某省供销合作社2024年1-3月主要指标",
        "指标｜本年累计（万元）｜上年同期（万元）｜同比增长（%）",
        "销售总额｜1,250.5｜1180｜6",
        "利润总额｜8.12%｜0.0788｜3",
    ]


def test_an_xlsx_whose_formulas_have_no_values_is_refused_saying_so(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="formulas without their computed values .*D3"):
        read_report(sheet_book(tmp_path / "book.xlsx", formulas=True))


@needs_soffice
def test_an_xlsx_saved_by_an_office_is_read_through_its_formulas_values(tmp_path: Path) -> None:
    source = sheet_book(tmp_path / "book.xlsx", formulas=True)
    out = tmp_path / "saved"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
        capture_output=True, timeout=300,
    )  # fmt: skip
    saved = out / "book.xlsx"
    if not saved.exists():
        pytest.skip("LibreOffice Calc cannot save .xlsx here (apt-get install libreoffice-calc)")
    assert "销售总额｜1,250.5｜1180｜6" in read_report(saved).text  # ROUND((1250.5/1180-1)*100,1)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 not a zip at all", "not a readable .xlsx"),
        ("bomb", "possible zip bomb"),
    ],
)
def test_a_bad_xlsx_is_refused_with_its_reason(tmp_path: Path, data, reason: str) -> None:
    path = tmp_path / "bad.xlsx"
    if data == "bomb":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (101 * 1024 * 1024))
        data = buffer.getvalue()
    path.write_bytes(data)
    with pytest.raises(ReportError, match=reason):
        read_report(path)


def test_a_pdf_table_over_a_page_break_is_one_table_without_its_repeated_header() -> None:
    text = read_report(TABLES / "2024-shangrao-prefecture.pdf").text
    (_, counties) = find_tables(text)
    assert [row[0].text for row in counties.rows][:3] == ["县（市、区）", "信州区", "广丰区"]
    assert len(counties.rows) == 14  # the header, twelve counties and 全市, once each


@pytest.mark.parametrize("name", LABELLED)
def test_every_labelled_cell_figure_reads_as_labelled(name: str) -> None:
    report = read_report(TABLES / name)
    facts = {}
    for fact in extract(report.text, report.report_id, GAZETTEER).facts:
        facts.setdefault(fact.span_start, fact)
    for row in labels(name):
        fact = facts.get(at(report.text, row["number_text"], int(row["nth"])))
        assert fact is not None, row
        assert reading(fact) == labelled(row), row
        line = report.text[fact.sentence_start : fact.sentence_end]
        assert "｜" in line and "\n" not in line and row["number_text"] in line


def figures_of(path: Path) -> Counter:
    report = read_report(path)
    return Counter(
        (f.number_text.replace(" ", ""), *reading(f), f.metric)
        for f in extract(report.text, "r", GAZETTEER).facts
    )


def share_equal(first: Counter, second: Counter) -> float:
    return sum((first & second).values()) / max(sum(first.values()), sum(second.values()))


def test_the_same_report_as_docx_and_as_pdf_gives_the_same_figures() -> None:
    docx = figures_of(TABLES / "2024-shangrao-prefecture.docx")
    assert share_equal(docx, figures_of(TABLES / "2024-shangrao-prefecture.pdf")) >= 0.97


@needs_soffice
@pytest.mark.parametrize("source", ["2023-hunan-bulletin.html", "2023-jiujiang-prefecture.docx"])
def test_a_pdf_printed_by_libreoffice_gives_the_figures_of_its_docx(
    tmp_path: Path, source: str
) -> None:
    def convert(path: Path, target: str) -> Path:
        subprocess.run(
            ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
             "--convert-to", target, "--outdir", str(tmp_path), str(path)],
            capture_output=True, timeout=300,
        )  # fmt: skip
        made = tmp_path / f"{path.stem}.{target.split(':')[0]}"
        if not made.exists():
            pytest.skip(f"LibreOffice cannot convert to {target} here")
        return made

    docx = TABLES / source
    if docx.suffix == ".html":
        docx = convert(docx, "docx:MS Word 2007 XML")
    pdf = convert(docx, "pdf")
    assert share_equal(figures_of(docx), figures_of(pdf)) >= 0.97


# ---------------------------------------------------------------------------------------------
# Through `coopwh run`

BAD_TABLE = """<html><body><h1>某市供销合作社2023年基层社情况</h1>
<p>全市基层社建设稳步推进。</p>
<table><tr><th>乡镇</th><th>基层社（个）</th><th>乡镇覆盖率（%）</th></tr>
<tr><td>城关镇</td><td>3</td><td>100</td></tr>
<tr><td>全市合计</td><td>41</td><td>120</td></tr></table>
<p>全市领办农民专业合作社126个。</p></body></html>"""


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> tuple[Path, str, str]:
    """The built 2019 warehouse after `coopwh run` with the four reports with tables (an .html,
    a .docx, a PDF, an .xlsx), a table with bad figures and a workbook of uncomputed formulas;
    then a second run with the .docx the PDF was printed from."""
    project = tmp_path_factory.mktemp("tables") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    inbox = project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for name in LABELLED:
        if name != "2024-shangrao-prefecture.docx":
            shutil.copy(TABLES / name, inbox)
    (inbox / "2023-bad-table.html").write_text(BAD_TABLE, encoding="utf-8")
    sheet_book(inbox / "2024-uncomputed.xlsx", formulas=True)
    first = coopwh(project, "run")
    assert first.returncode == 1, first.stderr + first.stdout  # a file quarantined
    shutil.copy(TABLES / "2024-shangrao-prefecture.docx", inbox / "2024-shangrao-word.docx")
    second = coopwh(project, "run")
    assert second.returncode == 0, second.stderr + second.stdout
    return project, first.stdout, second.stdout


def test_every_cell_figure_reaches_the_facts_mart_with_its_row_as_sentence(ran) -> None:
    project, _, _ = ran
    for name in LABELLED:
        if name == "2024-shangrao-prefecture.docx":
            continue
        report_id = Path(name).stem
        (text,) = query(project, f"SELECT text FROM meta.reports WHERE report_id = '{report_id}'")[
            0
        ]
        rows = query(
            project,
            "SELECT span_start, value, unit, kind, metric_code, subject_id, period, baseline, "
            f"metric, sentence FROM marts.facts WHERE report_id = '{report_id}'",
        )
        by_span = {row[0]: row for row in rows}
        for label in labels(name):
            span = at(text, label["number_text"], int(label["nth"]))
            assert span in by_span, (name, label)
            _, value, unit, kind, code, subject, period, baseline, metric, sentence = by_span[span]
            got = (round(value, 4), unit, kind, code or "", subject, period, baseline or "")
            assert got == labelled(label), (name, label)
            assert metric and sentence == text[: text.index("\n", span)].rsplit("\n", 1)[-1]


def test_a_growth_column_beside_two_year_columns_is_checked_by_the_audits(ran) -> None:
    project, first, _ = ran
    findings = query(
        project,
        "SELECT report_id, status, stated_value, expected_value, message FROM marts.audit_findings "
        "WHERE check_name = 'assert_related_figures_agree' AND report_id IN "
        "('2023-hunan-bulletin', '2024-shangrao-prefecture', '2024-sichuan-half-year')",
    )
    passed = Counter(report for report, status, *_ in findings if status == "pass")
    assert passed["2024-shangrao-prefecture"] == 18 and passed["2024-sichuan-half-year"] == 14
    (misprint,) = [f for f in findings if f[1] == "warning"]
    assert misprint[0] == "2023-hunan-bulletin" and misprint[2] == 5.9
    assert round(misprint[3], 2) == 4.94 and "消费品零售额｜亿元｜903.5｜861.0｜5.9" in misprint[4]
    assert "消费品零售额" in first


def test_bad_tables_are_held_or_refused_with_a_reason(ran) -> None:
    project, first, _ = ran
    held = query(
        project,
        "SELECT number_text, reason FROM marts.held_facts WHERE report_id = '2023-bad-table'",
    )
    assert {number for number, _ in held} >= {"3", "100", "120"}
    loaded = query(
        project, "SELECT number_text FROM marts.facts WHERE report_id = '2023-bad-table'"
    )
    assert {number for (number,) in loaded} >= {"41", "126个"}
    reason = project / "reports" / "quarantine" / "2024-uncomputed.xlsx.reason.txt"
    assert "formulas without their computed values" in reason.read_text(encoding="utf-8")


def test_the_docx_the_pdf_was_printed_from_adds_nothing(ran) -> None:
    project, _, second = ran
    assert "2024-shangrao-word.docx" in second and "2024-shangrao-prefecture" in second
    assert (project / "reports" / "archive" / "2024-shangrao-word.docx").exists()
