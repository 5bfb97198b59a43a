"""The extractor: varied sentences of this genre and its neighbours, and agreement with curation."""

from __future__ import annotations

import re

import pytest

from loaders.extract import extract, extract_facts
from loaders.reference import load_gazetteer
from tests.conftest import FIXTURES, REPORT, ROOT, read_seed

GAZETTEER = load_gazetteer(ROOT / "seeds")


def facts_of(text: str) -> list[tuple]:
    """(number_text, value, unit, kind, qualifier) of each figure, in order."""
    return [
        (f.number_text, f.value, f.unit, f.kind, f.qualifier)
        for f in extract_facts(text, "t", GAZETTEER)
    ]


def one(text: str):
    (fact,) = extract_facts(text, "t", GAZETTEER)
    return fact


def test_spans_are_python_string_offsets_of_the_printed_quantity() -> None:
    text = "供销合作社综合改革\n\n全省系统实现销售总额3.2亿元，比上年增长12.5%。"
    for fact in extract_facts(text, "t", GAZETTEER):
        assert text[fact.span_start : fact.span_end] == fact.number_text


def test_respectively_list_pairs_values_in_order() -> None:
    facts = extract_facts(
        "销售总额、利润总额和资产总额较试点前分别增长10%、20%和30%。", "t", GAZETTEER
    )
    pairs = [(f.metric_code, f.value, f.kind, f.baseline) for f in facts]
    assert pairs == [
        ("sales_total", 10, "growth_pct", "试点前"),
        ("profit_total", 20, "growth_pct", "试点前"),
        ("assets_total", 30, "growth_pct", "试点前"),
    ]


def test_respectively_list_takes_its_metrics_from_an_earlier_clause() -> None:
    facts = extract_facts(
        "全县实现销售总额5亿元、利润2000万元，分别比上年增长12%和8%。", "t", GAZETTEER
    )
    growth = [(f.metric_code, f.value, f.kind) for f in facts if f.unit == "percent"]
    assert growth == [("sales_total", 12, "yoy_growth_pct"), ("profit_total", 8, "yoy_growth_pct")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "全省农资销售额、日用消费品零售额同比减幅分别为3.5%、1.9%。",
            [
                ("农资销售额", "agri_inputs_sales", -3.5),
                ("日用消费品零售额", "consumer_retail", -1.9),
            ],
        ),
        (
            "利润总额、营业收入下滑幅度分别为4.6%和2.3%。",
            [("利润总额", "profit_total", -4.6), ("营业收入", "operating_revenue", -2.3)],
        ),
        (
            "管理费用和财务费用分别压降8.5%、11.2%。",
            [("管理费用", None, -8.5), ("财务费用", None, -11.2)],
        ),
        (
            "化肥和农药销售额分别下降6.8%和4.1%。",  # one head noun for both
            [("化肥销售额", "agri_inputs_sales", -6.8), ("农药销售额", "sales_total", -4.1)],
        ),
    ],
)
def test_a_list_of_falls_is_of_negative_growths(text: str, expected: list[tuple]) -> None:
    facts = extract_facts(text, "t", GAZETTEER)
    assert [(f.metric, f.metric_code, f.value) for f in facts] == expected
    assert {f.kind for f in facts} <= {"growth_pct", "yoy_growth_pct"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "全市销售总额同比增长8.6%，增速较上半年提高1.1个百分点。",
            (1.1, "销售总额增速", "上半年"),
        ),
        ("销售总额增幅较上年回落0.8个百分点。", (-0.8, "销售总额增幅", "上年")),
        ("农资销售额同比增长3.5%，增速较1-6月放缓0.9个百分点。", (-0.9, "农资销售额增速", "1-6月")),
        (  # not the coverage the sentence names first
            "基层社乡镇覆盖率达到90%，电商销售额同比增长20%，增速比一季度加快0.6个百分点。",
            (0.6, "电商销售额增速", "一季度"),
        ),
    ],
)
def test_a_change_of_a_growth_rate_measures_that_rate(text: str, expected: tuple) -> None:
    last = extract_facts(text, "t", GAZETTEER)[-1]
    assert (last.value, last.metric, last.baseline) == expected
    assert (last.kind, last.metric_code) == ("pp_change", None)


