"""Step 3 of extraction: what kind of figure it is, and its value as that kind reads it.

A percentage is a growth (增长43%: against the baseline stated, growth_pct, or the year before,
yoy_growth_pct), a coverage (覆盖率89%, 乡镇全覆盖, 延伸到76%的乡镇) or a share (占比71%); a fall
is a negative growth (下降4%: -4). Points (个百分点) are a pp_change, negative when they fall
(下降2.4个百分点), or a gap to an average (other). A multiple (倍) is a ratio to its baseline, or
a growth (增长1.5倍: 150 percent). An amount is a level, or an increase (增加80个: other). A yearly
average (年均增长) and a saving (节约) are other."""

from __future__ import annotations

import re

from loaders.numbers import Quantity

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
# a network that reaches a share of the villages or townships covers them (its object names it)
REACHES = re.compile(r"(?:覆盖|延伸|辐射|通达|进入|开进|进驻|遍及|深入)[^，；]*$")
COVERED_OBJECT = re.compile(
    r"(?:以上|左右)?(?:[、和及与]\s*\d+(?:\.\d+)?[%％](?:以上|左右)?)*的[^，。；]{0,6}?"
    r"(?:行政村|村|乡镇|社区|苏木|嘎查)(?!级)"
)
AVERAGE_GROWTH = re.compile(r"年均(?:增长|增速|增幅|递增)")
RANGE_MARK = re.compile(r"由$|从$|(?:提升|提高|增加|增长|上升|发展)(?:到|至)$|增至$")
# the kinds measured against a baseline (a level is not)
CHANGES = ("growth_pct", "yoy_growth_pct", "pp_change", "ratio", "other")


def kind_of(
    sentence: str, quantity: Quantity, before_clause: str, own_text: str, baseline_kind: str | None
) -> tuple[str, float, str]:
    """The kind of a quantity of sentence, with its value and unit as that kind has them: from
    its own text (own_text: after the figure before it in its clause), its clause before it,
    the words after it, and the kind of the baseline stated (baselines.baseline)."""
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


def with_metric(kind: str, metric: str) -> str:
    """The kind once the metric is known: a share of a 覆盖率 is a coverage (覆盖率提高了5个百分点，
    达到98%)."""
    return "coverage_pct" if kind == "share_pct" and "覆盖率" in metric else kind


def _respectively_growth(before_clause: str, own_text: str) -> bool:
    """A later member of 分别增长X%、Y%: its own text is only a separator."""
    return bool(
        re.search(r"分别(?:增长|提高|上升|增加)", before_clause)
        and re.fullmatch(r"[、，,和及与\s]*", own_text)
    )
