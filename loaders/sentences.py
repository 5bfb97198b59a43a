"""Where a report's sentences and clauses end: the one rule of boundaries its readers share.

A sentence ends after a full stop (。！？, or ! and ? typed half-width) and at a line end. Within
a sentence, a clause ends at a clause mark (，；：,;:). The readers take two granularities of
that one rule:

- the extractor reads a sentence at a time (reading_spans: each piece with its end mark; one
  longer than MAX_SENTENCE characters is read in windows cut at a clause);
- a sentence as stored and shown (raw.report_sentences, the review sheet, the keys that find a
  revised report: split_sentences) is cut at ； too, the clause mark that closes a statement
  in these reports (…农民代表102人，占比71%；), its white space stripped.

Offsets are Python str indices into the text."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import NamedTuple

from loaders.tables import find_tables

STOPS = "。！？!?"  # end a sentence
CLAUSE_MARKS = "，；：,;:"  # end a clause within a sentence
STORED_MARK = "；"  # the clause mark that also ends a sentence as stored and shown
SENTENCE_END = re.compile(f"[{STOPS}\n]")
STORED_END = re.compile(f"[{STOPS}{STORED_MARK}\n]")
CLAUSE_END = re.compile(f"[{CLAUSE_MARKS}{STOPS}\n]")
CLAUSE = re.compile(f"[^{CLAUSE_MARKS}{STOPS}\n]+")  # a clause's text, without its marks
MAX_SENTENCE = 2_000  # characters the extractor reads together; a longer run is cut at a clause
WINDOW_CUTS = "，；、,;"  # where a window of a long run may end (after the mark)
NUMBER_CHARS = set("0123456789.%万亿千百十多余")  # never cut between two of these


class Sentence(NamedTuple):  # a tuple: a thousand reports have two million of them
    """One sentence of a report: its text and its [start, end) offsets in the report text."""

    sentence_no: int
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of text as stored and shown: split at 。！？!?； and line ends. A sentence
    is a piece between two ends (with its end mark), its white space stripped; pieces that are
    only white space are no sentence. A row of a table (loaders.tables) is one sentence,
    whatever its cells hold: it ends at its line end."""
    sentences: list[Sentence] = []
    add = sentences.append
    start = 0
    ends = [match.end() for match in STORED_END.finditer(text)]
    rows = [line for table in find_tables(text) for line in table.lines]
    if rows:
        starts = [row_start for row_start, _ in rows]
        ends = [end for end in ends if not _inside_row(rows, starts, end)]
    for end in [*ends, len(text)]:
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            first = start + piece.find(stripped)  # past the white space stripped in front
            add(Sentence(len(sentences) + 1, first, first + len(stripped), stripped))
        start = end
    return sentences


def _inside_row(rows: list[tuple[int, int]], starts: list[int], end: int) -> bool:
    """True if a sentence end falls inside the line of a table row (rows in order)."""
    index = bisect.bisect_left(starts, end) - 1
    return index >= 0 and rows[index][0] < end <= rows[index][1]


def reading_spans(text: str) -> Iterator[tuple[int, int]]:
    """The [start, end) spans the extractor reads one at a time: each sentence with its end
    mark (a lone mark or line end is none), in windows of at most MAX_SENTENCE characters."""
    start = 0
    for match in SENTENCE_END.finditer(text):
        if match.end() - start > 1:
            yield from _windows(text, start, match.end())
        start = match.end()
    if start < len(text):
        yield from _windows(text, start, len(text))


def sentence_end(text: str, start: int) -> int:
    """Where the sentence that goes on at start ends (after its end mark), or the text's end."""
    match = SENTENCE_END.search(text, start)
    return match.end() if match else len(text)


def start_of_clause(sentence: str, position: int) -> int:
    """Where the clause holding position starts (after the last clause or sentence end)."""
    start = 0
    for match in CLAUSE_END.finditer(sentence, 0, position):
        start = match.end()
    return start


def _windows(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """[start, end) in pieces of at most MAX_SENTENCE characters, cut after a clause mark
    (，；、) where there is one in the second half of the piece, never inside a number."""
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        cut = max(text.rfind(mark, start + MAX_SENTENCE // 2, limit) for mark in WINDOW_CUTS) + 1
        if cut <= start:
            cut = limit
            while cut > start + 1 and (text[cut - 1] in NUMBER_CHARS or text[cut] in NUMBER_CHARS):
                cut -= 1
        yield start, cut
        start = cut
    yield start, end
