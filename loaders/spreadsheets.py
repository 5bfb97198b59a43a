"""Read an .xlsx sent as a report into text: each sheet a table (rendered by loaders.tables),
the text cells above its header its title, notes below it after it; values as the sheet shows
them (number formats applied); a formula is read through the value the program that saved the
workbook computed, and a workbook whose formulas have none is refused with that reason."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

from loaders.tables import MAX_COLUMNS, Placed, render

SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
MAX_CELLS = 500_000  # cells of a workbook read (a bulletin's tables hold hundreds)
CHUNK = 1024 * 1024
DEFAULT_SHEET = re.compile(r"^(?:Sheet|工作表|sheet)\s*\d*$")
CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


class SpreadsheetError(ValueError):
    """An .xlsx that cannot be read as a report; the message says why and what to do."""


def xlsx_text(data: bytes, max_part_bytes: int) -> str:
    """The text of a workbook: its sheets in order, each its title lines, its table (one line
    per row, cells separated by ｜) and its notes, a blank line between sheets. Raises
    SpreadsheetError (a part that inflates past max_part_bytes, formulas without values, too
    many cells, a damaged file)."""
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise SpreadsheetError(f"is not a readable .xlsx (truncated or damaged: {error})") from None
    with archive:
        inflated = sum(info.file_size for info in archive.infolist())
        if inflated > max_part_bytes:
            raise SpreadsheetError(
                f"inflates to {inflated / (1024 * 1024):,.0f} MB, over the "
                f"{max_part_bytes // (1024 * 1024)} MB limit for a workbook: refused unread as a "
                "possible zip bomb"
            )
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 (openpyxl raises many kinds on a bad file)
            raise SpreadsheetError(f"is not a readable .xlsx ({error})") from None
        try:
            pieces, cells = [], 0
            for sheet in book.worksheets:
                path = getattr(sheet, "_worksheet_path", None)
                merges, uncomputed = _scan(archive, path, max_part_bytes) if path else ([], [])
                if uncomputed:
                    shown = ", ".join(uncomputed[:3])
                    raise SpreadsheetError(
                        f"has formulas without their computed values (sheet {sheet.title}: "
                        f"{shown}{' …' if len(uncomputed) > 3 else ''}), as a workbook written "
                        "by a program that does not calculate is saved: open it in Excel or "
                        "LibreOffice, save it, and ingest that"
                    )
                rows = list(_rows(sheet))
                cells += sum(len(row) for row in rows)
                if cells > MAX_CELLS:
                    raise SpreadsheetError(
                        f"has more than {MAX_CELLS:,} cells, the limit for a report: send the "
                        "sheets that hold its figures"
                    )
                lines = sheet_lines(rows, merges, sheet.title)
                if lines:
                    pieces.append("\n".join(lines))
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile, ElementTree.ParseError) as e:
            if isinstance(e, SpreadsheetError):
                raise
            raise SpreadsheetError(f"is not a readable .xlsx (damaged: {e})") from None
        finally:
            book.close()
    return "\n\n".join(pieces) + "\n" if pieces else ""


def _rows(sheet) -> Iterator[dict[int, str]]:  # sheet: an openpyxl ReadOnlyWorksheet
    """Each row of a sheet from its first, as {column index: the value as shown} (both from 0),
    empty cells left out."""
    for row in sheet.iter_rows():
        values = {}
        for column, cell in enumerate(row):
            value = getattr(cell, "value", None)
            if value is not None:
                shown = shown_value(value, getattr(cell, "number_format", "General"))
                if shown:
                    values[column] = shown
        yield values


def shown_value(value, number_format: str | None) -> str:
    """A cell's value as the sheet shows it: its number format's decimals, per cent and
    thousands separators; dates as dates; text as typed."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, int | float):
        fmt = (number_format or "General").split(";")[0]
        percent = "%" in fmt
        number = float(value) * (100 if percent else 1)
        decimals = re.search(r"0\.(0+)", fmt)
        if decimals:
            text = f"{number:,.{len(decimals.group(1))}f}"
        elif re.search(r"[0#]", fmt):
            text = f"{number:,.0f}"
        else:  # General: as many digits as the value has, without float noise
            text = f"{number:.10f}".rstrip("0").rstrip(".") if number % 1 else f"{number:,.0f}"
        if "," not in fmt:
            text = text.replace(",", "")
        return text + ("%" if percent else "")
    return str(value).strip()