def test_an_earlier_part_of_the_year_is_the_baseline_of_its_clause_only() -> None:
    text = "利润总额4.26亿元，同比增长9.8%，增速比一季度回升2.4个百分点；营业收入增长7.3%。"
    facts = extract_facts(text, "t", GAZETTEER)
    assert [(f.number_text, f.baseline, f.period) for f in facts] == [
        ("4.26亿元", None, None),
        ("9.8%", "上年", None),
        ("2.4个百分点", "一季度", None),
        ("7.3%", "上年", None),
    ]


@pytest.mark.parametrize(
    ("text", "number_text", "code", "baseline"),
    [
        ("全县基层社乡镇覆盖率三年来提高12个百分点。", "12个百分点", "township_coverage", "三年前"),
        ("近三年，全市农产品销售额累计增长46.8%。", "46.8%", "farm_product_sales", "三年前"),
        ("咸丰县基层社数量比三年前增加9个。", "9个", "grassroots_coops", "三年前"),
        (  # a span of years after a year: the year it starts
            "销售总额由2020年的8亿元增加到2023年的12亿元，三年来增长50%。",
            "50%",
            "sales_total",
            "2020",
        ),
        ("社有企业资产总额比挂牌前增长38%。", "38%", "assets_total", "挂牌前"),
        ("利润总额较组建前增加420万元。", "420万元", "profit_total", "组建前"),
        ("巴东县基层社与改制前相比，销售额增长65%。", "65%", "sales_total", "改制前"),
    ],
)
def test_a_span_of_years_or_an_event_is_a_baseline_not_a_metric(
    text: str, number_text: str, code: str, baseline: str
) -> None:
    fact = next(f for f in extract_facts(text, "t", GAZETTEER) if f.number_text == number_text)
    assert (fact.metric_code, fact.baseline) == (code, baseline)
    assert not re.search(r"年来|年前|挂牌|组建|改制", fact.metric)


@pytest.mark.parametrize(
    ("title", "sentence", "subject"),
    [
        (
            "湖北省恩施土家族苗族自治州供销合作社2023年工作报告",
            "全州供销系统销售总额增长12%。",
            "422800",
        ),
        ("广西壮族自治区桂林市供销合作社2023年工作报告", "全州县供销社销售额增长12%。", "450324"),
        ("广西壮族自治区桂林市供销合作社2023年工作报告", "全州供销社销售额增长12%。", "450324"),
    ],
)
def test_the_whole_prefecture_is_no_county_named_like_it(title, sentence, subject) -> None:
    assert one(f"{title}\n\n{sentence}\n").subject == subject


def test_each_gives_one_figure_for_the_amount_each() -> None:
    assert facts_of("东城、西城、朝阳区财政各投资2500万元。") == [
        ("2500万元", 25_000_000, "yuan", "level", "exact")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("覆盖率由75%提升到85%。", [(75, "coverage_pct"), (85, "coverage_pct")]),
        ("县级社设立监事会的由10个增加至66个。", [(10, "level"), (66, "level")]),
        ("每亩增收300至500元。", [(300, "level"), (500, "level")]),
        ("带动农户3-5万户。", [(30_000, "level"), (50_000, "level")]),
    ],
)
def test_ranges_give_both_ends(text: str, expected: list[tuple]) -> None:
    assert [(value, kind) for _, value, _, kind, _ in facts_of(text)] == expected


