"""Extract every quantitative figure from report text: a pure function, text in, facts out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

# ---------------------------------------------------------------------------------------------
# Vocabulary

CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
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
# Measure words that make a Chinese numeral a figure (五个, 两类); not 条/套/位 (一条路, 三位一体).
CN_MEASURES = "个|家|类|种|项|户|人|名|所|处|座|笔|次|区"
ARABIC_UNITS = "|".join(
    sorted((u for u in UNIT_WORDS if u not in ("%", "％")), key=len, reverse=True)
)

QUANTITY = re.compile(
    r"(?P<pre>近|约|超过|逾|不足|不到|达)?"
    r"(?P<body>"
    r"(?P<frac>\d+/\d+)"
    r"|(?P<num>\d+(?:\.\d+)?)(?P<approx1>多|余)?(?P<mag>万亿|万|亿|千)?(?P<approx2>多|余)?"
    rf"(?P<unit>[%％]|{ARABIC_UNITS})?"
    rf"|(?P<cn>[一二两三四五六七八九十百千]+)(?P<cnapprox>多|余)?(?P<cnunit>{CN_MEASURES})"
    r"|(?P<full>全覆盖)"
    r")"
    r"(?P<post>以上|以下|左右|多|余)?"
)
YEAR = re.compile(r"(?:19|20)\d\d(?=\s*年|\s*[—\-–~至到]\s*(?:19|20)\d\d)")
NOT_FIGURE_AFTER = re.compile(r"^(?:月|日|号|年代|届|世纪|季度)")
ORDINAL_BEFORE = re.compile(r"(?:第|[A-Za-z])$")
IDIOMS = re.compile(
    r"十三五|十四五|十二五|三会|两委|三定|两社|一二三产|三位一体|一套|两块|一公里|一方面|"
    r"一体化|双线|两级|三级|双向|一批|一系列|一站式|两条线|第[一二三四五六七八九十]+"
)

BASELINE = re.compile(
    r"(?P<pre_pilot>试点前的?(?P<y1>(?:19|20)\d\d)年?|(?:较|比|与)(?P<y2>(?:19|20)\d\d)年|"
    r"试点前|改革前|试点之前)"
    r"|(?P<prior>同比|比上年|较上年|比去年|较去年|上年同期)"
)
GROWTH_VERBS = re.compile(r"(增长|增加|提高|提升|上升|增幅|翻|扩大)了?$")
DECREASE_VERBS = re.compile(r"(下降|减少|降低|减)了?$")
TARGET = re.compile(r"预期目标|目标是|力争|计划到|争取到|预计|将达到|要达到|到20\d\d年")
SUBJECT_LIST_SEP = re.compile(r"[、，,和及与]")
METRIC_NOISE = re.compile(
    r"^(?:其中|同时|截至\S*?[，,]|20\d\d年(?:底|末|\d{1,2}月)?|全[省市县区]系统|全[省市县区]|"
    r"全系统|试点地区|试点单位|试点区|各试点区|共|累计|实现|完成|达到|达|为|有|约|近|"
    r"[，、,\s])+"
)
METRIC_TAIL = re.compile(
    r"(?:共计|合计|分别|各|共|累计|达到|达|为|实现|完成|约|近|超过|是|占比?|保持在?|稳定在|提升到)+$"
)
NATIONAL = "national"  # the subject of figures in a report that names no unit
# Full-width digits and signs read as ASCII, one character for one, so offsets do not move.
FULL_WIDTH = str.maketrans("０１２３４５６７８９．％／", "0123456789.%/")
SENTENCE_END = re.compile(r"[。！？!?\n]")
CLAUSE_END = re.compile(r"[，；：,;:。！？!?\n]")


@dataclass(frozen=True)
class Subject:
    """A unit a figure can belong to, the names the text may call it, and its group."""

    subject_id: str
    names: tuple[str, ...]
    group: str = ""  # the pooled subject (pilot type) it belongs to


@dataclass(frozen=True)
class Gazetteer:
    """Known subjects: pilot units with their names, and pooled groups with title keywords."""

    units: tuple[Subject, ...] = ()
    groups: tuple[Subject, ...] = ()
    metrics: tuple[tuple[str, str], ...] = ()  # (wording, metric_code), longest first
    default_subject: str | None = None  # for figures of a report that names no unit at all


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

    def as_row(self) -> dict:
        return asdict(self)


@dataclass
class _Quantity:
    match: re.Match
    start: int
    end: int
    text: str
    value: float
    unit: str
    qualifier: str
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Entry point


def extract_facts(text: str, report_id: str, gazetteer: Gazetteer | None = None) -> list[Fact]:
    """Every quantitative figure of text, with spans (Python str offsets) and fact columns."""
    original, text = text, text.translate(FULL_WIDTH)  # same length: spans stay valid
    gazetteer = gazetteer or Gazetteer()
    facts: list[Fact] = []
    context = _SectionContext(gazetteer)
    for start, end in _sentences(text):
        sentence = text[start:end]
        context.see(sentence)
        quantities = [q for q in _quantities(sentence) if _is_figure(sentence, q)]
        if quantities:
            facts.extend(_facts_of_sentence(text, start, end, quantities, context, report_id))
        # a baseline carries on within a paragraph: …比上年增长8%。其中…增长9%
        own = _baseline(sentence)
        context.baseline = (
            None if sentence.endswith("\n") else (own if own[1] else context.baseline)
        )
    for fact in facts:  # as printed, full-width digits and all
        fact.number_text = original[fact.span_start : fact.span_end]
    return facts


def _sentences(text: str) -> Iterable[tuple[int, int]]:
    start = 0
    for match in SENTENCE_END.finditer(text):
        if match.end() - start > 1:
            yield start, match.end()
        start = match.end()
    if start < len(text):
        yield start, len(text)


# ---------------------------------------------------------------------------------------------
# Finding quantities


def _quantities(sentence: str) -> list[_Quantity]:
    found = []
    for match in QUANTITY.finditer(sentence):
        quantity = _quantity(match)
        if quantity is not None:
            found.append(quantity)
    for first, second in zip(found, found[1:], strict=False):
        # 300至500元, 3-5万元: the first end of a range takes the unit of the second
        joint = sentence[first.end : second.start]
        if first.extra.get("bare") and re.fullmatch(r"\s*[至到~\-—–－]\s*", joint):
            scale = {"千": 1e3, "万": 1e4, "亿": 1e8, "万亿": 1e12}.get(
                second.match["mag"] or "", 1
            )
            first.value = round(first.value * scale, 6)
            first.unit = second.unit
            first.extra["bare"] = False
    return found


def _quantity(match: re.Match) -> _Quantity | None:
    groups = match.groupdict()
    start, end = match.start("body"), match.end()
    post = groups["post"] or ""
    text = match.string[start:end]
    pre = groups["pre"] or ""
    if groups["full"]:
        before = match.string[max(0, start - 12) : start]
        qualifier = "approx" if "基本" in before else "exact"
        return _Quantity(match, start, end, text, 100.0, "percent", qualifier, {"full": True})
    if groups["frac"]:
        top, bottom = groups["frac"].split("/")
        if int(bottom) == 0:
            return None
        value = round(int(top) / int(bottom) * 100, 4)
        return _Quantity(match, start, end, text, value, "percent", _qualifier(pre, post, ""))
    if groups["cn"]:
        value = _chinese_number(groups["cn"])
        if value is None:
            return None
        unit = UNIT_WORDS[groups["cnunit"]]
        approx = groups["cnapprox"] or ""
        return _Quantity(match, start, end, text, value, unit, _qualifier(pre, post, approx))
    number = float(groups["num"])
    magnitude = {"千": 1e3, "万": 1e4, "亿": 1e8, "万亿": 1e12}.get(groups["mag"] or "", 1.0)
    unit_word = groups["unit"] or ""
    unit = UNIT_WORDS.get(unit_word, "") or "count"
    value = number * magnitude
    approx = (groups["approx1"] or "") + (groups["approx2"] or "")
    extra = {"bare": not unit_word and not groups["mag"], "unit_word": unit_word}
    return _Quantity(
        match, start, end, text, round(value, 6), unit, _qualifier(pre, post, approx), extra
    )


def _qualifier(pre: str, post: str, approx: str) -> str:
    if pre in ("超过", "逾") or post == "以上":
        return "at_least"
    if pre in ("不足", "不到") or post == "以下":
        return "at_most"
    if pre in ("近", "约") or approx or post in ("左右", "多", "余"):
        return "approx"
    return "exact"


def _chinese_number(text: str) -> float | None:
    if text in ("百", "千"):
        return float(CN_UNITS[text])
    total, digit = 0, 0
    for char in text:
        if char in CN_DIGITS:
            digit = CN_DIGITS[char]
        elif char in CN_UNITS:
            total += (digit or 1) * CN_UNITS[char]
            digit = 0
        else:
            return None
    return float(total + digit)


def _is_figure(sentence: str, quantity: _Quantity) -> bool:
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
    if groups["cn"] or groups["num"]:
        window = sentence[max(0, start - 3) : end + 3]
        for idiom in IDIOMS.finditer(window):
            if idiom.start() <= start - max(0, start - 3) < idiom.end():
                return False
    if groups["num"] and quantity.extra.get("bare"):
        # a bare number with no unit: only a figure when a measure follows closely (e.g. 3050万)
        return False
    if _inside_title(sentence, start):
        return False
    return True


def _inside_title(sentence: str, position: int) -> bool:
    opened = sentence.rfind("《", 0, position)
    return opened != -1 and sentence.rfind("》", 0, position) < opened


# ---------------------------------------------------------------------------------------------
# Reading a sentence


class _SectionContext:
    """Which unit or pooled group the text is talking about, carried from line to line."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.subject: str | None = gazetteer.default_subject
        self.subject_text: str | None = None
        self.group_units: set[str] = set()
        self.baseline: tuple[str | None, str | None] | None = None
        names = [(name, unit) for unit in gazetteer.units for name in unit.names]
        self.names = sorted(names, key=lambda pair: len(pair[0]), reverse=True)

    def see(self, sentence: str) -> None:
        line = sentence.strip()
        if not line or len(line) > 40 or line.endswith(("。", "；", "！", "？")):
            if line:
                self._see_paragraph_start(line)
            return
        # a short line: a title, or the unit a typical case is about
        units = self.find_units(line)
        if line.endswith(("供销合作社", "供销社", "联合社")) and units:
            unit = units[-1]
            self.subject, self.subject_text, self.group_units = unit.subject_id, line, set()
            return
        if line.endswith(("供销合作社", "供销社")):
            self.subject, self.subject_text, self.group_units = None, line, set()
            return
        group = self._group_from_title(line)
        if group:
            self.subject, self.subject_text = group.subject_id, line
            self.group_units = {
                u.subject_id for u in self.gazetteer.units if u.group == group.subject_id
            }

    def _see_paragraph_start(self, paragraph: str) -> None:
        head = paragraph[:60]
        cut = head.find("供销合作社")
        if cut == -1:
            return
        units = list({u.subject_id: u for u in self.find_units(head[:cut])}.values())
        if len(units) >= 2:
            groups = {u.group for u in units if u.group}
            if len(groups) == 1:
                group = groups.pop()
                self.subject, self.subject_text = group, head[:cut]
                self.group_units = {u.subject_id for u in self.gazetteer.units if u.group == group}

    def _group_from_title(self, line: str) -> Subject | None:
        best, best_len = None, 0
        for group in self.gazetteer.groups:
            for keyword in group.names:
                if keyword and keyword in line and len(keyword) > best_len:
                    best, best_len = group, len(keyword)
        return best

    def find_units(self, text: str) -> list[Subject]:
        """Known units named in text, in order of appearance, longest names first."""
        taken = [False] * len(text)
        found: list[tuple[int, Subject]] = []
        for name, unit in self.names:
            for match in re.finditer(re.escape(name), text):
                if any(taken[match.start() : match.end()]):
                    continue
                for i in range(match.start(), match.end()):
                    taken[i] = True
                found.append((match.start(), unit))
        return [unit for _, unit in sorted(found, key=lambda pair: pair[0])]


