"""Metrics: the phrase a figure measures, and the canonical code of the nearest wording."""

from __future__ import annotations

import pytest

from loaders.extract import extract_facts
from loaders.metrics import clean_metric
from loaders.reference import load_gazetteer
from tests.conftest import ROOT, read_seed

GAZETTEER = load_gazetteer(ROOT / "seeds")


def code_of(text: str, number_text: str) -> str | None:
    facts = extract_facts(text, "t", GAZETTEER)
    return next(f.metric_code for f in facts if f.number_text == number_text)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("全市供销系统实现销售收入", "销售收入"),
        ("2019年，全县系统实现销售总额", "销售总额"),
        ("基层社乡镇覆盖率由2016年的", "基层社乡镇覆盖率"),
        ("其中，农产品购进额", "农产品购进额"),
        ("销售额较试点前增长", "销售额"),
        ("提升至2023年的", ""),  # 从2016年的45%提升至2023年的92%: the 92% takes the 45%'s
        ("力争全省系统销售总额首次突破", "销售总额"),
        ("全市农民合作社实现经营收入", "农民合作社经营收入"),  # the verb in the middle goes
        ("县社有企业全年完成营业收入", "县社有企业营业收入"),
        ("县电商公司通过线上平台达成网络销售额", "县电商公司网络销售额"),
        ("全年收购各类农产品", "收购各类农产品"),  # an act with its object names the quantity
        ("县农资公司全年调运农膜", "县农资公司调运农膜"),
        ("基本实现基层社乡镇", "基本实现基层社乡镇"),  # 实现…全覆盖: the act itself
    ],
)
def test_the_printed_metric_leaves_out_verbs_and_connectives(text: str, phrase: str) -> None:
    assert clean_metric(text) == phrase


@pytest.mark.parametrize(
    ("text", "number_text", "code"),
    [
        ("全市供销系统实现销售收入86.5亿元，同比增长12.3%。", "12.3%", "sales_total"),
        ("全区供销系统实现销售额5.3亿元，较试点前增长46%。", "46%", "sales_total"),
        ("社有企业资产总额15.6亿元。", "15.6亿元", "assets_total"),  # nearest, not first
        ("农资销售额1.6亿元，同比增长5.2%。", "5.2%", "agri_inputs_sales"),
        ("电子商务销售额达到3500多亿元，增长28.6%。", "28.6%", "ecommerce_sales"),
        ("农资销售量达到18.6万吨。", "18.6万吨", "agri_inputs_volume"),
        ("领办农民专业合作社数量较试点前增长28%。", "28%", "specialized_coops_led"),
        ("吸纳农民社员2.3万户。", "2.3万户", "member_households"),  # by unit: households
        ("吸纳社员1.8万人。", "1.8万人", "members_enrolled"),  # by unit: persons
        ("服务网点覆盖全市85%以上的行政村。", "85%以上", "village_coverage"),
        (
            "建成村级服务站156个，行政村电商服务站覆盖率达到93%。",
            "93%",
            "village_ecommerce_coverage",
        ),
        ("实现乡镇全覆盖。", "全覆盖", "township_coverage"),
        # a coverage named by its object: the villages or townships a network reaches
        ("冷链物流网络延伸到全县76%的乡镇。", "76%", "township_coverage"),
        ("农资配送网络通达八成以上的行政村。", "八成以上", "village_coverage"),
        ("电商服务站进入全地区87%的村。", "87%", "village_ecommerce_coverage"),
        ("服务中心辐射全县88%的乡镇，疏附县实现行政村全覆盖。", "88%", "township_coverage"),
        ("全市电商销售额3.8亿元，是2016年的2.1倍。", "2.1倍", "ecommerce_sales"),
        ("社有企业实现营业收入6.4亿元。", "6.4亿元", "operating_revenue"),
        ("全市社有企业发展到39家。", "39家", "coop_enterprises"),  # 全市 社有企业, not 市社
        ("农民专业合作社联合社发展到56家。", "56家", "specialized_coop_federations"),
        ("社员代表120名，其中农民代表90名，占比75%。", "75%", "farmer_delegate_share"),
        ("农民合作社联合社带动成员社实现经营收入7800万元。", "7800万元", "operating_revenue"),
        ("县社有企业上缴利润180万元，增长12.5%。", "12.5%", "profit_remitted"),  # not all profit
        # no wording of the figure's unit: none, for a reviewer (not the count it names)
        ("为农民专业合作社办理小额贷款3.5亿元。", "3.5亿元", None),
        ("占全县农民专业合作社总数的77%。", "77%", None),
    ],
)
def test_the_code_is_that_of_the_nearest_fitting_wording(text, number_text, code) -> None:
    assert code_of(text, number_text) == code


def test_every_metric_has_a_unit_from_the_one_vocabulary() -> None:
    units = {row["unit"] for row in read_seed("units")}
    assert {row["unit"] for row in read_seed("metrics")} <= units
