"""Write one Excel workbook: readable sheets, formatted numbers, safe text, fixed metadata.

The export streams its workbooks with XlsxWriter (constant memory: each row is written out as
it comes, so memory stays flat however many rows). The review sheet, which is read back, is
made with openpyxl (coopwh.review.layout)."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

FORMULA_STARTS = ("=", "+", "-", "@")
HEADER_COLOR = "#1F4E78"
MAX_WIDTH = 40
WIDTH_SAMPLE = 2_000  # rows measured to size a column
SENTENCE_WIDTH = 60
COVER_WIDTH = 100
LINE_HEIGHT = 15  # points per line of wrapped text
SCALES = {"wan": 10_000, "yi": 100_000_000}  # yuan shown in 万元 and 亿元
NUMBER_FORMATS = {
    "wan": "#,##0.00##",
    "yi": "#,##0.00##",
    "yuan": "#,##0",
    "int": "#,##0",
}
STRING_MAX = 32_767  # UTF-16 units in a cell
CACHE_MAX = 100_000  # values a column keeps the XML of (a sentence repeats on each of its figures)
# text that XlsxWriter writes otherwise than as it is: XML's special characters, control
# characters and what looks like their escapes, leading or trailing space
_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
# blocks of characters that are all wide (W or F to unicodedata): CJK punctuation, kana,
# ideographs, Yi, Hangul syllables, compatibility ideographs and forms, full-width forms
_COMMON_WIDE = re.compile(
    "[\u2e80-\u303e\u3041-\u3247\u3250-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff01-\uff60\uffe0-\uffe6]+"
)
CM = 37.8  # pixels per centimetre of a chart
STYLES = {
    "title": {"bold": True, "font_size": 16},
    "label": {"bold": True, "valign": "top"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "note": {"italic": True, "font_color": "#595959"},
    "header": {
        "bold": True,
        "font_color": "#FFFFFF",
        "bg_color": HEADER_COLOR,
        "pattern": 1,
        "text_wrap": True,
        "valign": "vcenter",
    },
}


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
    """A table sheet: its title, columns and rows (dicts keyed by Column.key): a list, or rows
    read as they are written (export._Fetched: their number, the first WIDTH_SAMPLE by slice,
    all of them once by iteration)."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[dict]
    note: str = ""
    chart: tuple[str, str, str] | None = None  # (title, label key, value key)
    source: str = ""  # the mart the rows come from, for the column dictionary
    descriptions: dict[str, str] | None = None  # column key -> description (the mart's comment)


class _Formats:
    """The workbook's cell formats, made once each: by style name or by number format."""

    def __init__(self, book) -> None:
        self.book = book
        self.made: dict[tuple, object] = {}

    def get(self, style: str = "", number: str = "", quote: bool = False):
        key = (style, number, quote)
        if key not in self.made:
            properties = dict(STYLES.get(style, {}))
            if number:
                properties["num_format"] = number
            if quote:
                properties["quote_prefix"] = True  # formula-like text stays text when edited
            self.made[key] = self.book.add_format(properties)
        return self.made[key]


def write_workbook(
    path: Path, cover: list[tuple[str, str]], sheets: list[Sheet], built_at: dt.datetime, title: str
) -> None:
    """Write the workbook to path (via a temporary file), row by row, with fixed properties:
    the same warehouse gives the same bytes (XlsxWriter stamps every zip entry with a fixed
    time, and the document's dates are the build's)."""
    temporary = path.with_name(path.name + ".tmp")
    book = _Workbook(
        str(temporary),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "use_zip64": True,
        },
    )
    book.set_properties(
        {"title": title, "author": "coopwh", "created": built_at.replace(tzinfo=None)}
    )
    formats = _Formats(book)
    _write_cover(book.add_worksheet("封面"), formats, title, cover)
    for sheet in [*sheets, _dictionary(sheets)]:
        _write_table(book, book.add_worksheet(sheet.title), formats, sheet)
    book.close()
    temporary.replace(path)


class _Workbook(xlsxwriter.Workbook):
    """XlsxWriter's workbook, zipped at deflate level 1 (XlsxWriter takes zlib's default, 6):
    the 全国 workbook of 1,000 reports is written in 7.7 s instead of 9.3 s (compressing was a
    fifth of the time) and is 17 MB instead of 13 MB. XlsxWriter has no option for it: the
    ZipFile it makes (a name in its workbook module, in the pinned version) is given the level
    while it stores the workbook."""

    def _store_workbook(self) -> None:
        made = xlsxwriter.workbook.ZipFile
        xlsxwriter.workbook.ZipFile = functools.partial(zipfile.ZipFile, compresslevel=1)
        try:
            super()._store_workbook()
        finally:
            xlsxwriter.workbook.ZipFile = made


