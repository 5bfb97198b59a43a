"""Read report files (.txt, .docx, .html, .pdf, .xlsx) into text, and split text into sentences
with offsets.

Every format is read within bounds, so that no one file can exhaust the job: a file of at most
MAX_REPORT_BYTES, a .docx part inflated to at most MAX_PART_BYTES (checked in the zip's index,
then counted as it streams, so a lying index cannot pass), HTML by libxml2's parser (linear on
hostile markup) and PDF by pypdf, each within the time limit of loaders.pdf. A text in
traditional characters is read in simplified ones, one for one (loaders.simplified).

Tables are read as tables: an HTML <table>, a .docx w:tbl, the ruled tables of a PDF and every
sheet of an .xlsx are rendered into the text as a caption and one line per row, the cells
separated by ｜ (loaders.tables), so that the extractor reads a cell's figure with its row and
its column (loaders.table_figures)."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from loaders.pdf import SECONDS, PdfError, pdf_text, time_limit
from loaders.sentences import Sentence, split_sentences  # noqa: F401 (imported from here)
from loaders.simplified import to_simplified
from loaders.spreadsheets import SpreadsheetError, xlsx_text
from loaders.table_formats import docx_table, html_table
from loaders.tables import render

MAX_REPORT_BYTES = 20 * 1024 * 1024
# a part of a .docx read (word/document.xml) inflates to at most this: five times the limit of
# a file (a 100-page report's is a few MB); more is refused unread as a possible zip bomb
MAX_PART_BYTES = 5 * MAX_REPORT_BYTES
CHUNK = 1024 * 1024  # a .docx part is inflated and parsed this much at a time
WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class ReportError(ValueError):
    """A report file that cannot be read; the message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass(frozen=True)
class Report:
    """A report's identity and decoded text."""

    report_id: str
    path: str
    sha256: str
    text: str
    size: int = 0  # bytes of the file, and its modification time: a later build need not
    mtime_ns: int = 0  # read a file whose size and time are those it loaded


SUPPORTED_SUFFIXES = (".txt", ".docx", ".html", ".htm", ".pdf", ".xlsx")


def report_id_for(path: Path) -> str:
    """The report id is the file name without its extension."""
    return path.stem


def read_report(path: Path) -> Report:
    """Read a report (.txt in UTF-8 with or without BOM or GB18030, .docx, .html, .pdf with a
    text layer, .xlsx) into text.

    Spans index the decoded text as it is (for .docx and .html, the text the reader produced;
    in simplified characters, one for one, if it was written in traditional ones). The same
    text in another format or encoding is the same report: the sha256 identifying it is
    computed on the text with line ends, blank lines and trailing spaces normalised. Raises
    ReportError naming the file and the reason."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReportError(
            path,
            f"is a {suffix or 'suffix-less'} file; reports are .txt, .docx, .html, .pdf or .xlsx",
        )
    data, size = _read_bounded(path)
    if size > MAX_REPORT_BYTES:
        raise ReportError(path, f"is {size} bytes, over the {MAX_REPORT_BYTES} byte limit")
    if not data.strip():
        raise ReportError(path, "is empty")
    if suffix == ".docx":
        text = docx_text(path, data)
    elif suffix == ".pdf":
        try:
            text = pdf_text(data)
        except PdfError as error:
            raise ReportError(path, str(error)) from error
    elif suffix == ".xlsx":
        text = workbook_text(path, data)
    elif suffix in (".html", ".htm"):
        try:
            text = html_text(decode_text(path, data))
        except HtmlError as error:
            raise ReportError(path, str(error)) from error
    else:
        text = decode_text(path, data)
    text = to_simplified(text.replace("\r\n", "\n").lstrip("\ufeff"))
    if not text.strip():
        raise ReportError(path, "has no text")
    digest = hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
    stat = path.stat()
    return Report(
        report_id=report_id_for(path),
        path=str(path),
        sha256=digest,
        text=text,
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
    )


def workbook_text(path: Path, data: bytes, seconds: float = SECONDS) -> str:
    """The text of an .xlsx report (loaders.spreadsheets), read within the time limit."""
    try:
        with time_limit(seconds):
            return xlsx_text(data, MAX_PART_BYTES)
    except SpreadsheetError as error:
        raise ReportError(path, str(error)) from error
    except TimeoutError as error:
        raise ReportError(
            path,
            f"took more than {seconds:.0f} s to read, the limit for a report file: it may be "
            "damaged or built to be slow; save it again as .xlsx and ingest that",
        ) from error


def _read_bounded(path: Path) -> tuple[bytes, int]:
    """The file's first MAX_REPORT_BYTES + 1 bytes and its size. It is opened without following
    a symbolic link and without waiting on a FIFO, and read only if what was opened is a
    regular file: a file swapped for a link or a pipe after the inbox looked at it is refused,
    never read."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ReportError(path, "is a symbolic link, not read") from error
        raise ReportError(path, f"cannot be read ({error.strerror})") from error
    with open(descriptor, "rb") as handle:  # never more than the limit in memory
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise ReportError(path, "is not a regular file, not read")
        try:
            data = handle.read(MAX_REPORT_BYTES + 1)
        except OSError as error:
            raise ReportError(path, f"cannot be read ({error.strerror})") from error
    return data, max(len(data), status.st_size)