@pytest.mark.parametrize(
    ("text", "value", "unit", "kind"),
    [
        ("基层社覆盖率较2016年提高3.5个百分点。", 3.5, "pp", "pp_change"),
        ("电商销售额较试点前增长1.2倍。", 120, "percent", "growth_pct"),
        ("销售额是2015年的3倍。", 3, "times", "ratio"),
        ("电商销售额是2016年的两倍。", 2, "times", "ratio"),
        ("土地托管面积比2016年翻了一番。", 100, "percent", "growth_pct"),
        ("销售额较2012年翻两番。", 300, "percent", "growth_pct"),
        ("管理成本较上年下降3%。", -3, "percent", "yoy_growth_pct"),
        ("职工人数比上年末减少120人，降幅4.0%。", -4, "percent", "yoy_growth_pct"),
        ("利润总额由3.2亿元增至6.8亿元，年均增长11.4%。", 11.4, "percent", "other"),  # yearly
        ("基层社乡镇覆盖率提高了5.2个百分点，达到98.3%。", 98.3, "percent", "coverage_pct"),
        ("农民代表占53%。", 53, "percent", "share_pct"),
        ("叶城县冷链物流网络延伸到76%的乡镇。", 76, "percent", "coverage_pct"),
        ("连锁超市开进全县七成的乡镇。", 70, "percent", "coverage_pct"),
        ("农产品销售额占全县系统销售额的76%。", 76, "percent", "share_pct"),
        ("占全市耕地的1/5。", 20, "percent", "share_pct"),
        ("实现行政村全覆盖。", 100, "percent", "coverage_pct"),
        ("全省社有企业达1070个，较试点前增加80个。", 80, "count", "other"),
        ("闲置房产空置率为6.4%，同比减少4.3个百分点。", -4.3, "pp", "pp_change"),
        ("社有企业亏损面比上年缩小3.1个百分点。", -3.1, "pp", "pp_change"),
        ("资产负债率较年初降低了1.8个百分点。", -1.8, "pp", "pp_change"),
        ("出租率比上年同期提高2.6个百分点。", 2.6, "pp", "pp_change"),
        ("利润总额降幅比上半年收窄1.2个百分点。", 1.2, "pp", "pp_change"),  # a smaller fall
    ],
)
def test_kinds_and_normalised_values(text: str, value: float, unit: str, kind: str) -> None:
    last = extract_facts(text, "t", GAZETTEER)[-1]
    assert (last.value, last.unit, last.kind) == (value, unit, kind)


