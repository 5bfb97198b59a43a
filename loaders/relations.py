"""Step 8 of extraction: figures the text relates, so the before value of an after is kept.

- range: 由/从 (2016年的) a 提高/增加/提升到 b, a 增至 b: a is the before of b, in its year;
- pp_change: b, 比2016年提高 N 个百分点 (or 提高 N 个百分点，达到 b): the before is b - N, in
  the baseline's year;
- change: 1070个, 较试点前增加 80 个: the before is 1070 - 80;
- share_of_total: 156名社员代表中，农民代表112人，占比72%: 72% should be 112 / 156.

The arithmetic a report states across sentences (parts of a total, shares of a total printed
earlier, a before printed in another sentence, completion of a target) is loaders.arithmetic's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from loaders.sentences import STORED_MARK

YEAR_OF = r"(?:(?P<year>(?:19|20)\d\d)年(?:底|末)?的?)?"
RANGE_FROM = re.compile(rf"(?:由|从){YEAR_OF}$")
RANGE_TO = re.compile(
    r"^(?:提高|增加|提升|增长|上升|扩大|发展|下降|减少|降低|缩减|增|升|降)?了?(?:到|至)"
    r"(?:(?:19|20)\d\d年(?:底|末)?的?)?$"
)
PP_THEN_END = re.compile(  # 提高了5.2个百分点，达到98.3% / 为 / 升至 / 降到: where the change ended
    r"^[，,]?(?:达到?|为|(?:提高|提升|上升|增长|增加|下降|减少|降低|回落|升|增|降)?(?:至|到))了?$"
)
LEVEL_UNITS = ("count", "household", "person", "yuan", "mu", "sqm", "other")


@dataclass
class Figure:
    """What relations need of one figure: its offsets in the sentence, kind, unit, baseline."""

    start: int
    end: int
    kind: str
    unit: str
    baseline: str | None


@dataclass
class Part:
    """One part of a total (sum_of_parts, respectively_sum, split_two_ways): the figure at span,
    times multiplier (13个县各出资200万元: 13, the figure at multiplier_span if printed in
    digits); group is the breakdown it belongs to (1, or 2 for the second of a split)."""

    span: int
    multiplier: float = 1.0
    multiplier_span: int | None = None
    group: int = 1


@dataclass
class Relation:
    """Figures the text relates; spans are offsets in the report text."""

    # range, pp_change, change or share_of_total (one sentence, find_relations); growth,
    # sum_of_parts, respectively_sum, split_two_ways, target_completion (loaders.arithmetic)
    relation_type: str
    start_span: int | None = None
    end_span: int | None = None
    change_span: int | None = None
    share_span: int | None = None
    part_span: int | None = None
    whole_span: int | None = None
    before_period: str | None = None  # the year (or baseline) of the before value
    note: str = ""
    # what tells two relations of one type on one figure apart (a total split two ways);
    # None for the one-sentence relations, keyed by the figure they end at
    relation_key: str | None = None
    parts: list[Part] = field(default_factory=list)


def find_relations(sentence: str, offset: int, figures: list[Figure]) -> list[Relation]:
    """The relations among the figures of one sentence; offset is where it starts in the text."""
    found: dict[int, Relation] = {}  # by end figure: one relation each
    for first, second in zip(figures, figures[1:], strict=False):
        before = RANGE_FROM.search(sentence, 0, first.start)
        if (
            before
            and first.unit == second.unit
            and RANGE_TO.match(sentence[first.end : second.start])
        ):
            found[second.start] = Relation(
                "range",
                start_span=offset + first.start,
                end_span=offset + second.start,
                before_period=before.group("year"),
            )
    for index, figure in enumerate(figures):
        earlier = figures[:index]
        if figure.kind == "pp_change":  # not a gap to an average (高于全省平均3个百分点)
            end = _end_of_change(sentence, figures, index, found)
            if end is not None:
                relation = found.get(end.start) or Relation(
                    "pp_change", end_span=offset + end.start, before_period=figure.baseline
                )
                relation.relation_type, relation.change_span = "pp_change", offset + figure.start
                found[end.start] = relation
        elif figure.kind == "other" and figure.baseline and figure.unit in LEVEL_UNITS:
            end = _last(earlier, lambda f, unit=figure.unit: f.kind == "level" and f.unit == unit)
            if end is not None and end.start not in found:
                found[end.start] = Relation(
                    "change",
                    end_span=offset + end.start,
                    change_span=offset + figure.start,
                    before_period=figure.baseline,
                )
        elif figure.kind == "share_pct" and index >= 2:
            whole, part = earlier[-2], earlier[-1]
            if (
                whole.unit == part.unit in ("person", "count", "household")
                and "中" in sentence[whole.end : part.start]
            ):
                found[figure.start] = Relation(
                    "share_of_total",
                    share_span=offset + figure.start,
                    part_span=offset + part.start,
                    whole_span=offset + whole.start,
                )
    for relation in found.values():
        relation.note = sentence.strip()[:200]
    return list(found.values())


def _end_of_change(
    sentence: str, figures: list[Figure], index: int, found: dict[int, Relation]
) -> Figure | None:
    """The percentage a percentage-point change ends at, or None.

    - the one right after it, when the change runs into it (提高了5.2个百分点，达到98.3%; 为,
      升至, 降到…): in …提高了21个百分点，达到97%；…提升15个百分点，达到83%, 15 points end at 83%;
    - else the last one before it in its statement, the text after the last ；
      (覆盖率达到96%，比2016年提高31个百分点), unless another change already ends there: a
      change with no ending of its own never takes a percentage that has its change."""
    change = figures[index]
    if index + 1 < len(figures):
        after = figures[index + 1]
        if _a_percentage(after) and PP_THEN_END.match(sentence[change.end : after.start]):
            return after
    statement = sentence.rfind(STORED_MARK, 0, change.start)  # a ； closes a statement
    end = _last([f for f in figures[:index] if f.start > statement], _a_percentage)
    taken = end is not None and end.start in found and found[end.start].change_span is not None
    return None if taken else end


def _a_percentage(figure: Figure) -> bool:
    return figure.unit == "percent" and figure.kind in ("coverage_pct", "share_pct")


def _last(figures: list[Figure], wanted) -> Figure | None:
    for figure in reversed(figures):
        if wanted(figure):
            return figure
    return None