def _facts_of_sentence(
    text: str,
    start: int,
    end: int,
    quantities: list[_Quantity],
    context: _SectionContext,
    report_id: str,
) -> list[Fact]:
    sentence = text[start:end]
    facts: list[Fact] = []
    is_target = bool(TARGET.search(sentence))
    groups = _respectively_groups(sentence, quantities)
    level_metrics: list[str] = []  # metrics of the levels so far, for 分别 without names
    group_kind = None
    last_end_by_clause: dict[int, int] = {}
    for index, quantity in enumerate(quantities):
        clause_start = _clause_start(sentence, quantity.start)
        prev_end = last_end_by_clause.get(clause_start, clause_start)
        last_end_by_clause[clause_start] = quantity.end
        before_clause = sentence[clause_start : quantity.start]
        own_text = sentence[prev_end : quantity.start]
        baseline_text, baseline_kind = _baseline(sentence[: quantity.start])
        if baseline_kind is None and context.baseline:
            baseline_text, baseline_kind = context.baseline
        kind, value, unit = _kind(sentence, quantity, before_clause, own_text, baseline_kind)
        metric = _metric(own_text, before_clause, sentence[quantity.end : quantity.end + 16])
        if not metric and facts:
            metric = facts[-1].metric  # 经营面积23万平方米，比改革前增长了263.8%
        group = groups.get(index)
        if group is not None:
            names, position = group
            if not names:
                names = level_metrics[-len(_group_members(groups, index)) :]
            if position < len(names):
                metric = names[position]
            if position > 0 and group_kind is not None:
                kind, value, unit = group_kind[0], group_kind[1](quantity.value), quantity.unit
            elif position == 0:
                sign = -1.0 if value < 0 < quantity.value else 1.0
                group_kind = (kind, lambda v, sign=sign: sign * v)
        changes = ("growth_pct", "yoy_growth_pct", "pp_change", "other")
        baseline = baseline_text if baseline_kind and kind in changes else None
        if kind == "yoy_growth_pct":
            baseline = "上年"
        subjects = _subjects(context, sentence, clause_start, quantity, kind)
        period = _period(sentence[: quantity.start], baseline_text)
        if kind == "level" and quantity.unit in ("yuan", "count", "household", "person"):
            level_metrics.append(metric)
        for subject_id, subject_text in subjects:
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
                    metric_code=_metric_code(metric, context.gazetteer),
                    subject=subject_id,
                    baseline=baseline,
                    period=period,
                    is_target=is_target,
                    sentence_start=start,
                    sentence_end=end,
                    subject_text=subject_text,
                )
            )
    return facts


