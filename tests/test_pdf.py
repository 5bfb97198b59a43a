"""PDF reports: the text layer in reading order, the same report in another format, bad PDFs."""

from __future__ import annotations

import difflib
import hashlib
import io
import shutil
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader, PdfWriter

from loaders.extract import extract
from loaders.pdf import PdfError, clean_pages, pdf_text
from loaders.reference import load_gazetteer
from loaders.reports import read_report
from tests.conftest import FIXTURES, REPORT, ROOT, coopwh, make_pdf

GAZETTEER = load_gazetteer(ROOT / "seeds")
needs_writer = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice is not installed (apt-get install libreoffice-writer); .ci/run installs it",
)


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF file of these objects (1 0 obj is the catalog), with a correct cross-reference."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def blank_pages(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def pdf_2019(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2019 report as an office would send it: its .docx turned into a PDF by LibreOffice,
    with a running header and page numbers on every page (skipped without LibreOffice)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer)")
    folder = tmp_path_factory.mktemp("pdf")
    header = "供销合作社综合改革专项试点经验成果（内部资料）"
    return make_pdf(REPORT.read_text(encoding="utf-8"), folder / "2019.pdf", header)


def test_the_2019_pdf_gives_the_figures_of_the_text(pdf_2019: Path) -> None:
    def figures(text: str) -> list[tuple]:
        facts = extract(text, "r", GAZETTEER).facts
        return [(f.number_text.replace(" ", ""), f.value, f.unit, f.kind, f.subject) for f in facts]

    from_text = figures(REPORT.read_text(encoding="utf-8"))
    from_pdf = figures(read_report(pdf_2019).text)
    blocks = difflib.SequenceMatcher(None, from_text, from_pdf, autojunk=False)
    agree = sum(block.size for block in blocks.get_matching_blocks())
    assert agree / len(from_text) >= 0.97


def test_the_pdf_text_has_no_headers_page_numbers_or_broken_lines(pdf_2019: Path) -> None:
    text = read_report(pdf_2019).text
    assert "内部资料" not in text
    assert not any(line.strip().startswith("- ") for line in text.splitlines())
    assert (
        "汇总销售总额和利润总额较试点前分别增长43%和38%，资产总额和所有者权益分别增长15%和18%。"
        in text
    )
    assert PdfReader(pdf_2019).pages[0].extract_text().count("\n") > 5  # the layout broke lines


def test_pages_are_cleaned_of_what_repeats_and_rejoined() -> None:
    header = "某县供销社工作总结（内部）"
    pages = [
        f"{header}\n全县销售总额达到12亿元，比上年增长\n8.5%，利润3000万元。\n- 1 -",
        f"{header}\n二、下一步工作\n继续深化改革。\n- 2 -",
    ]
    assert clean_pages(pages) == (
        "全县销售总额达到12亿元，比上年增长8.5%，利润3000万元。\n二、下一步工作\n继续深化改革。\n"
    )


@needs_writer
def test_the_same_report_as_a_pdf_adds_nothing(fresh_project: Path, pdf_2019: Path) -> None:
    before = duckdb.connect(str(fresh_project / "warehouse" / "coopwh.duckdb"), read_only=True)
    count = before.execute("SELECT COUNT(*) FROM marts.facts").fetchone()
    before.close()
    inbox = fresh_project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf_2019, inbox / "2019-from-the-province.pdf")

    result = coopwh(fresh_project, "run")

    assert result.returncode == 0, result.stderr
    assert "the same report as 2019-gxs-reform-pilots" in result.stdout
    assert (fresh_project / "reports" / "archive" / "2019-from-the-province.pdf").exists()
    with duckdb.connect(str(fresh_project / "warehouse" / "coopwh.duckdb"), read_only=True) as db:
        assert db.execute("SELECT COUNT(*) FROM marts.facts").fetchone() == count


