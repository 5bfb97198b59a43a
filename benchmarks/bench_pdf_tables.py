"""Benchmark: how a PDF's tables are best read (the choice behind loaders/pdf.py's tables).

The fixture bulletins with tables (tests/fixtures/tables) are printed to PDF by LibreOffice
from their .docx (an .html saved as .docx first), then read three ways: pypdf's text layer
alone (what loaders/pdf.py read before), pdfplumber's text layer alone, and pypdf with
pdfplumber's table finder on the pages that draw rules (loaders/pdf.py now). For each it prints
the seconds, how many of the hand-labelled cell figures are read right (value, unit, kind,
metric code, subject, period), and how close the text is to the same report read from its
.docx (1.0: the same); then what the finder costs a report of prose alone. Usage:

    .venv/bin/python benchmarks/bench_pdf_tables.py   # needs soffice (libreoffice-writer)
"""

from __future__ import annotations

import csv
import difflib
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders.extract import extract  # noqa: E402
from loaders.pdf import clean_pages, pdf_text  # noqa: E402
from loaders.reference import load_gazetteer  # noqa: E402
from loaders.reports import read_report  # noqa: E402

TABLES = ROOT / "tests" / "fixtures" / "tables"
REPORTS = {  # the report as an office sends it, and its hand labels
    "2023-hunan-bulletin": ("2023-hunan-bulletin.html", "2023-hunan-bulletin.html.labels.csv"),
    "2023-jiujiang-prefecture": (
        "2023-jiujiang-prefecture.docx",
        "2023-jiujiang-prefecture.docx.labels.csv",
    ),
    "2024-shangrao-prefecture": (
        "2024-shangrao-prefecture.docx",
        "2024-shangrao-prefecture.docx.labels.csv",
    ),
}


def pypdf_only(data: bytes) -> str:
    from pypdf import PdfReader

    return clean_pages([page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages])


def pdfplumber_only(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return clean_pages([page.extract_text() or "" for page in pdf.pages])


def right(text: str, report_id: str, labels: Path, gazetteer) -> tuple[int, int]:
    """How many labelled cell figures the extractor reads right in text, of how many."""
    facts = {}
    for fact in extract(text, report_id, gazetteer).facts:
        facts.setdefault(fact.span_start, fact)
    rows = list(csv.DictReader(open(labels, encoding="utf-8")))
    good = 0
    for row in rows:
        position = -1
        for _ in range(int(row["nth"])):
            position = text.find(row["number_text"], position + 1)
        fact = facts.get(position)
        if fact is not None and (
            round(fact.value, 4),
            fact.unit,
            fact.kind,
            fact.metric_code or "",
            fact.subject,
            fact.period or "",
        ) == (
            round(float(row["value"]), 4),
            row["unit"],
            row["kind"],
            row["metric_code"],
            row["subject"],
            row["period"],
        ):
            good += 1
    return good, len(rows)


def convert(source: Path, target: str, work: Path) -> Path:
    """source converted by LibreOffice (target: a --convert-to filter) into work."""
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
         "--convert-to", target, "--outdir", str(work), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return work / f"{source.stem}.{target.split(':')[0]}"


def main() -> None:
    gazetteer = load_gazetteer(ROOT / "seeds")
    readers = (
        ("pypdf", pypdf_only),
        ("pdfplumber", pdfplumber_only),
        ("pypdf+finder", pdf_text),
    )
    print(f"{'report':<26} {'reader':<13} {'seconds':>8} {'cells right':>12} {'vs .docx':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for report_id, (name, labels) in REPORTS.items():
            source = TABLES / name
            if source.suffix == ".html":  # as an office prints it: saved as .docx first
                source = convert(source, "docx:MS Word 2007 XML", work)
            data = convert(source, "pdf", work).read_bytes()
            own = read_report(source).text
            for reader, read in readers:
                started = time.perf_counter()
                text = read(data)
                seconds = time.perf_counter() - started
                good, total = right(text, report_id, TABLES / labels, gazetteer)
                close = difflib.SequenceMatcher(None, own, text, autojunk=False).ratio()
                print(
                    f"{report_id:<26} {reader:<13} {seconds:>8.2f} {good:>5} of {total:<4} "
                    f"{close:>9.3f}"
                )
        # a report of prose alone (the 2019 report, 20 pages): what the finder costs it
        from tests.conftest import REPORT, make_pdf

        data = make_pdf(REPORT.read_text(encoding="utf-8"), work / "2019.pdf").read_bytes()
        for reader, read in (readers[0], readers[2]):
            started = time.perf_counter()
            text = read(data)
            seconds = time.perf_counter() - started
            same = text == pypdf_only(data)
            print(f"{'2019 (prose)':<26} {reader:<13} {seconds:>8.2f} "
                  f"{'same text' if same else 'TEXT DIFFERS':>12}")  # fmt: skip


if __name__ == "__main__":
    main()
