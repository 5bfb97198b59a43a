"""Step 7 of extraction: the figures of a 分别 list and the names they pair with, in order.

'A、B和C分别增长X%、Y%和Z%' gives three facts: the metrics listed before 分别 pair with the
figures after it (汇总农产品购进额、电商销售额较试点前分别增长…), or the places do (瑞金市、于都县、
兴国县供销社销售总额分别增长…); no names means they came in an earlier clause (销售总额5亿元、
利润2000万元，分别增长…)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.baselines import BASELINE
from loaders.metrics import clean_metric
from loaders.numbers import Quantity
from loaders.sentences import start_of_clause
from loaders.subjects import TOWNS, Context, Subject, subject_mentions

# what a metric's name ends in: a sum, an amount, a count, a rate (销售额, 利润, 面积, 覆盖率)
METRIC_HEAD = re.compile(r"(?:销售额|零售额|购进额|收购额|交易额|营业额|销售量|供应量)$")
NAMED_HEAD = re.compile(
    r"(?:额|量|率|数|收入|利润|总额|面积|权益|费用|资产|社|户|人|企业|占比|比重)$"
)


@dataclass
class Respectively:
    """A quantity in a run after 分别: its position, and the metrics or subjects named for it."""

    position: int
    size: int
    metrics: list[str]
    subjects: list[Subject]


def respectively_runs(
    sentence: str, quantities: list[Quantity], mentions: list, context: Context
) -> dict[int, Respectively]:
    """Quantities that follow 分别 in one run ('A、B和C分别增长X%、Y%和Z%'), with the names they
    pair with in order: metrics, or places (瑞金市、于都县、兴国县供销社销售总额分别增长…). No
    names means they came in an earlier clause (销售总额5亿元、利润2000万元，分别增长…)."""
    runs: dict[int, Respectively] = {}
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
        clause_start = start_of_clause(sentence, match.start())
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
            runs[i] = Respectively(position, len(members), names, subjects)
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
