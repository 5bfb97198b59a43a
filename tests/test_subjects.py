"""Subjects: whose each figure is, from the report's title, its sections and its clauses."""

from __future__ import annotations

import pytest

from loaders.extract import extract, extract_facts
from loaders.reference import load_gazetteer
from loaders.subjects import report_unit
from tests.conftest import ROOT

GAZETTEER = load_gazetteer(ROOT / "seeds")


def subjects(text: str) -> list[tuple[str, str | None]]:
    return [(f.number_text, f.subject) for f in extract_facts(text, "t", GAZETTEER)]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("山东省寿光市供销合作社2020年工作总结\n\n全市销售总额12亿元。", "370783"),
        ("淮南市大通区供销合作社2020年改革发展情况\n\n全区销售额5亿元。", "340402"),
        ("青海省供销合作社2020年综合改革工作情况\n\n全省销售总额12亿元。", "630000"),
        ("河南：供销社系统销售额稳步增长\n\n全省销售额2856亿元。", "410000"),
        ("2020年工作总结\n\n今年以来，寿光市供销社深化改革，全市销售收入12亿元。", "370783"),
        ("全国供销合作社系统2020年基本情况统计公报\n\n全系统销售总额5.6万亿元。", None),
        ("供销合作社综合改革专项试点经验成果\n\n四川、广东茂名供销合作社推进改革。", None),
    ],
)
def test_the_reports_own_unit_comes_from_its_title_or_opening(text: str, unit) -> None:
    assert report_unit(text, GAZETTEER) == unit


def test_an_addressee_line_is_not_the_reports_unit() -> None:
    text = (
        "关于2020年工作情况的报告\n\n江西省供销合作社：\n\n今年以来，赣州市供销社…销售总额12亿元。"
    )
    assert report_unit(text, GAZETTEER) == "360700"


def test_a_report_about_a_place_outside_the_pilots_gives_it_every_figure() -> None:
    text = (
        "山东省寿光市供销合作社2020年工作总结\n\n全市供销系统实现销售收入86.5亿元，同比增长12.3%。"
    )
    assert subjects(text) == [("86.5亿元", "370783"), ("12.3%", "370783")]


def test_a_pilots_region_is_the_pilot() -> None:
    text = "河北省秦皇岛市昌黎县供销合作社2020年工作总结\n\n全县销售总额12.6亿元。"
    assert subjects(text) == [("12.6亿元", "changli")]


def test_places_listed_before_respectively_pair_with_the_figures_in_order() -> None:
    text = "赣州市供销合作社工作报告\n\n瑞金市、于都县、兴国县供销社销售总额分别增长82%、75%和64%。"
    facts = extract_facts(text, "t", GAZETTEER)
    got = [(f.number_text, f.subject, f.metric_code) for f in facts]
    assert got == [
        ("82%", "360781", "sales_total"),
        ("75%", "360731", "sales_total"),
        ("64%", "360732", "sales_total"),
    ]


def test_a_second_respectively_run_pairs_with_the_places_of_the_first() -> None:
    text = (
        "东部地区综述\n\n浙江、山东、江苏三省供销系统销售总额分别达到6520亿元、7860亿元和5930亿元，"
        "分别比上年增长12.1%、9.6%和10.3%。"
    )
    assert [s for _, s in subjects(text)] == ["330000", "370000", "jiangsu"] * 2


