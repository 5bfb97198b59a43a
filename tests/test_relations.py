"""Relations: the before of an after, a change and its end, a share and its counts; ratios."""

from __future__ import annotations

import pytest

from loaders.baselines import baseline
from loaders.extract import extract
from loaders.reference import load_gazetteer
from tests.conftest import ROOT

GAZETTEER = load_gazetteer(ROOT / "seeds")


def relations(text: str) -> list[tuple]:
    """(type, before as printed, after as printed, change as printed, before period)."""
    extraction = extract(text, "t", GAZETTEER)
    printed = {f.span_start: f.number_text for f in extraction.facts}
    return [
        (
            r.relation_type,
            printed.get(r.start_span),
            printed.get(r.end_span if r.end_span is not None else r.share_span),
            printed.get(r.change_span),
            r.before_period,
        )
        for r in extraction.relations
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("基层社乡镇覆盖率由2016年的60%提高到100%。", ("range", "60%", "100%", None, "2016")),
        ("覆盖率由75%提升到85%。", ("range", "75%", "85%", None, None)),
        ("基层社数量从9个增加到24个。", ("range", "9个", "24个", None, None)),
        ("基层社由2016年的112个发展到235个。", ("range", "112个", "235个", None, "2016")),
        ("销售额由5亿元增至12亿元。", ("range", "5亿元", "12亿元", None, None)),
        (
            "基层社乡镇覆盖率达到96%，比2016年提高31个百分点。",
            ("pp_change", None, "96%", "31个百分点", "2016"),
        ),
        ("全市基层社发展到286个，比改革前增加97个。", ("change", None, "286个", "97个", "改革前")),
        (
            "基层社乡镇覆盖率提高了5.2个百分点，达到98.3%。",
            ("pp_change", None, "98.3%", "5.2个百分点", None),
        ),
    ],
)
def test_the_text_relates_a_before_and_an_after(text: str, expected: tuple) -> None:
    assert relations(text) == [expected]


def test_a_range_and_a_percentage_point_change_on_one_figure_are_one_relation() -> None:
    text = "覆盖率由2016年的60%提高到89%，提高29个百分点。"
    assert relations(text) == [("pp_change", "60%", "89%", "29个百分点", "2016")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # each change runs into its own ending: 为/达/至 and the percentage after it
            "电商服务站点覆盖率三年来提高了12个百分点，为88%，农资配送率比2020年提升6个百分点，"
            "达94%。",
            [
                ("pp_change", None, "88%", "12个百分点", "三年前"),
                ("pp_change", None, "94%", "6个百分点", "2020"),
            ],
        ),
        (  # an ending before, a change run into its ending after
            "乡镇覆盖率达到90%，比2016年提高20个百分点；行政村覆盖率比2016年提升9个百分点，"
            "升至75%。",
            [
                ("pp_change", None, "90%", "20个百分点", "2016"),
                ("pp_change", None, "75%", "9个百分点", "2016"),
            ],
        ),
        (  # a change with no ending of its own is not given the coverage of another statement
            "乡镇覆盖率达到90%；行政村覆盖率比2016年提升9个百分点。",
            [],
        ),
        (  # nor the coverage another change already ends at
            "乡镇覆盖率提升了8个百分点，达到90%，行政村覆盖率比2016年提升9个百分点。",
            [("pp_change", None, "90%", "8个百分点", None)],
        ),
    ],
)
def test_a_percentage_point_change_ends_at_the_percentage_it_runs_into(
    text: str, expected: list[tuple]
) -> None:
    assert relations(text) == expected


def test_a_share_of_a_stated_whole_is_related_to_its_counts() -> None:
    extraction = extract("县联合社156名社员代表中，农民代表112人，占比72%。", "t", GAZETTEER)
    (relation,) = extraction.relations
    spans = {f.number_text: f.span_start for f in extraction.facts}
    assert relation.relation_type == "share_of_total"
    assert (relation.whole_span, relation.part_span, relation.share_span) == (
        spans["156名"],
        spans["112人"],
        spans["72%"],
    )


@pytest.mark.parametrize(
    "text",
    [
        "每亩增收300至500元。",  # a range of values, not a before and after
        "销售总额12亿元，利润3000万元。",
        "吸纳农民社员2.3万户，占全市农户总数的12.5%。",  # the whole is not stated
        "服务站覆盖率为92.5%，高于全省平均水平3个百分点。",  # a gap to an average
        "覆盖率为92.5%，比全国平均高3个百分点。",
    ],
)
def test_figures_the_text_does_not_relate_stay_apart(text: str) -> None:
    assert relations(text) == []


