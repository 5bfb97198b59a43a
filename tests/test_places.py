"""Places: the divisions seed against its source, and names found and resolved in text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from loaders.divisions import COLUMNS, nations, regions, source_row, source_rows
from loaders.extract import gazetteer_from_rows
from loaders.places import places_from_rows
from tests.conftest import ROOT, read_seed

REGIONS = read_seed("regions")
PLACES = places_from_rows(REGIONS)


def resolved(text: str, within: str | None = None) -> list[tuple[str, str | None]]:
    return [(m.text, m.code) for m in PLACES.mentions(text, within)]


def test_the_regions_seed_is_what_the_generator_makes_from_the_pinned_package() -> None:
    generated = regions(source_rows(), nations())
    assert [{k: row[k] for k in COLUMNS} for row in generated] == REGIONS
    (recorded,) = read_seed("data_sources")
    assert recorded == source_row()


def test_every_province_prefecture_and_county_is_there_with_its_parent() -> None:
    by_code = {row["region_code"]: row for row in REGIONS}
    levels = [row["level"] for row in REGIONS]
    assert levels.count("province") == 34
    assert 300 < levels.count("prefecture") < 400
    assert 2800 < levels.count("county") < 3000
    for row in REGIONS:
        if row["level"] != "province":
            assert by_code[row["parent_code"]]["level"] in ("province", "prefecture")


@pytest.mark.parametrize(
    ("code", "name", "aliases"),
    [
        ("370783", "寿光", ""),
        ("630121", "大通", "大通县"),
        ("632500", "海南", "海南州"),
        ("222403", "敦化", ""),
        ("150000", "内蒙古", ""),
        ("429021", "神农架", ""),
        ("340523", "和县", ""),  # a one-character stem keeps its suffix
        ("150724", "鄂温克", "鄂温克旗"),
    ],
)
def test_short_names_and_aliases(code: str, name: str, aliases: str) -> None:
    row = next(r for r in REGIONS if r["region_code"] == code)
    assert (row["name"], row["aliases"]) == (name, aliases)


def test_the_pilots_regions_all_exist() -> None:
    codes = {row["region_code"] for row in REGIONS}
    assert {p["region_code"] for p in read_seed("pilots")} <= codes


@pytest.mark.parametrize(
    ("text", "within", "expected"),
    [
        ("山东省寿光市供销合作社", None, [("山东省", "370000"), ("寿光市", "370783")]),
        ("淮南市大通区供销合作社", None, [("淮南市", "340400"), ("大通区", "340402")]),
        ("青海大通县基层社", None, [("青海", "630000"), ("大通县", "630121")]),
        ("大通供销社新建基层社6个", "340402", [("大通", "340402")]),
        ("大通供销社新建基层社6个", "630000", [("大通", "630121")]),
        (
            "瑞金、于都、兴国分别增长",
            "360700",
            [("瑞金", "360781"), ("于都", "360731"), ("兴国", "360732")],
        ),
        ("江西南昌", None, [("江西", "360000"), ("南昌", "360100")]),
        ("吉林敦化", None, [("吉林", "220000"), ("敦化", "222403")]),
    ],
)
def test_names_resolve_by_their_parent_or_the_reports_unit(text, within, expected) -> None:
    assert resolved(text, within) == expected


def test_a_list_takes_its_short_names_from_the_one_that_settles_it() -> None:
    got = resolved("东城、西城、朝阳、海淀、丰台、石景山区财政各投资2500万元")
    assert [code for _, code in got] == ["110101", "110102", "110105", "110108", "110106", "110107"]


def test_a_shared_name_with_nothing_to_settle_it_stays_ambiguous() -> None:
    (mention,) = PLACES.mentions("朝阳区供销社销售额增长")
    assert mention.code is None
    assert set(mention.candidates) == {"110105", "220104"}


@pytest.mark.parametrize(
    "text",
    [
        "互助合作，平安建设",  # 互助县 and 平安区 as words
        "供销合作社的合作市场，新建区域中心，新县城",  # 合作市, 新建区, 新县 inside words
        "沿海城市的县和县级供销社",  # 海城市, 和县
        "上虞区社以大通农场项目为主体",  # 大通 short, outside the unit the text is about
    ],
)
def test_names_that_are_words_here_are_not_places(text: str) -> None:
    assert [m.text for m in PLACES.mentions(text) if m.text not in ("上虞区",)] == []


def test_the_scan_is_linear_and_fast_on_a_long_text() -> None:
    import gc
    import time

    text = Path(ROOT / "reports" / "2019-gxs-reform-pilots.txt").read_text(encoding="utf-8")

    def seconds(copies: int) -> float:
        """The scan's own CPU time, the least of three: neither the other tests running in
        parallel nor a pass of the garbage collector over this process's objects counts."""
        longer = text * copies
        spent = []
        gc.disable()
        try:
            for _ in range(3):
                started = time.process_time()
                PLACES.mentions(longer)
                spent.append(time.process_time() - started)
        finally:
            gc.enable()
        return min(spent)

    once, twice = seconds(10), seconds(20)
    assert once < 1.0, once  # 0.6 MB of text
    assert twice < 3 * once + 0.05, (once, twice)  # twice the text, about twice the time


def test_the_gazetteer_maps_a_pilots_region_to_the_pilot() -> None:
    def rows(name: str) -> list[dict]:
        with open(ROOT / "seeds" / f"{name}.csv", encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    gazetteer = gazetteer_from_rows(rows("pilots"), REGIONS, rows("pilot_types"), rows("metrics"))
    assert gazetteer.subject_of("630121") == "datong"
    assert gazetteer.subject_of("340402") == "340402"
