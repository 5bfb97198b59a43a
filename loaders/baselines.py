"""Step 2 of extraction: when: what a change is measured against, and the date of a figure.

A baseline: 2016, 试点前, 改革前 (a baseline), 上年 (year on year), 年初 (the start of the year the
report speaks of), 上月 (month on month, 环比), an earlier part of the year (增速较上半年提高:
上半年), a span of years (三年来: 三年前) or an event (比挂牌前). A period: the last year, month
or part of a year named before the figure (2019年底, 1-11月, 上半年), not its baseline."""

from __future__ import annotations

import re

from loaders.numbers import chinese_number

YEAR = r"(?:19|20)\d\d"
# a month, months or a part of a year: 10月份, 1-11月, 上半年 (metrics strip it from a name too)
MONTHS = r"\d{1,2}(?:[-—–~至]\d{1,2})?月(?:底|末|份)?"
PART_OF_YEAR = rf"{MONTHS}|上半年|下半年|前三季度|[一二三四]季度"
PERIOD = re.compile(
    rf"(?:截至|截止)?((?:19|20)\d\d年(?:底|末|{PART_OF_YEAR})?|(?<![\d年]){PART_OF_YEAR})"
)
BEFORE_PILOT = r"(?:试点前|改革前|试点之前|改革之前)"
YEARS = r"[一二两三四五六七八九十]|\d{1,2}"
BASELINE = re.compile(
    rf"(?P<pre_pilot>{BEFORE_PILOT}的?(?P<y1>{YEAR})年?"
    rf"|(?:较|比|与|同|和|是)(?P<y2>{YEAR})年(?:底|末)?"
    rf"|{BEFORE_PILOT})"
    r"|(?P<prior>同比|(?:比|较)(?:上年|去年|上一年)(?:同期|末|底)?|上年同期|与上年相比"
    r"|(?:是|为)(?:上年|去年)(?:同期)?的)"
    r"|(?:比|较|与)(?P<start_of_year>年初)"
    r"|(?P<prior_month>环比|(?:比|较)上月)"
    # 增速较上半年提高1.1个百分点: an earlier part of the same year (its own clause only)
    r"|(?:比|较|与)(?P<prior_period>上半年|前三季度|[一二三四]季度|上季度|上一季度"
    r"|\d{1,2}(?:[-—–~至]\d{1,2})?月份?)(?![底末]|\d)"
    # 三年来提高12个百分点, 近三年, 比五年前: a span of years, measured from its start
    rf"|(?:近|过去)(?P<n1>{YEARS})年(?:来|间|以来|中)?|(?<![\d年])(?P<n2>{YEARS})年(?:来|间|以来)"
    rf"|(?:比|较|与)(?P<n3>{YEARS})年前"
    # 比挂牌前, 较组建前, 与改制前相比, 比成立之初: before the unit became what it is
    r"|(?:比|较|与)(?P<event>(?:挂牌|组建|成立|改制|改组|重组|合并|创办|运营)(?:成立)?(?:前|之前|之初))"
)
CLAUSE_MARK = re.compile(r"[，；。,;]")
PRIOR_YEAR = "上年"


def baseline(before: str) -> tuple[str | None, str | None]:
    """The last baseline stated in before: (as printed, 'pre_pilot', 'prior_year',
    'start_of_year', 'prior_month', 'prior_period', 'years_before' or 'before_event').

    A year is given as the year (2016); 试点前 and 改革前 as printed; 同比, 比上年 and 比上年末 as
    上年; 较年初 as 年初; 环比 as 上月."""
    last = None
    for match in BASELINE.finditer(before):
        if match.group("prior_period") and CLAUSE_MARK.search(before, match.end()):
            continue  # 增速比一季度回升2.4个百分点；营业收入增长7.3%: not the revenue's
        last = match
    if last is None:
        return None, None
    if last.group("prior_period"):
        return last.group("prior_period"), "prior_period"
    years = last.group("n1") or last.group("n2") or last.group("n3")
    if years:  # 五年来 and 比五年前 are 五年前 (extract makes it a year where the figure has one)
        return f"{years}年前", "years_before"
    if last.group("event"):
        return last.group("event"), "before_event"
    if last.group("prior"):
        return PRIOR_YEAR, "prior_year"
    if last.group("start_of_year"):  # 6月底…较年初增加18万亩: since January, no year's change
        return "年初", "start_of_year"
    if last.group("prior_month"):  # 10月份…环比增长3.2%: against September
        return "上月", "prior_month"
    year = last.group("y1") or last.group("y2")
    if year:
        return year, "pre_pilot"
    return last.group("pre_pilot"), "pre_pilot"


def years_before(printed: str) -> int | None:
    """How many years a span baseline (三年前, 5年前) reaches back, or None."""
    match = re.fullmatch(rf"({YEARS})年前", printed)
    if not match:
        return None
    years = match.group(1)
    return int(years) if years.isdigit() else int(chinese_number(years) or 0) or None


def period_of(before: str, baseline_text: str | None) -> str | None:
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
