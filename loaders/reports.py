"""Read report files (.txt, .docx, .html) into text, and split text into sentences with offsets."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

from loaders.pdf import PdfError, pdf_text

MAX_REPORT_BYTES = 20 * 1024 * 1024
_SENTENCE_END = re.compile(r"[。！？；]|\n")
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


class Sentence(NamedTuple):  # a tuple: a thousand reports have two million of them
    """One sentence of a report: its text and its [start, end) offsets in the report text."""

    sentence_no: int
    start: int
    end: int
    text: str


SUPPORTED_SUFFIXES = (".txt", ".docx", ".html", ".htm", ".pdf")


def report_id_for(path: Path) -> str:
    """The report id is the file name without its extension."""
    return path.stem


def read_report(path: Path) -> Report:
    """Read a report (.txt in UTF-8 with or without BOM or GB18030, .docx, .html, .pdf with a
    text layer) into text.

    Spans index the decoded text as it is (for .docx and .html, the text the reader produced).
    The same text in another format or encoding is the same report: the sha256 identifying it
    is computed on the text with line ends, blank lines and trailing spaces normalised. Raises
    ReportError naming the file and the reason."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReportError(
            path, f"is a {suffix or 'suffix-less'} file; reports are .txt, .docx, .html or .pdf"
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReportError(path, f"cannot be read ({error.strerror})") from error
    if not data.strip():
        raise ReportError(path, "is empty")
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(path, f"is {len(data)} bytes, over the {MAX_REPORT_BYTES} byte limit")
    if suffix == ".docx":
        text = docx_text(path, data)
    elif suffix == ".pdf":
        try:
            text = pdf_text(data)
        except PdfError as error:
            raise ReportError(path, str(error)) from error
    elif suffix in (".html", ".htm"):
        text = html_text(decode_text(path, data))
    else:
        text = decode_text(path, data)
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
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


def decode_text(path: Path, data: bytes) -> str:
    """Decode UTF-8 (BOM or not), else GB18030; refuse binary and undecodable bytes."""
    if b"\x00" in data[:65536]:
        raise ReportError(path, "is binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        if utf8_error.start >= len(data) - 3 and utf8_error.reason == "unexpected end of data":
            raise ReportError(path, "is truncated: it ends inside a character") from utf8_error
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as error:
            raise ReportError(
                path, f"is not text in UTF-8 or GB18030 (undecodable byte at {error.start})"
            ) from error
        if _looks_garbled(text):
            reason = "is not text in UTF-8 or GB18030 (decodes to garbage)"
            raise ReportError(path, reason) from utf8_error
        return text


def _looks_garbled(text: str) -> bool:
    """Bytes that GB18030 decodes but are not Chinese prose: few common CJK characters."""
    sample = text[:4000]
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    common = sum(1 for ch in sample if ch in "的一是在了和有社中人为年以个到说会要发于")
    return cjk > 50 and common < cjk * 0.02


def normalise(text: str) -> str:
    """NFC, Unix line ends, no blank lines or edge spaces, no BOM: a report's identity text."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line) + "\n"


def docx_text(path: Path, data: bytes) -> str:
    """The paragraphs of a .docx, one per line (no dependency: the XML inside the zip)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError, EOFError) as error:
        raise ReportError(
            path, f"is not a readable .docx (truncated or damaged: {error})"
        ) from error
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as error:
        raise ReportError(path, f"has a damaged document.xml ({error})") from error
    paragraphs = []
    for paragraph in root.iter(f"{WORD}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{WORD}t":
                parts.append(node.text or "")
            elif node.tag == f"{WORD}tab":
                parts.append("\t")
            elif node.tag in (f"{WORD}br", f"{WORD}cr"):
                parts.append("\n")
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs)


class _HtmlText(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "table"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The text of an HTML page, a line per block element."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", text)


def split_sentences(text: str) -> list[Sentence]:
    """Split text at 。！？； and line ends; offsets are Python str indices into text. A
    sentence is a piece between two ends (with its 。！？；), its white space stripped; pieces
    that are only white space are no sentence."""
    sentences: list[Sentence] = []
    add = sentences.append
    start = 0
    for end in [*(match.end() for match in _SENTENCE_END.finditer(text)), len(text)]:
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            first = start + piece.find(stripped)  # past the white space stripped in front
            add(Sentence(len(sentences) + 1, first, first + len(stripped), stripped))
        start = end
    return sentences
