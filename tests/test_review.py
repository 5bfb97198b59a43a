"""The review loop: a sheet goes out, a reviewer edits it as in Excel, it comes back and counts."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import FIXTURES, ROOT, coopwh, query, to_pdf

SHOUGUANG = FIXTURES / "2020-shouguang-county.txt"
REPORT_ID = "2020-shouguang-county"
# a bulletin whose 朝阳区 the text does not settle (吉林 or 北京): that figure is held back
CHAOYANG = "全国供销合作社系统2020年工作情况\n\n朝阳区供销社销售额增长12%。全系统销售总额增长8%。\n"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def with_new_report(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> Path:
    """The built 2019 warehouse with the 寿光 report and the 朝阳 bulletin taken in (their
    figures unreviewed, one held back)."""
    project = tmp_path_factory.mktemp("review") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    copy = shutil.copy(SHOUGUANG, project.parent)  # ingest moves the file it takes
    bulletin = project.parent / "2020-chaoyang.txt"
    bulletin.write_text(CHAOYANG, encoding="utf-8")
    result = coopwh(project, "ingest", str(copy), str(bulletin))
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture
def project(tmp_path: Path, with_new_report: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(with_new_report, copy, ignore=shutil.ignore_patterns(".lock"))
    return copy


@pytest.fixture(scope="module")
def reviewed_once(tmp_path_factory: pytest.TempPathFactory, with_new_report: Path) -> tuple:
    """with_new_report after a first review of the 寿光 report: its sheet, and the project
    once the sheet with 600吨 rejected was applied (a rebuild)."""
    base = tmp_path_factory.mktemp("reviewed-once")
    project = base / "project"
    shutil.copytree(with_new_report, project, ignore=shutil.ignore_patterns(".lock"))
    sheet = export(project, base / "review.xlsx", "--report", REPORT_ID)
    first = edit(sheet, base / "first.xlsx", {"600吨": {"decision": "reject"}})
    assert coopwh(project, "review", "apply", str(first)).returncode == 0
    return project, sheet


@pytest.fixture
def reviewed(tmp_path: Path, reviewed_once: tuple) -> tuple[Path, Path]:
    """A copy of reviewed_once's project that a test may change, and the sheet."""
    project, sheet = reviewed_once
    copy = tmp_path / "project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".lock"))
    return copy, sheet


def export(project: Path, out: Path, *options: str) -> Path:
    result = coopwh(project, "review", "export", "--out", str(out), *options)
    assert result.returncode == 0, result.stderr
    return out


def edit(sheet: Path, target: Path, changes: dict[str, dict[str, object]]) -> Path:
    """Edit the review sheet as a reviewer would: by the figure as printed, set cells by key."""
    workbook = load_workbook(sheet)
    table = workbook["审阅"]
    keys = [cell.value for cell in table[2]]
    done = set()
    for row in range(3, table.max_row + 1):
        printed = table.cell(row, keys.index("number_text") + 1).value
        for key, value in changes.get(printed, {}).items():
            table.cell(row, keys.index(key) + 1).value = value
            done.add(printed)
    assert done == set(changes)
    workbook.save(target)
    return target


def test_the_sheet_lists_what_waits_with_its_sentence_and_drop_downs(project, tmp_path) -> None:
    sheet = export(project, tmp_path / "review.xlsx", "--report", REPORT_ID)
    workbook = load_workbook(sheet)
    assert workbook.sheetnames == ["说明", "审阅", "选项"]
    assert workbook["选项"].sheet_state == "hidden"
    table = workbook["审阅"]
    keys = [cell.value for cell in table[2]]
    rows = [dict(zip(keys, (c.value for c in row), strict=True)) for row in table.iter_rows(3)]
    assert len(rows) == 31 and {r["report_id"] for r in rows} == {REPORT_ID}
    first = rows[0]
    assert first["sentence"] == "全市供销系统实现销售收入【86.5亿元】，同比增长12.3%；"
    assert (first["subject"], first["metric_code"], first["value"]) == (
        "370783 山东省潍坊市寿光市",
        "sales_total 销售总额",
        8650000000,
    )
    assert table.freeze_panes == "F3" and table.auto_filter.ref.startswith("A2:")
    lists = {
        str(v.sqref).split(":")[0][0]: v.formula1 for v in table.data_validations.dataValidation
    }
    assert set(lists) == {"F", "G", "H", "K", "L", "M", "P"}  # decision, subject, metric, …
    cover = " ".join(str(c.value) for row in workbook["说明"].iter_rows() for c in row if c.value)
    assert "2020-shouguang-county" in cover and "coopwh review apply" in cover


