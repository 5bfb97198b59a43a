"""What a table's header, row label or caption says of the figures under it or beside it: the
metric it names, its unit (（亿元）, 单位：万元), its period (2023年, 1-9月, 上年同期), its kind and
baseline (同比增长（%）, 比2016年增长, 增减（个百分点）, 占比, 覆盖率), and whether it is a total
(合计, 全省), a serial number (序号) or the unit column (单位)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.baselines import baseline
from loaders.metrics import PART_OF_YEAR

NUMBERING = re.compile(
    r"^(?:\s|[（(]?[一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]"
    r"|\d{1,3}(?:\.\d{1,2})*[、.．](?!\d)|其中[：:，,]?|内[：:]|[-—·•*#])+"
)
UNIT_WORD = (
    r"(?:万亿|亿|万|千)?(?:元|户|人次|人|名|个|家|项|亩|平方米|平米|吨|公里|处|座|所|辆|台|套|间|条|次"
    r"|笔|期|公顷|头|只)(?:/[\u4e00-\u9fff]{1,3})?|%|％|个百分点|百分点|倍"
)
UNIT_ONLY = re.compile(rf"^(?:{UNIT_WORD})$")
PARENS = re.compile(r"[（(]([^（）()]{0,20})[)）]")
UNIT_NOTE = re.compile(rf"(?:计量)?单位[：:\s]*({UNIT_WORD})")
TRAILING_PERCENT = re.compile(r"[%％]$")
CHANGE = re.compile(
    r"增长|增减|增加|减少|提高|下降|降低|增幅|增速|增长率|增减率|±|变化|变动|上升|同比|环比"
)
RATE_OF_CHANGE = re.compile(r"幅|速|率|[%％]|增长|下降")
SHARE = re.compile(r"占比|比重|所占比例|占[\u4e00-\u9fff]{0,8}(?:的)?(?:比例|%)")
COVERAGE = re.compile(r"覆盖率|覆盖面")
YEAR_PERIOD = re.compile(
    rf"((?:19|20)\d\d)\s*年?度?\s*((?:底|末)|(?:{PART_OF_YEAR})|(?:1-|1—|1～)?\d{{1,2}}月(?:底|末|份)?)?"
)
PART_PERIOD = re.compile(rf"(?<![\d年])({PART_OF_YEAR})")
THIS_PERIOD = re.compile(r"本年累计|本年度?|本期|今年|本月|当年|本季度?|1-本月")
LAST_PERIOD = re.compile(r"上年同期|去年同期|上年累计|上年度?|去年|上期|同期")
TOTAL = re.compile(
    r"^(?:全[省市县区州盟旗](?:系统)?(?:合计|总计)?|全系统|合\s*计|总\s*计|总\s*体|汇总|总计数)$"
)
SUBTOTAL = re.compile(r"^小\s*计$")
SERIAL = re.compile(r"^(?:序号|编号|序|No\.?|排名|名次)$", re.IGNORECASE)
UNIT_HEADER = re.compile(r"^(?:计量)?单位$")
TARGET = re.compile(r"目标|计划|预计|预期|任务")
GENERIC = re.compile(
    r"^(?:完成情况|完成数|完成值|实际完成|本年完成|完成|指标值|数值|金额|数量|数|绝对[值额数]|情况|累计"
    r"|实绩|实际|现状|指标|指标名称|项目|名称|主要指标|经济指标|数据|值|额|总量|规模|"
    r"增长|增减|变化|变动|比较|对比|比上年|同比)$"
)
LABEL_HEADER = re.compile(
    r"^(?:指标|指标名称|项目|名称|类别|类型|地区|区域|单位名称|地区名称|年份|年度|时间|月份|时期|"
    r"[省市县区州盟旗]{1,2}(?:[（(][市区县、旗]{1,6}[)）])?(?:名称)?|县市区|市州|地市|区县|县区|乡镇)$"
)


@dataclass
class Label:
    """What one header or label cell says (each field None where it says nothing of it)."""

    text: str
    metric: str = ""  # the words that are left: the thing measured, as printed
    unit: str | None = None  # 亿元, %, 个, 万户, 个百分点
    period: str | None = None  # 2023年, 2023年1-9月, 1-9月
    relative: int | None = None  # 0: the table's own period (本年, 本期); -1: the year before
    change: bool = False  # a change (增长, 增减, 同比) rather than a level
    kind: str | None = None  # yoy_growth_pct, growth_pct, pp_change, other, share_pct, coverage
    baseline: str | None = None  # 上年, 2016, 试点前
    total: bool = False  # 合计, 全省: the unit's own figures
    subtotal: bool = False
    serial: bool = False  # 序号
    unit_column: bool = False  # 单位
    label_column: bool = False  # 指标, 项目, 地区: the header of a column of labels
    target: bool = False


def read_label(text: str) -> Label:
    """What a header, label or caption cell says (see the module)."""
    label = Label(text)
    rest = NUMBERING.sub("", text.strip())
    note = UNIT_NOTE.search(rest)
    if note:
        label.unit = note.group(1)
        rest = rest[: note.start()] + rest[note.end() :]
    for match in reversed(list(PARENS.finditer(rest))):
        inside = match.group(1).strip()
        if UNIT_ONLY.match(inside) or re.fullmatch(rf"[±+\-]?\s*(?:{UNIT_WORD})", inside):
            label.unit = label.unit or re.sub(r"^[±+\-]\s*", "", inside)
            label.change = label.change or inside.startswith("±")
            rest = rest[: match.start()] + rest[match.end() :]
        elif not inside:
            rest = rest[: match.start()] + rest[match.end() :]
    if TRAILING_PERCENT.search(rest) and not UNIT_ONLY.match(rest):
        label.unit = label.unit or "%"
        rest = TRAILING_PERCENT.sub("", rest)
    rest = rest.strip(" ：:，,、/")
    label.serial = bool(SERIAL.match(rest))
    label.unit_column = bool(UNIT_HEADER.match(rest))
    label.label_column = bool(LABEL_HEADER.match(rest))
    label.target = bool(TARGET.search(rest))
    label.total = bool(TOTAL.match(rest))
    label.subtotal = bool(SUBTOTAL.match(rest))
    if label.total or label.subtotal:
        return label
    if UNIT_ONLY.match(rest) and label.unit is None:  # a cell of the unit column: 亿元
        label.unit, rest = rest, ""
    label.change = label.change or bool(CHANGE.search(rest))
    if label.change:
        printed, kind = baseline(rest)
        if printed:
            label.baseline = printed
            label.kind = "yoy_growth_pct" if kind == "prior_year" else "growth_pct"
            rest = _without_baseline(rest)
        unit = label.unit or ""
        if "百分点" in unit or "百分点" in rest:
            label.kind = "pp_change"
        elif unit in ("%", "％") or (not unit and RATE_OF_CHANGE.search(rest)):
            label.kind = label.kind or "growth_pct"
        else:
            label.kind = "other"  # 增加（个）, 增减额: a change in the level's unit
        rest = re.sub(rf"{CHANGE.pattern}|额|百分点|个百分点|幅度|率", "", rest)
    else:
        relative = LAST_PERIOD.search(rest) or THIS_PERIOD.search(rest)
        if relative:
            label.relative = -1 if LAST_PERIOD.match(relative.group()) else 0
            rest = rest.replace(relative.group(), "")
    period = YEAR_PERIOD.search(rest) or PART_PERIOD.search(rest)
    if period:
        label.period = re.sub(r"\s+", "", period.group(0)).replace("年度", "年")
        if not label.period.endswith(("年", "月", "底", "末", "季度", "份")):
            label.period += "年" if re.fullmatch(r"\d{4}", label.period) else ""
        rest = rest[: period.start()] + rest[period.end() :]
    if SHARE.search(rest):
        label.kind = label.kind if label.kind == "pp_change" else "share_pct"
    elif COVERAGE.search(rest) and label.kind is None:
        label.kind = "coverage_pct"
    rest = rest.strip(" ：:，,、/（）()的")
    if GENERIC.match(rest) or label.serial or label.unit_column or label.label_column:
        rest = ""
    label.metric = rest
    return label


def _without_baseline(text: str) -> str:
    """text without the words of its baseline (同比, 比上年, 较2016年, 比试点前)."""
    return re.sub(
        r"同比|环比|(?:比|较|与|同)(?:上年同期|上年|去年|上一年|(?:19|20)\d\d年(?:底|末)?|试点前|改革前"
        r"|试点之前|年初)(?:相比)?",
        "",
        text,
    )


def merged(labels: list[Label]) -> Label:
    """Labels of one column (its header rows, top to bottom) or one row (its label cells) read
    as one: the lower or later says the unit, period and kind where both do; the metric words
    of all in order."""
    out = Label(" ".join(label.text for label in labels))
    words: list[str] = []
    for label in labels:
        if label.metric and label.metric not in words:
            words.append(label.metric)
        out.unit = label.unit or out.unit
        out.period = label.period or out.period
        out.relative = label.relative if label.relative is not None else out.relative
        out.change = out.change or label.change
        out.kind = label.kind or out.kind
        out.baseline = label.baseline or out.baseline
        out.total = out.total or label.total
        out.subtotal = out.subtotal or label.subtotal
        out.serial = out.serial or label.serial
        out.unit_column = out.unit_column or label.unit_column
        out.label_column = out.label_column or label.label_column
        out.target = out.target or label.target
    out.metric = "".join(words)
    return out


def year_of(period: str | None) -> int | None:
    """The year of a period (2023年1-9月: 2023), if it names one."""
    match = re.match(r"((?:19|20)\d\d)", period or "")
    return int(match.group(1)) if match else None


def shifted(period: str, years: int) -> str:
    """The same part of another year: 2023年1-9月 a year before is 2022年1-9月."""
    year = year_of(period)
    return f"{year + years}{period[4:]}" if year else period
