"""The curated seeds agree with the report text and with each other."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.conftest import ROOT, read_seed

FACTS = read_seed("report_facts")
UNITS = {row["unit"] for row in read_seed("units")}
KINDS = {row["kind"] for row in read_seed("kinds")}
QUALIFIERS = {row["qualifier"] for row in read_seed("qualifiers")}
CHINESE_DIGITS = {"两": 2, "三": 3, "四": 4, "五": 5, "十": 10, "百": 100}
# Digits in the report that are not figures: years, months, a plan's years, B2B/B2C.
NOT_FIGURES = re.compile(r"20\d\d年|\d{1,2}月|2017—2018|B2[BC]")


def test_every_fact_span_holds_its_number_text(report_text: str) -> None:
    for fact in FACTS:
        start, end = int(fact["span_start"]), int(fact["span_end"])
        assert report_text[start:end] == fact["number_text"], fact


def test_the_one_vocabulary_has_the_brief_s_units_and_kinds_and_the_ratio() -> None:
    assert UNITS == {
        "percent",
        "pp",
        "yuan",
        "household",
        "person",
        "count",
        "sqm",
        "mu",
        "other",
        "times",
    }
    assert KINDS == {
        "growth_pct",
        "yoy_growth_pct",
        "level",
        "share_pct",
        "coverage_pct",
        "pp_change",
        "ratio",
        "other",
    }
    assert QUALIFIERS == {"exact", "approx", "at_least", "at_most"}


def test_everything_the_extractor_can_say_is_in_the_vocabulary() -> None:
    from loaders.numbers import UNIT_WORDS

    assert set(UNIT_WORDS.values()) | {"percent"} <= UNITS
    source = (ROOT / "loaders" / "kinds.py").read_text(encoding="utf-8")
    assert set(re.findall(r'return "?([a-z_]+_pct|level|ratio|other)"?, ', source)) <= KINDS


def test_fact_vocabularies_are_those_of_the_seeds() -> None:
    assert {f["unit"] for f in FACTS} <= UNITS
    assert {f["kind"] for f in FACTS} <= KINDS
    assert {f["qualifier"] for f in FACTS} <= QUALIFIERS


def _value_from_text(text: str) -> float:
    """An independent reading of number_text: digits, fractions, 万/亿, Chinese numerals."""
    if text == "全覆盖":
        return 100.0
    fraction = re.match(r"(\d+)/(\d+)", text)
    if fraction:
        return round(int(fraction[1]) / int(fraction[2]) * 100, 4)
    digits = re.match(r"\d+(?:\.\d+)?", text)
    if digits:
        value = float(digits[0])
        rest = text[len(digits[0]) :]
    else:
        value = float(CHINESE_DIGITS[text[0]])
        rest = text[1:]
    rest = rest.lstrip("多余")
    if rest.startswith("万"):
        value *= 10_000
    elif rest.startswith("亿"):
        value *= 100_000_000
    return value


def test_each_value_is_its_number_text_normalised() -> None:
    for fact in FACTS:
        assert float(fact["value"]) == pytest.approx(_value_from_text(fact["number_text"])), fact


@pytest.mark.parametrize(
    ("suffix", "qualifier"), [("多", "approx"), ("余", "approx"), ("以上", "at_least")]
)
def test_trailing_qualifiers_are_recorded(suffix: str, qualifier: str) -> None:
    marked = [f for f in FACTS if re.search(rf"{suffix}[户个家元种人]*$", f["number_text"])]
    assert marked, suffix
    assert all(f["qualifier"] == qualifier for f in marked), marked


def test_every_number_in_the_report_is_a_fact_or_a_date(report_text: str) -> None:
    covered = set()
    for fact in FACTS:
        covered.update(range(int(fact["span_start"]), int(fact["span_end"])))
    for match in NOT_FIGURES.finditer(report_text):
        covered.update(range(match.start(), match.end()))
    missed = [
        (m.start(), report_text[m.start() - 10 : m.end() + 5])
        for m in re.finditer(r"\d+", report_text)
        if m.start() not in covered
    ]
    assert not missed


def test_full_coverage_without_digits_is_a_coverage_fact_of_100(report_text: str) -> None:
    spans = {int(f["span_start"]) for f in FACTS if f["number_text"] == "全覆盖"}
    stated = {m.start() for m in re.finditer("全覆盖", report_text)}
    assert spans == stated
    for fact in FACTS:
        if fact["number_text"] == "全覆盖":
            assert (fact["kind"], float(fact["value"])) == ("coverage_pct", 100.0)
            assert "without digits" in fact["note"]


def test_respectively_lists_pair_values_in_order() -> None:
    by_span = {(int(f["span_start"]), f["subject"]): f for f in FACTS}
    # 汇总销售总额和利润总额较试点前分别增长43%和38%
    assert by_span[(617, "dual_track")]["metric_code"] == "sales_total"
    assert by_span[(621, "dual_track")]["metric_code"] == "profit_total"
    # 销售总额、利润总额、所有者权益、农产品销售额 … 分别增长108%、38%、32%和784%
    codes = [by_span[(s, "changli")]["metric_code"] for s in (12375, 12380, 12384, 12388)]
    assert codes == ["sales_total", "profit_total", "owners_equity", "farm_product_sales"]


def test_one_number_for_several_units_gives_one_row_each() -> None:
    subjects = sorted(f["subject"] for f in FACTS if f["span_start"] == "3304")
    assert subjects == ["changting", "chongqing", "jinzhong", "qianjiang"]


def test_fact_keys_are_unique_and_subjects_metrics_funds_resolve() -> None:
    keys = Counter((f["report_id"], f["span_start"], f["subject"]) for f in FACTS)
    assert max(keys.values()) == 1
    subjects = {p["pilot_id"] for p in read_seed("pilots")} | {
        t["pilot_type_code"] for t in read_seed("pilot_types")
    }
    metrics = {m["metric_code"] for m in read_seed("metrics")}
    funds = {f["fund_id"] for f in read_seed("funds")}
    for fact in FACTS:
        assert fact["subject"] in subjects, fact
        assert fact["metric_code"] in metrics | {""}, fact
        assert fact["fund_id"] in funds | {""}, fact


def test_pilots_are_the_29_units_of_the_seven_summaries_with_12_cases() -> None:
    pilots = read_seed("pilots")
    per_type = Counter(p["pilot_type_code"] for p in pilots)
    assert len(pilots) == 29
    assert per_type == {
        "dual_track": 4,
        "federation_governance": 4,
        "grassroots_coop_nature": 5,
        "industry_integration": 4,
        "assets_commission": 4,
        "development_fund": 5,
        "three_councils": 3,
    }
    assert sum(1 for p in pilots if p["typical_case_title"]) == 12


def test_pilot_names_appear_in_their_summary(report_text: str) -> None:
    for pilot in read_seed("pilots"):
        for part in re.findall(r"[\u4e00-\u9fff]{2,}", pilot["name"]):
            assert part in report_text, pilot


def test_regions_nest_province_prefecture_county() -> None:
    regions = {r["region_code"]: r for r in read_seed("regions")}
    rank = {"province": 0, "prefecture": 1, "county": 2}
    for region in regions.values():
        assert re.fullmatch(r"\d{6}", region["region_code"]), region
        if region["level"] == "province":
            assert region["region_code"].endswith("0000") and not region["parent_code"]
            continue
        parent = regions[region["parent_code"]]
        assert rank[parent["level"]] < rank[region["level"]], region
        assert region["region_code"][:2] == parent["region_code"][:2], region


def test_fund_contributions_cite_facts_with_their_amount() -> None:
    values = {int(f["span_start"]): float(f["value"]) for f in FACTS}
    for row in read_seed("fund_contributions"):
        assert values[int(row["span_start"])] == float(row["amount_yuan"]), row
