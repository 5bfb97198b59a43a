"""Step 4 of extraction: the metric a figure measures, as printed and as a canonical code.

The printed metric is the noun phrase before the figure in its clause, without the verbs and
connectives around it (实现, 提高到, 系统). The code is that of the dictionary wording nearest to
the figure (社有企业资产总额 -> 资产总额, not 社有企业), among the metrics whose unit fits the
figure (吸纳农民社员2.3万户 -> households; 吸纳社员1.8万人 -> persons)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.baselines import BASELINE

# a month, months or a part of a year: 10月份, 1-11月, 上半年 (extract reads periods with it too)
MONTHS = r"\d{1,2}(?:[-—–~至]\d{1,2})?月(?:底|末|份)?"
PART_OF_YEAR = rf"{MONTHS}|上半年|下半年|前三季度|[一二三四]季度"
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
