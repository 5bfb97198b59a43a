"""Extract every figure of a report: a pure function, text in, facts and their relations out.

The steps, each a module of its own: numbers (the quantities of a sentence), places and
subjects (whose figure it is), metrics (what it measures), baselines and relations (what it is
measured against, and the before of an after). This module reads a report sentence by sentence
and puts the steps together."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from loaders.arithmetic import find_arithmetic
from loaders.baselines import BASELINE, PRIOR_YEAR, baseline, years_before
from loaders.metrics import PART_OF_YEAR, Metric, clean_metric, coverage_code, metric_code
from loaders.numbers import Quantity, find_quantities
from loaders.places import places_from_rows
from loaders.relations import Figure, Relation, find_relations
from loaders.subjects import (
    NATIONAL,
    Context,
    Gazetteer,
    Group,
    Subject,
    continues,
    subject_mentions,
)
from loaders.table_figures import TableReader

__all__ = [
    "NATIONAL",
    "Extraction",
    "ExtractionLimit",
    "Fact",
    "Gazetteer",
    "extract",
    "extract_facts",
]

GROWTH_VERBS = re.compile(r"(增长|增加|提高|提升|上升|增幅|增速|扩大)(?:了|达到?|为)?$")
DECREASE_VERBS = re.compile(
    r"(下降|减少|降低|减|降幅|减幅|跌幅|(?:下降|下滑)幅度|下滑|回落|压降|缩减)"
    r"(?:分别)?(?:了|为|是|达到?)?$"  # 降幅分别为4.2%、3.3%: a list of falls, not of shares
)
# a percentage that falls by points: 空置率下降2.4个百分点, 亏损面缩小3.1个百分点
POINTS_DOWN = re.compile(r"(?:下降|降低|减少|回落|收窄|缩小|下滑|放缓|回调|压降|降)了?$")
FALL_RATE = re.compile(r"(?:降幅|减幅|跌幅|下降幅度|下滑幅度)[^，；]{0,12}$")  # 降幅收窄: a rise
COMPARED_TO_AVERAGE = re.compile(
    r"(?:高于|低于|高出|低出|超过|超出|领先|落后|比|较)[^，。；]{0,10}(?:平均|均值)"
)
# 大围山镇、永安镇供销社分别新建…: townships (their co-ops) at the head of a clause
TOWN = r"(?![全各本该每])[\u4e00-\u9fff]{2,4}?(?:镇|乡|街道)"
TOWNS = re.compile(rf"^[，,；;\s]*((?:{TOWN})(?:[、和及与]{TOWN})*)(?:供销社|供销合作社|基层社)")
RATE = re.compile(r"(?:率|占比|比重|比例)$")
YEAR_OF = re.compile(r"(?:19|20)\d\d年")
GROWTH_RATE = re.compile(r"增速|增幅|涨幅|降幅|减幅|增长率|增长速度")  # a rate, not its level
# a network that reaches a share of the villages or townships covers them (its object names it)
REACHES = re.compile(r"(?:覆盖|延伸|辐射|通达|进入|开进|进驻|遍及|深入)[^，；]*$")
COVERED_OBJECT = re.compile(
    r"(?:以上|左右)?(?:[、和及与]\s*\d+(?:\.\d+)?[%％](?:以上|左右)?)*的[^，。；]{0,6}?"
    r"(?:行政村|村|乡镇|社区|苏木|嘎查)(?!级)"
)
# what a metric's name ends in: a sum, an amount, a count, a rate (销售额, 利润, 面积, 覆盖率)
METRIC_HEAD = re.compile(r"(?:销售额|零售额|购进额|收购额|交易额|营业额|销售量|供应量)$")
NAMED_HEAD = re.compile(
    r"(?:额|量|率|数|收入|利润|总额|面积|权益|费用|资产|社|户|人|企业|占比|比重)$"
)
AVERAGE_GROWTH = re.compile(r"年均(?:增长|增速|增幅|递增)")
CUMULATIVE = re.compile(r"累计|总数|总量|共有|合计")
NEWLY = re.compile(r"^(?:新增|新建|新发展|当年新增|全年新增)")
TARGET = re.compile(r"预期目标|目标是|力争|计划到|争取到|预计|将达到|要达到|到20\d\d年")
RANGE_MARK = re.compile(r"由$|从$|(?:提升|提高|增加|增长|上升|发展)(?:到|至)$|增至$")
# Full-width digits and signs read as ASCII, one character for one, so offsets do not move.
FULL_WIDTH = str.maketrans("０１２３４５６７８９．％／", "0123456789.%/")
SENTENCE_END = re.compile(r"[。！？!?\n]")
CLAUSE_END = re.compile(r"[，；：,;:。！？!?\n]")
WHOLE = re.compile(r"^全(省|市|县|区|州|旗)")
MAX_SENTENCE = 2_000  # characters read together; a longer run is cut at its clauses
MAX_FIGURES = 50_000  # figures in one report
TIME_BUDGET = 60.0  # seconds to read one report
NUMBER_CHARS = set("0123456789.%万亿千百十多余")
CHANGES = ("growth_pct", "yoy_growth_pct", "pp_change", "ratio", "other")


@dataclass
class Fact:
    """One figure of a report, with the fact columns of the brief."""

    report_id: str
    span_start: int
    span_end: int
    number_text: str
    value: float
    unit: str
    kind: str
    qualifier: str
    metric: str
    metric_code: str | None
    subject: str | None
    baseline: str | None
    period: str | None
    is_target: bool
    sentence_start: int = 0
    sentence_end: int = 0
    subject_text: str | None = None
    region_code: str | None = None

    def as_row(self) -> dict:
        return dict(vars(self))  # a flat copy: as asdict, without its deep copy


@dataclass
class Extraction:
    """What the extractor read in one report: its unit, its facts and their relations."""

    unit_code: str | None
    facts: list[Fact] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    held: list[tuple[Fact, str]] = field(default_factory=list)  # figures kept out, and why

    def hold(self, facts: list[Fact], reason_of) -> None:  # reason_of: Fact -> str
        """Move facts out of those to load into held, each with its reason."""
        ids = {id(fact) for fact in facts}
        self.held.extend((fact, reason_of(fact)) for fact in facts)
        self.facts = [fact for fact in self.facts if id(fact) not in ids]


def hold_by_position(extractions: Sequence[Extraction], reasons: dict[int, str]) -> None:
    """Hold back, with its reason, the fact at each position of the extractions' facts taken
    one after another (the rows the door in checked as one batch)."""
    start = 0
    for extraction in extractions:
        facts = extraction.facts
        held = {id(f): reasons[i] for i, f in enumerate(facts, start) if i in reasons}
        start += len(facts)
        if held:
            extraction.hold(
                [f for f in facts if id(f) in held], lambda fact, held=held: held[id(fact)]
            )


def extract_facts(text: str, report_id: str, gazetteer: Gazetteer | None = None) -> list[Fact]:
    """Every quantitative figure of text, with spans (Python str offsets) and fact columns."""
    return extract(text, report_id, gazetteer).facts


class ExtractionLimit(ValueError):
    """A text over one of the extractor's limits; the message says which."""