def _write_cover(sheet, formats: _Formats, title: str, lines: list[tuple[str, str]]) -> None:
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, COVER_WIDTH)
    _print_setup(sheet, repeat_header=False)
    sheet.write_string(0, 0, title, formats.get("title"))
    for row, (label, text) in enumerate(lines, start=2):
        sheet.set_row(row, LINE_HEIGHT * text_lines(text, COVER_WIDTH))
        _text(sheet, row, 0, label, formats, "label")
        _text(sheet, row, 1, text, formats, "wrap")


def _write_table(book, sheet, formats: _Formats, spec: Sheet) -> None:
    """A table sheet: widths, frozen filterable header, print setup, then the rows."""
    for index, width in enumerate(_widths(spec)):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    if spec.rows:
        sheet.autofilter(0, 0, len(spec.rows), len(spec.columns) - 1)
    _print_setup(sheet, repeat_header=True)
    for index, column in enumerate(spec.columns):
        sheet.write_string(0, index, column.zh, formats.get("header"))
    _write_rows(sheet, formats, spec)
    if spec.note:
        _text(sheet, len(spec.rows) + 2, 0, spec.note, formats, "note")
    if spec.chart and spec.rows:
        _add_chart(book, sheet, spec)


def _text(sheet, row: int, column: int, text: str, formats: _Formats, style: str = "") -> None:
    """Text that is never taken for a formula (=, +, - or @ first stays text)."""
    quote = text.startswith(FORMULA_STARTS)
    if style or quote:
        sheet.write_string(row, column, text, formats.get(style, quote=quote))
    else:
        sheet.write_string(row, column, text)


def _write_rows(sheet, formats: _Formats, spec: Sheet) -> None:
    """The data rows, row 1 on, as the XML XlsxWriter itself writes in constant-memory mode
    (inline strings, the same styles and heights), but straight into the sheet's row buffer:
    XlsxWriter's cell by cell path costs about 10 µs a cell, this about 1 µs. It relies on
    the constant-memory internals of the pinned XlsxWriter (the row buffer fh, previous_row,
    dim_rowmax); test_table_cells_come_back_as_written reads every kind of cell back."""
    sheet._write_single_row(1)  # the header row goes out; the buffer is at row 1
    cells = [_CellWriter(index, column, formats) for index, column in enumerate(spec.columns)]
    wrapped = [column.key for column in spec.columns if column.fmt == "sentence"]
    out: list[str] = []
    add = out.append
    for number, row in enumerate(spec.rows, start=2):
        lines = max((_lines(row.get(key)) for key in wrapped), default=1)
        height = f' ht="{LINE_HEIGHT * lines}" customHeight="1"' if lines > 1 else ""
        reference = f'{number}"'
        add(f'<row r="{number}"{height}>')
        for cell in cells:
            value = row.get(cell.key)
            if value is None:
                continue
            if value.__class__ is bool:  # a key apart from 1 and 0, which equal True and False
                value = "是" if value else "否"
            try:
                tail = cell.known.get(value if cell.by_value else (value, row.get("unit")))
            except TypeError:  # unhashable (a list): shown as its text
                value, tail = str(value), None
            if tail is None:
                tail = cell.tail(value, row.get("unit"))
            add(cell.start + reference + tail)
        add("</row>")
        if len(out) > 50_000:
            sheet.fh.write("".join(out))
            out.clear()
    sheet.fh.write("".join(out))
    if spec.rows:  # what XlsxWriter's own writes would have recorded
        sheet.dim_rowmax = max(sheet.dim_rowmax or 0, len(spec.rows))
        sheet.previous_row = len(spec.rows) + 1


