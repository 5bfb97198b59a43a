"""The cells of a table as each format holds them, placed on a grid (loaders.tables renders it):
an HTML <table> (rowspan, colspan, its <caption>), a .docx w:tbl (gridSpan, vMerge,
gridBefore) and a PDF table found by pdfplumber (merged cells told by their boxes)."""

from __future__ import annotations

from collections.abc import Iterable

from loaders.tables import MAX_COLUMNS, Placed

WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_SPAN_ROWS = 1_000  # a rowspan past this is markup gone wrong: it spans no more rows
HTML_CELL_BREAKS = {"br", "p", "div", "li", "tr"}
HTML_SKIP = {"script", "style"}


def _span(value: str | None, limit: int) -> int:
    try:
        return min(max(int(str(value).strip() or 1), 1), limit)
    except ValueError:
        return 1


# ---------------------------------------------------------------------------------------------
# HTML


def html_table(table) -> tuple[list[Placed], str]:  # table: an lxml element <table>
    """The cells of an HTML table (not those of a table inside one of its cells, whose text is
    that cell's) and its caption. Rows come from the table and its thead, tbody and tfoot."""
    caption = ""
    rows = []
    for child in table:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "caption":
            caption = _html_text(child)
        elif tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(r for r in child if r.tag == "tr")
    grid: list[tuple[int, list[tuple[str, int, int]]]] = []
    for number, row in enumerate(rows):
        cells = [c for c in row if c.tag in ("td", "th")]
        grid.append(
            (
                number,
                [
                    (
                        _html_text(c),
                        _span(c.get("rowspan"), MAX_SPAN_ROWS),
                        _span(c.get("colspan"), MAX_COLUMNS),
                    )
                    for c in cells
                ],
            )
        )
    return place_rows(grid, len(rows)), caption


def _html_text(element) -> str:
    """The text of an element, a line end at each <br> and block inside it."""
    from lxml import etree

    parts: list[str] = []
    skipping = 0
    for event, node in etree.iterwalk(element, events=("start", "end")):
        if event == "start":
            if node.tag in HTML_SKIP:
                skipping += 1
            elif node.tag in HTML_CELL_BREAKS and node is not element:
                parts.append("\n")
            if node.text and not skipping and isinstance(node.tag, str):
                parts.append(node.text)
            continue
        if node.tag in HTML_SKIP:
            skipping -= 1
        if node is not element and node.tail and not skipping:
            parts.append(node.tail)
    return _joined("".join(parts).split("\n"))


def place_rows(rows: Iterable[tuple[int, list[tuple[str, int, int]]]], count: int) -> list[Placed]:
    """Cells given row by row (text, rowspan, colspan), placed as a browser places them: each in
    the first column of its row that a cell above does not still hold."""
    placed: list[Placed] = []
    held_until: dict[int, int] = {}  # column -> the first row no cell above holds it in
    for number, cells in rows:
        column = 0
        for text, rowspan, colspan in cells:
            while held_until.get(column, 0) > number:
                column += 1
            if column >= MAX_COLUMNS * 4:
                break
            rowspan = max(1, min(rowspan, count - number))
            placed.append(Placed(number, column, text, rowspan, colspan))
            for taken in range(column, column + colspan):
                held_until[taken] = number + rowspan
            column += colspan
    return placed


# ---------------------------------------------------------------------------------------------
# .docx


def docx_table(table) -> list[Placed]:  # table: an ElementTree element w:tbl
    """The cells of a w:tbl: a cell spans its gridSpan columns, and the rows below it whose
    cells in its column continue it (vMerge); w:gridBefore skips columns at a row's start."""
    cells: list[list] = []  # [row, column, text, rowspan, colspan]
    merging: dict[int, int] = {}  # column -> index in cells of the cell a vMerge continues
    rows = [row for row in table if row.tag == f"{WORD}tr"]
    for number, row in enumerate(rows):
        column = _int_val(row.find(f"{WORD}trPr/{WORD}gridBefore"), 0)
        for cell in _row_cells(row):
            properties = cell.find(f"{WORD}tcPr")
            span = _int_val(_find(properties, "gridSpan"), 1)
            span = min(max(span, 1), MAX_COLUMNS)
            merge = _find(properties, "vMerge")
            restart = merge is not None and merge.get(f"{WORD}val") == "restart"
            if merge is not None and not restart and column in merging:
                cells[merging[column]][3] = number - cells[merging[column]][0] + 1
            else:
                cells.append([number, column, _docx_cell_text(cell), 1, span])
                if restart:
                    merging[column] = len(cells) - 1
                else:
                    merging.pop(column, None)
            column += span
    return [Placed(*cell) for cell in cells]


def _row_cells(row) -> list:
    """The w:tc of a row, those inside content controls (w:sdt) too."""
    found = []
    for child in row:
        if child.tag == f"{WORD}tc":
            found.append(child)
        elif child.tag == f"{WORD}sdt":
            content = child.find(f"{WORD}sdtContent")
            if content is not None:
                found.extend(c for c in content if c.tag == f"{WORD}tc")
    return found


def _find(properties, name: str):
    return None if properties is None else properties.find(f"{WORD}{name}")


def _int_val(node, default: int) -> int:
    if node is None:
        return default
    try:
        return int(node.get(f"{WORD}val", default))
    except ValueError:
        return default


def _docx_cell_text(cell) -> str:
    """The paragraphs of a cell (and of a table inside it), joined as one line."""
    lines = []
    for paragraph in cell.iter(f"{WORD}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{WORD}t":
                parts.append(node.text or "")
            elif node.tag in (f"{WORD}tab", f"{WORD}br", f"{WORD}cr"):
                parts.append(" ")
        lines.append("".join(parts))
    return _joined(lines)


def _joined(lines: list[str]) -> str:
    """Lines of one cell as one: nothing between Chinese characters, a space between words."""
    text = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if text and not (_wide(text[-1]) or _wide(line[0])):
            text += " "
        text += line
    return text


def _wide(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" or char in "（）%"


# ---------------------------------------------------------------------------------------------
# PDF (pdfplumber)


def pdf_table(table) -> list[Placed]:  # table: a pdfplumber Table
    """The cells of a table pdfplumber found: a cell's box gives the rows and columns it spans
    (pdfplumber leaves the places a merged cell covers empty)."""
    boxes: list[tuple[tuple[float, float, float, float], str]] = []
    for row, texts in zip(table.rows, table.extract(), strict=False):
        for box, text in zip(row.cells, texts, strict=False):
            if box is not None:
                boxes.append((box, text or ""))
    if not boxes:
        return []
    lefts = sorted({round(box[0], 1) for box, _ in boxes})
    tops = sorted({round(box[1], 1) for box, _ in boxes})
    placed = []
    for (x0, top, x1, bottom), text in boxes:
        column = lefts.index(round(x0, 1))
        row = tops.index(round(top, 1))
        colspan = sum(1 for x in lefts if round(x0, 1) <= x < x1 - 1)
        rowspan = sum(1 for y in tops if round(top, 1) <= y < bottom - 1)
        placed.append(Placed(row, column, _joined(text.split("\n")), max(rowspan, 1), colspan or 1))
    return placed
