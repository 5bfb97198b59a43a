"""Extract every figure of a report: a pure function, text in, facts and their relations out.

This module is the driver: it reads a report sentence by sentence (loaders.sentences) and puts
the steps of extraction together, each a module of its own:

1. numbers: the quantities of a sentence, with unit, value, qualifier and span;
2. baselines: when (what a change is measured against, and the period a figure speaks of);
3. kinds: what kind of figure it is (growth, share, coverage, level …);
4. places: the places a text names, resolved to divisions;
5. subjects: whose figure it is;
6. metrics: what it measures, as printed and as a code;
7. respectively: the names a 分别 list pairs with its figures;
8. relations: figures one sentence relates (the before of an after);
9. arithmetic: what a report states across its sentences (totals and parts, shares …)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from loaders.arithmetic import find_arithmetic
from loaders.baselines import PRIOR_YEAR, baseline, period_of, years_before
from loaders.kinds import CHANGES, kind_of, with_metric
from loaders.metrics import (
    CUMULATIVE,
    GROWTH_RATE,
    NEWLY,
    RATE,
    clean_metric,
    coverage_code,
    growth_rate_metric,
    is_coverage,
    metric_code,
    noun_after,
)
from loaders.numbers import Quantity, find_quantities
from loaders.relations import Figure, Relation, find_relations
from loaders.respectively import respectively_runs
from loaders.sentences import MAX_SENTENCE, reading_spans, start_of_clause
from loaders.subjects import (
    NATIONAL,
    Context,
    Gazetteer,
    Subject,
    named_before,
    subject_mentions,
    subjects_of,
    unnamed_subjects,
)
from loaders.table_figures import TableReader
from loaders.vocabulary import gazetteer_from_rows

__all__ = [
    "MAX_SENTENCE",
    "NATIONAL",
    "Extraction",
    "ExtractionLimit",
    "Fact",
    "Gazetteer",
    "extract",
    "extract_facts",
    "gazetteer_from_rows",
    "hold_by_position",
]

YEAR_OF = re.compile(r"(?:19|20)\d\d年")
TARGET = re.compile(r"预期目标|目标是|力争|计划到|争取到|预计|将达到|要达到|到20\d\d年")
# Full-width digits and signs read as ASCII, one character for one, so offsets do not move.
FULL_WIDTH = str.maketrans("０１２３４５６７８９．％／", "0123456789.%/")
MAX_FIGURES = 50_000  # figures in one report
TIME_BUDGET = 60.0  # seconds to read one report


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
    for start, end in reading_spans(text):
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
    runs = respectively_runs(sentence, quantities, mentions, context)
    level_metrics: list[str] = []  # metrics of the levels so far, for 分别 without names
    run_kind = None
    last_end_by_clause: dict[int, int] = {}
    carried: list[Subject] | None = None  # subjects named in an earlier clause of the sentence
    seen_to = 0
    for index, quantity in enumerate(quantities):
        clause_start = start_of_clause(sentence, quantity.start)
        prev_end = last_end_by_clause.get(clause_start, clause_start)
        first_in_clause = clause_start not in last_end_by_clause
        last_end_by_clause[clause_start] = quantity.end
        before_clause = sentence[clause_start : quantity.start]
        own_text = sentence[prev_end : quantity.start]
        baseline_text, baseline_kind = baseline(sentence[: quantity.start])
        if baseline_kind is None and context.baseline:
            baseline_text, baseline_kind = context.baseline
        kind, value, unit = kind_of(sentence, quantity, before_clause, own_text, baseline_kind)
        metric = clean_metric(own_text)
        if not metric and not first_in_clause and facts:
            metric = facts[-1].metric  # 由2016年的9个增加到24个: the metric of the first
        metric = metric or clean_metric(before_clause)
        metric = metric or noun_after(sentence[quantity.end : quantity.end + 16])
        if not metric and facts:
            metric = facts[-1].metric  # 经营面积23万平方米，比改革前增长了263.8%
            if CUMULATIVE.search(own_text):  # 新增社员1.2万户，累计达到23.6万户: all of them
                metric = NEWLY.sub("", metric)
            if kind == "share_pct" and facts[-1].kind != "share_pct" and not RATE.search(metric):
                metric = f"{metric}占比"  # 农民代表102人，占比71%: the share of what it counted
        kind = with_metric(kind, metric)
        rate = GROWTH_RATE.search(own_text)
        if kind == "pp_change" and rate:  # 增速较上半年提高1.1个百分点: of the growth rate
            metric = growth_rate_metric(
                own_text[: rate.start()], rate.group(), facts, context.gazetteer.metrics
            )
        if first_in_clause and re.search(r"[^，；：,;:\s]", sentence[seen_to:clause_start]):
            # clauses with no figure: the last may name the place the next one goes on about
            carried = named_before(context, sentence, seen_to, clause_start, mentions)
        seen_to = quantity.end
        heads = subject_mentions(sentence, clause_start, quantity.start, mentions)
        subjects = subjects_of(context, heads, kind, before_clause)
        if subjects is None:
            subjects = unnamed_subjects(context, before_clause, carried)
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
        if not is_coverage(code, context.gazetteer.metrics) and (
            kind == "coverage_pct" or (kind == "pp_change" and "覆盖" in metric)
        ):  # a coverage without its dictionary wording (覆盖率比2016年提高35个百分点 too)
            after = sentence[quantity.end : quantity.end + 12]
            text = before_clause if kind == "coverage_pct" else metric
            code = coverage_code(text, after, context.gazetteer.metrics) or code
        period = period_of(sentence[: quantity.start], baseline_text)
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