class _CellWriter:
    """The XML of one column's cells: text as inline strings (escaped as XlsxWriter escapes
    them), numbers with the format of their column (or of their unit). A cell's XML is its
    reference, then a tail that depends on its value alone (and on its unit, in a column of
    values of mixed units): the tails are kept, so a repeated value (a sentence on each of its
    figures, a name, a year) is escaped and formatted once."""

    def __init__(self, index: int, column: Column, formats: _Formats) -> None:
        self.key, self.fmt, self.formats = column.key, column.fmt, formats
        self.start = f'<c r="{xl_col_to_name(index)}'
        self.style = "wrap" if column.fmt == "sentence" else ""
        self.text_style = _style(formats.get(self.style)) if self.style else ""
        self.quoted_style = ""  # made when first needed: a format's index is its first use
        self.numbers: dict[str, str] = {}  # number format -> its style attribute
        self.by_value = column.fmt != "value"  # else a tail depends on the row's unit too
        self.known: dict = {}  # value (or value and unit) -> its cell's tail

    def tail(self, value, unit: str | None) -> str:
        """The XML of a cell holding value, after its reference (and remember it)."""
        if len(self.known) >= CACHE_MAX:
            self.known.clear()
        key = value if self.by_value else (value, unit)
        fmt = self.fmt
        if fmt in ("text", "sentence") or not isinstance(value, int | float | decimal.Decimal):
            text = value if isinstance(value, str) else str(value)
            tail = self.known[key] = self._string(text)
            return tail
        if fmt == "value":
            fmt = {"percent": "pct", "pp": "pp", "yuan": "yuan"}.get(unit or "", "number")
        figure = float(value)
        if fmt in SCALES:
            figure /= SCALES[fmt]
        shape = _number_format(fmt, figure)
        style = self.numbers.get(shape)
        if style is None:
            style = self.numbers[shape] = _style(self.formats.get(number=shape))
        tail = self.known[key] = f"{style}><v>{figure:.16G}</v></c>"
        return tail

    def _string(self, text: str) -> str:
        """A text cell's tail: style, then the text inline, escaped."""
        style = self.text_style
        if text.startswith(FORMULA_STARTS):
            if not self.quoted_style:
                self.quoted_style = _style(self.formats.get(self.style, quote=True))
            style = self.quoted_style
        space = ""
        if len(text) > STRING_MAX // 2 and _utf16_len(text) > STRING_MAX:
            text = _utf16_truncate(text, STRING_MAX)
        if _ESCAPE.search(text):
            if _preserve_whitespace(text):
                space = ' xml:space="preserve"'
            text = XMLwriter._escape_control_characters(text)
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _style(cell_format) -> str:
    index = cell_format._get_xf_index()
    return f' s="{index}"' if index else ""


@functools.lru_cache(maxsize=1 << 16)
def _lines(text: str | None) -> int:
    """Lines of a sentence cell (the same sentence is on the rows of each of its figures)."""
    return text_lines(str(text or ""), SENTENCE_WIDTH)


def _number_format(fmt: str, value: float) -> str:
    if fmt in NUMBER_FORMATS:
        return NUMBER_FORMATS[fmt]
    whole = value.is_integer()
    if fmt in ("pct", "pp"):
        suffix = '"%"' if fmt == "pct" else '"个百分点"'
        return ("0" if whole else "0.00") + suffix
    return "#,##0" if whole else "#,##0.00##"


def _widths(spec: Sheet) -> list[float]:
    """Column widths that fit the header and the values (measured on the first rows)."""
    sample = spec.rows[:WIDTH_SAMPLE]
    widths = []
    for column in spec.columns:
        if column.fmt == "sentence":
            width = SENTENCE_WIDTH
        else:
            values = [row.get(column.key) for row in sample]
            try:
                values = set(values)  # a name or a year on many rows is measured once
            except TypeError:  # an unhashable value (a list): each measured
                pass
            texts = {column.zh, *(_shown(value, column) for value in values)}
            width = min(MAX_WIDTH, max(map(_display_width, texts)) + 2)
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
    """Columns text takes: two for a wide (CJK) character, one for any other. Runs of the
    common wide characters are counted by one regex pass; the few others one by one."""
    rest = _COMMON_WIDE.sub("", text)
    return (
        2 * len(text)
        - len(rest)
        + sum(1 for ch in rest if ch > "\x7f" and unicodedata.east_asian_width(ch) in "WF")
    )


def text_lines(text: str, width: int) -> int:
    """How many lines text takes when wrapped in a column of this width."""
    return sum(max(1, -(-_display_width(part) // (width - 2))) for part in text.split("\n"))


def _add_chart(book, sheet, spec: Sheet) -> None:
    """A bar chart of one column by another, beside the table: a label for every bar."""
    chart_title, label_key, value_key = spec.chart
    keys = [column.key for column in spec.columns]
    label_col, value_col = keys.index(label_key), keys.index(value_key)
    last = len(spec.rows)
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": [sheet.name, 0, value_col],
            "categories": [sheet.name, 1, label_col, last, label_col],
            "values": [sheet.name, 1, value_col, last, value_col],
        }
    )
    chart.set_title({"name": chart_title})
    chart.set_x_axis({"name": "增长（%）"})  # a bar chart's x axis is its value axis
    chart.set_y_axis({"interval_unit": 1, "reverse": True})  # the table's order, top down
    chart.set_legend({"none": True})
    chart.set_size({"width": 20 * CM, "height": max(7.5, 0.8 * last + 3) * CM})
    sheet.insert_chart(1, len(spec.columns) + 1, chart)


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


def _print_setup(sheet, repeat_header: bool) -> None:
    """Landscape A4, fit to width, the header row repeated on every page."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    if repeat_header:
        sheet.repeat_rows(0)
