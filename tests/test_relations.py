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
