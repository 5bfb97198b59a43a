"""Step 9 of extraction: the arithmetic a report states across its sentences, for the audits.

- sum_of_parts: a total and the parts that make it up (总规模2亿元，其中A、B、C; A、B，合计C); a
  part named with 各 and a count is that many times over (13个县各出资200万元: 13 × 200万元);
- respectively_sum: a 分别 list and the sum printed with it (分别为X、Y和Z，合计S);
- split_two_ways: one total broken down twice (按用途分…；按方式分…): the two sums agree;
- parts_within_total: a total and, in the next sentence, 其中 some of its parts: they add up to
  no more than the total;
- share_of_total: N家，占比P% against the total printed earlier in the paragraph;
- pp_change, change: the before of an after and its change, printed in another sentence of the
  paragraph (filled into the one-sentence relation); range: a change printed after a range;
- growth: a level, its growth and the previous level, all three printed;
- target_completion: 完成年度任务的P% against the target the report set earlier.

A relation is made only where the text makes it: the wording links the figures, their units
agree, and a figure in another sentence is the same thing (metric, subject, period). Pure: the
report text and its facts in, relations out (the one-sentence relations given are completed in
place).

One module of some 600 lines, not several: every check reads the same index of the report's
figures (by offset, sentence and paragraph) and the same helpers on it (_Finder); apart, each
part would import all of it back."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from loaders.numbers import chinese_number
from loaders.relations import Part, Relation
from loaders.sentences import CLAUSE_MARKS, sentence_end

# a list of parts opens right after its total: 总规模2亿元，其中… / 8000万元：…
PARTS_FOLLOW = re.compile(
    r"\s*(?:[，,]?\s*(?:其中|包括|具体为|具体是)[，,：:]?|[：:]"
    r"|[^，。；\d]{0,6}中[，,]\s*由?"  # 在已筹措的1030万元资金中，由…
    r"|[，,]\s*由(?=[^，。；\d]{2,12}(?:出资|投入|筹集|认缴|注资|提供|扶持)))"  # 4亿元，由A出资…
)
# …or opens the next sentence: 项目48个。其中，… / 按项目用途分，…
PARTS_OPEN = re.compile(r"\s*(?:其中|(?:按|从|分)[^，。；：、\d]{1,8}?(?:分|看|划分|来看)[，,：:])")
BREAKDOWN = re.compile(r"(?:按|从|分)[^，。；：、\d]{1,8}?(?:分|看|划分|来看)[，,：:]")
# the total after its parts, in a segment of its own: …，合计12.6万吨 / 、以上三项共计… (not
# 社会资本共计投资5亿元: a part in total)
TOTAL_BEFORE = re.compile(
    r"^\s*(?:以上|上述)?(?:[一二两三四五六七八九十]+[项类个者家]|两者|三者)?"
    r"(?:合计|共计|总计|总共|一共|共)[^，。；、\d]{0,4}$"
)
EACH = re.compile(r"各(?:自|级)?[^，。；、]{0,8}$")
RESPECTIVELY_ONE = re.compile(r"分别[^，。；、]{0,8}$")  # 咸安区社和嘉鱼县社分别出资10万元: each
CN_COUNT = re.compile(r"([一二两三四五六七八九十百]+)[个家]")
SHARE_GAP = re.compile(
    r"[，,、]?\s*(?:约)?占(?:比|到)?(?P<name>[^，。；、\d%]{0,12}?)(?:的)?(?:比重|比例)?(?:为|达到?|了)?"
)
TOTAL_WORDING = re.compile(r"共|总|合计|累计|全(?:省|市|县|区|州|旗|系统)|现有|拥有")
WHOLE_NAME = re.compile(
    r"^(?:全(?:省|市|县|区|州|旗|系统)?|本(?:省|市|县|区))|(?:总数|总量|总额|总)$"
)
COMPLETION = re.compile(
    r"(?:完成(?:了)?|为|占|达到?)(?:全年|年度|今年|本年|年初|当年)?(?:确定的|下达的)?"
    r"(?:的)?(?:目标任务|目标|任务|计划)(?:的)?$"
)
TARGET_WORDING = re.compile(r"目标|任务|计划|力争|确定|预期|争取|下达")
CHANGE_AFTER_RANGE = re.compile(  # …增加到153亿元，(五年来)增长77.9%
    r"[，,]?\s*(?:[一二三四五六七八九十两\d]+年(?:来|间|中)|其间|期间)?[，,]?"
    r"(?:共|累计|净)?(?:增加|增长|提高|提升|上升|扩大|新增|减少|下降|降低|缩减)了?(?:达到?)?"
)
PRIOR_YEAR = re.compile(r"上年|去年|上一年|同期")
BEFORE_MARK = re.compile(r"(?:比|较|与)(?:上年|去年|上年同期|(?:19|20)\d\d年(?:底|末|同期)?)的$")
YEAR = re.compile(r"(?:19|20)\d\d")
NOT_LEVELS = ("percent", "pp", "times")


@dataclass
class _Figure:
    """One figure (the first fact at its span) as the arithmetic needs it."""

    start: int
    end: int
    value: float
    unit: str
    kind: str
    metric: str
    code: str | None
    subject: str | None
    baseline: str | None
    period: str | None
    is_target: bool
    sentence: tuple[int, int]
    paragraph: int
    measure: str  # the unit, and for 'other' its word (万吨 and 吨 are both 吨)

    @property
    def is_level(self) -> bool:
        return self.kind == "level" and self.unit not in NOT_LEVELS


def find_arithmetic(text: str, facts: Iterable, relations: list[Relation]) -> list[Relation]:
    """The relations of the report's own arithmetic among its facts (loaders.extract.Fact):
    new ones are returned; the one-sentence relations given gain a before or a change printed
    elsewhere."""
    figures = _figures(text, facts)
    if not figures:
        return []
    finder = _Finder(text, figures, relations)
    found = finder.totals_and_parts()
    found += finder.shares_of_earlier_totals(found)
    finder.befores_in_other_sentences()
    finder.changes_after_ranges()
    found += finder.growth_with_both_levels()
    found += finder.completions_of_targets()
    return found


def _figures(text: str, facts: Iterable) -> list[_Figure]:
    newlines = [m.start() for m in re.finditer("\n", text)]
    figures: dict[int, _Figure] = {}
    for fact in facts:
        if fact.span_start in figures:
            continue
        measure = fact.unit
        if fact.unit == "other":
            measure = re.sub(
                r"[\d.,万亿千百十多余近约超过逾突破不足不到达以上以下左右]",
                "",
                text[fact.span_start : fact.span_end],
            )
        figures[fact.span_start] = _Figure(
            fact.span_start,
            fact.span_end,
            fact.value,
            fact.unit,
            fact.kind,
            fact.metric or "",
            fact.metric_code,
            fact.subject,
            fact.baseline,
            fact.period,
            bool(fact.is_target),
            (fact.sentence_start, fact.sentence_end),
            bisect.bisect(newlines, fact.span_start),
            measure,
        )
    return sorted(figures.values(), key=lambda f: f.start)


def _year(period: str | None) -> int | None:
    match = YEAR.search(period or "")
    return int(match.group()) if match else None


def _noun(metric: str) -> str:
    """The thing a metric counts, without the verbs before it (开展…服务的基层社 -> 基层社)."""
    return re.split(r"的|实现|完成|确定|达到|出资|全年|全市|全县|全省|共有|共", metric)[-1]


def _same_thing(a: _Figure, b: _Figure) -> bool:
    """Figures of one metric: the same canonical code, or no codes and one noun in the other."""
    if a.code or b.code:
        return a.code == b.code
    x, y = _noun(a.metric), _noun(b.metric)
    return len(x) >= 2 and len(y) >= 2 and (x in y or y in x)


class _Finder:
    def __init__(self, text: str, figures: list[_Figure], relations: list[Relation]) -> None:
        self.text = text
        self.figures = figures
        self.starts = [f.start for f in figures]
        self.by_paragraph: dict[int, list[_Figure]] = {}
        for figure in figures:
            self.by_paragraph.setdefault(figure.paragraph, []).append(figure)
        self.at = {f.start: f for f in figures}
        self.relations = relations
        self.sentences = sorted({f.sentence for f in figures})

    # -- helpers ---------------------------------------------------------------------------

    def _clause_before(self, figure: _Figure) -> str:
        """The text of the figure's clause before it (from the last ，；： of its sentence)."""
        start = figure.sentence[0]
        piece = self.text[start : figure.start]
        cut = max(piece.rfind(mark) for mark in CLAUSE_MARKS) + 1
        return piece[cut:]

    def _in(self, start: int, end: int) -> list[_Figure]:
        """The figures that start in [start, end), in order (by bisection: a report may have
        tens of thousands)."""
        return self.figures[
            bisect.bisect_left(self.starts, start) : bisect.bisect_left(self.starts, end)
        ]

    def _note(self, *figures: _Figure) -> str:
        spans = sorted({f.sentence for f in figures if f is not None})
        return " / ".join(self.text[s:e].strip() for s, e in spans)[:400]

    def _next_sentence(self, sentence: tuple[int, int]) -> tuple[int, int] | None:
        """The sentence after this one, if in the same paragraph (its end: the next 。)."""
        start = sentence[1]
        if "\n" in self.text[sentence[0] : sentence[1]] or self.text.startswith("\n", start):
            return None
        return (start, sentence_end(self.text, start))

    def _multiplier(
        self, part: _Figure, candidates: list[_Figure]
    ) -> tuple[float, int | None] | None:
        """13个县各出资200万元: (13, span of 13个); (1, None) for a part without 各; None when
        各 has no count the text gives."""
        before = self._clause_before(part)
        earlier = [f for f in candidates if part.start - len(before) <= f.end <= part.start]
        if earlier:  # 市社出资480万元、咸安区社和嘉鱼县社分别出资: only what names this part
            before = self.text[earlier[-1].end : part.start].lstrip("、和及与 ")
        each = EACH.search(before)
        if not each:
            later = [f for f in candidates if f.start > part.start]
            one = RESPECTIVELY_ONE.search(before)
            if not one or (later and self._listed_with(part, later[0])):
                return (1.0, None)
            names = [n for n in re.split(r"[、和及与]", before[: one.start()]) if n.strip()]
            return (float(len(names)), None) if len(names) >= 2 else (1.0, None)
        clause_start = part.start - len(self._clause_before(part))
        counts = [
            f for f in candidates if clause_start <= f.start < part.start and f.unit == "count"
        ]
        if counts:
            return (counts[-1].value, counts[-1].start)
        head = before[: each.start()]
        number = CN_COUNT.search(head)
        count = chinese_number(number.group(1)) if number else None
        if count:
            return (count, None)
        names = [n for n in re.split(r"[、和及与]", head) if n.strip()]
        if len(names) >= 2:  # 东城、西城、朝阳区财政各出资: three
            return (float(len(names)), None)
        return None

    def _stated_as_a_sum(self, figure: _Figure) -> bool:
        """…，合计到位1200万元: the segment before the figure (from the last ，；、) opens with
        合计/共计/总计."""
        before = self._clause_before(figure)
        return bool(TOTAL_BEFORE.match(before[before.rfind("、") + 1 :]))

    def _listed_with(self, first: _Figure, second: _Figure) -> bool:
        """Two figures of one measure in one list (…553家、联合社18家): joined by 、 or 和, no
        clause between them."""
        gap = self.text[first.end : second.start]
        return (
            first.measure == second.measure
            and first.sentence == second.sentence
            and not re.search(r"[，,；;：:。]", gap)
        )

    def _parts(
        self, total: _Figure, start: int, end: int
    ) -> tuple[list[Part], list[_Figure]] | None:
        """The parts of total's measure among the figures in [start, end), with their
        multipliers and breakdowns; None if a part named with 各 has no count."""
        inside = [f for f in self._in(start, end) if f.start != total.start]
        parts: list[Part] = []
        multipliers: set[int] = set()
        members: list[_Figure] = []
        marks = [m.start() for m in BREAKDOWN.finditer(self.text, start, end)]
        for figure in inside:
            if figure.measure != total.measure or not figure.is_level:
                continue
            if figure.start in multipliers:
                continue
            if self._stated_as_a_sum(figure):
                break  # the parts' own sum: a total of its own
            times = self._multiplier(figure, inside)
            if times is None:
                return None
            if times[1] is not None:
                multipliers.add(times[1])
                parts = [p for p in parts if p.span != times[1]]
                members = [m for m in members if m.start != times[1]]
            group = bisect.bisect(marks, figure.start) if len(marks) >= 2 else 1
            parts.append(Part(figure.start, times[0], times[1], max(group, 1)))
            members.append(figure)
        return parts, members

    def _kind_of_sum(self, parts: list[Part], members: list[_Figure]) -> str:
        """respectively_sum when the parts are a 分别 list of figures (分别为X、Y和Z)."""
        previous = None
        for part, member in zip(parts, members, strict=True):
            own = self._clause_before(member)
            if previous is not None and member.start - len(own) < previous.end:
                own = self.text[previous.end : member.start]
            if part.multiplier == 1 and "分别" in own:
                return "respectively_sum"
            previous = member
        return "sum_of_parts"

    def _made(self, relation: Relation, *figures: _Figure) -> Relation:
        relation.note = self._note(*figures)
        return relation

    def _related(self, relation_type: str, before_period: str | None = None, **roles) -> Relation:
        """A relation of figures in their roles (share=, part=, whole=, start=, end=, change=:
        the figure whose span fills <role>_span), noted with their sentences."""
        spans = {f"{role}_span": figure.start for role, figure in roles.items()}
        relation = Relation(relation_type, before_period=before_period, **spans)
        return self._made(relation, *roles.values())

    # -- totals and parts --------------------------------------------------------------------

    def totals_and_parts(self) -> list[Relation]:
        found: list[Relation] = []
        done: set[int] = set()
        for total in self.figures:
            if not total.is_level or total.start in done:
                continue
            scope = self._scope_after(total)
            if scope is not None:
                made = self._parts_after(total, *scope)
                if made:
                    found += made
                    done.add(total.start)
                    continue
            if self._stated_as_a_sum(total):
                made = self._parts_before(total)
                if made:
                    found.append(made)
                    done.add(total.start)
        return found

    def _scope_after(self, total: _Figure) -> tuple[int, int, bool] | None:
        """Where the parts of a total stand: after 其中/：right after it, to the end of its
        sentence; or the next sentence, if it opens a breakdown and the total is the only
        figure of its measure in its sentence. True last if they may be some of the parts
        only (a next sentence opening with 其中: 销售总额452.3亿元。其中，农资销售额…)."""
        sentence = total.sentence
        follow = PARTS_FOLLOW.match(self.text, total.end, sentence[1])
        if follow:
            return (follow.end(), sentence[1], False)
        same = [f for f in self._in(*sentence) if f.measure == total.measure]
        following = self._next_sentence(sentence)
        opening = following and PARTS_OPEN.match(self.text, following[0])
        if len(same) == 1 and opening:
            return (*following, opening.group().strip() == "其中")
        return None

    def _parts_after(self, total: _Figure, start: int, end: int, some: bool) -> list[Relation]:
        made = self._parts(total, start, end)
        if made is None:
            return []
        parts, members = made
        groups = sorted({p.group for p in parts})
        kind = "parts_within_total" if some else self._kind_of_sum(parts, members)
        relations = []
        if len(groups) >= 2:
            by_group = {g: [p for p in parts if p.group == g] for g in groups[:2]}
            if any(len(ps) < 2 for ps in by_group.values()):
                return []
            for ps in by_group.values():
                relations.append(
                    Relation(
                        kind,
                        whole_span=total.start,
                        relation_key=f"{total.start}:{ps[0].span}",
                        parts=[Part(p.span, p.multiplier, p.multiplier_span) for p in ps],
                    )
                )
            both = by_group[groups[0]] + by_group[groups[1]]
            relations.append(
                Relation(
                    "split_two_ways",
                    whole_span=total.start,
                    relation_key=f"{total.start}:{by_group[groups[0]][0].span}:{by_group[groups[1]][0].span}",
                    parts=[
                        Part(
                            p.span,
                            p.multiplier,
                            p.multiplier_span,
                            1 if i < len(by_group[groups[0]]) else 2,
                        )
                        for i, p in enumerate(both)
                    ],
                )
            )
        elif len(parts) >= 2:
            parts = [Part(p.span, p.multiplier, p.multiplier_span, 1) for p in parts]
            relations.append(
                Relation(
                    kind,
                    whole_span=total.start,
                    relation_key=f"{total.start}:{parts[0].span}",
                    parts=parts,
                )
            )
        return [self._made(r, total, *members) for r in relations]

    def _parts_before(self, total: _Figure) -> Relation | None:
        """…分别为7.2万吨、3.5万吨和1.9万吨，合计12.6万吨: the parts before the sum, in its
        sentence (after the sentence's previous total, if any)."""
        start = total.sentence[0]
        made = self._parts(total, start, total.start)
        if made is None:
            return None
        parts, members = made
        if len(parts) < 2 or len({p.group for p in parts}) > 1:
            return None
        kind = self._kind_of_sum(parts, members)
        return self._made(
            Relation(
                kind,
                whole_span=total.start,
                relation_key=f"{total.start}:{parts[0].span}",
                parts=parts,
            ),
            total,
            *members,
        )

    # -- shares --------------------------------------------------------------------------

    def shares_of_earlier_totals(self, sums: list[Relation]) -> list[Relation]:
        """N家，占比P% (or 占全市的P%) where the sentence gives no whole: the total of the same
        thing printed earlier in the paragraph (a total's wording: 共有, 全市, 总 …)."""
        related = {r.share_span for r in self.relations if r.share_span is not None}
        totals = {  # 8000万元，其中市财政3000万元，占37.5%: a part's share is of its total
            p.span: self.at[r.whole_span]
            for r in sums
            if r.relation_type != "split_two_ways"
            for p in r.parts
            if p.multiplier == 1
        }
        found = []
        for index, share in enumerate(self.figures):
            if share.unit != "percent" or share.kind != "share_pct" or share.start in related:
                continue
            if index == 0:
                continue
            part = self.figures[index - 1]
            gap = SHARE_GAP.fullmatch(self.text, part.end, share.start)
            if not gap or not part.is_level or part.sentence != share.sentence:
                continue
            if index >= 2 and self._listed_with(self.figures[index - 2], part):
                continue  # 553家、联合社18家，占…77%: of which of them, the text does not say
            name = WHOLE_NAME.sub("", gap.group("name") or "")
            whole = totals.get(part.start) or self._whole_of(part, name)
            if whole is not None:
                found.append(self._related("share_of_total", share=share, part=part, whole=whole))
        return found

    def _whole_of(self, part: _Figure, name: str) -> _Figure | None:
        earlier = [
            f
            for f in self.by_paragraph[part.paragraph]
            if f.start < part.start
            and f.measure == part.measure
            and f.is_level
            and f.value > 0
            and f.subject == part.subject
        ]
        worded = [f for f in earlier if TOTAL_WORDING.search(self._clause_before(f))]
        if name:  # 占全县农民专业合作社总数的77%: that total, or none
            named = [f for f in worded if name in f.metric or _noun(f.metric) in name]
            return named[-1] if named and len(_noun(named[-1].metric)) >= 2 else None
        same = [f for f in worded if _same_thing(f, part)]
        if same:
            return same[-1]
        return None

    # -- befores and changes ---------------------------------------------------------------

    def befores_in_other_sentences(self) -> None:
        """到2024年底，覆盖率达到81.2%，提高12.7个百分点 after 2023年底，覆盖率为68.5%: the
        before of a pp or absolute change printed in an earlier sentence of the paragraph."""
        for relation in self.relations:
            if relation.relation_type not in ("pp_change", "change") or relation.start_span:
                continue
            end, change = self.at.get(relation.end_span), self.at.get(relation.change_span)
            if end is None or change is None:
                continue
            before = self._before_of(end, change.baseline)
            if before is not None:
                relation.start_span = before.start
                relation.before_period = relation.before_period or str(_year(before.period))
                relation.note = self._note(before, end, change)

    def _before_of(self, end: _Figure, baseline: str | None) -> _Figure | None:
        year_after = _year(end.period)
        wanted = _year(baseline)
        if wanted is None and baseline and PRIOR_YEAR.search(baseline) and year_after:
            wanted = year_after - 1
        candidates = []
        for figure in self.by_paragraph[end.paragraph]:
            if figure.start >= end.sentence[0]:
                continue
            if (figure.measure, figure.kind, figure.subject) != (
                end.measure,
                end.kind,
                end.subject,
            ):
                continue
            if figure.is_target or not _same_thing(figure, end):
                continue
            year = _year(figure.period)
            if year is None or (wanted is not None and year != wanted):
                continue
            if wanted is None and (year_after is None or year >= year_after):
                continue
            candidates.append(figure)
        return candidates[-1] if candidates else None

    def changes_after_ranges(self) -> None:
        """由98个增加到156个，增加58个 / …，增长59.2%: the change printed after a range."""
        for relation in self.relations:
            if relation.relation_type != "range" or relation.change_span is not None:
                continue
            end = self.at.get(relation.end_span)
            if end is None:
                continue
            after = [f for f in self._in(end.end, end.sentence[1])]
            if not after:
                continue
            change = after[0]
            if not CHANGE_AFTER_RANGE.fullmatch(self.text, end.end, change.start):
                continue
            relative = (  # a growth of a coverage in percent would be read as its points
                change.kind in ("growth_pct", "yoy_growth_pct")
                and change.unit == "percent"
                and end.unit != "percent"
            )
            absolute = change.kind in ("other", "pp_change") and (
                change.measure == end.measure or (change.unit == "pp" and end.unit == "percent")
            )
            if relative or absolute:
                relation.change_span = change.start

    def growth_with_both_levels(self) -> list[Relation]:
        """2024年农产品销售额52.8亿元，比上年增长10% with 2023年…为48亿元 printed too."""
        changes = {r.change_span for r in self.relations if r.change_span is not None}
        found = []
        for index, growth in enumerate(self.figures):
            if growth.kind not in ("growth_pct", "yoy_growth_pct") or growth.unit != "percent":
                continue
            if growth.start in changes or index == 0:
                continue
            end, before = self.figures[index - 1], None
            if index >= 2 and BEFORE_MARK.search(self.text, end.sentence[0], end.start):
                # 销售额12亿元，比上年的10亿元增长20%: the before between the level and its growth
                end, before = self.figures[index - 2], end
                if (end.measure, end.sentence) != (before.measure, before.sentence):
                    continue
            elif not _same_thing(end, growth):
                continue
            if not end.is_level or end.sentence != growth.sentence:
                continue
            before = before or self._previous_level(end, growth.baseline)
            if before is not None:
                found.append(
                    self._related("growth", growth.baseline, start=before, end=end, change=growth)
                )
        return found

    def _previous_level(self, end: _Figure, baseline: str | None) -> _Figure | None:
        year_after = _year(end.period)
        wanted = _year(baseline)
        if wanted is None and baseline and PRIOR_YEAR.search(baseline) and year_after:
            wanted = year_after - 1
        if wanted is None:
            return None
        for figure in self.by_paragraph[end.paragraph]:
            if figure.start == end.start:
                continue
            if (figure.measure, figure.subject) != (end.measure, end.subject):
                continue
            if not figure.is_level or figure.is_target or not _same_thing(figure, end):
                continue
            said = (
                PRIOR_YEAR.search(self._clause_before(figure)) and wanted == (year_after or 0) - 1
            )
            if _year(figure.period) == wanted or said:  # …，上年同期为3亿元
                return figure
        return None

    # -- targets ----------------------------------------------------------------------------

    def completions_of_targets(self) -> list[Relation]:
        """完成年度任务的96% after 销售总额144亿元, against 全年实现销售总额150亿元的目标 set
        earlier in the report."""
        related = {r.share_span for r in self.relations if r.share_span is not None}
        found = []
        for index, ratio in enumerate(self.figures):
            if ratio.unit != "percent" or index == 0 or ratio.start in related:
                continue
            if not COMPLETION.search(self._clause_before(ratio)):
                continue
            done = self.figures[index - 1]
            if not done.is_level or done.sentence != ratio.sentence:
                continue
            targets = [
                f
                for f in self.figures
                if f.start < done.start
                and f.measure == done.measure
                and f.is_level
                and f.value > 0
                and f.subject == done.subject
                and _same_thing(f, done)
                and (f.is_target or TARGET_WORDING.search(self.text[f.sentence[0] : f.end + 6]))
            ]
            if targets:
                target = targets[-1]
                found.append(
                    self._related("target_completion", share=ratio, part=done, whole=target)
                )
        return found