@pytest.mark.parametrize(
    ("text", "number_text", "value", "qualifier"),
    [
        ("吸纳入社农户4.2万多户。", "4.2万多户", 42_000, "approx"),
        ("销售特色农产品3000余种。", "3000余种", 3000, "approx"),
        ("满意率在90%以上。", "90%以上", 90, "at_least"),
        ("新增面积超过10万平方米。", "10万平方米", 100_000, "at_least"),
        ("展示近百种农产品。", "百种", 100, "approx"),
        ("约200人参加。", "200人", 200, "approx"),
        ("带动农户50万户左右。", "50万户左右", 500_000, "approx"),
        ("不良率不足5%。", "5%", 5, "at_most"),
        ("建成服务站十多类。", "十多类", 10, "approx"),
        ("2/3以上基层社负责人实行聘任制。", "2/3以上", 66.6667, "at_least"),
        ("全系统销售总额6.3万亿元。", "6.3万亿元", 6.3e12, "exact"),
        ("全省销售总额首次突破1000亿元。", "1000亿元", 1e11, "at_least"),
        ("新建改造五个试点地区。", "五个", 5, "exact"),
        ("土地托管面积近十万亩。", "十万亩", 100_000, "approx"),
        ("助农增收近百万元。", "百万元", 1_000_000, "approx"),
        ("带动种植户一万二千余户。", "一万二千余户", 12_000, "approx"),
        ("户均增收两千多元。", "两千多元", 2000, "approx"),
        ("实现利润近两千万元。", "两千万元", 20_000_000, "approx"),
        ("带动农户逾万户。", "万户", 10_000, "at_least"),
        ("上万户农民加入合作社。", "上万户", 10_000, "at_least"),
        ("六成基层社实现盈利。", "六成", 60, "exact"),
        ("五成多的社有企业扭亏。", "五成多", 50, "approx"),
        ("资产负债率控制在六成以内。", "六成以内", 60, "at_most"),
        ("三分之二以上的基层社完成换届。", "三分之二以上", 66.6667, "at_least"),
        ("百分之三十的村设立了服务站。", "百分之三十", 30, "exact"),
    ],
)
def test_qualifiers_magnitudes_and_chinese_numerals(
    text: str, number_text: str, value: float, qualifier: str
) -> None:
    fact = one(text)
    assert (fact.number_text, fact.qualifier) == (number_text, qualifier)
    assert fact.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("销售总额1286.4亿元。", 128_640_000_000),  # in binary floats, 128640000000.00002
        ("农产品销售额526.8亿元。", 52_680_000_000),  # 52679999999.99999
        ("利润总额0.86亿元。", 86_000_000),
        ("带动农户4.1万户。", 41_000),
        ("每亩增收0.3至0.7万元。", 7_000),
    ],
)
def test_a_magnitude_scales_the_printed_number_exactly(text: str, value: int) -> None:
    assert extract_facts(text, "t", GAZETTEER)[-1].value == value


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("1.43亿元", "yuan"),
        ("61万多户", "household"),
        ("611人", "person"),
        ("279个", "count"),
        ("85家", "count"),
        ("3700亩", "mu"),
        ("6005平方米", "sqm"),
    ],
)
def test_units(text: str, unit: str) -> None:
    assert one(f"共计{text}。").unit == unit


@pytest.mark.parametrize(
    "text",
    [
        "2018年1月被授予先进集体称号。",
        "组织召开县联合社第八届社员代表大会。",
        "出台《江苏省“十三五”供销合作事业发展规划》。",
        "健全“三会”制度，联合村“两委”干部，推进一二三产业融合。",
        "一是推动联合社机关由上而下构建行业指导体系。",
        "《深入推进供销合作社综合改革行动计划（2017—2018）》",
        "搭建B2B供应链平台和B2C电子商务平台。",
        "实行“一套机构、两块牌子”，解决最后“一公里”。",
        "数百家企业参与，几十个村受益，服务千家万户，成千上万的农民受益。",
        "组建成员单位，一成不变，建成一批服务中心，形成三级联动。",
        "建设千亩示范基地和万亩茶园，培育万元户，破除城乡二元结构。",
    ],
)
def test_years_dates_ordinals_plan_names_and_idioms_are_not_figures(text: str) -> None:
    assert facts_of(text) == []


def test_baselines_carry_within_a_sentence_and_a_paragraph() -> None:
    text = (
        "汇总销售总额较试点前增长43%，资产总额增长15%。"
        "全年实现利润2亿元，比上年增长8%。其中农资利润增长9%。"
    )
    facts = extract_facts(text, "t", GAZETTEER)
    got = [(f.value, f.kind, f.baseline) for f in facts if f.unit == "percent"]
    assert got == [
        (43, "growth_pct", "试点前"),
        (15, "growth_pct", "试点前"),
        (8, "yoy_growth_pct", "上年"),
        (9, "yoy_growth_pct", "上年"),
    ]


def test_the_year_of_a_ranges_start_is_its_start_figures_period_only() -> None:
    """由2016年的12万亩增加到45万亩: 12万亩 is of 2016; 45万亩 is of the report's own date."""
    text = "全市土地托管服务面积由2016年的12万亩增加到45万亩。截至2022年底，覆盖率达到89%。"
    facts = extract_facts(text, "t", GAZETTEER)
    assert [(f.number_text, f.period) for f in facts] == [
        ("12万亩", "2016年"),
        ("45万亩", None),
        ("89%", "2022年底"),
    ]