def test_accept_correct_and_reject_reach_the_marts_and_the_province_workbook(
    project, tmp_path
) -> None:
    sheet = export(project, tmp_path / "review.xlsx", "--report", REPORT_ID)
    filled = edit(
        sheet,
        tmp_path / "filled.xlsx",
        {
            "86.5亿元": {"decision": "accept 接受"},
            "74%": {
                "decision": "correct 更正",
                "value": 47,
                "metric_code": "profit_total 利润总额",
            },
            "600吨": {"decision": "reject 拒绝"},
        },
    )

    applied = coopwh(project, "review", "apply", str(filled), "--reviewer", "王芳")

    assert applied.returncode == 0, applied.stderr + applied.stdout
    assert "1 accepted, 1 corrected, 1 rejected" in applied.stdout
    rows = query(
        project,
        "SELECT number_text, value, metric_code, review_status FROM marts.facts "
        f"WHERE report_id = '{REPORT_ID}' AND number_text IN ('86.5亿元', '74%', '600吨') "
        "ORDER BY span_start",
    )
    assert rows == [
        ("86.5亿元", 8650000000.0, "sales_total", "accepted"),
        ("74%", 47.0, "profit_total", "corrected"),
    ]
    recorded = (project / "seeds" / "fact_reviews.csv").read_text(encoding="utf-8")
    assert "王芳" in recorded and ",correct,,profit_total,,47," in recorded
    (progress,) = query(
        project,
        "SELECT accepted, corrected, rejected, waiting FROM marts.review_progress "
        f"WHERE report_id = '{REPORT_ID}'",
    )
    assert progress == (1, 1, 1, 28)

    assert coopwh(project, "export").returncode == 0
    book = load_workbook(project / "exports" / "山东省.xlsx", read_only=True)
    facts = list(book["全部数据"].iter_rows(values_only=True))
    header = facts[0]
    by_printed = {r[header.index("原文数字")]: r for r in facts[1:] if r[0]}
    assert by_printed["74%"][header.index("数值")] == 47
    assert by_printed["74%"][header.index("审阅状态")] == "已审阅（更正）"
    assert by_printed["86.5亿元"][header.index("审阅状态")] == "已审阅（接受）"
    assert "600吨" not in by_printed
    cover = " ".join(str(c) for row in book["封面"].iter_rows(values_only=True) for c in row if c)
    assert "已核对" in cover and "待审 28" in cover
    book.close()

    status = coopwh(project, "status")
    ((waiting,),) = query(project, "SELECT SUM(waiting) FROM marts.review_progress")
    assert f"Figures waiting for review: {waiting}" in status.stdout  # 28 of them 寿光's

    published = digest(project / "warehouse" / "coopwh.duckdb")
    again = coopwh(project, "review", "apply", str(filled), "--reviewer", "王芳")
    assert again.returncode == 0
    assert "3 already recorded" in again.stdout and "Nothing new" in again.stdout
    assert digest(project / "warehouse" / "coopwh.duckdb") == published


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decision": "acept"}, "cell F3: decision 'acept' is not one of accept, correct, reject"),
        ({"decision": "correct", "value": "八十六亿"}, "cell J3: value '八十六亿' is not a number"),
        ({"decision": "accept", "unit": "household"}, "accept, but unit changed"),
        ({"decision": "correct"}, "correct, but nothing was changed"),
        ({"decision": "correct", "subject": "999999 无此地"}, "cell G3: subject '999999 无此地'"),
        ({"decision": "correct", "kind": "coverage_pct"}, "must have unit percent"),
    ],
)
def test_a_sheet_with_a_bad_row_is_refused_naming_it_and_nothing_changes(
    project, tmp_path, change: dict, message: str
) -> None:
    sheet = export(project, tmp_path / "review.xlsx", "--report", REPORT_ID)
    bad = edit(
        sheet,
        tmp_path / "bad.xlsx",
        {"86.5亿元": change, "600吨": {"decision": "reject"}},  # a good row beside the bad one
    )
    seed = project / "seeds" / "fact_reviews.csv"
    before = (seed.read_bytes(), digest(project / "warehouse" / "coopwh.duckdb"))

    result = coopwh(project, "review", "apply", str(bad))

    assert result.returncode == 1
    assert "bad.xlsx, sheet 审阅, row 3" in result.stderr and message in result.stderr
    assert "nothing was applied" in result.stderr
    assert (seed.read_bytes(), digest(project / "warehouse" / "coopwh.duckdb")) == before