def extract(
    text: str,
    report_id: str,
    gazetteer: Gazetteer | None = None,
    time_budget: float = TIME_BUDGET,
) -> Extraction:
    """Every figure of text and the relations between them (range, pp_change, change, share).

    Linear in the text: a 'sentence' longer than MAX_SENTENCE characters is read in windows cut
    at its clauses. Raises ExtractionLimit past MAX_FIGURES figures or time_budget seconds."""
    started = time.perf_counter()
    original, text = text, text.translate(FULL_WIDTH)  # same length: spans stay valid
    gazetteer = gazetteer or Gazetteer()
    context = Context(gazetteer, text)
    result = Extraction(context.unit_code)
    tables = TableReader(text, report_id)  # a table's rows are read by loaders.table_figures
    for start, end in _sentences(text):
        if len(result.facts) > MAX_FIGURES:
            raise ExtractionLimit(
                f"has more than {MAX_FIGURES:,} figures, the limit for one report; "
                "split it into smaller files"
            )
        if time.perf_counter() - started > time_budget:
            raise ExtractionLimit(
                f"took more than {time_budget:.0f} s to read, the time limit for one report "
                f"(stopped at character {start:,} of {len(text):,})"
            )
        if tables.take(start, context):
            continue
        sentence = text[start:end]
        context.see(sentence)
        quantities = find_quantities(sentence)
        if quantities:
            facts = _facts_of_sentence(text, start, end, quantities, context, report_id)
            result.facts.extend(facts)
            relations = _relations(sentence, start, facts)
            _growth_over_a_range(facts, relations)
            result.relations.extend(relations)
        # a baseline carries on within a paragraph: …比上年增长8%。其中…增长9%
        own = baseline(sentence)
        paragraph_ends = sentence.endswith("\n") or text.startswith("\n", end)
        context.baseline = None if paragraph_ends else (own if own[1] else context.baseline)
    for fact in result.facts:  # as printed, full-width digits and all
        fact.number_text = original[fact.span_start : fact.span_end]
    result.relations += find_arithmetic(text, result.facts, result.relations)  # across sentences
    tables.add_to(result, original)
    return result


