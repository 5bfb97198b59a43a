"""Step 4 of extraction: the places a text names, resolved to GB/T 2260 divisions.

Names come from seeds/regions.csv (every province, prefecture and county, with short names and
aliases). A name is taken when the text makes it safe: a full name of three characters or more
(寿光市, 大通区), a province (山东), a short name right after its parent (淮南大通, 青海大通),
in a list with a taken place (东城、西城、…石景山区) or with another place inside the report's
own unit (瑞金、于都 in a 赣州 report), or followed by its co-op (寿光供销社). A name several
divisions share (大通, 朝阳, 鼓楼) is resolved by the place named before it or by the report's
unit; otherwise it stays ambiguous and is never guessed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

COOP_AFTER = re.compile(r"^(?:供销|联合社|县社|市社|区社|省社|州社|旗社)")
LIST_JOINT = re.compile(r"^(?:、|和|及|与|，)$")
WHOLE_UNIT = re.compile(r"全[省市县区州旗盟]")  # 全州: the whole 州, as 全市 is the whole 市


@dataclass(frozen=True)
class Division:
    """One administrative division: code, names, level and parent."""

    code: str
    name: str
    full_name: str
    level: str  # province, prefecture or county
    parent: str | None

    @property
    def province(self) -> str:
        return self.code[:2] + "0000"


@dataclass(frozen=True)
class Mention:
    """A place named in a text: its offsets, the name as printed, and what it resolves to."""

    start: int
    end: int
    text: str
    code: str | None  # None when several divisions share the name and nothing tells them apart
    candidates: tuple[str, ...]


@dataclass
class _Match:
    start: int
    end: int
    text: str
    candidates: list[str]
    strong: bool
    valid: bool = False


class Places:
    """Every division and the names the text may call it by, with a trie to find them fast."""

    def __init__(self, divisions: Iterable[Division], names: Iterable[tuple[str, str, bool]]):
        """names: (name, division code, strong) for every full name, short name and alias."""
        self.divisions = {division.code: division for division in divisions}
        self._trie: dict = {}
        for name, code, strong in names:
            node = self._trie
            for char in name:
                node = node.setdefault(char, {})
            entries = node.setdefault("", {})
            entries[code] = entries.get(code, False) or strong

    # -- the tree of divisions ------------------------------------------------------------

    def ancestors(self, code: str) -> list[str]:
        """code, its parent, … up to its province."""
        chain = []
        while code and code in self.divisions and code not in chain:
            chain.append(code)
            code = self.divisions[code].parent or ""
        return chain

    def contains(self, ancestor: str | None, code: str) -> bool:
        """True if code is ancestor or lies inside it."""
        return ancestor is not None and ancestor in self.ancestors(code)

    def province_of(self, code: str) -> str | None:
        chain = self.ancestors(code)
        return chain[-1] if chain else None

    def display_name(self, code: str) -> str:
        """Full names from the province down: 安徽省淮南市大通区."""
        return "".join(self.divisions[c].full_name for c in reversed(self.ancestors(code)))

    # -- finding names --------------------------------------------------------------------

    def mentions(self, text: str, within: str | None = None) -> list[Mention]:
        """The places text names, in order; within is the unit the text is about (its own
        places may be named short, and settle shared names)."""
        matches = self._scan(text)
        for index, match in enumerate(matches):
            previous = matches[index - 1] if index else None
            if previous and previous.end == match.start:  # 淮南大通, 山东省寿光市
                inner = [
                    c
                    for c in match.candidates
                    if any(self.contains(p, c) and p != c for p in previous.candidates)
                ]
                if inner:
                    match.candidates, match.valid = inner, True
                    previous.candidates = [
                        p for p in previous.candidates if any(self.contains(p, c) for c in inner)
                    ]
                    previous.valid = True
            if not match.valid and (match.strong or COOP_AFTER.match(text[match.end :][:3])):
                match.valid = not _inside_a_word(text, match)
            inside = [c for c in match.candidates if self.contains(within, c)]
            if inside and match.valid:
                match.candidates = inside
        self._validate_lists(text, matches, within)
        found = []
        for match in matches:
            if not match.valid or self._whole_unit(match, within):
                continue
            code = self._resolve(match, within)
            found.append(
                Mention(match.start, match.end, match.text, code, tuple(sorted(match.candidates)))
            )
        return found

    def _whole_unit(self, match: _Match, within: str | None) -> bool:
        """全州 (全省, 全区) is the whole of the unit the text is about, not 广西's 全州县: a
        name spelt 全 and a level is a place only in a text about that place or what holds it."""
        if not WHOLE_UNIT.fullmatch(match.text):
            return False
        return not any(
            within and (c == within or self.contains(within, c)) for c in match.candidates
        )

    def _scan(self, text: str) -> list[_Match]:
        """Leftmost-longest names in text (a trie walk from each position: linear in text)."""
        matches: list[_Match] = []
        position, length = 0, len(text)
        while position < length:
            node, best, cursor = self._trie, None, position
            while cursor < length and text[cursor] in node:
                node = node[text[cursor]]
                cursor += 1
                if "" in node:
                    best = (cursor, node[""])
            if best is None:
                position += 1
                continue
            end, entries = best
            matches.append(
                _Match(position, end, text[position:end], list(entries), any(entries.values()))
            )
            position = end
        return matches

    def _validate_lists(self, text: str, matches: list[_Match], within: str | None) -> None:
        """Places listed together (东城、西城、朝阳、海淀、丰台、石景山区) stand or fall together:
        a list is taken when one of them is settled (they then share its parent), or when two
        or more of them lie inside the unit the text is about (瑞金、于都 in a 赣州 report)."""
        runs: list[list[_Match]] = []
        for match in matches:
            if runs and LIST_JOINT.match(text[runs[-1][-1].end : match.start]):
                runs[-1].append(match)
            else:
                runs.append([match])
        for run in runs:
            if len(run) < 2:
                continue
            inside = [[c for c in m.candidates if self.contains(within, c)] for m in run]
            if sum(1 for codes in inside if codes) >= 2:
                for match, codes in zip(run, inside, strict=True):
                    if codes:
                        match.candidates, match.valid = codes, True
            settled = [m for m in run if m.valid and len(m.candidates) == 1]
            if not settled:
                continue
            parents = {self.divisions[m.candidates[0]].parent for m in settled}
            for match in run:
                siblings = [c for c in match.candidates if self.divisions[c].parent in parents]
                if siblings:
                    match.candidates, match.valid = siblings, True

    def _resolve(self, match: _Match, within: str | None) -> str | None:
        candidates = match.candidates
        if len(candidates) > 1 and within:
            same_province = [c for c in candidates if c[:2] == within[:2]]
            candidates = same_province or candidates
        if len(candidates) > 1:  # 南昌 (市 and its 县), 吉林: the unit that holds the others
            outer = [c for c in candidates if all(self.contains(c, o) for o in candidates)]
            candidates = outer or candidates
        if len(candidates) > 1:  # 海南: the province, as the bare name is commonly read
            provinces = [c for c in candidates if self.divisions[c].level == "province"]
            candidates = provinces if len(provinces) == 1 else candidates
        return candidates[0] if len(candidates) == 1 else None


def _inside_a_word(text: str, match: _Match) -> bool:
    """合作市场, 新建区域, 新县城, 供销合作社, 沿海城市: a name that is part of a longer word."""
    after = text[match.end : match.end + 1]
    before = text[max(0, match.start - 2) : match.start]
    return (
        (match.text[-1:] + after in ("市场", "区域", "县城"))
        or before == "供销"
        or (match.text.endswith("城市") and "\u4e00" <= before[-1:] <= "\u9fff")
    )


def places_from_rows(
    regions: Sequence[dict], extra_names: Iterable[tuple[str, str]] = ()
) -> Places:
    """Places from seeds/regions.csv rows; extra_names are (name, region_code) pairs such as the
    pilots' names (广东茂名)."""
    divisions = [
        Division(
            row["region_code"],
            row["name"],
            row["full_name"],
            row["level"],
            (row.get("parent_code") or "").strip() or None,
        )
        for row in regions
    ]
    names: list[tuple[str, str, bool]] = []
    for division, row in zip(divisions, regions, strict=True):
        aliases = [a for a in (row.get("aliases") or "").split(";") if a]
        for name in {division.full_name, *aliases}:
            names.append((name, division.code, len(name) >= 3))
        if division.name not in (division.full_name, *aliases):
            names.append((division.name, division.code, division.level == "province"))
    names.extend((name, code, True) for name, code in extra_names if len(name) >= 2)
    return Places(divisions, names)
