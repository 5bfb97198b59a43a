"""Step 5 of extraction: whose figure it is.

A report's own unit comes from its title, else from its opening (寿光市供销合作社…); 全市,
全县, 全省 and 全系统 refer to it, and so does every figure whose clause names no place. A case
header (河北省秦皇岛市昌黎县供销合作社) or a pilot type's title (构建双线运行机制) sets the unit
of the section under it. A place named at the head of a clause (瑞金市基层社…, 其中于都县…),
or before its co-op (大通供销社…), is the subject of that clause's figures; a place named as a
destination or a funder (销往山东, 东城区财政, 嘉鱼县社出资…注入基金) is not. A report that
names no unit is national."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from loaders.places import Mention, Places
from loaders.sentences import CLAUSE, CLAUSE_END, STORED_END

NATIONAL = "national"
# 大围山镇、永安镇供销社分别新建…: townships (their co-ops) at the head of a clause
TOWN = r"(?![全各本该每])[\u4e00-\u9fff]{2,4}?(?:镇|乡|街道)"
TOWNS = re.compile(rf"^[，,；;\s]*((?:{TOWN})(?:[、和及与]{TOWN})*)(?:供销社|供销合作社|基层社)")
WHOLE = re.compile(r"^全(省|市|县|区|州|旗)")
CASE_HEADER_END = ("供销合作社", "供销社", "联合社")
SUBJECT_LEAD = re.compile(
    r"^(?:其中|同时|另外|此外|全年|今年以来|目前|截至[^，,]*|(?:19|20)\d\d年(?:底|末|\d{1,2}月)?|"
    r"在|[，、,:：\s])*$"
)
COOP_AFTER = re.compile(r"^(?:供销|联合社|县社|市社|区社|省社|州社|旗社|基层社|社(?!会|区))")
GOVERNMENT_AFTER = re.compile(r"^(?:[省市县区州旗])?(?:财政|政府|人民政府|党委|委|人大|政协)")
LIST_JOINT = re.compile(r"^(?:供销合作社|供销社|联合社|县社|市社|区社|社)?(?:、|和|及|与)$")
PREPOSITION_BEFORE = re.compile(r"(?:与|同|跟|向|对|给|从|到|赴|往|为|帮助|帮扶|支持|对口)$")
CONTRIBUTES = re.compile(r"出资|投资|投入|注入|上缴|入股|认缴|提取")
CONTINUATION = re.compile(
    r"^(?:其中|同时|并|还|共|累计|均|分别)?"
    r"(?:比|较|与|同比|环比|增长|增加|提高|提升|上升|下降|减少|降低|占|是|为|达到?|"
    r"吸纳|领办|创办|带动|辐射|新建|建成|建设|改造|实现|完成|新增|发展|培育|组建|开展|扶持|安排|"
    r"撬动|提供|覆盖|销售|拥有|有)(?!后|的)"
)


@dataclass(frozen=True)
class Group:
    """A pooled subject (a pilot type) and the title keywords that open its section."""

    code: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Gazetteer:
    """What the extractor knows: places, pilots and their types, pilot-type titles, metrics."""

    places: Places | None = None
    pilots: dict[str, str] = field(default_factory=dict)  # region code -> pilot id
    pilot_types: dict[str, str] = field(default_factory=dict)  # pilot id -> pilot type
    groups: tuple[Group, ...] = ()
    metrics: tuple = ()  # loaders.metrics.Metric, longest wording first
    default_subject: str = NATIONAL

    def subject_of(self, code: str) -> str:
        """A place's subject id: the pilot unit of that place, else its division code."""
        return self.pilots.get(code, code)


@dataclass(frozen=True)
class Subject:
    """Whose a figure is: the subject id, the division behind it, and where that was seen."""

    subject_id: str | None  # None: a place several divisions share, not settled by the text
    region_code: str | None
    text: str | None


def report_unit(text: str, gazetteer: Gazetteer) -> str | None:
    """The division a report is about, from its title or opening; None if it names none, or
    names several (a compilation), or says 全国."""
    places = gazetteer.places
    lines = [line.strip() for line in text[:2000].splitlines() if line.strip()]
    if not lines or places is None:
        return None
    title = lines[0]
    if "全国" in title:
        return None
    unit = _one_unit(places, [m for m in places.mentions(title) if m.code])
    if unit or any(m.code for m in places.mentions(title)):
        return unit
    opening = next((line for line in lines[1:4] if not line.endswith(("：", ":"))), "")
    first_sentence = STORED_END.split(opening, maxsplit=1)[0]
    mentions = places.mentions(first_sentence)
    heads = [m for m in mentions if m.code and COOP_AFTER.match(first_sentence[m.end :][:3])]
    return _one_unit(places, heads) if _one_unit(places, mentions) else None


def _one_unit(places: Places, mentions: Sequence[Mention]) -> str | None:
    """The deepest of mentions if they all lie on one line of descent (山东省寿光市), else None."""
    codes = list(dict.fromkeys(m.code for m in mentions if m.code))
    if not codes:
        return None
    deepest = max(codes, key=lambda code: len(places.ancestors(code)))
    return deepest if all(places.contains(code, deepest) for code in codes) else None


