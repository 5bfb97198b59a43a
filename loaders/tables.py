"""Tables in a report's text: a grid of cells rendered as its caption and one line per row (the
cells separated by ｜), and the rendered tables found again in a text, with each cell's offsets.

Every format reader (HTML, .docx, PDF, .xlsx) places its cells on a grid (loaders.table_formats)
and renders them here, so the spans of figures in cells point into a text a person can read,
and the 'sentence' of a cell's figure is its row. A merged cell is repeated over the columns and
rows it spans (a header of two rows reads whole in each column), except a figure, which is
printed once, and a row-wide cell (a section title), which is printed in the first column only.
A .txt report may hold such a table too, or one in Markdown (| a | b |)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SEPARATOR = "｜"
MAX_COLUMNS = 64  # a grid wider than this is no table a bulletin prints: its rows stay text
MAX_CELL = 300  # characters of a cell: a longer one is prose, its table a page's layout
# Spaces a layout puts beside Chinese characters (2023 年, 增长 8.2%): not in a cell's text.
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
LAYOUT_SPACE = re.compile(rf"(?<=[{CJK}])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[{CJK}])")
# A cell that is a figure on its own: 3256.4, -3.4, 1,234, 8.2%, 12万户, 约30, 90以上.
CELL_UNITS = (
    r"%|％|个百分点|百分点|倍|元|户|人次|人|名|个|家|项|亩|平方米|平米|吨|公里|处|座|所|辆|台|套|间|条"
    r"|次|笔|期|公顷|辆次|头|只"
)
FIGURE_CELL = re.compile(
    r"^(?P<pre>约|近|超过|逾|不足|不到)?(?P<sign>[-+−－])?(?P<number>\d[\d,，]*(?:\.\d+)?)"
    rf"(?P<unit>(?:万亿|亿|万|千)?(?:{CELL_UNITS})?)(?P<post>以上|以下|左右|多|余)?$"
)
YEAR_CELL = re.compile(r"^(?:19|20)\d\d(?:\.0)?$")
MARKDOWN_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
CAPTION_LINES = 2  # lines above a table read as its caption (表1 …, 单位：万元)
MAX_CAPTION = 80  # a longer line above a table is prose, not its caption


@dataclass(frozen=True)
class Placed:
    """A cell of a format's table at its place on the grid, with the rows and columns it spans."""

    row: int
    column: int
    text: str
    rowspan: int = 1
    colspan: int = 1


def cell_text(text: str) -> str:
    """A cell's text on one line: white space collapsed (none beside Chinese characters), the
    separator replaced."""
    text = re.sub(r"\s+", " ", text.replace(SEPARATOR, "/")).strip()
    return LAYOUT_SPACE.sub("", text)


def is_figure(text: str, years: bool = False) -> bool:
    """A cell whose whole text is one figure; a year alone (a header's 2023) only if years."""
    return bool(FIGURE_CELL.match(text)) and (years or not YEAR_CELL.match(text))


def render(cells: list[Placed], caption: str = "") -> list[str] | None:
    """The lines of a table: its caption (if any), then one line per row, the cells joined by
    ｜ (empty rows and columns left out). None if the grid is no table of figures: a single
    column, more than MAX_COLUMNS, or a cell of prose (a page laid out in a table, a framed
    note): the format reads it as it reads paragraphs."""
    texts = [cell_text(cell.text) for cell in cells]
    if not cells or any(len(text) > MAX_CELL for text in texts):
        return None
    rows = max(c.row + c.rowspan for c in cells)
    columns = max(c.column + c.colspan for c in cells)
    if columns > MAX_COLUMNS * 4:
        return None
    grid: list[list[str]] = [[""] * columns for _ in range(rows)]
    for cell, text in zip(cells, texts, strict=True):
        if not text:
            continue
        wide = cell.colspan >= columns > 1  # a section title across the table
        for row in range(cell.row, cell.row + cell.rowspan):
            for column in range(cell.column, cell.column + cell.colspan):
                first = (row, column) == (cell.row, cell.column)
                if first or not (wide or is_figure(text)):
                    grid[row][column] = text
    grid = [row for row in grid if any(row)]
    used = [i for i in range(columns) if any(row[i] for row in grid)]
    if len(used) < 2 or len(used) > MAX_COLUMNS:
        return None
    lines = [caption] if caption else []
    return lines + [SEPARATOR.join(row[i] for i in used) for row in grid]


