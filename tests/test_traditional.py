"""Reports in traditional characters (繁體): read in simplified ones, one character for one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from opencc import OpenCC

from loaders.extract import extract
from loaders.reference import load_gazetteer
from loaders.reports import read_report
from loaders.simplified import looks_traditional, to_simplified
from tests.conftest import FIXTURES, REPORT, ROOT, coopwh, make_docx, make_pdf, query

GAZETTEER = load_gazetteer(ROOT / "seeds")
SIMPLIFIED_REPORTS = [REPORT, *sorted(FIXTURES.glob("*.txt"))]
# written for this test: a county's year in traditional characters, and the same in simplified
LIUYANG_TRADITIONAL = (
    "湖南省瀏陽市供銷合作社\n\n"
    "2021年，全市供銷社系統實現銷售總額12.6億元，較上年增長8.5%；"
    "發展農民專業合作社86家，帶動農戶1.3萬戶，土地託管面積2.4萬畝。\n"
)
LIUYANG_SIMPLIFIED = (
    "湖南省浏阳市供销合作社\n\n"
    "2021年，全市供销社系统实现销售总额12.6亿元，较上年增长8.5%；"
    "发展农民专业合作社86家，带动农户1.3万户，土地托管面积2.4万亩。\n"
)


def traditional(text: str) -> str:
    """text as a 繁體 office would have written it (OpenCC's own conversion, phrases and all)."""
    return OpenCC("s2t").convert(text)


def figures(text: str, report_id: str = "r") -> list[tuple]:
    facts = extract(text, report_id, GAZETTEER).facts
    return [(f.span_start, f.value, f.unit, f.kind, f.subject, f.metric_code) for f in facts]


def test_traditional_text_reads_in_simplified_characters_one_for_one() -> None:
    simplified = to_simplified(LIUYANG_TRADITIONAL)

    assert simplified == LIUYANG_SIMPLIFIED
    assert len(simplified) == len(LIUYANG_TRADITIONAL)
    assert figures(simplified) == figures(LIUYANG_SIMPLIFIED)
    assert figures(simplified)  # the county's figures, each at the offset it has in the file


@pytest.mark.parametrize("path", SIMPLIFIED_REPORTS, ids=lambda path: path.name)
def test_a_simplified_report_reads_byte_for_byte_as_written(path: Path) -> None:
    assert not looks_traditional(path.read_text(encoding="utf-8"))
    assert read_report(path).text.encode("utf-8") == path.read_bytes()


@pytest.mark.parametrize(
    "text",
    [
        "陕西省乾县供销合作社2021年销售总额3.2亿元，于2019年入选试点。",  # 乾 is a name
        "江苏省镇江市供销社引用《農業發展報告》的标题，发展合作社48家。",  # a 繁體 title quoted
    ],
)
def test_a_few_traditional_forms_in_a_simplified_text_are_left_as_written(text: str) -> None:
    assert to_simplified(text) is text


def test_a_traditional_copy_reads_as_its_simplified_twin_with_the_same_figures(
    tmp_path: Path,
) -> None:
    original = read_report(REPORT)
    copy = tmp_path / "2019-fanti.txt"
    copy.write_text(traditional(original.text), encoding="utf-8")
    assert looks_traditional(copy.read_text(encoding="utf-8"))

    read = read_report(copy)

    assert read.text == original.text
    assert read.sha256 == original.sha256
    assert figures(read.text) == figures(original.text)
    assert len(figures(read.text)) > 200


def test_a_report_saved_in_big5_reads_in_simplified_characters(tmp_path: Path) -> None:
    short = tmp_path / "liuyang.txt"
    short.write_bytes(LIUYANG_TRADITIONAL.encode("big5"))
    text = REPORT.read_text(encoding="utf-8").replace("\xa0", " ")  # Big5 has no NBSP
    taiwan = tmp_path / "2019-taiwan.txt"  # Taiwan's forms (為, 著): a Big5 file's own
    taiwan.write_bytes(OpenCC("s2tw").convert(text).encode("big5"))

    assert read_report(short).text == LIUYANG_SIMPLIFIED
    assert figures(read_report(taiwan).text) == figures(text)


@pytest.mark.parametrize("suffix", [".docx", ".html", ".pdf"])
def test_every_format_reads_a_traditional_report_in_simplified_characters(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"liuyang{suffix}"
    if suffix == ".docx":
        make_docx(LIUYANG_TRADITIONAL, path)
    elif suffix == ".html":
        lines = "".join(f"<p>{line}</p>" for line in LIUYANG_TRADITIONAL.splitlines())
        path.write_text(f"<html><body>{lines}</body></html>", encoding="utf-8")
    else:
        if shutil.which("soffice") is None:
            pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer)")
        make_pdf(LIUYANG_TRADITIONAL, path)

    text = read_report(path).text

    assert "全市供销社系统实现销售总额12.6亿元" in text
    assert "土地托管面积2.4万亩" in text
    assert not looks_traditional(text)


def test_a_traditional_copy_of_the_2019_report_is_recognised_as_the_2019_report(
    fresh_project: Path,
) -> None:
    before = query(fresh_project, "SELECT COUNT(*), SUM(value) FROM marts.facts")
    reports_before = query(fresh_project, "SELECT DISTINCT report_id FROM marts.facts ORDER BY 1")
    inbox = fresh_project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "2019-gxs-reform-pilots-fanti.txt").write_text(
        traditional(REPORT.read_text(encoding="utf-8")), encoding="utf-8"
    )

    result = coopwh(fresh_project, "run")

    assert result.returncode == 0, result.stderr
    assert "the same text as report 2019-gxs-reform-pilots: nothing to add" in result.stdout
    assert query(fresh_project, "SELECT COUNT(*), SUM(value) FROM marts.facts") == before
    assert (
        query(fresh_project, "SELECT DISTINCT report_id FROM marts.facts ORDER BY 1")
        == reports_before
    )
    archived = [path.name for path in (fresh_project / "reports" / "archive").iterdir()]
    assert archived == ["2019-gxs-reform-pilots-fanti.txt"]
