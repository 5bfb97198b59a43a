"""The review sheet's look (openpyxl: it is read back, and edited by hand in between): a cover,
headers, print setup, and text that is never taken for a formula."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from coopwh.export.workbook import (
    COVER_WIDTH,
    FORMULA_STARTS,
    HEADER_COLOR,
    LINE_HEIGHT,
    text_lines,
)

HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOR[1:])


HEADER_FONT = Font(bold=True, color="FFFFFF")


TITLE_FONT = Font(bold=True, size=16)


WRAP = Alignment(wrap_text=True, vertical="top")


def set_text(cell, value: str) -> None:  # cell: openpyxl Cell
    """Write text that is never taken for a formula (=, +, - or @ first stays text)."""
    cell.value = value
    if value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def write_cover(sheet: Worksheet, title: str, lines: list[tuple[str, str]]) -> None:
    """A cover sheet (of a workbook in normal mode): a title, then label and text rows."""
    sheet["A1"].value = title
    sheet["A1"].font = TITLE_FONT
    for row, (label, text) in enumerate(lines, start=3):
        label_cell = sheet.cell(row=row, column=1)
        set_text(label_cell, label)
        label_cell.font = Font(bold=True)
        label_cell.alignment = Alignment(vertical="top")
        text_cell = sheet.cell(row=row, column=2)
        set_text(text_cell, text)
        text_cell.alignment = WRAP
        sheet.row_dimensions[row].height = LINE_HEIGHT * text_lines(text, COVER_WIDTH)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = COVER_WIDTH
    print_setup(sheet, repeat_header=False)


def print_setup(sheet, repeat_header: bool) -> None:  # sheet: openpyxl Worksheet
    """Landscape A4, fit to width, the header row repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if repeat_header:
        sheet.print_title_rows = "1:1"