@dataclass(frozen=True)
class TextCell:
    """A cell of a table found in a text: its stripped text and [start, end) offsets."""

    start: int
    end: int
    text: str


@dataclass
class TextTable:
    """A table rendered into a text: its rows (cells with offsets), the offsets of each row's
    line, its caption lines and the text before it (where a period may be named)."""

    start: int  # of its first row
    end: int  # past its last row
    rows: list[list[TextCell]] = field(default_factory=list)
    lines: list[tuple[int, int]] = field(default_factory=list)  # each row's line
    caption: list[str] = field(default_factory=list)
    before: str = ""  # the paragraph before the table (its caption included)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0


def find_tables(text: str) -> list[TextTable]:
    """The tables rendered into text (runs of two or more lines of as many ｜-separated cells,
    or Markdown rows | a | b |), in order; each with the caption lines just above it."""
    if SEPARATOR not in text and "|" not in text:
        return []
    tables: list[TextTable] = []
    current: TextTable | None = None
    position = 0
    for line in text.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        cells = _cells(text, start, end)
        if cells == "rule" and current is not None:
            continue  # a Markdown rule under its header
        if isinstance(cells, list) and current is not None and len(cells) == current.width:
            current.rows.append(cells)
            current.lines.append((start, end))
            current.end = end
            continue
        if current is not None and len(current.rows) >= 2:
            tables.append(current)
        current = None
        if isinstance(cells, list):
            current = TextTable(start, end, [cells], [(start, end)])
    if current is not None and len(current.rows) >= 2:
        tables.append(current)
    for index, table in enumerate(tables):
        floor = tables[index - 1].end if index else 0
        table.caption, table.before = _caption(text, floor, table.start)
    return tables


def _cells(text: str, start: int, end: int) -> list[TextCell] | str | None:
    """The cells of the line text[start:end] if it is a table row, 'rule' for a Markdown
    rule, else None."""
    line = text[start:end]
    if SEPARATOR in line:
        bar = SEPARATOR
    elif line.strip().startswith("|") and line.strip().endswith("|") and len(line.strip()) > 2:
        if MARKDOWN_RULE.match(line.strip()):
            return "rule"
        bar = "|"
    else:
        return None
    pieces: list[tuple[int, int]] = []
    cursor = start
    for piece in line.split(bar):
        pieces.append((cursor, cursor + len(piece)))
        cursor += len(piece) + 1
    if bar == "|":  # the bars at both ends open and close the row
        pieces = pieces[1:-1]
    cells = []
    for a, b in pieces:
        raw = text[a:b]
        stripped = raw.strip()
        offset = a + (raw.find(stripped) if stripped else 0)
        cells.append(TextCell(offset, offset + len(stripped), stripped))
    return cells if len(cells) >= 2 else None


def _caption(text: str, floor: int, start: int) -> tuple[list[str], str]:
    """The caption lines just above a table (at most CAPTION_LINES short lines, back to the
    last blank line or sentence), and the paragraph before it."""
    above = text[floor:start].rstrip("\n").split("\n")
    caption: list[str] = []
    for line in reversed(above):
        line = line.strip()
        if not line or len(caption) == CAPTION_LINES or len(line) > MAX_CAPTION:
            break
        if line.endswith(("。", "；", "！", "？")) or (caption and line.endswith(("：", ":"))):
            break
        caption.insert(0, line)
    paragraphs = [p.strip() for p in text[max(floor, start - 400) : start].split("\n")]
    before = " ".join(p for p in paragraphs if p)[-300:]
    return caption, before