def _group_members(groups: dict[int, tuple[list[str], int]], index: int) -> list[int]:
    """The indices of the quantities in the same respectively-group as index."""
    names, position = groups[index]
    first = index - position
    return [i for i in groups if i >= first and groups[i][0] is names]


def _clause_start(sentence: str, position: int) -> int:
    start = 0
    for match in CLAUSE_END.finditer(sentence, 0, position):
        start = match.end()
    return start


def _respectively_groups(
    sentence: str, quantities: list[_Quantity]
) -> dict[int, tuple[list[str], int]]:
    """Quantities that follow 分别 in one run ('A、B和C分别增长X%、Y%和Z%'), with the names they
    pair with in order; an empty name list means the names came in an earlier clause."""
    groups: dict[int, tuple[list[str], int]] = {}
    for match in re.finditer("分别", sentence):
        run = [i for i, q in enumerate(quantities) if q.start > match.end()]
        if not run:
            continue
        members = [run[0]]
        for i in run[1:]:
            gap = sentence[quantities[members[-1]].end : quantities[i].start]
            if re.fullmatch(r"[、，,和及与\s]*(?:增长|增加|下降|减少|提高)?", gap):
                members.append(i)
            else:
                break
        if len(members) < 2:
            continue
        clause_start = _clause_start(sentence, match.start())
        names_text = sentence[clause_start : match.start()]
        names_text = BASELINE.sub("", names_text)
        names_text = re.sub(r"(?:相比|比|较|与)$", "", names_text)
        names = [_clean_metric(n) for n in re.split(r"[、和及与]", names_text)]
        names = [re.sub(r"^.*?(?:供销合作社|供销社)", "", n) for n in names if n]
        if len(names) > len(members):
            names = names[-len(members) :]  # a list of units may come before the metrics
        if len(names) != len(members):
            names = []
        for position, i in enumerate(members):
            groups[i] = (names, position)
    return groups


