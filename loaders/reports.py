"""Read a report file into text, and split report text into sentences with their offsets."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

MAX_REPORT_BYTES = 20 * 1024 * 1024
_SENTENCE_END = re.compile(r"[。！？；]|\n")


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


@dataclass(frozen=True)
class Sentence:
    """One sentence of a report: its text and its [start, end) offsets in the report text."""

    sentence_no: int
    start: int
    end: int
    text: str


def report_id_for(path: Path) -> str:
    """The report id is the file name without its extension."""
    return path.stem


def read_report(path: Path) -> Report:
    """Read a UTF-8 text report (with or without BOM); raise ReportError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReportError(path, f"cannot be read ({error.strerror})") from error
    if not data.strip():
        raise ReportError(path, "is empty")
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(path, f"is {len(data)} bytes, over the {MAX_REPORT_BYTES} byte limit")
    if b"\x00" in data:
        raise ReportError(path, "is binary, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReportError(path, f"is not UTF-8 text (byte {error.start})") from error
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Report(report_id=report_id_for(path), path=str(path), sha256=digest, text=text)


def split_sentences(text: str) -> list[Sentence]:
    """Split text at 。！？； and line ends; offsets are Python str indices into text."""
    sentences: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        _append_sentence(sentences, text, start, match.end())
        start = match.end()
    _append_sentence(sentences, text, start, len(text))
    return sentences


def _append_sentence(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    real_start = start + lead
    real_end = real_start + len(stripped)
    sentences.append(Sentence(len(sentences) + 1, real_start, real_end, stripped))
