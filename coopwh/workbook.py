"""Write one Excel workbook: readable sheets, formatted numbers, safe text, fixed metadata."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=16)
BOLD = Font(bold=True)
NOTE_FONT = Font(italic=True, color="595959")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
MAX_WIDTH = 40
WIDTH_SAMPLE = 2_000  # rows measured to size a column
SENTENCE_WIDTH = 60
COVER_WIDTH = 100
LINE_HEIGHT = 15  # points per line of wrapped text
SCALES = {"wan": 10_000, "yi": 100_000_000}  # yuan shown in 万元 and 亿元


@dataclass(frozen=True)
class Column:
    """One column of a sheet: the mart column it shows, its headers and how its numbers look.

    fmt: text, int, number, pct (a percent number such as 43), pp (percentage points), wan and
    yi (yuan shown in 万元 and 亿元), value (a fact's value, formatted by its unit), sentence
    (long text, wrapped)."""

    key: str
    zh: str
    en: str
    fmt: str = "text"


@dataclass
class Sheet:
    """A table sheet: its title, columns and rows (dicts keyed by Column.key)."""

    title: str
    columns: Sequence[Column]
    rows: list[dict]
    note: str = ""
    chart: tuple[str, str, str] | None = None  # (title, label key, value key)
    source: str = ""  # the mart the rows come from, for the column dictionary
    descriptions: dict[str, str] | None = None  # column key -> description (the mart's comment)


def write_workbook(
    path: Path, cover: list[tuple[str, str]], sheets: list[Sheet], built_at: dt.datetime, title: str
) -> None:
    """Write the workbook to path (via a temporary file), streaming its rows (openpyxl's
    write-only mode: memory stays flat however many rows), with fixed properties and zip
    times."""
    workbook = Workbook(write_only=True)
    _stream_cover(workbook.create_sheet("封面"), title, cover)
    for sheet in sheets:
        _stream_table(workbook.create_sheet(sheet.title), sheet)
    _stream_table(workbook.create_sheet("字段说明"), _dictionary(sheets))
    properties = workbook.properties
    properties.creator = "coopwh"
    properties.lastModifiedBy = "coopwh"
    properties.title = title
    properties.created = properties.modified = built_at
    temporary = path.with_name(path.name + ".tmp")
    workbook.save(temporary)
    _fix_zip_times(temporary, built_at)
    temporary.replace(path)


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


def _stream_cover(sheet, title: str, lines: list[tuple[str, str]]) -> None:
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = COVER_WIDTH
    print_setup(sheet, repeat_header=False)
    sheet.append([_cell(sheet, title, font=TITLE_FONT)])
    sheet.append([])
    for row, (label, text) in enumerate(lines, start=3):
        sheet.row_dimensions[row].height = LINE_HEIGHT * text_lines(text, COVER_WIDTH)
        label_cell = _cell(sheet, label, font=BOLD, alignment=TOP)
        sheet.append([label_cell, _cell(sheet, text, alignment=WRAP)])


def _cell(sheet, value: object, **style) -> WriteOnlyCell:
    """A cell of a write-only sheet; text that looks like a formula stays text."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _stream_table(sheet, spec: Sheet) -> None:
    """A table sheet, streamed: widths, frozen filterable header, print setup, then the rows."""
    for index, width in enumerate(_widths(spec), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last_row = max(len(spec.rows) + 1, 1)
    sheet.freeze_panes = "A2"
    if spec.rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{last_row}"
    print_setup(sheet, repeat_header=True)
    header = [
        _cell(sheet, column.zh, font=HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGN)
        for column in spec.columns
    ]
    sheet.append(header)
    wrapped = [column.key for column in spec.columns if column.fmt == "sentence"]
    for number, row in enumerate(spec.rows, start=2):
        if wrapped:
            lines = max(text_lines(str(row.get(key) or ""), SENTENCE_WIDTH) for key in wrapped)
            if lines > 1:
                sheet.row_dimensions[number].height = LINE_HEIGHT * lines
        sheet.append([_value(sheet, row, column) for column in spec.columns])
    if spec.note:
        sheet.append([])
        sheet.append([_cell(sheet, spec.note, font=NOTE_FONT)])
    if spec.chart and spec.rows:
        _add_chart(sheet, spec, last_row)


def _value(sheet, row: dict, column: Column):
    """What goes in one cell: plain text and numbers as they are, formatted numbers and
    wrapped sentences as styled cells."""
    value = row.get(column.key)
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if column.fmt in ("text", "sentence") or isinstance(value, str):
        text = str(value)
        if column.fmt == "sentence":
            return _cell(sheet, text, alignment=WRAP)
        return _cell(sheet, text) if text.startswith(FORMULA_STARTS) else text
    fmt = column.fmt
    if fmt == "value":
        fmt = {"percent": "pct", "pp": "pp", "yuan": "yuan"}.get(row.get("unit", ""), "number")
    whole = float(value).is_integer()
    if fmt in SCALES:
        return _cell(sheet, value / SCALES[fmt], number_format="#,##0.00##")
    if fmt in ("pct", "pp"):
        suffix = '"%"' if fmt == "pct" else '"个百分点"'
        return _cell(sheet, value, number_format=("0" if whole else "0.00") + suffix)
    if fmt in ("yuan", "int"):
        return _cell(sheet, value, number_format="#,##0")
    return _cell(sheet, value, number_format="#,##0" if whole else "#,##0.00##")


def _widths(spec: Sheet) -> list[float]:
    """Column widths that fit the header and the values (measured on the first rows)."""
    sample = spec.rows[:WIDTH_SAMPLE]
    widths = []
    for column in spec.columns:
        if column.fmt == "sentence":
            width = SENTENCE_WIDTH
        else:
            texts = [column.zh] + [_shown(row.get(column.key), column) for row in sample]
            width = min(MAX_WIDTH, max(_display_width(text) for text in texts) + 2)
        widths.append(max(width, 8))
    return widths


def _shown(value: object, column: Column) -> str:
    if value is None:
        return ""
    if column.fmt in SCALES and isinstance(value, int | float):
        return f"{value / SCALES[column.fmt]:,.4f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_lines(text: str, width: int) -> int:
    """How many lines text takes when wrapped in a column of this width."""
    return sum(max(1, -(-_display_width(part) // (width - 2))) for part in text.split("\n"))


def _add_chart(sheet, spec: Sheet, last_row: int) -> None:
    chart_title, label_key, value_key = spec.chart
    keys = [column.key for column in spec.columns]
    label_col, value_col = keys.index(label_key) + 1, keys.index(value_key) + 1
    chart = BarChart()
    chart.type = "bar"
    chart.title = chart_title
    chart.y_axis.title = "增长（%）"
    chart.legend = None
    chart.x_axis.tickLblSkip = 1  # a label for every bar
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.add_data(
        Reference(sheet, min_col=value_col, min_row=1, max_row=last_row), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=label_col, min_row=2, max_row=last_row))
    chart.height = max(7.5, 0.8 * (last_row - 1) + 3)
    chart.width = 20
    sheet.add_chart(chart, f"{get_column_letter(len(spec.columns) + 2)}2")


def _dictionary(sheets: list[Sheet]) -> Sheet:
    """The 字段说明 sheet: every column of every sheet, in Chinese and English, with the mart
    column it comes from and that column's description."""
    columns = [
        Column("sheet", "工作表", "Sheet"),
        Column("zh", "列名", "Column (Chinese)"),
        Column("en", "Column", "Column (English)"),
        Column("source", "来源字段", "Source column"),
        Column("description", "说明（英文）", "Description", "sentence"),
    ]
    rows = [
        {
            "sheet": spec.title,
            "zh": column.zh,
            "en": column.en,
            "source": f"{spec.source}.{column.key}" if spec.source else "",
            "description": (spec.descriptions or {}).get(column.key, ""),
        }
        for spec in sheets
        for column in spec.columns
    ]
    return Sheet("字段说明", columns, rows)


def print_setup(sheet, repeat_header: bool) -> None:
    """Landscape A4, fit to width, the header row repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if repeat_header:
        sheet.print_title_rows = "1:1"


def _fix_zip_times(path: Path, when: dt.datetime) -> None:
    """Rewrite the zip so every entry, and the modified property, carry the build time: the same
    warehouse gives the same bytes (openpyxl stamps the time of saving)."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    modified = rb"\g<1>" + f"{when:%Y-%m-%dT%H:%M:%SZ}".encode() + rb"\g<2>"
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    entries = [
        (info, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", modified, data))
        if info.filename == "docProps/core.xml"
        else (info, data)
        for info, data in entries
    ]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)
