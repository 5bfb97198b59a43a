"""Benchmark: which library reads Chinese PDF reports best (the choice behind loaders/pdf.py).

Turns the 2019 report into a PDF with LibreOffice (from its .docx, with a running header and page
numbers), reads it with pypdf, pdfminer.six and pdfplumber (those installed), and prints for
each the time, how much of the report's text it gives back as printed (spaces included), and
the same after loaders/pdf.py cleans the pages. Usage:

    .venv/bin/python benchmarks/bench_pdf_readers.py   # needs soffice (libreoffice-writer)
"""

from __future__ import annotations

import difflib
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders.pdf import clean_pages  # noqa: E402
from loaders.reports import normalise  # noqa: E402
from tests.conftest import REPORT, make_pdf  # noqa: E402


def pages_pypdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pages_pdfminer(path: Path) -> list[str]:
    from pdfminer.high_level import extract_text

    return extract_text(str(path)).split("\f")


def pages_pdfplumber(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def similarity(expected: str, got: str) -> float:
    lines = lambda text: re.sub(r"\n+", "\n", text).strip()  # noqa: E731
    return difflib.SequenceMatcher(None, lines(expected), lines(got), autojunk=False).ratio()


def main() -> None:
    text = REPORT.read_text(encoding="utf-8")
    expected = normalise(text)
    with tempfile.TemporaryDirectory() as scratch:
        pdf = make_pdf(
            text, Path(scratch) / "2019.pdf", "供销合作社综合改革专项试点经验成果（内部资料）"
        )
        print(f"{'library':<12} {'seconds':>8} {'as read':>9} {'cleaned':>9}")
        for name, read in (
            ("pypdf", pages_pypdf),
            ("pdfminer", pages_pdfminer),
            ("pdfplumber", pages_pdfplumber),
        ):
            try:
                started = time.perf_counter()
                pages = read(pdf)
                seconds = time.perf_counter() - started
            except ImportError:
                print(f"{name:<12} not installed")
                continue
            raw = similarity(expected, "\n".join(pages))
            cleaned = similarity(expected, clean_pages(pages))
            print(f"{name:<12} {seconds:8.2f} {raw:9.4f} {cleaned:9.4f}")


if __name__ == "__main__":
    main()