def test_targets_are_flagged() -> None:
    fact = one("力争到2025年全省基层社达到5000个。")
    assert fact.is_target and fact.value == 5000


def test_subjects_follow_case_headers_and_pooled_summaries() -> None:
    text = (
        "构建双线运行机制\n\n四川、广东茂名、广西贵港、吉林敦化供销合作社推进改革。\n"
        "汇总销售总额增长43%。\n\n河北省秦皇岛市昌黎县供销合作社\n\n销售总额增长108%。\n"
    )
    assert [(f.value, f.subject) for f in extract_facts(text, "t", GAZETTEER)] == [
        (43, "dual_track"),
        (108, "changli"),
    ]


def test_one_coverage_figure_for_several_units_gives_a_row_each() -> None:
    text = "优化联合社治理结构\n\n内蒙古赤峰、河北昌黎、广西田东基本实现基层社乡镇全覆盖。\n"
    facts = extract_facts(text, "t", GAZETTEER)
    assert [(f.subject, f.qualifier) for f in facts] == [
        ("chifeng", "approx"),
        ("changli", "approx"),
        ("tiandong", "approx"),
    ]


def test_a_case_header_outside_the_pilots_is_its_own_subject_with_its_code() -> None:
    text = "海南省海口市供销合作社\n\n2019年全市系统销售总额增长12%。\n"
    fact = one(text)
    assert (fact.subject, fact.region_code) == ("460100", "460100")
    assert "海口" in fact.subject_text


def test_a_statistical_bulletin_without_units_is_national() -> None:
    text = (
        "全国供销合作社系统2019年基本情况统计公报\n\n"
        "2019年，全系统实现销售总额6.3万亿元，比上年增长8.2%。其中，农产品购进额2.1万亿元，增长9.5%。"
        "全系统共有基层社3.7万个，比上年增加1.4万个。\n"
    )
    facts = extract_facts(text, "t", GAZETTEER)
    got = [(f.number_text, f.kind, f.metric_code, f.subject) for f in facts]
    assert got == [
        ("6.3万亿元", "level", "sales_total", "national"),
        ("8.2%", "yoy_growth_pct", "sales_total", "national"),
        ("2.1万亿元", "level", "farm_purchases", "national"),
        ("9.5%", "yoy_growth_pct", "farm_purchases", "national"),
        ("3.7万个", "level", "grassroots_coops", "national"),
        ("1.4万个", "other", "grassroots_coops", "national"),
    ]


def test_extraction_agrees_with_the_curated_facts_of_the_2019_report() -> None:
    """At least 97% of curated facts found with the same value, unit and kind; at least 97% of
    the output matches a curated fact; the metric right for at least 95% of growth figures."""
    text = REPORT.read_text(encoding="utf-8")
    extracted = {f.span_start: f for f in extract_facts(text, "2019-gxs-reform-pilots", GAZETTEER)}
    curated = {int(c["span_start"]): c for c in read_seed("report_facts")}

    def same(c: dict, f) -> bool:
        return (float(c["value"]), c["unit"], c["kind"]) == (pytest.approx(f.value), f.unit, f.kind)

    found = sum(1 for s, c in curated.items() if s in extracted and same(c, extracted[s]))
    matching = sum(1 for s, f in extracted.items() if s in curated and same(curated[s], f))
    growth = [c for c in read_seed("report_facts") if c["kind"] in ("growth_pct", "yoy_growth_pct")]
    named = sum(
        1
        for c in growth
        if int(c["span_start"]) in extracted
        and extracted[int(c["span_start"])].metric_code == c["metric_code"]
    )
    recall, precision, metric_rate = (
        found / len(curated),
        matching / len(extracted),
        named / len(growth),
    )
    print(f"recall {recall:.3f}, precision {precision:.3f}, growth metric {metric_rate:.3f}")
    assert recall >= 0.97
    assert precision >= 0.97
    assert metric_rate >= 0.95


