"""Figures from the cells of a report's tables (rendered into its text by loaders.tables): each
cell's figure takes its metric from its row label (or its column), its unit from a unit column,
its header or the caption, its period from a year or month header, its kind and baseline from
the header, its subject from a place row or column (else the report's unit; a totals row is the
unit's own); the columns that relate (2023年, 2022年, 同比增长) give relations for the audits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loaders.metrics import coverage_code, metric_code
from loaders.numbers import find_quantities
from loaders.relations import Relation
from loaders.subjects import Context, Subject
from loaders.table_labels import (
    UNIT_ONLY,
    Label,
    merged,
    read_label,
    shifted,
    year_of,
)
from loaders.table_places import column_places, row_places
from loaders.table_relations import CHANGE_KINDS, row_relations
from loaders.tables import FIGURE_CELL, TextCell, TextTable, find_tables, is_figure

if TYPE_CHECKING:  # loaders.extract imports this module: its Fact is imported where it is made
    from loaders.extract import Fact

MAX_HEADER_ROWS = 4
YEAR_LABEL = re.compile(r"^(?:19|20)\d\d(?:年(?:底|末|度)?)?$")
MISSING = re.compile(r"^(?:[-—–－/／…·.\s]+|无|空|暂无|x|X|N/?A)$")
PERIOD_IN_TEXT = re.compile(r"(?:19|20)\d\d年(?:底|末|\d{1,2}(?:[-—–~至]\d{1,2})?月(?:底|末|份)?)?")
SHARE_WORD = re.compile(r"^(?:占比|比重|所占比例|覆盖率|覆盖面)$")
MAGNITUDE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}
PERCENT_KINDS = ("growth_pct", "yoy_growth_pct", "share_pct", "coverage_pct")


@dataclass
class TableRead:
    """What the cells of a report's tables give: facts, relations and figures held back."""

    facts: list[Fact] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    held: list[tuple[Fact, str]] = field(default_factory=list)


class TableReader:
    """The tables of a report's text, read as the extractor's loop reaches each (so a table
    takes the unit of the section it is in); extract() hands it every sentence start."""

    def __init__(self, text: str, report_id: str) -> None:
        self.text = text
        self.report_id = report_id
        self.tables = find_tables(text)
        self.read = TableRead()
        self._next = 0
        self._done: set[int] = set()
        title = next((line.strip() for line in text.splitlines() if line.strip()), "")
        self.title_period = _period_in(title)

    def take(self, start: int, context: Context) -> bool:
        """True if start lies in a table's rows (read then with the table, not as a sentence);
        the table is read when its first row is reached."""
        while self._next < len(self.tables) and self.tables[self._next].end < start:
            self._next += 1
        if self._next == len(self.tables) or start < self.tables[self._next].start:
            return False
        if self._next not in self._done:
            self._done.add(self._next)
            table = self.tables[self._next]
            read_table(table, context, self.report_id, self.title_period, self.read)
        return True

    def add_to(self, extraction, original: str) -> None:  # extraction: loaders.extract.Extraction
        """Add what the tables gave to the extraction (figures as printed in original)."""
        for fact in self.read.facts + [f for f, _ in self.read.held]:
            fact.number_text = original[fact.span_start : fact.span_end]
        extraction.facts.extend(self.read.facts)
        extraction.relations.extend(self.read.relations)
        extraction.held.extend(self.read.held)


