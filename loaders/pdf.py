"""Read the text layer of a PDF report: in reading order, its lines rejoined into paragraphs,
without the running headers, footers and page numbers that repeat on every page.

pypdf reads the text through the fonts' ToUnicode maps (chosen over pdfminer.six and
pdfplumber: the same text on Chinese reports, in less time; benchmarks/bench_pdf_readers.py).
A page that draws rules is looked at again by pdfplumber's table finder (pypdf gives a table
as runs of numbers; benchmarks/bench_pdf_tables.py): its ruled tables are rendered as a line per
row, cells separated by ｜ (loaders.tables), among the page's other lines (pdfplumber's), and a
table that goes on over a page break is one table, its repeated header rows left out.
A scan without a text layer, an encrypted file, a damaged or truncated one, and a PDF bomb (too
many pages, nesting too deep, too long to read) are refused with a reason that says what to do.
"""

from __future__ import annotations

import io
import re
import signal
import statistics
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from loaders.table_formats import pdf_table
from loaders.tables import SEPARATOR, render

MAX_PAGES = 2_000
SECONDS = 60
SENTENCE_DONE = tuple("。！？：…”’」』）)!?:")
PAGE_NUMBER = re.compile(
    r"^(?:[-—–－·\s]*\d{1,4}[-—–－·\s]*|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)
DIGITS = re.compile(r"\d+")
# path operators (a rectangle, a line): a page with at least RULES of them may hold a ruled table
PATH_OPERATOR = re.compile(rb"(?<![A-Za-z])(?:re|l)(?![A-Za-z])")
RULES = 4
EDGE_LINES = 2  # lines of running header or footer between a table and its page's edge
# Spaces a PDF's layout puts beside Chinese characters (增长 43%, 4.2 万多户): not in the text.
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
LAYOUT_SPACE = re.compile(rf"(?<=[{CJK}])[ \t]+|[ \t]+(?=[{CJK}])")
# Compatibility forms a PDF's fonts may map to (康熙 radicals, compatibility ideographs,
# ligatures, no-break spaces) become the ordinary characters; punctuation stays as printed.
COMPATIBILITY = re.compile(
    "[\u2e80-\u2fdf\uf900-\ufaff\ufb00-\ufb4f\u00a0\u3000\U0002f800-\U0002fa1f]"
)


class PdfError(ValueError):
    """A PDF that cannot be read as a report; the message says why and what to do."""


def pdf_text(data: bytes, seconds: float = SECONDS) -> str:
    """The text of a PDF's pages, cleaned (see the module); raises PdfError."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        with time_limit(seconds):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not _opens_without_password(reader):
                raise PdfError(
                    "is encrypted with a password: save a copy without one (print to PDF, or "
                    "remove the protection) and ingest that"
                )
            count = len(reader.pages)
            if count > MAX_PAGES:
                raise PdfError(f"has {count:,} pages, over the limit of {MAX_PAGES:,} for a report")
            pages = [page.extract_text() or "" for page in reader.pages]
            ruled = [i for i, page in enumerate(reader.pages) if _draws_rules(page)]
            if ruled:
                pages = with_tables(data, pages, ruled)
    except PdfError:
        raise
    except TimeoutError as error:
        raise PdfError(
            f"took more than {seconds:.0f} s to read, the limit for a PDF: it may be damaged or "
            "built to be slow; convert it to text elsewhere and ingest that"
        ) from error
    except RecursionError as error:
        raise PdfError("is malformed (its objects nest too deeply to read)") from error
    except FileNotDecryptedError as error:
        raise PdfError("is encrypted: save a copy without a password and ingest that") from error
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        raise PdfError(
            f"is damaged, truncated or malformed, and cannot be read as a PDF ({error})"
        ) from error
    if not any(page.strip() for page in pages):
        raise PdfError(
            "has no text layer: it looks like a scan. Run OCR (text recognition) on it outside "
            "the warehouse and ingest the text file it gives"
        )
    return clean_pages(pages)


def _draws_rules(page) -> bool:  # page: a pypdf PageObject
    """True if the page's content draws enough lines and rectangles to rule a table."""
    contents = page.get_contents()
    data = contents.get_data() if contents is not None else b""
    return len(PATH_OPERATOR.findall(data)) >= RULES


def with_tables(data: bytes, pages: list[str], ruled: list[int]) -> list[str]:
    """pages, those of the ruled pages where pdfplumber finds tables read again by it: their
    lines and their tables (a line per row) in the order of the page, top to bottom; a table
    that a page break cuts is joined again (see join_continued)."""
    import pdfplumber

    blocks: dict[int, list[tuple[str, list[str]]]] = {}
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for index in ruled:
                page = pdf.pages[index]
                found = page_blocks(page)
                if found:
                    blocks[index] = found
                page.close()
    except (TimeoutError, RecursionError):
        raise
    except Exception:  # noqa: BLE001 (pdfminer's many errors): its tables stay runs of numbers
        return pages
    join_continued(blocks)
    pages = list(pages)
    for index, page_blocks_ in blocks.items():
        pages[index] = "\n".join(line for _, lines in page_blocks_ for line in lines)
    return pages


def page_blocks(page) -> list[tuple[str, list[str]]]:  # page: a pdfplumber Page
    """A page as blocks from the top: ('text', [a line]) and ('table', its rendered lines);
    empty if pdfplumber finds no table on it."""
    tables = []
    for table in page.find_tables():
        lines = render(pdf_table(table)) if len(table.rows) >= 2 else None
        if lines:  # not a framed note or a box of prose: those stay in the page's text
            tables.append((table, lines))
    if not tables:
        return []
    boxes = [table.bbox for table, _ in tables]

    def outside(obj: dict) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    found: list[tuple[float, str, list[str]]] = [
        (line["top"], "text", [line["text"]])
        for line in page.filter(outside).extract_text_lines()
        if line["text"].strip()
    ]
    found += [(table.bbox[1], "table", lines) for table, lines in tables]
    found.sort(key=lambda item: item[0])
    return [(kind, lines) for _, kind, lines in found]


def join_continued(blocks: dict[int, list[tuple[str, list[str]]]]) -> None:
    """A table at the foot of a page (no more than EDGE_LINES lines below it) whose next page
    opens with a table of as many columns (no more than EDGE_LINES lines above it) goes on
    there: the rows move up to it, without the header rows the next page repeats."""
    for index in sorted(blocks):
        following = blocks.get(index + 1)
        if not following:
            continue
        page = blocks[index]
        last = max((i for i, (kind, _) in enumerate(page) if kind == "table"), default=None)
        first = next((i for i, (kind, _) in enumerate(following) if kind == "table"), None)
        if last is None or first is None or len(page) - last - 1 > EDGE_LINES:
            continue
        if first > EDGE_LINES:
            continue
        rows, more = page[last][1], following[first][1]
        if not rows or not more or rows[-1].count(SEPARATOR) != more[0].count(SEPARATOR):
            continue
        repeated = 0
        while repeated < len(more) and repeated < len(rows) and more[repeated] == rows[repeated]:
            repeated += 1
        rows.extend(more[repeated:])
        del following[first]


def _opens_without_password(reader) -> bool:  # reader: pypdf.PdfReader
    """Many PDFs are encrypted only to set permissions, with an empty user password."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # noqa: BLE001 (pypdf raises several kinds for unsupported encryption)
        return False


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the block after seconds (only in a process's main thread, and
    only between Python steps: a single call into C code finishes first). The limit of every
    reader of report files (loaders.reports reads HTML and .docx under it too)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):  # noqa: ANN001, ARG001
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def clean_pages(pages: list[str]) -> str:
    """One paragraph per line: repeated headers, footers and page numbers dropped, lines the
    layout broke inside a sentence (within a page or across one) joined again."""
    lines_by_page = [[_normal(line) for line in page.splitlines()] for page in pages]
    lines_by_page = [[line for line in lines if line] for lines in lines_by_page]
    running = _running_lines(lines_by_page)
    body: list[str] = []
    for lines in lines_by_page:
        for position, line in enumerate(lines):
            edge = position < 2 or position >= len(lines) - 2
            row = SEPARATOR in line  # a table's row is never a running header
            if edge and not row and (PAGE_NUMBER.match(line) or DIGITS.sub("#", line) in running):
                continue
            body.append(line)
    full = _full_width([line for line in body if SEPARATOR not in line])
    paragraphs: list[str] = []
    for line in body:
        rows = SEPARATOR in line or (paragraphs and SEPARATOR in paragraphs[-1])
        if paragraphs and not rows and _continues(paragraphs[-1], full):
            paragraphs[-1] = _join(paragraphs[-1], line)
        else:
            paragraphs.append(line)
    return "\n".join(paragraphs) + "\n"


def _normal(line: str) -> str:
    line = COMPATIBILITY.sub(lambda m: unicodedata.normalize("NFKC", m.group()), line)
    return LAYOUT_SPACE.sub("", line).strip()


def _running_lines(lines_by_page: list[list[str]]) -> set[str]:
    """Lines (digits masked) at the top or bottom of most pages: headers and footers."""
    if len(lines_by_page) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in lines_by_page:
        edges = {DIGITS.sub("#", line) for line in lines[:2] + lines[-2:]}
        seen.update(edges)
    needed = max(2, int(0.6 * len(lines_by_page)))
    return {line for line, count in seen.items() if count >= needed}


def _full_width(lines: list[str]) -> int:
    """The width of a full line of body text (long lines, the layout's measure)."""
    widths = sorted(_width(line) for line in lines if len(line) > 10)
    if not widths:
        return 10**9
    return int(statistics.quantiles(widths, n=10)[7]) if len(widths) >= 10 else widths[-1]


def _continues(line: str, full: int) -> bool:
    """A line that fills the measure and does not end a sentence goes on in the next line."""
    return not line.endswith(SENTENCE_DONE) and _width(line) >= 0.85 * full


def _join(left: str, right: str) -> str:
    latin = re.search(r"[A-Za-z]$", left) and re.match(r"[A-Za-z]", right)  # not digits: 4|3%
    return left + (" " if latin else "") + right


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