def _baseline(before: str) -> tuple[str | None, str | None]:
    """The last baseline stated before a figure in its sentence: (as printed, pre_pilot/prior)."""
    last = None
    for match in BASELINE.finditer(before):
        last = match
    if last is None:
        return None, None
    if last.group("prior"):
        return "上年", "prior_year"
    year = last.group("y1") or last.group("y2")
    if year:
        return year, "pre_pilot"
    return last.group("pre_pilot"), "pre_pilot"


def _kind(
    sentence: str, quantity: _Quantity, before_clause: str, own_text: str, baseline_kind: str | None
) -> tuple[str, float, str]:
    value, unit = quantity.value, quantity.unit
    after = sentence[quantity.end : quantity.end + 8]
    if quantity.extra.get("full"):
        return "coverage_pct", 100.0, "percent"
    if unit == "pp":
        return "pp_change", value, unit
    range_start = re.match(r"^(?:提升|提高|增加|增长|上升|下降|减少)?(?:到|至)", after)
    in_range = range_start is not None or re.search(
        r"由$|从$|(?:提升|提高|增加|增长|上升)(?:到|至)$", own_text
    )
    if unit == "times":
        if re.search(r"(增长|提高|增加)了?$", own_text):
            return (
                ("yoy_growth_pct" if baseline_kind == "prior_year" else "growth_pct"),
                value * 100,
                "percent",
            )
        return "other", value, "other"
    if unit == "percent":
        if re.search(r"节约|节省|降低成本", own_text[-6:]):
            return "other", value, unit
        if "覆盖" in before_clause:
            return "coverage_pct", value, unit
        if re.match(r"^的[^，。；]{0,8}(?:社|乡镇|村)", after) and re.search(
            r"设立|建立|实现|覆盖|召开", sentence[quantity.end : quantity.end + 24]
        ):
            return "coverage_pct", value, unit
        if (
            not in_range
            and GROWTH_VERBS.search(own_text)
            or _respectively_growth(before_clause, own_text)
        ):
            kind = "yoy_growth_pct" if baseline_kind == "prior_year" else "growth_pct"
            return kind, value, unit
        if not in_range and DECREASE_VERBS.search(own_text):
            kind = "yoy_growth_pct" if baseline_kind == "prior_year" else "growth_pct"
            return kind, -value, unit
        return "share_pct", value, unit
    if not in_range and re.search(r"(?:增加|减少)了?$", own_text):
        return "other", value if "增加" in own_text[-3:] else -value, unit
    return "level", value, unit


