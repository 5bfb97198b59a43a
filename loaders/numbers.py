"""Step 1 of extraction: the quantities of a sentence, with unit, value, qualifier and span.

Years, dates, ordinals, codes, plan names and idioms with numerals are not quantities here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import cn2an

UNIT_WORDS = {
    "个百分点": "pp",
    "百分点": "pp",
    "%": "percent",
    "％": "percent",
    "平方米": "sqm",
    "平米": "sqm",
    "元": "yuan",
    "户": "household",
    "人": "person",
    "名": "person",
    "位": "person",
    "亩": "mu",
    "个": "count",
    "家": "count",
    "项": "count",
    "笔": "count",
    "种": "count",
    "类": "count",
    "所": "count",
    "处": "count",
    "座": "count",
    "次": "count",
    "辆": "count",
    "台": "count",
    "条": "count",
    "套": "count",
    "间": "count",
    "批": "count",
    "区": "count",
    "期": "count",
    "吨": "other",
    "公里": "other",
    "千米": "other",
    "倍": "times",
}
MAGNITUDES = {"千": 1e3, "万": 1e4, "亿": 1e8, "万亿": 1e12}
# Measure words that make a Chinese numeral a figure (五个, 两类, 近十万亩, 两千多元); not
# 条/套/位 (一条路, 三位一体).
CN_MEASURES = "个|家|类|种|项|户|人|名|所|处|座|笔|次|区|倍|元|亩|吨"
CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
ARABIC_UNITS = "|".join(
    sorted((u for u in UNIT_WORDS if u not in ("%", "％")), key=len, reverse=True)
)
QUANTITY = re.compile(
    r"(?P<pre>近|约|超过|逾|突破|不足|不到|达)?"
    r"(?P<body>"
    r"(?P<frac>\d+/\d+)"
    r"|(?P<num>\d+(?:\.\d+)?)(?P<approx1>多|余)?(?P<mag>万亿|万|亿|千)?(?P<approx2>多|余)?"
    rf"(?P<unit>[%％]|{ARABIC_UNITS})?"
    rf"|(?P<cnfrac>[{CN_DIGITS}]+)分之(?P<cnfracof>[{CN_DIGITS}]+)"  # 三分之二, 百分之三十
    r"|(?P<tenths>[一二两三四五六七八九十])(?P<tenthsapprox>多)?成(?![员为立功效绩果])"  # 六成: 60%
    rf"|(?P<cnabove>上(?=[百千万亿]))?(?P<cn>[{CN_DIGITS}]+)(?P<cnapprox>多|余)?"
    rf"(?P<cnunit>{CN_MEASURES})"
    r"|(?P<full>全覆盖)"
    r"|翻了?(?P<doublings>[一两三四1-4])番"
    r")"
    r"(?P<post>以上|以下|以内|左右|多|余)?"
)
YEAR = re.compile(r"(?:19|20)\d\d(?=\s*年|\s*[—\-–~至到]\s*(?:19|20)\d\d)")
NOT_FIGURE_AFTER = re.compile(r"^(?:月|日|号|年代|届|世纪|季度)")
ORDINAL_BEFORE = re.compile(r"(?:第|[A-Za-z])$")
IDIOMS = re.compile(
    r"十三五|十四五|十二五|三会|两委|三定|两社|一二三产|三位一体|一套|两块|一公里|一方面|"
    r"一体化|双线|两级|三级|双向|一批|一系列|一站式|两条线|第[一二三四五六七八九十]+|"
    r"千家万户|万家|一成不变|百分之百|[一二]元(?:化|结构|体制)"
)
VAGUE_BEFORE = re.compile(r"(?:数|几|成)$")  # 数百家, 几十个, 成千上万: no figure
RANGE_JOINT = re.compile(r"\s*[至到~\-—–－]\s*")


@dataclass
class Quantity:
    """A number as printed in a sentence, normalised: value, unit, qualifier; offsets in it."""

    match: re.Match
    start: int
    end: int
    text: str
    value: float
    unit: str
    qualifier: str
    extra: dict = field(default_factory=dict)


def find_quantities(sentence: str) -> list[Quantity]:
    """The figures of a sentence, in order (years, ordinals, idioms and bare numbers left out)."""
    found = [q for q in map(_quantity, QUANTITY.finditer(sentence)) if q is not None]
    for first, second in zip(found, found[1:], strict=False):
        # 300至500元, 3-5万元: the first end of a range takes the unit of the second (not 1至11月)
        joint = sentence[first.end : second.start]
        if (
            first.extra.get("bare")
            and RANGE_JOINT.fullmatch(joint)
            and _is_figure(sentence, second)
        ):
            first.value = _scaled(repr(first.value), second.match["mag"])
            first.unit = second.unit
            first.extra["bare"] = False
    return [q for q in found if _is_figure(sentence, q)]


def _quantity(match: re.Match) -> Quantity | None:
    groups = match.groupdict()
    start, end = match.start("body"), match.end()
    post = groups["post"] or ""
    text = match.string[start:end]
    pre = groups["pre"] or ""
    if groups["full"]:
        before = match.string[max(0, start - 12) : start]
        approx = "approx" if "基本" in before else "exact"
        return Quantity(match, start, end, text, 100.0, "percent", approx, {"full": True})
    if groups["doublings"]:  # 翻一番: doubled, growth of 100%; 翻两番: growth of 300%
        times = 2 ** int(chinese_number(groups["doublings"]) or 1)
        return Quantity(
            match, start, end, text, (times - 1) * 100.0, "percent", "exact", {"doubling": True}
        )
    if groups["frac"]:
        top, bottom = groups["frac"].split("/")
        if int(bottom) == 0:
            return None
        value = round(int(top) / int(bottom) * 100, 4)
        return Quantity(match, start, end, text, value, "percent", qualifier(pre, post, ""))
    if groups["cnfrac"]:  # 三分之二: two thirds, in percent
        top, bottom = chinese_number(groups["cnfracof"]), chinese_number(groups["cnfrac"])
        if not top or not bottom:
            return None
        value = round(top / bottom * 100, 4)
        return Quantity(match, start, end, text, value, "percent", qualifier(pre, post, ""))
    if groups["tenths"]:  # 六成: six tenths, 60%; 七成以上, 五成多
        value = (chinese_number(groups["tenths"]) or 0) * 10
        approx = groups["tenthsapprox"] or ""
        return Quantity(match, start, end, text, value, "percent", qualifier(pre, post, approx))
    if groups["cn"]:
        value = chinese_number(groups["cn"])
        if value is None:
            return None
        unit = UNIT_WORDS[groups["cnunit"]]
        approx = groups["cnapprox"] or ""
        if groups["cnabove"]:  # 上万户: ten thousand and more
            pre = "超过"
        return Quantity(match, start, end, text, value, unit, qualifier(pre, post, approx))
    unit_word = groups["unit"] or ""
    value = _scaled(groups["num"], groups["mag"])
    approx = (groups["approx1"] or "") + (groups["approx2"] or "")
    extra = {"bare": not unit_word and not groups["mag"], "unit_word": unit_word}
    unit = UNIT_WORDS.get(unit_word, "") or "count"
    return Quantity(match, start, end, text, value, unit, qualifier(pre, post, approx), extra)


def _scaled(number: str, magnitude: str | None) -> float:
    """number (as printed) times its magnitude (万, 亿), in decimal: 1286.4亿 is 128640000000,
    where binary floats make it 128640000000.00002."""
    if not magnitude:
        return float(number)
    return float(Decimal(number) * Decimal(MAGNITUDES[magnitude]))


def qualifier(pre: str, post: str, approx: str) -> str:
    """exact, approx (近, 约, 多, 余, 左右), at_least (超过, 逾, 突破, 以上) or at_most (不足,
    以下)."""
    if pre in ("超过", "逾", "突破") or post == "以上":
        return "at_least"
    if pre in ("不足", "不到") or post in ("以下", "以内"):
        return "at_most"
    if pre in ("近", "约") or approx or post in ("左右", "多", "余"):
        return "approx"
    return "exact"


def chinese_number(text: str) -> float | None:
    """A Chinese numeral (五, 两, 十二, 一百二十, 百, 一万二千, 两千万) as a number, or None
    (cn2an reads it)."""
    if text[:1] in ("百", "千", "万", "亿"):  # 百万, 千: one hundred thousand, one thousand
        text = "一" + text
    try:
        return float(cn2an.cn2an(text, "smart"))
    except ValueError:
        return None


def _is_figure(sentence: str, quantity: Quantity) -> bool:
    """Years, dates, ordinals, codes, plan names and idioms with numerals are not figures."""
    start, end = quantity.start, quantity.end
    after = sentence[end : end + 4]
    before = sentence[max(0, start - 3) : start]
    groups = quantity.match.groupdict()
    if groups["num"] and YEAR.match(sentence, start) and not groups["unit"] and not groups["mag"]:
        return False
    if groups["num"] and NOT_FIGURE_AFTER.match(sentence[start + len(groups["num"]) :]):
        return False
    if ORDINAL_BEFORE.search(before) or re.match(r"^[A-Za-z]", after):
        return False
    if (groups["cn"] or groups["tenths"] or groups["cnfrac"]) and VAGUE_BEFORE.search(before):
        return False
    if (  # 千亩示范基地, 万亩茶园, 万元户: a size that describes, not a figure
        groups["cn"]
        and groups["cnunit"] in ("元", "亩", "吨")
        and re.fullmatch("[百千万亿]+", groups["cn"])
        and not (groups["pre"] or groups["cnabove"] or groups["cnapprox"] or groups["post"])
    ):
        return False
    if groups["cn"] or groups["num"] or groups["tenths"] or groups["cnfrac"]:
        window_start = max(0, start - 3)
        for idiom in IDIOMS.finditer(sentence[window_start : end + 3]):
            if idiom.start() <= start - window_start < idiom.end():
                return False
    if groups["num"] and quantity.extra.get("bare"):
        # a bare number with no unit: only a figure when a measure follows closely (e.g. 3050万)
        return False
    return not _inside_title(sentence, start)


def _inside_title(sentence: str, position: int) -> bool:
    opened = sentence.rfind("《", 0, position)
    return opened != -1 and sentence.rfind("》", 0, position) < opened