def test_a_gap_to_an_average_is_no_change_and_has_no_baseline() -> None:
    text = "销售总额同比增长11.5%，增幅高于全省平均水平2.1个百分点。"
    gap = extract(text, "t", GAZETTEER).facts[-1]
    assert (gap.number_text, gap.kind, gap.baseline) == ("2.1个百分点", "other", None)


def test_a_growth_after_a_range_is_over_the_range() -> None:
    text = "基层社数量从2016年的98个增加到2023年的156个，增长59.2%。"
    growth = extract(text, "t", GAZETTEER).facts[-1]
    assert (growth.number_text, growth.kind, growth.baseline) == ("59.2%", "growth_pct", "2016")


def test_a_cumulative_figure_after_a_new_one_counts_them_all() -> None:
    text = "全年新增农民社员1.2万户，累计达到23.6万户。"
    codes = [f.metric_code for f in extract(text, "t", GAZETTEER).facts]
    assert codes == ["new_member_households", "member_households"]


@pytest.mark.parametrize(
    ("text", "value", "unit", "kind", "base"),
    [
        ("电商销售额是2016年的2.1倍。", 2.1, "times", "ratio", "2016"),
        ("销售额是2012年的1.1倍。", 1.1, "times", "ratio", "2012"),
        ("电商销售额为上年的1.2倍。", 1.2, "times", "ratio", "上年"),
        ("利润总额较试点前增长1.3倍。", 130, "percent", "growth_pct", "试点前"),
        ("与改革前的2016年相比，销售收入增长74%。", 74, "percent", "growth_pct", "2016"),
    ],
)
def test_a_multiple_is_a_ratio_and_growth_by_a_multiple_is_growth(
    text: str, value: float, unit: str, kind: str, base: str
) -> None:
    (fact,) = extract(text, "t", GAZETTEER).facts
    assert (fact.value, fact.unit, fact.kind, fact.baseline) == (value, unit, kind, base)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("较试点前增长", ("试点前", "pre_pilot")),
        ("与改革前的2016年相比", ("2016", "pre_pilot")),
        ("比2016年底", ("2016", "pre_pilot")),
        ("同比增长", ("上年", "prior_year")),
        ("比上年下降", ("上年", "prior_year")),
        ("较上年末增加", ("上年", "prior_year")),
        ("较去年同期增长", ("上年", "prior_year")),
        ("10月份，销售额环比增长", ("上月", "prior_month")),
        ("截至6月底，土地托管面积较年初增加", ("年初", "start_of_year")),
        ("全年实现", (None, None)),
    ],
)
def test_baselines(text: str, expected: tuple) -> None:
    assert baseline(text) == expected


def test_a_baseline_carries_within_a_paragraph_but_not_into_the_next() -> None:
    text = "全省销售总额比2016年增长57%。电商销售额增长42%。\n\n海南州供销社电商销售额增长30%。"
    got = [(f.number_text, f.baseline) for f in extract(text, "t", GAZETTEER).facts]
    assert got == [("57%", "2016"), ("42%", "2016"), ("30%", None)]


# ---------------------------------------------------------------------------------------------
# The report's own arithmetic across sentences (loaders.arithmetic)


def arithmetic(text: str) -> list[tuple]:
    """(type, the figures it relates as printed: whole or share first, then the others, each
    part as 'N × figure' when it counts N times)."""
    extraction = extract(text, "t", GAZETTEER)
    printed = {f.span_start: f.number_text for f in extraction.facts}
    found = []
    for r in extraction.relations:
        spans = [r.share_span, r.whole_span, r.part_span, r.start_span, r.end_span, r.change_span]
        figures = [printed[s] for s in spans if s is not None]
        parts = [
            (f"{p.multiplier:g} × " if p.multiplier != 1 else "") + printed[p.span] + f"/{p.group}"
            for p in r.parts
        ]
        found.append((r.relation_type, *figures, *parts))
    return found


def test_a_total_and_its_parts_with_each_and_a_count() -> None:
    text = (
        "基金总规模2亿元，其中市财政出资6000万元，13个县（市、区）各出资200万元，"
        "社会资本出资1.14亿元。"
    )
    assert arithmetic(text) == [
        ("sum_of_parts", "2亿元", "6000万元/1", "13 × 200万元/1", "1.14亿元/1")
    ]


def test_a_sum_after_its_parts_and_each_named_in_a_list() -> None:
    text = "首期资金中，东城、西城、朝阳区财政各投入500万元、社会资本投入2000万元，合计3500万元。"
    assert arithmetic(text) == [("sum_of_parts", "3500万元", "3 × 500万元/1", "2000万元/1")]