def sheet_lines(rows: list[dict[int, str]], merges: list[tuple], title: str) -> list[str]:
    """The lines of a sheet: each block of rows between blank rows is a table, the rows of a
    single cell at its top its title and those at its bottom its notes."""
    lines: list[str] = []
    block: list[tuple[int, dict[int, str]]] = []
    for number, row in [*enumerate(rows), (len(rows), {})]:
        if row:
            block.append((number, row))
            continue
        if block:
            lines += _block_lines(block, merges)
            block = []
    if lines and not DEFAULT_SHEET.match(title) and "｜" in lines[0]:
        lines.insert(0, title)  # a sheet with no title rows: its name is its caption
    return lines


def _block_lines(block: list[tuple[int, dict[int, str]]], merges: list[tuple]) -> list[str]:
    top = 0
    while top < len(block) and len(block[top][1]) < 2:
        top += 1
    bottom = len(block)
    while bottom > top and len(block[bottom - 1][1]) < 2:
        bottom -= 1
    title = [" ".join(row.values()) for _, row in block[:top]]
    notes = [" ".join(row.values()) for _, row in block[bottom:]]
    body = block[top:bottom]
    if not body:
        return title + notes
    first = body[0][0]
    last = body[-1][0]
    left = min(min(row) for _, row in body)
    placed = []
    spans = {(r, c): (rs, cs) for r, c, rs, cs in merges}
    for number, row in body:
        for column, text in row.items():
            if column - left >= MAX_COLUMNS * 4:
                continue
            rowspan, colspan = spans.get((number, column), (1, 1))
            rowspan = max(1, min(rowspan, last - number + 1))
            placed.append(Placed(number - first, column - left, text, rowspan, colspan))
    rows = [" ".join(row[c] for c in sorted(row)) for _, row in body]
    return title + (render(placed) or rows) + notes


def _scan(archive: zipfile.ZipFile, path: str, limit: int) -> tuple[list[tuple], list[str]]:
    """The merged ranges of a sheet part (row, column, rowspan, colspan; from 0) and the cells
    whose formula has no computed value, read as the part streams in."""
    name = path.lstrip("/")
    parser = ElementTree.XMLPullParser(events=("end",))
    merges: list[tuple] = []
    uncomputed: list[str] = []
    read = 0
    with archive.open(name) as part:
        while chunk := part.read(CHUNK):
            read += len(chunk)
            if read > limit:
                raise SpreadsheetError(
                    f"{name} inflates past {limit // (1024 * 1024)} MB: refused as a possible "
                    "zip bomb"
                )
            parser.feed(chunk)
            for _, node in parser.read_events():
                if node.tag == f"{SHEET}c":
                    value = node.find(f"{SHEET}v")
                    computed = value is not None and (value.text or node.get("t") == "str")
                    if node.find(f"{SHEET}f") is not None and not computed:
                        uncomputed.append(node.get("r", "?"))
                    node.clear()
                elif node.tag == f"{SHEET}row":
                    node.clear()
                elif node.tag == f"{SHEET}mergeCell":
                    merged = _range(node.get("ref", ""))
                    if merged:
                        merges.append(merged)
    return merges, uncomputed


def _range(ref: str) -> tuple[int, int, int, int] | None:
    corners = ref.split(":")
    if len(corners) != 2:
        return None
    first, last = CELL_REF.match(corners[0]), CELL_REF.match(corners[1])
    if not first or not last:
        return None
    row, column = int(first.group(2)) - 1, _column(first.group(1))
    rowspan = int(last.group(2)) - row
    colspan = _column(last.group(1)) - column + 1
    return row, column, max(rowspan, 1), max(min(colspan, MAX_COLUMNS), 1)


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1
