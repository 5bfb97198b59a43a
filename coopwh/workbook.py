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
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=16)
THIN = Side(style="thin", color="B7B7B7")
MAX_WIDTH = 40
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
    """Write the workbook to path (via a temporary file), with fixed properties and zip times."""
    workbook = Workbook()
    cover_sheet = workbook.active
    cover_sheet.title = "封面"
    write_cover(cover_sheet, title, cover)
    for sheet in sheets:
        _write_table(workbook.create_sheet(sheet.title), sheet)
    _write_dictionary(workbook.create_sheet("字段说明"), sheets)
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
    """A cover sheet: a title, then label and text rows, the text wrapped."""
    sheet["A1"].value = title
    sheet["A1"].font = TITLE_FONT
    for row, (label, text) in enumerate(lines, start=3):
        label_cell = sheet.cell(row=row, column=1)
        set_text(label_cell, label)
        label_cell.font = Font(bold=True)
        label_cell.alignment = Alignment(vertical="top")
        text_cell = sheet.cell(row=row, column=2)
        set_text(text_cell, text)
        text_cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = LINE_HEIGHT * text_lines(text, COVER_WIDTH)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = COVER_WIDTH
    print_setup(sheet, repeat_header=False)


def _write_table(sheet: Worksheet, spec: Sheet) -> None:
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        set_text(cell, column.zh)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    wrapped = [column.key for column in spec.columns if column.fmt == "sentence"]
    for row_index, row in enumerate(spec.rows, start=2):
        for col_index, column in enumerate(spec.columns, start=1):
            _write_value(sheet.cell(row=row_index, column=col_index), row, column)
        lines = max([text_lines(str(row.get(key) or ""), SENTENCE_WIDTH) for key in wrapped] or [1])
        if lines > 1:
            sheet.row_dimensions[row_index].height = LINE_HEIGHT * lines
    last_row = max(len(spec.rows) + 1, 1)
    if spec.rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{last_row}"
    sheet.freeze_panes = "A2"
    _fit_widths(sheet, spec)
    if spec.note:
        note = sheet.cell(row=last_row + 2, column=1)
        set_text(note, spec.note)
        note.font = Font(italic=True, color="595959")
    if spec.chart and spec.rows:
        _add_chart(sheet, spec, last_row)
    print_setup(sheet, repeat_header=True)


def _write_value(cell, row: dict, column: Column) -> None:  # cell: openpyxl Cell
    value = row.get(column.key)
    cell.border = Border(bottom=THIN)
    if value is None:
        return
    if column.fmt in ("text", "sentence") or isinstance(value, str):
        set_text(cell, str(value))
        if column.fmt == "sentence":
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return
    if isinstance(value, bool):
        cell.value = "是" if value else "否"
        return
    fmt = column.fmt
    if fmt == "value":
        fmt = {"percent": "pct", "pp": "pp", "yuan": "yuan"}.get(row.get("unit", ""), "number")
    if fmt in SCALES:
        cell.value = value / SCALES[fmt]
        cell.number_format = "#,##0.00##"
    elif fmt in ("pct", "pp"):
        cell.value = value
        suffix = '"%"' if fmt == "pct" else '"个百分点"'
        cell.number_format = ("0" if float(value).is_integer() else "0.00") + suffix
    elif fmt == "yuan":
        cell.value = value
        cell.number_format = "#,##0"
    elif fmt == "int":
        cell.value = value
        cell.number_format = "#,##0"
    else:
        cell.value = value
        cell.number_format = "#,##0" if float(value).is_integer() else "#,##0.00##"


def _fit_widths(sheet: Worksheet, spec: Sheet) -> None:
    for index, column in enumerate(spec.columns, start=1):
        if column.fmt == "sentence":
            width = SENTENCE_WIDTH
        else:
            texts = [column.zh] + [_shown(row.get(column.key), column) for row in spec.rows]
            width = min(MAX_WIDTH, max(_display_width(text) for text in texts) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = max(width, 8)


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


def _add_chart(sheet: Worksheet, spec: Sheet, last_row: int) -> None:
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


def _write_dictionary(sheet: Worksheet, sheets: list[Sheet]) -> None:
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
    _write_table(sheet, Sheet("字段说明", columns, rows))


def print_setup(sheet: Worksheet, repeat_header: bool) -> None:
    """Landscape A4, fit to width, the header row repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if repeat_header:
        sheet.print_title_rows = "1:1"


def _fix_zip_times(path: Path, when: dt.datetime) -> None:
    """Rewrite the zip so every entry, and the modified property, carry the build time: the same
    warehouse gives the same bytes (openpyxl stamps the time of saving)."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    modified = (
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when:%Y-%m-%dT%H:%M:%SZ}</dcterms:modified>'
    )
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    entries = [
        (info, re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", modified.encode(), data))
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