def test_a_place_at_the_head_of_a_clause_is_its_subject_and_the_next_clause_goes_on() -> None:
    text = (
        "赣州市供销合作社工作报告\n\n全市基层社发展到286个。瑞金市基层社乡镇覆盖率由2016年的55%提升到100%；"
        "于都县基层社乡镇覆盖率达到96%，比2016年提高31个百分点。"
    )
    assert [s for _, s in subjects(text)] == ["360700", "360781", "360781", "360731", "360731"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "东部地区综述\n\n山东省供销社持续推进土地托管服务，全省土地托管服务面积达到3510万亩。",
            [("3510万亩", "370000")],
        ),
        (
            "赣州市供销合作社工作报告\n\n瑞金市销售额增长12%，全市销售额增长10%。",
            [("12%", "360781"), ("10%", "360700")],
        ),
    ],
)
def test_whole_unit_words_mean_the_section_unit_unless_it_is_of_another_level(
    text: str, expected: list
) -> None:
    assert subjects(text) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "东城、西城、朝阳、海淀、丰台、石景山区财政各投资2500万元。",
        "咸安区社和嘉鱼县社分别出资10万元注入合作发展基金。",
        "与福建省社、龙岩市社共同发起担保基金，提供贷款1.52亿元。",
        "产品销往山东、河南等地，销售额3亿元。",
    ],
)
def test_funders_partners_and_destinations_are_not_subjects(sentence: str) -> None:
    text = "北京市供销合作社\n\n" + sentence
    assert {s for _, s in subjects(text)} == {"beijing"}


def test_a_shared_name_the_text_does_not_settle_leaves_the_subject_empty_and_says_why() -> None:
    text = "全国供销合作社系统情况\n\n朝阳区供销社销售额增长12%。"
    (fact,) = extract_facts(text, "t", GAZETTEER)
    assert fact.subject is None
    assert "北京市朝阳区" in fact.subject_text and "吉林省长春市朝阳区" in fact.subject_text


def test_a_pooled_summary_does_not_carry_a_unit_into_a_clause_about_the_group() -> None:
    text = (
        "强化合作经济组织属性 建设农民社员为主体的基层社\n\n"
        "重庆、山西晋中、湖北潜江、福建长汀、青海大通供销合作社推进改革。\n"
        "青海大通县基层社乡镇覆盖率由75%提升到85%，改造后的基层社平均每个领办农民专业合作社15个。\n"
    )
    assert subjects(text) == [
        ("75%", "datong"),
        ("85%", "datong"),
        ("15个", "grassroots_coop_nature"),
    ]


def test_the_extraction_knows_the_reports_unit() -> None:
    text = "淮南市大通区供销合作社2020年改革发展情况\n\n大通供销社新建改造基层社6个。"
    extraction = extract(text, "t", GAZETTEER)
    assert extraction.unit_code == "340402"
    assert [(f.subject, f.region_code) for f in extraction.facts] == [("340402", "340402")]


def test_a_section_named_like_a_pilot_type_keeps_the_reports_unit() -> None:
    """A pilot type's title pools its pilots in a compilation (the 2019 report); in a province's
    own report, 二、合作发展基金 is a section about the province's fund."""
    text = (
        "贵州省供销合作社2023年工作总结\n\n全省销售总额865.2亿元。\n\n二、合作发展基金\n\n"
        "省社合作发展基金规模达到5亿元，已投资项目12个。"
    )
    assert subjects(text) == [("865.2亿元", "520000"), ("5亿元", "520000"), ("12个", "520000")]


def test_townships_below_the_divisions_wait_for_a_reviewer() -> None:
    """佛堂镇、赤岸镇供销社…分别增长: towns are below the counties the divisions list; their figures
    are not the city's (it has one of its own), so they have no subject and wait for review."""
    text = (
        "浙江省义乌市供销合作社2023年工作报告\n\n"
        "佛堂镇、赤岸镇供销社农资销售额分别增长5.6%和4.2%。全市农资销售额增长3%。"
    )
    facts = extract_facts(text, "t", GAZETTEER)
    assert [(f.number_text, f.subject, f.metric_code) for f in facts] == [
        ("5.6%", None, "agri_inputs_sales"),
        ("4.2%", None, "agri_inputs_sales"),
        ("3%", "330782", "agri_inputs_sales"),
    ]
    assert facts[0].subject_text == "佛堂镇、赤岸镇: below a county, not in the divisions"
    assert subjects("义乌市供销社2023年报告\n\n全市基层社乡镇覆盖率达到100%。") == [
        ("100%", "330782")
    ]