def read_table(
    table: TextTable, context: Context, report_id: str, title_period: str | None, out: TableRead
) -> None:
    """The figures of one table and the relations among its columns, added to out."""
    grid = [[cell.text for cell in row] for row in table.rows]
    top = 0
    notes: list[Label] = []
    while top < len(grid):  # a row of one cell above the header: 单位：万元
        filled = [text for text in grid[top] if text]
        if len(filled) != 1 or is_figure(filled[0]):
            break
        notes.append(read_label(filled[0]))
        top += 1
    header = top
    while header < min(len(grid), top + MAX_HEADER_ROWS) and _is_header(grid[header]):
        header += 1
    body = list(range(header, len(grid)))
    if not any(is_figure(text, years=True) for i in body for text in grid[i]):
        return  # no figures: a table of names or words, read as nothing (as such a sentence)
    roles = _roles(grid, top, header)
    columns = {j: merged([read_label(grid[i][j]) for i in range(top, header) if grid[i][j]])
               for j in range(len(grid[0]))}  # fmt: skip
    _changes_take_their_metric(columns, roles)
    caption = merged([read_label(line) for line in table.caption] + notes)
    anchor = caption.period or _period_in(table.before) or title_period
    places = row_places(table, grid, roles, body, context)
    by_column = column_places(grid, top, header, context)
    section: Label | None = None
    section_place: Subject | None = None
    metrics = context.gazetteer.metrics
    caption_metric = _dictionary_wording(" ".join(table.caption), metrics)
    for i in body:
        row = table.rows[i]
        figures = [j for j, role in roles.items() if role == "figure" and grid[i][j]]
        for j in [j for j in figures if not is_figure(grid[i][j], years=True)]:
            _hold_words(row[j], table.lines[i], report_id, out)  # 3个（新建1个）: not one figure
        figures = [j for j in figures if is_figure(grid[i][j], years=True)]
        place_column = places[i][1] if i in places else None
        labels = [
            read_label(grid[i][j])
            for j, role in roles.items()
            if role == "label" and grid[i][j] and j != place_column
        ]
        if not figures:
            if i in places:  # a place over the rows below it
                section_place = places[i][0]
            elif labels:  # a section's title: 一、经营指标
                section = merged(labels)
            continue
        row_label = merged(labels)
        unit_cell = next(
            (grid[i][j] for j, role in roles.items() if role == "unit" and grid[i][j]), None
        )
        line = table.lines[i]
        cells: dict[int, Fact] = {}
        for j in figures:
            cell, column = row[j], columns[j]
            fact = _fact(
                cell, line, report_id, context, row_label, column, section, caption,
                unit_cell, anchor, caption_metric,
                places[i][0] if i in places else by_column.get(j) or section_place,
            )  # fmt: skip
            if fact.metric:
                out.facts.append(fact)
                cells[j] = fact
            else:
                out.held.append(
                    (fact, "a table cell whose row and column name nothing it measures")
                )
        head = "｜".join(grid[header - 1]) if header > top else ""
        out.relations += row_relations(cells, columns, "｜".join(grid[i]), head)


def _counted(text: str) -> bool:
    """A figure in digits among words (约3个（新建1个）), not a unit named (（万户）)."""
    return any(re.search(r"\d", q.text) for q in find_quantities(text))


def _changes_take_their_metric(columns: dict[int, Label], roles: dict[int, str]) -> None:
    """A change column that names no metric (销售总额（亿元）｜同比增长（%）) is the change of the
    metric of the nearest figure column on its left that names one."""
    named = ""
    for j in sorted(columns):
        column = columns[j]
        if roles.get(j) != "figure":
            continue
        if column.metric and not column.change:
            named = column.metric
        elif column.change and not column.metric:
            column.metric = named