def decode_text(path: Path, data: bytes) -> str:
    """Decode UTF-8 (BOM or not), else GB18030, else Big5 (how 繁體 text files are often
    saved); refuse binary and undecodable bytes."""
    if b"\x00" in data[:65536]:
        raise ReportError(path, "is binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        if utf8_error.start >= len(data) - 3 and utf8_error.reason == "unexpected end of data":
            raise ReportError(path, "is truncated: it ends inside a character") from utf8_error
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as error:  # Big5's byte pairs are GB18030's too
            raise ReportError(
                path, f"is not text in UTF-8 or GB18030 (undecodable byte at {error.start})"
            ) from error
        if _unlike_prose(text):  # GB18030 decodes Big5's bytes too, into nonsense
            big5 = _big5(data)
            if big5 is not None:
                return big5
        if _looks_garbled(text):
            reason = "is not text in UTF-8 or GB18030 (decodes to garbage)"
            raise ReportError(path, reason) from utf8_error
        return text


def _big5(data: bytes) -> str | None:
    """data as Big5 (with Hong Kong's characters), if it decodes to Chinese prose."""
    try:
        text = data.decode("big5hkscs")
    except UnicodeDecodeError:
        return None
    return None if _unlike_prose(to_simplified(text)) else text


def _unlike_prose(text: str) -> bool:
    """Twenty or more Chinese characters with hardly a common one among them (under 2%,
    where prose has over 10%)."""
    sample = text[:4000]
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    common = sum(1 for ch in sample if ch in COMMON_CHARACTERS)
    return cjk >= 20 and common < cjk * 0.02


COMMON_CHARACTERS = "的一是在了和有社中人为年以个到说会要发于"


def _looks_garbled(text: str) -> bool:
    """Bytes that GB18030 decodes but are not Chinese prose: few common CJK characters."""
    sample = text[:4000]
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    common = sum(1 for ch in sample if ch in COMMON_CHARACTERS)
    return cjk > 50 and common < cjk * 0.02


def normalise(text: str) -> str:
    """NFC, Unix line ends, no blank lines or edge spaces, no BOM: a report's identity text."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line) + "\n"


def docx_text(path: Path, data: bytes, seconds: float = SECONDS) -> str:
    """The paragraphs of a .docx, one per line (no dependency: the XML inside the zip), read
    as it inflates: word/document.xml of over MAX_PART_BYTES is refused, by the zip's index or,
    if that lies, as the count passes the limit."""
    name = "word/document.xml"
    limit = f"{MAX_PART_BYTES // (1024 * 1024)} MB"
    try:
        with time_limit(seconds), zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(name)
            if info.file_size > MAX_PART_BYTES:
                size = f"{info.file_size / (1024 * 1024):,.0f} MB"
                raise ReportError(
                    path,
                    f"{name} inflates to {size}, over the {limit} limit for a part of a "
                    ".docx: refused unread as a possible zip bomb",
                )
            paragraphs = _DocxParagraphs()
            with archive.open(info) as part:  # zipfile too stops at the index's size (and
                inflated = 0  # the CRC then fails): the count stands should it ever not
                while chunk := part.read(CHUNK):
                    inflated += len(chunk)
                    if inflated > MAX_PART_BYTES:
                        raise ReportError(
                            path,
                            f"{name} inflates to over {limit} (its zip index said "
                            f"{info.file_size:,} bytes): refused as a possible zip bomb",
                        )
                    paragraphs.feed(chunk)
            return paragraphs.close()
    except ReportError:
        raise
    except TimeoutError as error:
        raise ReportError(
            path,
            f"took more than {seconds:.0f} s to read, the limit for a report file: it may be "
            "damaged or built to be slow; save it again as .docx or as text and ingest that",
        ) from error
    except ElementTree.ParseError as error:
        raise ReportError(path, f"has a damaged document.xml ({error})") from error
    except RuntimeError as error:  # zipfile: a part encrypted with a password
        raise ReportError(
            path, f"is encrypted ({error}): save a copy without a password and ingest that"
        ) from error
    except (zipfile.BadZipFile, KeyError, EOFError, zlib.error, NotImplementedError) as error:
        raise ReportError(
            path, f"is not a readable .docx (truncated or damaged: {error})"
        ) from error


class _DocxParagraphs:
    """word/document.xml parsed as it streams in: the text of each paragraph (w:p), in the
    order of the document (a paragraph inside another, as in a text box, after the one it is
    in), each paragraph let go as soon as its text is taken, so memory holds the text only. A
    table (w:tbl) is taken whole when it ends: a line per row, its cells separated by ｜."""

    def __init__(self) -> None:
        self.parser = ElementTree.XMLPullParser(events=("start", "end"))
        self.open: list[ElementTree.Element] = []  # the elements not yet ended, outermost first
        self.inside = 0  # how many of them are paragraphs
        self.tables = 0  # and how many tables
        self.paragraphs: list[str] = []

    def feed(self, chunk: bytes) -> None:
        self.parser.feed(chunk)
        self._take()

    def close(self) -> str:
        self.parser.close()
        self._take()
        return "\n".join(self.paragraphs)

    def _take(self) -> None:
        for event, node in self.parser.read_events():
            if event == "start":
                self.open.append(node)
                self.inside += node.tag == f"{WORD}p"
                self.tables += node.tag == f"{WORD}tbl"
                continue
            self.open.pop()
            self.inside -= node.tag == f"{WORD}p"
            self.tables -= node.tag == f"{WORD}tbl"
            if self.tables:
                continue  # taken with the table it is in
            if node.tag == f"{WORD}tbl":
                if self.inside:
                    continue  # a table in a text box: taken with the paragraph it is in
                lines = render(docx_table(node))  # None: a page laid out in a table
                self.paragraphs.extend(lines or (_paragraph_text(p) for p in node.iter(f"{WORD}p")))
            elif node.tag == f"{WORD}p":
                if self.inside:
                    continue  # taken with the paragraph it is in
                self.paragraphs.extend(_paragraph_text(p) for p in node.iter(f"{WORD}p"))
            elif self.inside:
                continue  # part of a paragraph still open
            if self.open:  # done with: its text (if a paragraph's) is taken
                self.open[-1].remove(node)


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{WORD}t":
            parts.append(node.text or "")
        elif node.tag == f"{WORD}tab":
            parts.append("\t")
        elif node.tag in (f"{WORD}br", f"{WORD}cr"):
            parts.append("\n")
    return "".join(parts)


class HtmlError(ValueError):
    """HTML that cannot be read as a report; the message says why."""


HTML_BLOCKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "table"}
HTML_SKIP = {"script", "style", "head", "title"}


def html_text(markup: str, seconds: float = SECONDS) -> str:
    """The text of an HTML page, a line per block element (a line end at its start and its
    end; one for a <br>), without scripts, styles and the head. libxml2's parser (lxml) reads
    hostile markup (a million unclosed tags) in linear time, as a browser would mend it."""
    from lxml import etree

    parser = etree.HTMLParser(encoding="utf-8", no_network=True)
    try:
        with time_limit(seconds):
            try:
                root = etree.fromstring(markup.encode("utf-8"), parser)
            except etree.ParserError:  # "Document is empty": nothing but white space
                return ""
            fatal = [e for e in parser.error_log if e.level_name == "FATAL"]
            if fatal:
                reason = fatal[0].message.strip()
                if fatal[0].type_name == "ERR_RESOURCE_LIMIT":  # libxml2 stops at 256 deep
                    reason = "its elements nest over 256 deep, as unclosed tags do"
                raise HtmlError(
                    f"is HTML its parser gave up on ({reason}): its text would be cut short. "
                    "Save the page as text and ingest that"
                )
            if root is None:
                return ""
            parts: list[str] = []
            while root.getprevious() is not None:  # text after </html> is a second root
                root = root.getprevious()
            node = root
            while node is not None:
                if isinstance(node.tag, str):  # not a comment or PI beside <html>
                    _html_parts(node, parts)
                node = node.getnext()
    except TimeoutError as error:
        raise HtmlError(
            f"took more than {seconds:.0f} s to read, the limit for a report file: it may be "
            "damaged or built to be slow; save the page as text and ingest that"
        ) from error
    return re.sub(r"\n{3,}", "\n\n", "".join(parts))


def _html_parts(top, parts: list[str]) -> None:  # top: an lxml element of the document
    """Append the text of top and all it holds to parts, in document order (lxml's walk holds
    a path of the tree at a time: a hostile page may nest deep or hold millions of tags)."""
    from lxml import etree

    skipping = 0
    walk = etree.iterwalk(top, events=("start", "end", "comment", "pi"))
    for event, node in walk:
        lines = None
        if event == "start" and node.tag == "table" and not skipping:
            lines = render(*html_table(node))  # None: a page laid out in a table, read on
        if lines:  # a line per row, read whole: no end event
            parts.append("\n" + "\n".join(lines) + "\n")
            walk.skip_subtree()
            if node.tail:
                parts.append(node.tail)
            continue
        if event == "start":
            if node.tag in HTML_SKIP:
                skipping += 1
            elif node.tag in HTML_BLOCKS or node.tag == "br":
                parts.append("\n")
            if node.text and not skipping:
                parts.append(node.text)
            continue
        if event == "end":
            if node.tag in HTML_SKIP:
                skipping -= 1
            elif node.tag in HTML_BLOCKS:
                parts.append("\n")
        if node.tail and not skipping:  # after an element's end, a comment or a PI
            parts.append(node.tail)
