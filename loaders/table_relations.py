"""The relations among the cells of one row of a table: a change column (同比增长, 比2016年增长,
增减（个百分点）, 比上年增加（个）) against the level of its period and the level of its baseline
(2023年 and 2022年, 本年累计 and 上年同期), so the audits check the printed change against the
two levels; a change whose before is not printed still gives its end (the before is implied)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loaders.relations import Relation
from loaders.table_labels import Label, shifted, year_of

if TYPE_CHECKING:
    from loaders.extract import Fact

CHANGE_KINDS = ("growth_pct", "yoy_growth_pct", "pp_change", "other")


def row_relations(
    cells: dict[int, Fact], columns: dict[int, Label], row: str, head: str
) -> list[Relation]:
    """The changes of a row (同比增长, 增减) against the two levels they compare: the level of
    the change's period (or the latest) and that of its baseline (or the one before)."""
    relations = []
    for j, change in cells.items():
        if change.kind not in CHANGE_KINDS:
            continue
        levels = [
            f
            for k, f in cells.items()
            if k != j
            and f.kind in ("level", "share_pct", "coverage_pct")
            and year_of(f.period)
            and columns[k].metric == columns[j].metric
            and (f.unit == "percent") == (change.kind == "pp_change")
        ]
        if change.kind == "other":
            levels = [f for f in levels if f.unit == change.unit]
        end = _end(levels, change)
        start = _start(levels, change, end)
        if end is not None and columns[j].period is None:  # 同比增长（%）: of the end's period
            change.period = end.period
        if end is None or (start is None and change.kind == "growth_pct"):
            continue  # a growth needs both levels; a change beside its end implies the before
        if start is None and (change.baseline is None or change.kind == "yoy_growth_pct"):
            continue
        if start is not None and change.baseline is None:  # 增长（%） beside 2023年, 2022年
            gap = year_of(end.period) - year_of(start.period)
            change.baseline = "上年" if gap == 1 else start.period[:4]
            if change.kind == "growth_pct" and gap == 1:
                change.kind = "yoy_growth_pct"
        relation_type = {"pp_change": "pp_change", "other": "change"}.get(change.kind, "growth")
        relations.append(
            Relation(
                relation_type,
                start_span=start.span_start if start else None,
                end_span=end.span_start,
                change_span=change.span_start,
                before_period=change.baseline,
                note=(f"{row} (under {head})" if head else row)[:200],
                relation_key=f"{end.span_start}:{change.span_start}",
            )
        )
    return relations


def _end(levels: list[Fact], change: Fact) -> Fact | None:
    same = [f for f in levels if change.period and f.period == change.period]
    if same:
        return same[0]
    return max(levels, key=lambda f: (year_of(f.period), f.span_start), default=None)


def _start(levels: list[Fact], change: Fact, end: Fact | None) -> Fact | None:
    if end is None:
        return None
    others = [f for f in levels if f is not end and year_of(f.period) < year_of(end.period)]
    wanted = None
    if change.baseline == "上年":
        wanted = shifted(end.period, -1)
    elif change.baseline and year_of(change.baseline):
        wanted = change.baseline
    if wanted:
        return next((f for f in others if f.period.startswith(wanted[:4]) and
                     f.period[4:] == end.period[4:] or f.period == wanted), None)  # fmt: skip
    if change.baseline is None and len(others) == 1:
        return others[0]
    return None