@needs_writer
def test_a_report_that_comes_only_as_pdf_reaches_the_marts_and_workbooks(
    fresh_project: Path, tmp_path: Path
) -> None:
    text = (FIXTURES / "2020-shouguang-county.txt").read_text(encoding="utf-8")
    inbox = fresh_project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    make_pdf(text, inbox / "2020-shouguang.pdf", header="寿光市供销合作社")

    result = coopwh(fresh_project, "run")

    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(fresh_project / "warehouse" / "coopwh.duckdb"), read_only=True) as db:
        rows = db.execute(
            "SELECT facts.number_text, facts.subject_id, substr(reports.text, "
            "facts.span_start + 1, facts.span_end - facts.span_start), facts.sentence "
            "FROM marts.facts AS facts JOIN meta.reports AS reports USING (report_id) "
            "WHERE report_id = '2020-shouguang'"
        ).fetchall()
    assert len(rows) >= 29
    assert all(printed == at_span for printed, _, at_span, _ in rows)
    assert {subject for _, subject, _, _ in rows} == {"370783"}
    assert any("86.5亿元" in sentence for _, _, _, sentence in rows)
    from openpyxl import load_workbook

    book = load_workbook(fresh_project / "exports" / "山东省.xlsx", read_only=True)
    reports = {row[-4] for row in book["全部数据"].iter_rows(min_row=2, values_only=True) if row[0]}
    book.close()
    assert "2020-shouguang" in reports


def encrypted(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


DEEP = b"[" * 20000 + b"]" * 20000
BAD = {
    "scan.pdf": (lambda pdf: blank_pages(2), "has no text layer: it looks like a scan. Run OCR"),
    "locked.pdf": (encrypted, "is encrypted"),
    "truncated.pdf": (lambda pdf: pdf[: len(pdf) // 3], "is damaged, truncated or malformed"),
    "garbage.pdf": (lambda pdf: b"%PDF-1.7\n" + hashlib.sha512(pdf).digest() * 50, "is damaged"),
    "many-pages.pdf": (lambda pdf: blank_pages(2100), "has 2,100 pages, over the limit"),
    "deep.pdf": (
        lambda pdf: raw_pdf(
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Deep " + DEEP + b" >>",
        ),
        "is damaged, truncated or malformed",
    ),
}


@pytest.fixture(scope="module")
def bad_pdf_run(
    built_project: Path, pdf_2019: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, object, str]:
    """One run of a built project's inbox holding every bad PDF and one good report: the
    project, the run's outcome and the published copy's digest before it."""
    project = tmp_path_factory.mktemp("bad-pdfs") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    inbox = project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for name, (make, _) in BAD.items():
        (inbox / name).write_bytes(make(pdf_2019.read_bytes()))
    shutil.copy(FIXTURES / "2021-henan-news.txt", inbox)  # a good file in the same run
    published = project / "warehouse" / "coopwh.duckdb"
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    return project, coopwh(project, "run"), before


@needs_writer
@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_pdf_is_quarantined_with_what_to_do_and_changes_nothing(
    bad_pdf_run: tuple[Path, object, str], name: str
) -> None:
    project, result, before = bad_pdf_run
    reason = BAD[name][1]
    assert result.returncode == 1
    assert any(name in line and reason in line for line in result.stderr.splitlines())
    note = project / "reports" / "quarantine" / f"{name}.reason.txt"
    assert reason in note.read_text(encoding="utf-8")
    assert not (project / "reports" / name).exists()
    published = project / "warehouse" / "coopwh.duckdb"
    with duckdb.connect(str(published), read_only=True) as db:
        loaded = {r for (r,) in db.execute("SELECT DISTINCT report_id FROM marts.facts").fetchall()}
    assert loaded == {"2019-gxs-reform-pilots", "2021-henan-news"}
    assert hashlib.sha256(published.read_bytes()).hexdigest() != before  # the good one loaded


def test_a_pdf_that_takes_too_long_is_refused_with_the_limit(tmp_path: Path) -> None:
    with pytest.raises(PdfError, match="took more than"):
        pdf_text(blank_pages(50), seconds=0.000001)