def _respectively_growth(before_clause: str, own_text: str) -> bool:
    """A later member of 分别增长X%、Y%: its own text is only a separator."""
    return bool(
        re.search(r"分别(?:增长|提高|上升|增加)", before_clause)
        and re.fullmatch(r"[、，,和及与\s]*", own_text)
    )


def _metric(own_text: str, before_clause: str, after: str) -> str:
    """What a figure measures: the words before it in its clause, else the noun after it
    (全县18个基层社吸纳… measures 基层社)."""
    metric = _clean_metric(own_text if _clean_metric(own_text) else before_clause)
    if metric:
        return metric
    noun = re.match(
        r"[^，。；、：,;:]*?(?=吸纳|全部|共|实现|建立|召开|开展|的|在|中|，|。|；|、|$)", after
    )
    return noun.group(0)[:12] if noun else ""


def _clean_metric(text: str) -> str:
    text = BASELINE.sub("", text)
    text = re.sub(r"(?:分别)?(?:增长|增加|提高|提升|上升|下降|减少|降低)了?$", "", text)
    text = re.sub(r"(?:较|比|与|相比)+$", "", text)
    text = re.sub(r"^.*?(?:省社|市社|县社|区社|供销合作社|供销社)(?=.)", "", text)
    text = re.sub(r"(?:19|20)\d\d年(?:底|末|\d{1,2}月)?", "", text)
    text = METRIC_NOISE.sub("", text)
    text = METRIC_TAIL.sub("", text)
    text = re.sub(r"^(?:[，、,\s]|和|及|与)+", "", text)
    return text.strip("，、,。；：:“”\"'（）() ")[-24:]