def recorded_reviews(project: Path) -> dict[str, dict[str, str]]:
    """seeds/fact_reviews.csv read back as a CSV reader would, by the figure's fact_id."""
    with open(project / "seeds" / "fact_reviews.csv", encoding="utf-8", newline="") as handle:
        return {row["fact_id"]: row for row in csv.DictReader(handle)}


def test_a_reviewer_s_note_is_kept_in_the_seed_as_written(reviewed, tmp_path) -> None:
    project, sheet = reviewed
    seed = project / "seeds" / "fact_reviews.csv"
    # a seed as it was before the note had a column: its row keeps an empty note
    lines = seed.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",sentence,note") and lines[1].endswith(",")
    seed.write_text(
        "\n".join(line.removesuffix(",note").removesuffix(",") for line in lines) + "\n",
        encoding="utf-8",
    )
    notes = {
        "86.5亿元": "含农资、日用品，不含粮食",  # commas
        "74%": '报告原文写作"74%"，应为47%',  # quotes
        "12.3%": "第一行\n第二行，再核对",  # a line break in the cell
    }
    filled = edit(
        sheet,
        tmp_path / "filled.xlsx",
        {
            "86.5亿元": {"decision": "accept", "note": notes["86.5亿元"]},
            "74%": {"decision": "correct", "value": 47, "note": notes["74%"]},
            "12.3%": {"decision": "accept", "note": notes["12.3%"]},
            "600吨": {"decision": "reject"},
        },
    )
    workbook = load_workbook(filled)  # a note that starts with = but was typed as text
    table = workbook["审阅"]
    keys = [cell.value for cell in table[2]]
    printed = {
        table.cell(row, keys.index("fact_id") + 1).value: table.cell(
            row, keys.index("number_text") + 1
        ).value
        for row in range(3, table.max_row + 1)
    }
    row = 3 + list(printed.values()).index("2.3万户")
    table.cell(row, keys.index("decision") + 1).value = "accept"
    note = table.cell(row, keys.index("note") + 1)
    note.value, note.data_type, note.quotePrefix = "=见上一行", "s", True
    workbook.save(filled)
    notes["2.3万户"] = "=见上一行"

    result = coopwh(project, "review", "apply", str(filled), "--reviewer", "王芳")

    assert result.returncode == 0, result.stderr + result.stdout
    assert "3 accepted, 1 corrected, 0 rejected; 1 already recorded" in result.stdout
    by_printed = {printed[fact_id]: row for fact_id, row in recorded_reviews(project).items()}
    assert {printed: by_printed[printed]["note"] for printed in notes} == notes
    assert by_printed["600吨"]["note"] == ""
    loaded = query(project, "SELECT fact_id, note FROM seeds.fact_reviews")  # as the build read it
    assert {printed[fact_id]: note for fact_id, note in loaded} == {**notes, "600吨": ""}

    before = (seed.read_bytes(), digest(project / "warehouse" / "coopwh.duckdb"))
    again = coopwh(project, "review", "apply", str(filled), "--reviewer", "王芳")
    assert again.returncode == 0, again.stderr
    assert "5 already recorded" in again.stdout and "Nothing new" in again.stdout
    assert (seed.read_bytes(), digest(project / "warehouse" / "coopwh.duckdb")) == before


def test_a_reviews_seed_of_an_earlier_version_still_builds(reviewed) -> None:
    project, _sheet = reviewed
    seed = project / "seeds" / "fact_reviews.csv"
    lines = seed.read_text(encoding="utf-8").splitlines()
    seed.write_text(  # as an earlier version wrote it: no note column
        "\n".join(line.removesuffix(",note").removesuffix(",") for line in lines) + "\n",
        encoding="utf-8",
    )
    result = coopwh(project, "build")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "seeds/fact_reviews.csv: added the columns" in result.stdout
    assert seed.read_text(encoding="utf-8").splitlines() == lines
    assert query(project, "SELECT decision FROM seeds.fact_reviews") == [("reject",)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"decision": "correct", "value": "=B3*2"},
            "row 3, cell J3 (数值): a formula (=B3*2), not a value: type the value itself",
        ),
        (
            {"decision": '=IF(C3>0,"accept","reject")'},
            'row 3, cell F3 (审阅结论): a formula (=IF(C3>0,"accept","reject")), not a value',
        ),
        (
            {"note": "=TODAY()"},  # on a row left for later, too
            "row 3, cell R3 (审阅备注): a formula (=TODAY()), not a value",
        ),
    ],
)
def test_a_formula_in_a_review_cell_is_named_at_its_cell_and_nothing_changes(
    project, tmp_path, change: dict, message: str
) -> None:
    sheet = export(project, tmp_path / "review.xlsx", "--report", REPORT_ID)
    bad = edit(
        sheet,
        tmp_path / "bad.xlsx",
        {"86.5亿元": change, "600吨": {"decision": "reject"}},  # a good row beside the bad one
    )
    assert load_workbook(bad)["审阅"][message.split("cell ")[1][:2]].data_type == "f"
    seed = project / "seeds" / "fact_reviews.csv"
    before = (seed.read_bytes(), digest(project / "warehouse" / "coopwh.duckdb"))

    result = coopwh(project, "review", "apply", str(bad))

    assert result.returncode == 1
    assert f"bad.xlsx, sheet 审阅, {message}" in result.stderr, result.stderr
    assert "1 problem(s); nothing was applied" in result.stderr
    assert (seed.read_bytes(), digest(project / "warehouse" / "coopwh.duckdb")) == before