def test_extracted_subjects_agree_with_curation() -> None:
    text = REPORT.read_text(encoding="utf-8")
    extracted = {(f.span_start, f.subject) for f in extract_facts(text, "r", GAZETTEER)}
    curated = [(int(c["span_start"]), c["subject"]) for c in read_seed("report_facts")]
    assert sum(1 for key in curated if key in extracted) / len(curated) >= 0.95


def test_full_width_digits_are_read_and_printed_as_they_stand() -> None:
    text = "全县销售总额较试点前增长１２．５％，新建基层社３０个。"
    facts = extract_facts(text, "t", GAZETTEER)
    assert [(f.number_text, f.value, f.kind) for f in facts] == [
        ("１２．５％", 12.5, "growth_pct"),
        ("３０个", 30, "level"),
    ]
    assert all(text[f.span_start : f.span_end] == f.number_text for f in facts)


GOLD = sorted((ROOT / "tests" / "fixtures" / "gold").glob("*.csv"))
DIGITS = "0123456789.０１２３４５６７８９．"


def gold_span(text: str, number_text: str, nth: int) -> int:
    """Offset of the nth printed occurrence of number_text (not inside a longer number)."""
    found, position = 0, -1
    while True:
        position = text.find(number_text, position + 1)
        assert position != -1, f"{number_text} #{nth} not in the text"
        if position == 0 or text[position - 1] not in DIGITS:
            found += 1
            if found == nth:
                return position


def test_new_reports_of_the_genre_are_read_right() -> None:
    """Reports written for the purpose (a county and a district outside the pilots, a prefecture
    naming its counties with 分别, a province, a national bulletin, a news item with 倍), each
    labelled by hand in tests/fixtures/gold/: at least 95% of figures with the right value, unit
    and kind, the right metric for 90% of growth figures, the right subject and province for
    90% of figures, and at most 5% of figures the labels do not have."""
    import csv

    totals = dict.fromkeys(
        ("figures", "read", "growth", "metric", "subject", "province", "extra"), 0
    )
    for gold in GOLD:
        text = (FIXTURES / f"{gold.stem}.txt").read_text("utf-8")
        extraction = extract(text, gold.stem, GAZETTEER)
        by_span = {f.span_start: f for f in extraction.facts}
        with open(gold, encoding="utf-8", newline="") as handle:
            labels = list(csv.DictReader(handle))
        spans = set()
        for label in labels:
            span = gold_span(text, label["number_text"], int(label["nth"]))
            spans.add(span)
            fact = by_span.get(span)
            totals["figures"] += 1
            if fact is None:
                continue
            read = (fact.value, fact.unit, fact.kind)
            totals["read"] += read == (
                pytest.approx(float(label["value"])),
                label["unit"],
                label["kind"],
            )
            if label["kind"] in ("growth_pct", "yoy_growth_pct", "ratio"):
                totals["growth"] += 1
                totals["metric"] += fact.metric_code == (label["metric_code"] or None)
            totals["subject"] += fact.subject == label["subject"]
            province = GAZETTEER.places.province_of(fact.region_code) if fact.region_code else ""
            totals["province"] += (province or "") == label["province_code"]
        totals["extra"] += len(set(by_span) - spans)
    figures = totals["figures"]
    rates = {
        "read": totals["read"] / figures,
        "metric": totals["metric"] / totals["growth"],
        "subject": totals["subject"] / figures,
        "province": totals["province"] / figures,
        "extra": totals["extra"] / figures,
    }
    print(f"{len(GOLD)} reports, {figures} figures: {rates}")
    assert len(GOLD) >= 6 and figures >= 100
    assert rates["read"] >= 0.95
    assert rates["metric"] >= 0.90
    assert rates["subject"] >= 0.90
    assert rates["province"] >= 0.90
    assert rates["extra"] <= 0.05