def _metric_code(metric: str, gazetteer: Gazetteer) -> str | None:
    """The canonical code of the longest wording in metric; on a tie, the one that starts first."""
    best, best_key = None, (0, 0)
    for wording, code in gazetteer.metrics:
        position = metric.find(wording)
        if position != -1 and (len(wording), -position) > best_key:
            best, best_key = code, (len(wording), -position)
    return best


def _period(before: str, baseline_text: str | None) -> str | None:
    last = None
    for match in re.finditer(
        r"(?:截至|截止)?((?:19|20)\d\d年(?:底|末|\d{1,2}月(?:底|末)?)?)", before
    ):
        if baseline_text and match.group(1).startswith(baseline_text):
            continue
        last = match.group(1)
    return last


def _subjects(
    context: _SectionContext, sentence: str, clause_start: int, quantity: _Quantity, kind: str
) -> list[tuple[str | None, str | None]]:
    """The subjects a figure belongs to: a unit named in its clause, else the section's subject.
    Several units named together share a coverage figure (one row each); naming the whole
    group, or a part of it for other figures, means the pooled result."""
    clause = sentence[clause_start : quantity.start]
    units = context.find_units(clause)
    if units:
        ids = list(dict.fromkeys(u.subject_id for u in units))
        group = context.subject if context.subject and context.group_units else None
        if len(ids) == 1:
            return [(ids[0], clause)]
        if group and set(ids) >= context.group_units:
            return [(group, clause)]
        if kind == "coverage_pct":
            return [(unit_id, clause) for unit_id in ids]
        if group:
            return [(group, clause)]
        return [(ids[0], clause)]
    return [(context.subject, context.subject_text)]


def gazetteer_from_rows(
    pilots: Sequence[dict],
    regions: Sequence[dict],
    pilot_types: Sequence[dict],
    metrics: Sequence[dict],
) -> Gazetteer:
    """Build a gazetteer from the seed rows (pilots, regions, pilot types, metric wordings)."""
    region_by_code = {r["region_code"]: r for r in regions}
    units = []
    for pilot in pilots:
        region = region_by_code.get(pilot["region_code"], {})
        names = {pilot["name"], region.get("name", ""), region.get("full_name", "")}
        province = region_by_code.get(pilot["region_code"][:2] + "0000", {})
        if region and province and province is not region:
            names.add(province.get("name", "") + region.get("full_name", ""))
            names.add(province.get("full_name", "") + region.get("full_name", ""))
        names = {n for n in names if len(n) >= 2}
        units.append(Subject(pilot["pilot_id"], tuple(sorted(names)), pilot["pilot_type_code"]))
    groups = []
    for pilot_type in pilot_types:
        keywords = {pilot_type["name_zh"]}
        groups.append(Subject(pilot_type["pilot_type_code"], tuple(sorted(keywords))))
    wordings = []
    for metric in metrics:
        for wording in (metric.get("wordings") or "").split(";"):
            if wording:
                wordings.append((wording, metric["metric_code"]))
        wordings.append((metric["name_zh"], metric["metric_code"]))
    wordings.sort(key=lambda pair: len(pair[0]), reverse=True)
    return Gazetteer(tuple(units), tuple(groups), tuple(wordings), NATIONAL)