def test_a_held_figure_joins_the_marts_once_a_reviewer_gives_its_subject(project, tmp_path) -> None:
    sheet = export(project, tmp_path / "review.xlsx", "--report", "2020-chaoyang")
    workbook = load_workbook(sheet, read_only=True)
    rows = list(workbook["审阅"].iter_rows(min_row=2, values_only=True))
    keys = rows[0]
    held = next(r for r in rows[1:] if r[keys.index("number_text")] == "12%")
    assert "吉林省长春市朝阳区" in held[keys.index("held_reason")]
    workbook.close()
    filled = edit(
        sheet,
        tmp_path / "filled.xlsx",
        {"12%": {"decision": "correct", "subject": "110105 北京市朝阳区"}},
    )

    result = coopwh(project, "review", "apply", str(filled))

    assert result.returncode == 0, result.stderr
    assert query(
        project,
        "SELECT subject_id, province_code, review_status FROM marts.facts "
        "WHERE report_id = '2020-chaoyang' AND number_text = '12%'",
    ) == [("110105", "110000", "corrected")]
    assert query(
        project, "SELECT COUNT(*) FROM marts.held_facts WHERE report_id = '2020-chaoyang'"
    ) == [(0,)]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_review_sheet_opens_in_libreoffice(project, tmp_path) -> None:
    sheet = export(project, tmp_path / "review.xlsx", "--report", REPORT_ID)
    assert to_pdf([sheet], tmp_path).returncode == 0
    pdf = (tmp_path / "review.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") >= 2


def test_review_without_a_step_shows_its_help(project) -> None:
    result = coopwh(project, "review")
    assert result.returncode == 2 and "export" in result.stdout and "apply" in result.stdout


def test_the_figures_of_a_failed_check_come_first_with_its_message(
    fresh_project: Path, tmp_path: Path
) -> None:
    report = ROOT / "tests" / "fixtures" / "relations" / "2024-jian-fund.txt"
    inbox = fresh_project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(report, inbox)
    assert coopwh(fresh_project, "run").returncode == 0
    sheet = export(fresh_project, tmp_path / "review.xlsx", "--report", report.stem)
    table = load_workbook(sheet)["审阅"]
    keys = [cell.value for cell in table[2]]
    rows = [
        {key: table.cell(row, column + 1).value for column, key in enumerate(keys)}
        for row in range(3, table.max_row + 1)
    ]
    flagged = [row for row in rows if row["failed_check"]]
    # the first tranche (8000万元) is not the sum of its parts (7500万元)
    assert {"8000万元", "3000万元", "2500万元", "2000万元"} <= {r["number_text"] for r in flagged}
    assert all("warning" in row["failed_check"] for row in flagged)
    assert rows[: len(flagged)] == flagged  # first, before every figure that passed
    assert not any(row["failed_check"] for row in rows[len(flagged) :])
    # coopwh status and the province's cover count the report's checks by their result
    ((passed, warned, failed),) = query(
        fresh_project,
        "SELECT checks_passed, checks_warned, checks_failed FROM marts.review_progress "
        f"WHERE report_id = '{report.stem}'",
    )
    assert passed > 0 and warned > 0
    status = coopwh(fresh_project, "status").stdout
    line = next(line for line in status.splitlines() if line.strip().startswith(report.stem))
    assert line.endswith(f"{passed}/{warned}/{failed}"), status
    cover = load_workbook(fresh_project / "exports" / "江西省.xlsx")["封面"]
    text = "\n".join(str(c.value) for row in cover.iter_rows() for c in row if c.value)
    assert f"报告自身的算术核对：通过 {passed} 项，警告 {warned} 项，错误 {failed} 项" in text
