"""Step 6 of extraction: the metric a figure measures, as printed and as a canonical code.

The printed metric is the noun phrase before the figure in its clause, without the verbs and
connectives around it (实现, 提高到, 系统). The code is that of the dictionary wording nearest to
the figure (社有企业资产总额 -> 资产总额, not 社有企业), among the metrics whose unit fits the
figure (吸纳农民社员2.3万户 -> households; 吸纳社员1.8万人 -> persons)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from loaders.baselines import BASELINE, PART_OF_YEAR

RATE = re.compile(r"(?:率|占比|比重|比例)$")
GROWTH_RATE = re.compile(r"增速|增幅|涨幅|降幅|减幅|增长率|增长速度")  # a rate, not its level
CUMULATIVE = re.compile(r"累计|总数|总量|共有|合计")
NEWLY = re.compile(r"^(?:新增|新建|新发展|当年新增|全年新增)")
METRIC_NOISE = re.compile(
    r"^(?:其中|同时|另外|此外|全年|当年|今年|年均|力争到?|争取到?|分别|"
    rf"截至\S*?[，,]|20\d\d年(?:底|末|\d{{1,2}}月)?|{PART_OF_YEAR}|"
    r"全[省市县区州旗](?:供销)?系统|(?:供销)?系统|全[省市县区州旗]|全系统|本级|"
    r"试点地区|试点单位|试点区|各试点区|共|累计|实现|完成|达到|达|为|有|约|近|"
    r"[，、,\s])+"
)
METRIC_TAIL = re.compile(
    r"(?:共计|合计|分别|各|共|累计|达到|达|为|实现|完成|约|近|超过|逾|是|占比?|保持在?|稳定在|"
    r"(?:提升|提高|增加|增长|发展|上升|扩大|下降|减少)(?:到|至)|增至|升至|降至|首次突破|突破|"
    r"由|从|的)+$"
)
VERB_TAIL = re.compile(
    r"(?:分别)?(?:增长|增加|提高|提升|上升|下降|减少|降低|增幅|增速|降幅|减幅|跌幅|(?:下降|下滑)幅度|"
    r"回落|收窄|缩小|下滑|放缓|加快|回升|压降|缩减)(?:了|达到?|为)?(?:到|至)?$"
    r"|(?:较|比|与|相比)+$"
)
# a light verb (and the time or means before it) inside a name: 农民合作社实现经营收入 is
# 农民合作社经营收入, 社有企业全年完成营业收入 社有企业营业收入; an act with its object
# (收购柑橘, 调运农膜) names what it counts and stays
MIDDLE_VERB = re.compile(
    r"(?<=[\u4e00-\u9fff])(?:全年|当年|今年)?(?:通过[\u4e00-\u9fff]{1,8}?)?(?:实现|完成|达成|取得)"
    r"(?=[\u4e00-\u9fff]*(?:额|收入|利润|总额|量|面积)$)"
    r"|(?<=[\u4e00-\u9fff])(?:全年|当年|今年)(?=[\u4e00-\u9fff]{2})"
)
# 县社 of 县社本级, not the 市社 of 全市社有企业
OWNER_PREFIX = re.compile(r"^.*?(?:省社|市社|县社|区社|供销合作社|供销社)(?!有)(?=.)")
PERIOD = re.compile(r"(?:19|20)\d\d年(?:底|末|\d{1,2}月)?")
COVERED = (("行政村", "village"), ("村", "village"), ("乡镇", "township"), ("苏木", "township"))


@dataclass(frozen=True)
class Metric:
    """A dictionary wording and the metric it names (seeds/metrics.csv)."""

    wording: str
    code: str
    unit: str
    category: str
    covers: str = ""


def clean_metric(text: str) -> str:
    """The noun phrase a figure measures, from the words before it in its clause."""
    text = BASELINE.sub("", text)
    text = VERB_TAIL.sub("", text)
    text = OWNER_PREFIX.sub("", text)
    text = PERIOD.sub("", text)
    text = METRIC_NOISE.sub("", text)
    text = METRIC_TAIL.sub("", text)
    text = VERB_TAIL.sub("", text)
    text = MIDDLE_VERB.sub("", text)
    text = re.sub(r"^(?:[，、,\s]|和|及|与)+", "", text)
    return text.strip("，、,。；：:“”\"'（）() ")[-24:]


def metric_code(metric: str, metrics: tuple[Metric, ...], unit: str, kind: str) -> str | None:
    """The code of the dictionary wording nearest the end of metric, among metrics that fit
    the figure's unit and kind; None if none fits (农民专业合作社办理贷款3亿元 is no count of
    co-ops: it waits for a reviewer). Wordings that overlap (领办农民专业合作社 and
    农民专业合作社数量) count as one: the longest of them, the first on a tie."""
    found = [(metric.rfind(m.wording), m) for m in metrics if m.wording in metric]
    found = [(p, m) for p, m in found if _fits(m, unit, kind)]
    if not found:
        return None
    last = max(found, key=lambda pair: pair[0] + len(pair[1].wording))
    cluster, start = [last], last[0]
    for position, candidate in sorted(found, key=lambda pair: -pair[0]):
        if position + len(candidate.wording) > start and candidate is not last[1]:
            cluster.append((position, candidate))
            start = min(start, position)
    best = max(cluster, key=lambda pair: (len(pair[1].wording), -pair[0]))
    return best[1].code


def _fits(metric: Metric, unit: str, kind: str) -> bool:
    if kind == "coverage_pct":
        return metric.category == "coverage"
    if kind == "share_pct":
        return metric.unit == "percent" and metric.category != "coverage"
    if kind == "level":
        return metric.unit == unit and metric.category != "coverage"
    if kind == "pp_change":  # percentage points measure a percentage, never a count
        return metric.unit == "percent"
    return metric.category != "coverage"


def coverage_code(before: str, after: str, metrics: tuple[Metric, ...]) -> str | None:
    """For a coverage figure with no coverage wording: what it covers, from the object named
    after it (覆盖全市85%的行政村) or before it (村级服务站覆盖率)."""
    ecommerce = "电商" in before or "电子商务" in before
    for text, nearest in ((after, min), (before, max)):  # the object nearest the figure
        named = [(text.find(w), -len(w), c) for w, c in COVERED if w in text]
        if not named:
            continue
        if nearest is max:
            named = [(text.rfind(w) + len(w), len(w), c) for w, c in COVERED if w in text]
        covers = nearest(named)[2]
        wanted = [m for m in metrics if m.category == "coverage" and m.covers == covers]
        if ecommerce:
            wanted = [m for m in wanted if "ecommerce" in m.code] or wanted
        else:
            wanted = [m for m in wanted if "ecommerce" not in m.code] or wanted
        return wanted[0].code if wanted else None
    return None


def growth_rate_metric(named: str, rate: str, facts: Sequence, metrics: Sequence[Metric]) -> str:
    """The growth rate a change in points measures: of the metric named before it (销售总额增幅
    较上年回落0.8个百分点), else of the growth just before it in the sentence (销售总额同比增长
    8.6%，增速较上半年提高1.1个百分点: 销售总额增速), never the level's metric nor a coverage."""
    named = clean_metric(named)
    grown = next((f for f in reversed(facts) if f.kind in ("growth_pct", "yoy_growth_pct")), None)
    if grown is not None and not metric_code(named, metrics, "percent", "growth_pct"):
        named = grown.metric
    return f"{named}{rate}"


def is_coverage(code: str | None, metrics: Sequence[Metric]) -> bool:
    """True if code is that of a coverage in the dictionary."""
    return code is not None and any(m.code == code and m.category == "coverage" for m in metrics)


def noun_after(after: str) -> str:
    """全县18个基层社吸纳…: the figure counts the noun after it."""
    noun = re.match(
        r"[^，。；、：,;:]*?(?=吸纳|全部|共|实现|建立|召开|开展|的|在|中|，|。|；|、|$)", after
    )
    return noun.group(0)[:12] if noun else ""