class Context:
    """The unit the text is talking about, carried from line to line."""

    def __init__(self, gazetteer: Gazetteer, text: str) -> None:
        self.gazetteer = gazetteer
        self.unit_code = report_unit(text, gazetteer)
        unit_subject = gazetteer.subject_of(self.unit_code) if self.unit_code else None
        self.report_subject = Subject(
            unit_subject or gazetteer.default_subject, self.unit_code, None
        )
        self.subject = self.report_subject
        self.group_units: set[str] = set()
        self.baseline: tuple[str | None, str | None] | None = None

    def mentions(self, text: str) -> list[Mention]:
        """Places named in text, short names of the report's own unit included."""
        places = self.gazetteer.places
        return places.mentions(text, self.unit_code) if places else []

    def see(self, sentence: str) -> None:
        """A line that opens a section (a case header, a pilot type's title) sets its unit."""
        line = sentence.strip()
        if not line or len(line) > 40 or line.endswith(("。", "；", "！", "？", "：", ":")):
            if line:
                self._see_paragraph_start(line)
            return
        if line.endswith(CASE_HEADER_END):
            mentions = [m for m in self.mentions(line) if m.code]
            places = self.gazetteer.places
            unit = _one_unit(places, mentions) if places else None
            if unit:
                self.subject = Subject(self.gazetteer.subject_of(unit), unit, line)
            else:  # a co-op the tables do not list (某镇供销社): the report's own unit
                self.subject = Subject(self.report_subject.subject_id, self.unit_code, line)
            self.group_units = set()
            return
        # a pilot type's title pools its pilots in a compilation; in a report of one unit
        # (二、合作发展基金 of a province) the figures stay that unit's
        group = self._group_from_title(line) if self.unit_code is None else None
        if group:
            self.subject = Subject(group.code, None, line)
            self.group_units = self._members(group.code)

    def _see_paragraph_start(self, paragraph: str) -> None:
        """四川、广东茂名、广西贵港、吉林敦化供销合作社…: the pilot type they share is the
        subject."""
        head = paragraph[:60]
        cut = head.find("供销合作社")
        if cut == -1:
            return
        units = {self.gazetteer.subject_of(m.code) for m in self.mentions(head[:cut]) if m.code}
        groups = {self.gazetteer.pilot_types.get(unit) for unit in units}
        if len(units) >= 2 and len(groups) == 1 and None not in groups:
            group = groups.pop()
            self.subject = Subject(group, None, head[:cut])
            self.group_units = self._members(group)

    def _members(self, group: str) -> set[str]:
        return {pilot for pilot, kind in self.gazetteer.pilot_types.items() if kind == group}

    def _group_from_title(self, line: str) -> Group | None:
        best, best_len = None, 0
        for group in self.gazetteer.groups:
            for keyword in group.keywords:
                if keyword and keyword in line and len(keyword) > best_len:
                    best, best_len = group, len(keyword)
        return best


def subject_mentions(sentence: str, clause_start: int, end: int, mentions: list[Mention]):
    """The places at the head of the clause sentence[clause_start:end] (or before their co-op),
    in order: those are whose the clause's figures are. Funders (东城区财政) are left out."""
    heads: list[Mention] = []
    inside = [m for m in mentions if clause_start <= m.start and m.end <= end]
    previous: Mention | None = None
    for mention in inside:
        lead = sentence[previous.end if previous else clause_start : mention.start]
        if previous is not None and previous in heads and not lead:  # 山东省寿光市: the deeper
            heads[-1] = previous = mention
            continue
        listed = previous is not None and previous in heads and LIST_JOINT.match(lead)
        at_head = previous is None and SUBJECT_LEAD.match(lead)
        after_one_left_out = (
            previous is not None and previous not in heads and LIST_JOINT.match(lead)
        )
        before_coop = (
            COOP_AFTER.match(sentence[mention.end : mention.end + 3])
            and not PREPOSITION_BEFORE.search(lead)  # 与福建省社…共同发起: partners, not subjects
            and not after_one_left_out
        )
        if listed or at_head or before_coop:
            heads.append(mention)
        previous = mention
    if heads and GOVERNMENT_AFTER.match(sentence[heads[-1].end : heads[-1].end + 4]):
        return []
    clause_end = CLAUSE_END.search(sentence, end)
    clause_end = clause_end.start() if clause_end else len(sentence)
    if heads and "基金" in sentence and CONTRIBUTES.search(sentence, heads[-1].end, clause_end):
        return []  # 咸安区社和嘉鱼县社分别出资10万元 into the fund: the fund's unit is the subject
    return heads


def continues(clause: str, wordings: Sequence[str] = ()) -> bool:
    """A clause that goes on about the subject of the one before: it opens with a comparison
    or a verb (，同比增长5%; ，吸纳社员1.8万人) or with a metric (，电商销售额增长42%), not with
    a subject of its own (，改造后的基层社平均每个…; ，全省…)."""
    clause = re.sub(r"^[，,、；;\s]*(?:其中|同时|另外|此外)?[，,、\s]*", "", clause)
    if clause.startswith(("全省", "全市", "全县", "全区", "全州", "全旗", "全系统", "全国")):
        return False
    return bool(CONTINUATION.match(clause)) or any(clause.startswith(w) for w in wordings)


def subjects_of(
    context: Context, heads: list, kind: str, before_clause: str
) -> list[Subject] | None:
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


def named_before(
    context: Context, sentence: str, start: int, end: int, mentions: list
) -> list[Subject] | None:
    """The subjects named by the clause just before end, if it has no figure (山东省供销社持续
    推进土地托管服务，全省…); a topic is carried one clause on, no further."""
    clauses = list(CLAUSE.finditer(sentence[start:end]))
    if not clauses:
        return None
    last = clauses[-1]
    heads = subject_mentions(sentence, start + last.start(), start + last.end(), mentions)
    return subjects_of(context, heads, "level", last.group())


def unnamed_subjects(
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