def _is_header(row: list[str]) -> bool:
    """A header row: no figure in it (a year is a header's, 3个 in words is not), and words in
    most of its cells."""
    filled = [text for text in row if text]
    if any(is_figure(text) or _counted(text) for text in filled):
        return False
    return len(filled) >= max(2, len(row) // 2)


def _roles(grid: list[list[str]], top: int, header: int) -> dict[int, str]:
    """Each column's role: 'label' (row labels: names, places, years), 'unit' (单位), 'serial'
    (序号) or 'figure'."""
    roles = {}
    for j in range(len(grid[0])):
        head = merged([read_label(grid[i][j]) for i in range(top, header) if grid[i][j]])
        cells = [grid[i][j] for i in range(header, len(grid)) if not _missing(grid[i][j])]
        figures = [text for text in cells if is_figure(text, years=True)]
        years = bool(cells) and all(YEAR_LABEL.match(text) for text in cells)
        if head.serial or (j == 0 and cells and _counts_up(cells)):
            roles[j] = "serial"
        elif head.unit_column or (cells and all(UNIT_ONLY.match(text) for text in cells)):
            roles[j] = "unit"
        elif head.label_column or len(figures) * 2 < len(cells) or not cells and j == 0:
            roles[j] = "label"
        elif years and not (head.unit or head.kind or head.metric):  # 2021, 2022: the periods
            roles[j] = "label"
        else:
            roles[j] = "figure"
    if "label" not in roles.values() and "figure" in roles.values():
        first = min(j for j, role in roles.items() if role == "figure")
        if not any(is_figure(grid[i][first]) for i in range(header, len(grid))):
            roles[first] = "label"
    return roles


def _missing(text: str) -> bool:
    """An empty cell, or one that says its figure is missing (—, -, /, …)."""
    return not text or bool(MISSING.match(text))


def _counts_up(cells: list[str]) -> bool:
    return len(cells) >= 2 and cells == [str(n) for n in range(1, len(cells) + 1)]


def _fact(
    cell: TextCell,
    line: tuple[int, int],
    report_id: str,
    context: Context,
    row: Label,
    column: Label,
    section: Label | None,
    caption: Label,
    unit_cell: str | None,
    anchor: str | None,
    caption_metric: str,
    place: Subject | None,
) -> Fact:
    """The figure of one cell, read with its row, column, section and caption."""
    from loaders.extract import Fact

    kind = column.kind or row.kind or (section.kind if section else None)
    baseline = column.baseline or row.baseline
    if kind in ("pp_change",):
        unit_text = "个百分点"
    elif kind in PERCENT_KINDS:
        unit_text = "%"
    else:
        units = [unit_cell, row.unit, column.unit, section.unit if section else None, caption.unit]
        unit_text = next((u for u in units if u), "")
    value, unit, qualifier = _value(cell.text, unit_text)
    period = column.period or row.period or (section.period if section else None)
    relative = column.relative if column.relative is not None else row.relative
    if period is None and anchor:
        period = shifted(anchor, relative) if relative else anchor
    elif period and relative == -1 and year_of(period) is None and anchor:
        period = shifted(anchor, -1)
    elif period and year_of(period) is None and year_of(anchor):  # 1-3月 of a 2024 bulletin
        period = f"{year_of(anchor)}年{period}"
    if kind == "other" and unit == "percent":  # 同比 over cells that print 8.2%: a growth
        kind = "yoy_growth_pct" if baseline == "上年" else "growth_pct"
    if kind is None:
        kind = "level"
        if unit == "percent":
            kind = "share_pct"
        elif unit == "pp":
            kind = "pp_change"
    metric = _metric(row, column, section, caption_metric, context, unit, kind)
    if kind == "share_pct" and "覆盖" in metric:
        kind = "coverage_pct"
    if kind == "yoy_growth_pct":
        baseline = "上年"
    metrics = context.gazetteer.metrics
    code = metric_code(metric, metrics, unit, kind) if metric else None
    if code is None and kind == "coverage_pct":
        code = coverage_code(metric, "", metrics)
    subject = place
    if subject is None or row.total:
        subject = context.subject
    return Fact(
        report_id=report_id,
        span_start=cell.start,
        span_end=cell.end,
        number_text=cell.text,
        value=value,
        unit=unit,
        kind=kind,
        qualifier=qualifier,
        metric=metric,
        metric_code=code,
        subject=subject.subject_id,
        baseline=baseline if kind in CHANGE_KINDS else None,
        period=period,
        is_target=row.target or column.target,
        sentence_start=line[0],
        sentence_end=line[1],
        subject_text=subject.text,
        region_code=subject.region_code,
    )


def _value(text: str, unit_text: str) -> tuple[float, str, str]:
    """A cell's value, unit and qualifier: its own unit if it prints one, else unit_text."""
    match = FIGURE_CELL.match(text)
    assert match is not None
    number = match["number"].replace(",", "").replace("，", "")
    sign = -1.0 if match["sign"] in ("-", "−", "－") else 1.0
    own = match["unit"]
    unit_words = own or unit_text
    printed = f"{match['pre'] or ''}{number}{unit_words}{match['post'] or ''}"
    found = find_quantities(printed)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(printed):
        quantity = found[0]
        return sign * quantity.value, quantity.unit, quantity.qualifier
    scale = next((m for k, m in MAGNITUDE.items() if unit_words.startswith(k)), 1.0)
    if "/" in unit_words:
        scale = 1.0  # 元/吨: a rate, as printed
    loose = find_quantities(f"{number}个{match['post'] or ''}")
    qualifier = loose[0].qualifier if loose else "exact"
    return sign * round(float(number) * scale, 6), "other" if unit_words else "count", qualifier


def _metric(
    row: Label,
    column: Label,
    section: Label | None,
    caption_metric: str,
    context: Context,
    unit: str,
    kind: str,
) -> str:
    """What a cell measures: its row's words, else its column's (a share's or a coverage's
    word joins the row's), else its section's, else the one metric its caption names."""
    metrics = context.gazetteer.metrics
    row_words, column_words = row.metric, column.metric
    if column_words and SHARE_WORD.match(column_words):
        base = row_words or (section.metric if section else "") or caption_metric
        return f"{base}{column_words}" if base else ""
    if row_words and column_words:
        for candidate in (row_words, row_words + column_words, column_words):
            if metric_code(candidate, metrics, unit, kind):
                return candidate
        return row_words
    return row_words or column_words or (section.metric if section else "") or caption_metric


def _dictionary_wording(text: str, metrics: tuple) -> str:
    """The one metric a caption names from the dictionary (销售总额), else nothing."""
    found = {m.code: m.wording for m in metrics if m.wording in text and len(m.wording) >= 3}
    return next(iter(found.values())) if len(found) == 1 else ""


def _period_in(text: str) -> str | None:
    match = PERIOD_IN_TEXT.search(text or "")
    return match.group(0) if match else None


def _hold_words(cell: TextCell, line: tuple[int, int], report_id: str, out: TableRead) -> None:
    """A cell of a figure column with words beside its figures: each figure held back."""
    from loaders.extract import Fact

    for quantity in find_quantities(cell.text):
        fact = Fact(
            report_id, cell.start + quantity.start, cell.start + quantity.end, quantity.text,
            quantity.value, quantity.unit, "other", quantity.qualifier, "", None, None, None,
            None, False, line[0], line[1],
        )  # fmt: skip
        out.held.append((fact, f"a table cell with words beside its figure ({cell.text[:40]})"))