def test_a_part_in_total_is_no_sum_of_the_parts_before_it() -> None:
    text = "其中市财政投入3.5亿元，六个区财政各投资2500万元、社会资本共计投资5亿元。"
    assert not [r for r in arithmetic(text) if r[0] == "sum_of_parts"]


def test_a_total_split_two_ways_in_the_next_sentence() -> None:
    text = (
        "全年共实施项目48个。按项目用途分，冷链项目18个、农资项目16个、电商项目14个；"
        "按建设方式分，新建项目30个、改扩建项目18个。"
    )
    assert arithmetic(text) == [
        ("sum_of_parts", "48个", "18个/1", "16个/1", "14个/1"),
        ("sum_of_parts", "48个", "30个/1", "18个/1"),
        ("split_two_ways", "48个", "18个/1", "16个/1", "14个/1", "30个/2", "18个/2"),
    ]


def test_parts_in_the_next_sentence_after_qizhong_may_be_some_of_them() -> None:
    text = "全年实现销售总额452.3亿元。其中，农资销售额和农产品销售额分别为96.5亿元和138.2亿元。"
    assert arithmetic(text) == [("parts_within_total", "452.3亿元", "96.5亿元/1", "138.2亿元/1")]


def test_a_share_of_a_total_printed_two_sentences_before() -> None:
    text = (
        "全市共有基层供销社168家。今年新建基层社23家。"
        "其中，开展农业社会化服务的基层社126家，占比75%。"
    )
    assert ("share_of_total", "75%", "168家", "126家") in arithmetic(text)


def test_a_share_after_a_list_of_counts_is_of_none_of_them() -> None:
    text = (
        "全县共有农民专业合作社600家。"
        "共领办农民专业合作社553家、联合社18家，占全县农民专业合作社总数的77%。"
    )
    assert not [r for r in arithmetic(text) if r[0] == "share_of_total"]


def test_a_before_in_an_earlier_sentence_of_the_paragraph() -> None:
    text = (
        "2023年底，全市村级综合服务社覆盖率为68.5%。"
        "到2024年底，村级综合服务社覆盖率达到81.2%，提高12.7个百分点。"
    )
    assert arithmetic(text) == [("pp_change", "68.5%", "81.2%", "12.7个百分点")]
    other_paragraph = text.replace("。到", "。\n到")
    assert arithmetic(other_paragraph) == [("pp_change", "81.2%", "12.7个百分点")]


def test_a_level_its_growth_and_the_level_before() -> None:
    text = "2023年全市农产品销售额为48亿元。2024年全市农产品销售额52.8亿元，比上年增长10%。"
    assert arithmetic(text) == [("growth", "48亿元", "52.8亿元", "10%")]
    assert arithmetic(text.replace("2023年全市", "2021年全市")) == []  # not the year before


def test_completion_against_the_target_set_earlier_in_the_report() -> None:
    text = (
        "年初，市社确定全年实现销售总额150亿元的目标任务。\n\n二、成效\n"
        "全年全市供销系统实现销售总额144亿元，完成年度任务的96%。"
    )
    assert arithmetic(text) == [("target_completion", "96%", "150亿元", "144亿元")]


def test_the_shares_of_the_parts_of_a_total_are_of_that_total() -> None:
    text = "首期到位资金8000万元，其中市财政3000万元，占37.5%；社会资本5000万元，占62.5%。"
    assert arithmetic(text) == [
        ("sum_of_parts", "8000万元", "3000万元/1", "5000万元/1"),
        ("share_of_total", "37.5%", "8000万元", "3000万元"),
        ("share_of_total", "62.5%", "8000万元", "5000万元"),
    ]


def test_a_growth_against_the_level_before_printed_between_them() -> None:
    text = "2024年全市农产品销售额12亿元，比上年的10亿元增长20%。"
    assert arithmetic(text) == [("growth", "10亿元", "12亿元", "20%")]


def test_a_change_printed_after_a_range_is_its_change() -> None:
    assert arithmetic("县级社由98个增加到156个，增长59.2%。") == [
        ("range", "98个", "156个", "59.2%")
    ]
    assert arithmetic("县级社由98个增加到156个，增加58个。") == [("range", "98个", "156个", "58个")]


def test_a_change_over_a_span_of_years_after_a_range() -> None:
    text = (
        "全州供销系统销售总额由2018年的86亿元增加到2023年的153亿元，五年来增长77.9%，"
        "年均增长12.2%。"
    )
    assert arithmetic(text) == [("range", "86亿元", "153亿元", "77.9%")]