def _growth_over_a_range(facts: list[Fact], relations: list[Relation]) -> None:
    """从2016年的98个增加到2023年的156个，增长59.2%: a growth after a range, of the same metric
    and subject, with no baseline of its own, is over the range: from the range's start year."""
    for relation in relations:
        if relation.relation_type != "range" or not relation.before_period:
            continue
        end = next(f for f in facts if f.span_start == relation.end_span)
        for fact in facts:
            if (
                fact.span_start > end.span_start
                and fact.kind == "growth_pct"
                and fact.baseline is None
                and (fact.metric_code, fact.subject) == (end.metric_code, end.subject)
            ):
                fact.baseline = relation.before_period


def _sentences(text: str) -> Iterable[tuple[int, int]]:
    start = 0
    for match in SENTENCE_END.finditer(text):
        if match.end() - start > 1:
            yield from _windows(text, start, match.end())
        start = match.end()
    if start < len(text):
        yield from _windows(text, start, len(text))


def _windows(text: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    """[start, end) in pieces of at most MAX_SENTENCE characters, cut after a clause mark
    (，；、) where there is one in the second half of the piece, never inside a number."""
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        cut = max(text.rfind(mark, start + MAX_SENTENCE // 2, limit) for mark in "，；、,;") + 1
        if cut <= start:
            cut = limit
            while cut > start + 1 and (text[cut - 1] in NUMBER_CHARS or text[cut] in NUMBER_CHARS):
                cut -= 1
        yield start, cut
        start = cut
    yield start, end


def _relations(sentence: str, offset: int, facts: list[Fact]) -> list[Relation]:
    figures, seen = [], set()
    for fact in facts:  # one figure per span (a coverage shared by several units has rows each)
        if fact.span_start not in seen:
            seen.add(fact.span_start)
            figures.append(
                Figure(
                    fact.span_start - offset,
                    fact.span_end - offset,
                    fact.kind,
                    fact.unit,
                    fact.baseline,
                )
            )
    return find_relations(sentence, offset, figures)


# ---------------------------------------------------------------------------------------------
# Reading a sentence


@dataclass
class _Respectively:
    """A quantity in a run after 分别: its position, and the metrics or subjects named for it."""

    position: int
    size: int
    metrics: list[str]
    subjects: list[Subject]


def _facts_of_sentence(
    text: str,
    start: int,
    end: int,
    quantities: list[Quantity],
    context: Context,
    report_id: str,
) -> list[Fact]:
    sentence = text[start:end]
    mentions = context.mentions(sentence)
    facts: list[Fact] = []
    is_target = bool(TARGET.search(sentence))
    runs = _respectively_runs(sentence, quantities, mentions, context)
    level_metrics: list[str] = []  # metrics of the levels so far, for 分别 without names
    run_kind = None
    last_end_by_clause: dict[int, int] = {}
    carried: list[Subject] | None = None  # subjects named in an earlier clause of the sentence
    seen_to = 0
    for index, quantity in enumerate(quantities):
        clause_start = _clause_start(sentence, quantity.start)
        prev_end = last_end_by_clause.get(clause_start, clause_start)
        first_in_clause = clause_start not in last_end_by_clause
        last_end_by_clause[clause_start] = quantity.end
        before_clause = sentence[clause_start : quantity.start]
        own_text = sentence[prev_end : quantity.start]
        baseline_text, baseline_kind = baseline(sentence[: quantity.start])
        if baseline_kind is None and context.baseline:
            baseline_text, baseline_kind = context.baseline
        kind, value, unit = _kind(sentence, quantity, before_clause, own_text, baseline_kind)
        metric = clean_metric(own_text)
        if not metric and not first_in_clause and facts:
            metric = facts[-1].metric  # 由2016年的9个增加到24个: the metric of the first
        metric = metric or clean_metric(before_clause)
        metric = metric or _noun_after(sentence[quantity.end : quantity.end + 16])
        if not metric and facts:
            metric = facts[-1].metric  # 经营面积23万平方米，比改革前增长了263.8%
            if CUMULATIVE.search(own_text):  # 新增社员1.2万户，累计达到23.6万户: all of them
                metric = NEWLY.sub("", metric)
            if kind == "share_pct" and facts[-1].kind != "share_pct" and not RATE.search(metric):
                metric = f"{metric}占比"  # 农民代表102人，占比71%: the share of what it counted
        if kind == "share_pct" and "覆盖率" in metric:  # 覆盖率提高了5个百分点，达到98%
            kind = "coverage_pct"
        rate = GROWTH_RATE.search(own_text)
        if kind == "pp_change" and rate:  # 增速较上半年提高1.1个百分点: of the growth rate
            metric = _growth_rate_metric(own_text[: rate.start()], rate.group(), facts, context)
        if first_in_clause and re.search(r"[^，；：,;:\s]", sentence[seen_to:clause_start]):
            # clauses with no figure: the last may name the place the next one goes on about
            carried = _named_between(context, sentence, seen_to, clause_start, mentions)
        seen_to = quantity.end
        heads = subject_mentions(sentence, clause_start, quantity.start, mentions)
        subjects = _subjects(context, heads, kind, before_clause)
        if subjects is None:
            subjects = _unnamed_subjects(context, before_clause, carried)
        carried = subjects
        run = runs.get(index)
        if run is not None:
            if run.position < len(run.metrics):
                metric = run.metrics[run.position] or metric
            elif not run.metrics and len(level_metrics) >= run.size:
                metric = level_metrics[len(level_metrics) - run.size + run.position]
            if run.subjects:
                subjects = [run.subjects[run.position]]
            if run.position > 0 and run_kind is not None:
                kind, value, unit = run_kind[0], run_kind[1](quantity.value), quantity.unit
            elif run.position == 0:
                sign = -1.0 if value < 0 < quantity.value else 1.0
                run_kind = (kind, lambda v, sign=sign: sign * v)
        gap = unit == "pp" and kind == "other"  # to an average: measured against no time
        base = baseline_text if baseline_kind and kind in CHANGES and not gap else None
        if kind == "yoy_growth_pct":
            base = PRIOR_YEAR
        code = metric_code(metric, context.gazetteer.metrics, unit, kind)
        if not _is_coverage(code, context.gazetteer.metrics) and (
            kind == "coverage_pct" or (kind == "pp_change" and "覆盖" in metric)
        ):  # a coverage without its dictionary wording (覆盖率比2016年提高35个百分点 too)
            after = sentence[quantity.end : quantity.end + 12]
            text = before_clause if kind == "coverage_pct" else metric
            code = coverage_code(text, after, context.gazetteer.metrics) or code
        period = _period(sentence[: quantity.start], baseline_text)
        if base and baseline_kind == "years_before" and period and YEAR_OF.match(period):
            base = str(int(period[:4]) - (years_before(base) or 0))  # 2023年…五年来: 2018
        if kind == "level":
            level_metrics.append(metric)
        for subject in subjects:
            facts.append(
                Fact(
                    report_id=report_id,
                    span_start=start + quantity.start,
                    span_end=start + quantity.end,
                    number_text=quantity.text,
                    value=value,
                    unit=unit,
                    kind=kind,
                    qualifier=quantity.qualifier,
                    metric=metric,
                    metric_code=code,
                    subject=subject.subject_id,
                    baseline=base,
                    period=period,
                    is_target=is_target,
                    sentence_start=start,
                    sentence_end=end,
                    subject_text=subject.text,
                    region_code=subject.region_code,
                )
            )
    return facts


def _growth_rate_metric(named: str, rate: str, facts: list[Fact], context: Context) -> str:
    """The growth rate a change in points measures: of the metric named before it (销售总额增幅
    较上年回落0.8个百分点), else of the growth just before it in the sentence (销售总额同比增长
    8.6%，增速较上半年提高1.1个百分点: 销售总额增速), never the level's metric nor a coverage."""
    named = clean_metric(named)
    metrics = context.gazetteer.metrics
    grown = next((f for f in reversed(facts) if f.kind in ("growth_pct", "yoy_growth_pct")), None)
    if grown is not None and not metric_code(named, metrics, "percent", "growth_pct"):
        named = grown.metric
    return f"{named}{rate}"


def _is_coverage(code: str | None, metrics: Sequence[Metric]) -> bool:
    return code is not None and any(m.code == code and m.category == "coverage" for m in metrics)


def _subjects(context: Context, heads: list, kind: str, before_clause: str) -> list[Subject] | None:
    """The subjects of a figure from the places at the head of its clause, or None if it
    names none. Several units named together share a coverage figure (one row each); naming
    the whole pilot type, or a part of it for other figures, means its pooled result. A place
    several divisions share gives no subject id: the figure is held for review."""
    if not heads:
        return None
    gazetteer = context.gazetteer
    ambiguous = [m for m in heads if m.code is None]
    if ambiguous:
        places = gazetteer.places
        names = " or ".join(places.display_name(c) for c in ambiguous[0].candidates)
        return [Subject(None, None, f"{ambiguous[0].text}: {names}; the text does not say which")]
    units = list(dict.fromkeys(m.code for m in heads))
    ids = [gazetteer.subject_of(code) for code in units]
    group = context.subject.subject_id if context.group_units else None
    if len(units) == 1:
        return [Subject(ids[0], units[0], before_clause)]
    if group and set(ids) >= context.group_units:
        return [Subject(group, None, before_clause)]
    if kind == "coverage_pct":
        return [Subject(i, code, before_clause) for i, code in zip(ids, units, strict=True)]
    if group:
        return [Subject(group, None, before_clause)]
    return [Subject(ids[0], units[0], before_clause)]


def _named_between(
    context: Context, sentence: str, start: int, end: int, mentions: list
) -> list[Subject] | None:
    """The subjects named by the clause just before end, if it has no figure (山东省供销社持续
    推进土地托管服务，全省…); a topic is carried one clause on, no further."""
    clauses = list(re.finditer(r"[^，；：,;:。！？!?\n]+", sentence[start:end]))
    if not clauses:
        return None
    last = clauses[-1]
    heads = subject_mentions(sentence, start + last.start(), start + last.end(), mentions)
    return _subjects(context, heads, "level", last.group())


def _unnamed_subjects(
    context: Context, before_clause: str, carried: list[Subject] | None
) -> list[Subject]:
    """Whose the figures of a clause that names no place are. 全省/全市/全县 mean the section's
    unit if it is a 省/市/县, else the unit named before in the sentence (浙江、山东…；山东省供销社
    …，全省…). Otherwise a clause goes on about the place of the clause before (a topic chain:
    海南州供销社领办…86家，电商销售额增长42%); in a pilot type's summary, only a clause that opens
    with a verb or a comparison does (…由75%提升到85%，改造后的基层社平均每个… is pooled)."""
    towns = TOWNS.match(before_clause)
    if towns:  # the divisions stop at the county: whose it is, a reviewer says
        return [Subject(None, None, f"{towns.group(1)}: below a county, not in the divisions")]
    whole = WHOLE.match(re.sub(r"^[，,、；;\s]*(?:其中|同时)?[，,\s]*", "", before_clause))
    if whole:
        for subjects in ([context.subject], carried or []):
            if len(subjects) == 1 and _is_a(context, subjects[0], whole.group(1)):
                return subjects
        return [context.subject]
    if not carried:
        return [context.subject]
    if not context.group_units:
        return carried
    wordings = [m.wording for m in context.gazetteer.metrics]
    return carried if continues(before_clause, wordings) else [context.subject]


def _is_a(context: Context, subject: Subject, level_word: str) -> bool:
    """True if the subject is a place whose name ends in level_word (省, 市, 县, 区, 州, 旗)."""
    places = context.gazetteer.places
    division = places.divisions.get(subject.region_code or "") if places else None
    return division is not None and division.full_name.endswith(level_word)


def _noun_after(after: str) -> str:
    """全县18个基层社吸纳…: the figure counts the noun after it."""
    noun = re.match(
        r"[^，。；、：,;:]*?(?=吸纳|全部|共|实现|建立|召开|开展|的|在|中|，|。|；|、|$)", after
    )
    return noun.group(0)[:12] if noun else ""


def _clause_start(sentence: str, position: int) -> int:
    start = 0
    for match in CLAUSE_END.finditer(sentence, 0, position):
        start = match.end()
    return start


def _respectively_runs(
    sentence: str, quantities: list[Quantity], mentions: list, context: Context
) -> dict[int, _Respectively]:
    """Quantities that follow 分别 in one run ('A、B和C分别增长X%、Y%和Z%'), with the names they
    pair with in order: metrics, or places (瑞金市、于都县、兴国县供销社销售总额分别增长…). No
    names means they came in an earlier clause (销售总额5亿元、利润2000万元，分别增长…)."""
    runs: dict[int, _Respectively] = {}
    previous: list[Subject] = []
    for match in re.finditer("分别", sentence):
        after = [i for i, q in enumerate(quantities) if q.start > match.end()]
        if not after:
            continue
        members = [after[0]]
        for i in after[1:]:
            gap = sentence[quantities[members[-1]].end : quantities[i].start]
            if re.fullmatch(r"[、，,和及与\s]*(?:增长|增加|下降|减少|提高)?", gap):
                members.append(i)
            else:
                break
        if len(members) < 2:
            continue
        clause_start = _clause_start(sentence, match.start())
        heads = subject_mentions(sentence, clause_start, match.start(), mentions)
        names_from = heads[-1].end if heads else clause_start
        towns = TOWNS.match(sentence[clause_start : match.start()])
        if towns:  # 佛堂镇、赤岸镇供销社农资销售额分别…: one metric, the towns' (unknown places)
            names_from = clause_start + towns.end()
        names = _metric_names(sentence[names_from : match.start()])
        if towns:
            names = names[-1:] * len(members)
        subjects = []
        if len(names) != len(members):  # the places pair with the figures, not the metrics
            subjects = _run_subjects(context, heads, len(members))
            names = names[-1:] * len(members) if subjects and names else []
        if not names and not subjects and previous and len(previous) == len(members):
            subjects = previous  # 浙江、山东、江苏…分别达到…，分别比上年增长…
        previous = subjects or previous
        for position, i in enumerate(members):
            runs[i] = _Respectively(position, len(members), names, subjects)
    return runs


def _metric_names(text: str) -> list[str]:
    """The metrics listed before 分别: 汇总农产品购进额、居民生活服务营业额、电商销售额较试点前."""
    text = re.sub(r"(?:相比|比|较|与)$", "", BASELINE.sub("", text))
    names = [clean_metric(n) for n in re.split(r"[、和及与]", text)]
    names = [re.sub(r"^.*?(?:供销合作社|供销社)", "", n) for n in names if n]
    head = METRIC_HEAD.search(names[-1]) if names else None
    if head and len(names) > 1:  # 化肥和农药销售额: 化肥销售额 and 农药销售额
        names = [n if NAMED_HEAD.search(n) else n + head.group() for n in names[:-1]] + names[-1:]
    return names


def _run_subjects(context: Context, heads: list, size: int) -> list[Subject]:
    """The places a 分别 run pairs its figures with, if there is one place per figure."""
    codes = [m.code for m in heads]
    if len(codes) != size or None in codes or len(set(codes)) != size:
        return []
    gazetteer = context.gazetteer
    return [
        Subject(gazetteer.subject_of(code), code, m.text)
        for code, m in zip(codes, heads, strict=True)
    ]


def _kind(
    sentence: str, quantity: Quantity, before_clause: str, own_text: str, baseline_kind: str | None
) -> tuple[str, float, str]:
    value, unit = quantity.value, quantity.unit
    after = sentence[quantity.end : quantity.end + 8]
    change = "yoy_growth_pct" if baseline_kind == "prior_year" else "growth_pct"
    if quantity.extra.get("full"):
        return "coverage_pct", 100.0, "percent"
    if quantity.extra.get("doubling"):
        return change, value, unit
    if unit == "pp":  # 高于全省平均水平3个百分点: a gap to an average, no change over time
        if COMPARED_TO_AVERAGE.search(own_text):
            return "other", value, unit
        if POINTS_DOWN.search(own_text):  # fewer points; a fall that narrows is a rise
            return "pp_change", value if FALL_RATE.search(own_text) else -value, unit
        return "pp_change", value, unit
    range_start = re.match(r"^(?:提升|提高|增加|增长|上升|下降|减少|发展)?(?:到|至)", after)
    in_range = range_start is not None or RANGE_MARK.search(own_text)
    if unit == "times":
        if re.search(r"(增长|提高|增加)了?$", own_text):
            return change, round(value * 100, 6), "percent"
        if DECREASE_VERBS.search(own_text):
            return "other", value, unit
        return "ratio", value, unit  # 是2016年的2.1倍
    if unit == "percent":
        if re.search(r"节约|节省|降低成本", own_text[-6:]) or AVERAGE_GROWTH.search(own_text):
            return "other", value, unit  # 年均增长11.4%: a yearly average, no growth over years
        if "覆盖" in before_clause:
            return "coverage_pct", value, unit
        if re.match(r"^的[^，。；]{0,8}(?:社|乡镇|村)", after) and re.search(
            r"设立|建立|实现|覆盖|召开", sentence[quantity.end : quantity.end + 24]
        ):
            return "coverage_pct", value, unit
        if REACHES.search(own_text) and COVERED_OBJECT.match(sentence, quantity.end):
            return "coverage_pct", value, unit  # 冷链网络延伸到76%的乡镇: a township coverage
        if (
            not in_range
            and GROWTH_VERBS.search(own_text)
            or _respectively_growth(before_clause, own_text)
        ):
            return change, value, unit
        if not in_range and DECREASE_VERBS.search(own_text):
            return change, -value, unit
        return "share_pct", value, unit
    if not in_range and re.search(r"(?:增加|减少|新增)了?$", own_text) and baseline_kind:
        return "other", value if "减少" not in own_text[-3:] else -value, unit
    if not in_range and re.search(r"(?:增加|减少)了?$", own_text):
        return "other", value if "增加" in own_text[-3:] else -value, unit
    return "level", value, unit


def _respectively_growth(before_clause: str, own_text: str) -> bool:
    """A later member of 分别增长X%、Y%: its own text is only a separator."""
    return bool(
        re.search(r"分别(?:增长|提高|上升|增加)", before_clause)
        and re.fullmatch(r"[、，,和及与\s]*", own_text)
    )


PERIOD = re.compile(
    rf"(?:截至|截止)?((?:19|20)\d\d年(?:底|末|{PART_OF_YEAR})?|(?<![\d年]){PART_OF_YEAR})"
)


def _period(before: str, baseline_text: str | None) -> str | None:
    """The date a figure speaks of, from the text before it: the last year, month or part of a
    year named (2019年底, 1-11月, 上半年), but not its baseline, nor the year of the start of a
    range it ends (由2016年的12万亩增加到45万亩: 2016 is the 12万亩's, not the 45万亩's)."""
    last = None
    for match in PERIOD.finditer(before):
        if baseline_text and match.group(1).startswith(baseline_text):
            continue
        if before[match.start() - 1 : match.start()] in ("比", "较", "与"):
            continue  # 增速比一季度回升…: a baseline, not the date of what follows
        if before[match.start() - 1 : match.start()] in ("由", "从") and before[
            match.end() :
        ] not in ("", "的"):
            continue
        last = match.group(1)
    return last


# ---------------------------------------------------------------------------------------------
# The gazetteer from the seeds


def gazetteer_from_rows(
    pilots: Sequence[dict],
    regions: Sequence[dict],
    pilot_types: Sequence[dict],
    metrics: Sequence[dict],
) -> Gazetteer:
    """Build a gazetteer from the seed rows (pilots, regions, pilot types, metric wordings)."""
    places = places_from_rows(regions, [(p["name"], p["region_code"]) for p in pilots])
    groups = tuple(Group(t["pilot_type_code"], (t["name_zh"],)) for t in pilot_types)
    wordings = []
    for metric in metrics:
        names = {w for w in (metric.get("wordings") or "").split(";") if w} | {metric["name_zh"]}
        wordings.extend(
            Metric(
                name,
                metric["metric_code"],
                metric["unit"],
                metric["category"],
                metric.get("covers") or "",
            )
            for name in names
        )
    wordings.sort(key=lambda m: (-len(m.wording), m.wording))
    return Gazetteer(
        places=places,
        pilots={p["region_code"]: p["pilot_id"] for p in pilots},
        pilot_types={p["pilot_id"]: p["pilot_type_code"] for p in pilots},
        groups=groups,
        metrics=tuple(wordings),
        default_subject=NATIONAL,
    )
