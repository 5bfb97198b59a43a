"""New reports land right: any place in China, its before and after, held figures, revisions.

One `coopwh run` takes in twenty-two reports written for the purpose (tests/fixtures/reports):
counties and a district outside the pilots, prefectures naming their counties with 分别, a
province, a national bulletin, a news item with a 倍 figure, a pilot county, reports in Chinese
numerals, with falls in points or listed, coverages named by their object, changes of growth
rates and spans of years as baselines; and a short bulletin with one odd figure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import FIXTURES, REPORT, coopwh, query, read_seed

NEW = [
    "2020-shouguang-county",
    "2020-ganzhou-prefecture",
    "2020-huainan-datong-district",
    "2020-qinghai-province",
    "2020-national-bulletin",
    "2021-henan-news",
    "2021-liuyang-county",
    "2022-yancheng-prefecture",
    "2023-meitan-county",
    "2023-yunnan-province",
    "2023-linyi-prefecture",
    "2023-zhangjiakou-prefecture",
    "2023-fujian-news",
    "2023-guizhou-province",
    "2023-shanxi-monthly",
    "2024-dingxi-prefecture",
    "2024-liuzhou-bulletin",
    "2024-jilin-province",
    "2024-danleng-county",
    "2024-kashi-prefecture",
    "2024-ningbo-quarterly",
    "2024-enshi-prefecture",
]


ODD_FIGURE = (  # 朝阳区: in 吉林 or in 北京? The text does not say
    "全国供销合作社系统2020年工作情况\n\n"
    "2020年，全系统实现销售总额5.6万亿元，比上年增长8.4%。\n"
    "朝阳区供销社销售额增长12%。\n"
)


def inbox(project: Path) -> Path:
    path = project / "reports" / "inbox"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> tuple[Path, str]:
    """The built 2019 warehouse after one `coopwh run` with the twenty-two new reports and the
    bulletin with an odd figure in the inbox."""
    project = tmp_path_factory.mktemp("new") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    for name in NEW:
        shutil.copy(FIXTURES / f"{name}.txt", inbox(project))
    (inbox(project) / "2020-odd-figure.txt").write_text(ODD_FIGURE, encoding="utf-8")
    result = coopwh(project, "run")
    assert result.returncode == 0, result.stderr + result.stdout
    return project, result.stdout


def test_every_new_report_loads_and_none_is_quarantined(ran) -> None:
    project, _ = ran
    loaded = {r for (r,) in query(project, "SELECT DISTINCT report_id FROM marts.facts")}
    assert set(NEW) <= loaded
    assert not (project / "reports" / "quarantine").exists()


@pytest.mark.parametrize(
    ("report", "subjects"),
    [
        ("2020-shouguang-county", {("370783", "region", "370000")}),
        ("2020-huainan-datong-district", {("340402", "region", "340000")}),
        ("2021-henan-news", {("henan", "pilot", "410000")}),
        ("2020-national-bulletin", {("national", "national", None)}),
        (
            "2020-ganzhou-prefecture",
            {
                ("360700", "region", "360000"),
                ("360781", "region", "360000"),
                ("360731", "region", "360000"),
                ("360732", "region", "360000"),
                ("360703", "region", "360000"),
                ("360730", "region", "360000"),
                ("360722", "region", "360000"),
            },
        ),
        (
            "2023-guizhou-province",  # 二、合作发展基金: the province's fund, not the pilot type
            {
                ("520000", "region", "520000"),
                ("522600", "region", "520000"),
                ("522700", "region", "520000"),
                ("522300", "region", "520000"),
                ("520304", "region", "520000"),
                ("520502", "region", "520000"),
                ("520521", "region", "520000"),
            },
        ),
        (
            "2020-qinghai-province",
            {
                ("630000", "region", "630000"),
                ("630100", "region", "630000"),
                ("630200", "region", "630000"),
                ("datong", "pilot", "630000"),
                ("632500", "region", "630000"),
                ("630223", "region", "630000"),
            },
        ),
    ],
)
def test_figures_carry_their_subject_and_province_in_the_facts_mart(ran, report, subjects):
    project, _ = ran
    rows = query(
        project,
        f"SELECT DISTINCT subject_id, subject_kind, province_code FROM marts.facts "
        f"WHERE report_id = '{report}'",
    )
    assert set(rows) == subjects


def test_a_name_two_provinces_share_goes_to_the_one_the_report_is_about(ran) -> None:
    project, _ = ran
    rows = query(
        project,
        "SELECT DISTINCT report_id, subject_name FROM marts.facts "
        "WHERE report_id IN ('2020-huainan-datong-district', '2020-qinghai-province') "
        "AND subject_name LIKE '%大通%'",
    )
    assert sorted(rows) == [
        ("2020-huainan-datong-district", "安徽省淮南市大通区"),
        ("2020-qinghai-province", "青海大通"),
    ]


def test_before_and_after_pairs_fill_the_coverage_before_value(ran) -> None:
    project, _ = ran
    rows = query(
        project,
        "SELECT subject_id, coverage_before_pct, coverage_before_period, coverage_pct, "
        "before_basis FROM marts.coverage_by_level WHERE review_status = 'unreviewed' "
        "AND coverage_before_pct IS NOT NULL AND report_id <> '2024-enshi-prefecture' "
        "ORDER BY subject_id, coverage_pct",
    )
    assert rows == [
        ("320900", 68.0, "上年", 76.0, "implied by the percentage-point change"),  # 较上年
        ("340402", 65.0, "2016", 92.0, "implied by the percentage-point change"),
        ("350000", 45.0, "2016", 92.0, "stated"),  # 福建: 从2016年的45%提升至2023年的92%
        ("350000", 93.1, None, 98.3, "implied by the percentage-point change"),  # 提高了…，达到
        ("360731", 65.0, "2016", 96.0, "implied by the percentage-point change"),
        ("360781", 55.0, "2016", 100.0, "stated"),
        ("370783", 60.0, "2016", 100.0, "stated"),
        ("530000", 48.0, "2016", 85.0, "implied by the percentage-point change"),  # 云南
        ("630000", 73.0, "2016", 91.0, "implied by the percentage-point change"),
        ("datong", 75.0, "2016", 100.0, "stated"),
        ("liuyang", 58.0, "2016", 93.0, "stated"),  # 浏阳, a pilot
    ]


def test_a_change_over_a_span_of_years_gives_the_coverage_of_that_many_years_before(ran) -> None:
    """恩施: 乡镇覆盖率五年来提高了21个百分点，达到97%；行政村覆盖率两年间提升15个百分点，达到83%:
    76% five years before, 68% two years before."""
    project, _ = ran
    rows = query(
        project,
        "SELECT metric_code, coverage_before_pct, coverage_before_period, coverage_pct "
        "FROM marts.coverage_by_level WHERE report_id = '2024-enshi-prefecture' "
        "AND coverage_before_pct IS NOT NULL ORDER BY coverage_pct",
    )
    assert rows == [
        ("village_coverage", 68.0, "两年前", 83.0),
        ("township_coverage", 76.0, "五年前", 97.0),
    ]


def test_a_ratio_or_a_change_loads_and_the_growth_mart_shows_the_growth_it_implies(ran) -> None:
    project, _ = ran
    rows = query(
        project,
        "SELECT subject_id, metric_code, basis, growth_pct, growth_basis, baseline "
        "FROM marts.growth_since_2016 WHERE growth_basis <> 'stated' "
        "ORDER BY subject_id, metric_code",
    )
    change = "implied by a level and its change"
    assert rows == [
        ("130700", "coop_enterprises", "year_on_year", 8.33, change, "上年"),  # 39家, +3 比上年末
        ("130700", "land_trusteeship_area", "since_other", 17.07, change, "年初"),  # 96万亩, +14
        ("220000", "grassroots_coops", "year_on_year", 3.43, change, "上年"),  # 吉林 1236个, +41
        ("220000", "specialized_coops_led", "year_on_year", -1.21, change, "上年"),  # 2860家, -35
        (
            "320900",
            "land_trusteeship_area",
            "since_2016",
            275.0,
            "implied by before and after",
            "2016",
        ),
        ("350000", "ecommerce_sales", "year_on_year", 20.0, "implied by a ratio", "上年"),  # 1.2倍
        ("350000", "profit_total", "since_2016", 112.5, "implied by before and after", "2016"),
        ("360700", "farm_product_sales", "since_2016", 80.0, "implied by a ratio", "2016"),
        ("360700", "grassroots_coops", "since_2016", 51.32, change, "改革前"),  # 286个, +97个
        ("370783", "agri_inputs_volume", "year_on_year", 6.9, change, "上年"),  # 18.6万吨, +1.2
        ("370783", "ecommerce_sales", "since_2016", 110.0, "implied by a ratio", "2016"),
        ("370783", "grassroots_coops", "since_2016", 166.67, "implied by before and after", "2016"),
        ("370783", "land_trusteeship_area", "since_2016", 190.91, change, "2016"),  # 32万亩, +21
        ("422800", "specialized_coops_led", "since_2016", 75.0, change, "改革前"),  # 1260家, +540
        ("511424", "specialized_coops_led", "year_on_year", 12.2, change, "上年"),  # 46家, +5
        ("530000", "grassroots_coops", "year_on_year", -1.6, change, "上年"),  # 1412个, -23
        (
            "621100",
            "land_trusteeship_area",
            "year_on_year",
            19.05,
            change,
            "上年",
        ),  # 五十万亩, +八万多亩
        ("henan", "sales_total", "since_other", 10.0, "implied by a ratio", "2012"),
        ("liuyang", "assets_total", "since_2016", 90.0, "implied by a ratio", "2016"),  # 1.9倍
        ("liuyang", "grassroots_coops", "since_2016", 45.83, change, "改革前"),  # 35个, +11个
        ("national", "grassroots_coops", "year_on_year", 5.38, change, "上年"),
        (
            "sichuan",
            "coop_enterprises",
            "since_2016",
            8.08,
            change,
            "试点前",
        ),  # 2019: 1070个, +80个
    ]
    (ratio,) = query(
        project,
        "SELECT value, unit, kind FROM marts.facts WHERE report_id = '2021-henan-news' "
        "AND number_text = '1.1倍'",
    )
    assert ratio == (1.1, "times", "ratio")


def test_a_bulletin_of_some_months_gives_its_figures_those_months_and_exact_values(ran) -> None:
    """云南 1-11月: the figures of the sentence that names the months carry them; 同比下降 is a
    negative growth; 1286.4亿元 is 128640000000 exactly (not 128640000000.00002)."""
    project, _ = ran
    rows = query(
        project,
        "SELECT number_text, value, kind, period FROM marts.facts "
        "WHERE report_id = '2023-yunnan-province' ORDER BY span_start LIMIT 5",
    )
    assert rows == [
        ("1286.4亿元", 128_640_000_000, "level", "1-11月"),
        ("9.6%", 9.6, "yoy_growth_pct", "1-11月"),
        ("12.3亿元", 1_230_000_000, "level", "1-11月"),
        ("3.2%", -3.2, "yoy_growth_pct", "1-11月"),
        ("526.8亿元", 52_680_000_000, "level", None),  # a sentence of its own
    ]


def test_a_gap_to_an_average_is_no_change_and_a_growth_after_a_range_is_over_it(ran) -> None:
    """临沂: 覆盖率为92.5%，高于全省平均水平3个百分点 says nothing of the coverage before (no
    89.5%); 从2016年的98个增加到2023年的156个，增长59.2%: the 59.2% is since 2016; 新增农民社员
    1.2万户，累计达到23.6万户: the 23.6万户 are all member households, not new ones."""
    project, _ = ran
    coverage = query(
        project,
        "SELECT coverage_pct, coverage_before_pct FROM marts.coverage_by_level "
        "WHERE report_id = '2023-linyi-prefecture'",
    )
    assert coverage == [(92.5, None)]
    facts = dict(
        query(
            project,
            "SELECT number_text, kind || ' ' || COALESCE(metric_code, '-') || ' ' || "
            "COALESCE(baseline, '-') FROM marts.facts WHERE report_id = '2023-linyi-prefecture'",
        )
    )
    assert facts["3个百分点"] == "other - -"
    assert facts["2.1个百分点"] == "other - -"  # 同比增长11.5%，增幅高于全省平均水平…
    assert facts["59.2%"] == "growth_pct grassroots_coops 2016"
    assert facts["23.6万户"] == "level member_households -"
    growth = query(
        project,
        "SELECT growth_pct, basis, growth_basis FROM marts.growth_since_2016 "
        "WHERE subject_id = '371300' AND metric_code = 'grassroots_coops'",
    )
    assert growth == [(59.2, "since_2016", "stated")]


def test_a_monthly_bulletin_keeps_month_on_month_apart_from_year_on_year(ran) -> None:
    """山西 10月份: 环比增长3.2% is against the month before (baseline 上月, growth since_other),
    较去年同期增长6.8% year on year; 1-10月 figures carry their months."""
    project, _ = ran
    rows = query(
        project,
        "SELECT number_text, kind, metric_code, baseline, period FROM marts.facts "
        "WHERE report_id = '2023-shanxi-monthly' ORDER BY span_start LIMIT 5",
    )
    assert rows == [
        ("48.6亿元", "level", "sales_total", None, "10月份"),
        ("3.2%", "growth_pct", "sales_total", "上月", "10月份"),
        ("6.8%", "yoy_growth_pct", "sales_total", "上年", "10月份"),
        ("452.3亿元", "level", "sales_total", None, "1-10月"),
        ("7.5%", "yoy_growth_pct", "sales_total", "上年", "1-10月"),
    ]
    bases = query(
        project,
        "SELECT basis, growth_pct FROM marts.growth_since_2016 "
        "WHERE report_id = '2023-shanxi-monthly' ORDER BY basis",
    )
    assert ("since_other", 3.2) in bases and ("year_on_year", 3.2) not in bases


def test_a_percentage_point_change_of_a_coverage_measures_that_coverage(ran) -> None:
    """覆盖率由2016年的58%提高到93%，比2016年提高35个百分点: the 35 points measure the village
    coverage the sentence names, not the service co-ops (a count) its words begin with."""
    project, _ = ran
    rows = query(
        project,
        "SELECT f.report_id, f.number_text, f.metric_code, m.category FROM marts.facts AS f "
        "LEFT JOIN seeds.metrics AS m USING (metric_code) "
        "WHERE f.kind = 'pp_change' AND f.review_status = 'unreviewed' ORDER BY 1, 2",
    )
    assert ("2021-liuyang-county", "35个百分点", "village_coverage", "coverage") in rows
    counts = {r["metric_code"] for r in read_seed("metrics") if r["unit"] != "percent"}
    assert not [row for row in rows if row[2] in counts]  # points never measure a count


def test_a_figure_takes_a_metric_of_its_own_unit_or_none(ran) -> None:
    """湄潭: 营业收入 and 农民合作社联合社 have metrics of their own; 贷款担保1.5亿元 for co-ops is
    no count of co-ops; 农民代表90名，占比75% is the share of farmer delegates.
    In every report, a level has its metric's unit and a percentage a percent metric: a figure
    no metric of its unit names waits for a reviewer with none."""
    project, _ = ran
    rows = query(
        project,
        "SELECT number_text, metric_code FROM marts.facts "
        "WHERE report_id = '2023-meitan-county' ORDER BY span_start",
    )
    assert rows == [
        ("31.8亿元", "sales_total"),
        ("8.2%", "sales_total"),
        ("6.4亿元", "operating_revenue"),
        ("10.5%", "operating_revenue"),
        ("62%", "operating_revenue"),
        ("9.7亿元", "assets_total"),
        ("15个", "grassroots_coops"),
        ("86家", "specialized_coops_led"),
        ("7家", "specialized_coop_federations"),
        ("120名", "delegates"),
        ("90名", "farmer_delegates"),
        ("75%", "farmer_delegate_share"),
        ("1.5亿元", "fund_loans"),
        ("2.3万户", "households_reached"),
        ("4.6万亩", "land_trusteeship_area"),
        ("15%", "land_trusteeship_area"),
    ]
    misfits = query(
        project,
        "SELECT f.report_id, f.number_text, f.unit, f.kind, f.metric_code, m.unit "
        "FROM marts.facts AS f JOIN seeds.metrics AS m USING (metric_code) "
        "WHERE (f.kind = 'level' AND f.unit <> m.unit) "
        "OR (f.kind IN ('share_pct', 'coverage_pct') AND m.unit <> 'percent')",
    )
    assert misfits == []


@pytest.mark.parametrize(
    ("report", "number_text", "expected"),
    [  # Chinese numerals with their magnitude, unit and qualifier
        ("2024-dingxi-prefecture", "十二万亩", (120_000, "level", "land_trusteeship_area", None)),
        ("2024-dingxi-prefecture", "两千万元", (20_000_000, "level", "profit_total", None)),
        ("2024-dingxi-prefecture", "七成以上", (70, "coverage_pct", "village_coverage", None)),
        # falls in points, and falls listed, are negative
        ("2024-liuzhou-bulletin", "4.3个百分点", (-4.3, "pp_change", None, "上年")),
        ("2024-jilin-province", "1.9%", (-1.9, "yoy_growth_pct", "consumer_retail", "上年")),
        # a metric's name without its light verb; profit handed over is no total profit
        ("2024-danleng-county", "7800万元", (78_000_000, "level", "operating_revenue", None)),
        ("2024-danleng-county", "12.5%", (12.5, "yoy_growth_pct", "profit_remitted", "上年")),
        # a coverage named by what it reaches
        ("2024-kashi-prefecture", "76%", (76, "coverage_pct", "township_coverage", None)),
        # a change of a growth rate measures the rate, against the part of the year it names
        ("2024-ningbo-quarterly", "0.9个百分点", (-0.9, "pp_change", None, "1-6月")),
        # a span of years, an event
        ("2024-enshi-prefecture", "77.9%", (77.9, "growth_pct", "sales_total", "2018")),
        ("2024-enshi-prefecture", "38%", (38, "growth_pct", "assets_total", "挂牌前")),
    ],
)
def test_figures_of_each_class_load_as_they_read(ran, report, number_text, expected) -> None:
    project, _ = ran
    rows = query(
        project,
        "SELECT value, kind, metric_code, baseline FROM marts.facts "
        f"WHERE report_id = '{report}' AND number_text = '{number_text}'",
    )
    assert rows == [expected]


def sheet_rows(path: Path, sheet: str) -> list[dict]:
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook[sheet].iter_rows(values_only=True))
    workbook.close()
    header = next(i for i, row in enumerate(rows) if row and row[0] == "单位")
    keys = rows[header]
    return [dict(zip(keys, row, strict=False)) for row in rows[header + 2 :] if any(row)]


@pytest.mark.parametrize(
    ("workbook", "units"),
    [
        (
            "山东省",
            {
                "山东省潍坊市寿光市",
                "山东省临沂市",
                "山东省临沂市兰山区",
                "山东省临沂市罗庄区",
                "山东省临沂市河东区",
            },
        ),
        ("安徽省", {"安徽省淮南市大通区"}),
        (
            "江西省",
            {
                "江西省赣州市",
                "江西省赣州市瑞金市",
                "江西省赣州市于都县",
                "江西省赣州市兴国县",
                "江西省赣州市南康区",
                "江西省赣州市宁都县",
                "江西省赣州市信丰县",
            },
        ),
        (
            "青海省",
            {
                "青海省",
                "青海省西宁市",
                "青海省海东市",
                "青海大通",
                "青海省海南藏族自治州",
                "青海省海东市互助土族自治县",
            },
        ),
    ],
)
def test_new_figures_appear_in_their_province_workbook_only(ran, workbook: str, units) -> None:
    project, _ = ran
    rows = sheet_rows(project / "exports" / f"{workbook}.xlsx", "全部数据")
    new_units = {r["单位"] for r in rows if r["来源报告"] in NEW}
    assert new_units == units
    national = sheet_rows(project / "exports" / "全国.xlsx", "全部数据")
    assert {r["单位"] for r in national if r["来源报告"] == "2020-national-bulletin"} == {
        "全国（报告未指明单位）"
    }


def test_one_odd_figure_is_held_and_the_rest_of_its_report_loads(ran) -> None:
    project, output = ran  # the run exited 0 (see ran): a held figure is no failure
    assert "held back: 12%" in output and "北京市朝阳区" in output
    loaded = query(
        project,
        "SELECT number_text FROM marts.facts WHERE report_id = '2020-odd-figure' ORDER BY 1",
    )
    assert loaded == [("5.6万亿元",), ("8.4%",)]
    (held,) = query(
        project,
        "SELECT number_text, reason, sentence FROM marts.held_facts "
        "WHERE report_id = '2020-odd-figure'",
    )
    assert held[0] == "12%" and "吉林省长春市朝阳区" in held[1] and "朝阳区供销社" in held[2]
    page = (project / "warehouse" / "quality" / "index.html").read_text(encoding="utf-8")
    assert "Figures held back" in page and "吉林省长春市朝阳区" in page


def test_figures_of_townships_are_held_for_a_reviewer_to_place(ran) -> None:
    """浏阳: 大围山镇、永安镇供销社分别新建农资配送站6个和4个 are the towns', not 浏阳's."""
    project, _ = ran
    held = query(
        project,
        "SELECT number_text, reason FROM marts.held_facts "
        "WHERE report_id = '2021-liuyang-county' ORDER BY span_start",
    )
    assert [number for number, _ in held] == ["6个", "4个"]
    assert all("大围山镇、永安镇: below a county" in reason for _, reason in held)


def test_the_2019_report_under_a_new_name_with_one_figure_changed_doubles_nothing(
    fresh_project: Path,
) -> None:
    counts = "SELECT COUNT(*) FROM {}"
    marts = ["marts.facts", "marts.growth_since_2016", "marts.coverage_by_level"]
    before = {mart: query(fresh_project, counts.format(mart)) for mart in marts}
    text = REPORT.read_text(encoding="utf-8").replace("分别增长43%和38%", "分别增长45%和38%", 1)
    (inbox(fresh_project) / "2019-corrected.txt").write_text(text, encoding="utf-8")

    held = coopwh(fresh_project, "run")

    assert held.returncode == 1
    assert "--revises 2019-gxs-reform-pilots" in held.stdout
    reason = fresh_project / "reports" / "held" / "2019-corrected.txt.reason.txt"
    assert "2019-gxs-reform-pilots" in reason.read_text(encoding="utf-8")
    assert {mart: query(fresh_project, counts.format(mart)) for mart in marts} == before

    revised = coopwh(
        fresh_project,
        "ingest",
        str(fresh_project / "reports" / "held" / "2019-corrected.txt"),
        "--revises",
        "2019-gxs-reform-pilots",
    )

    assert revised.returncode == 0, revised.stderr + revised.stdout
    assert {mart: query(fresh_project, counts.format(mart)) for mart in marts} == before
    pooled = query(
        fresh_project,
        "SELECT number_text, review_status FROM marts.growth_since_2016 "
        "WHERE subject_id = 'dual_track' AND metric_code = 'sales_total'",
    )
    assert pooled == [("45%", "unreviewed")]
    reports = sorted(p.name for p in (fresh_project / "reports").glob("*.txt"))
    assert reports == ["2019-gxs-reform-pilots.txt"]
    archive = fresh_project / "reports" / "archive"
    assert len(list(archive.glob("2019-gxs-reform-pilots.replaced-*.txt"))) == 1
    (flagged,) = archive.glob("2019-gxs-reform-pilots.replaced-*.report_facts.csv")
    assert "43%" in flagged.read_text(encoding="utf-8")
    assert "\n2019-gxs-reform-pilots,617,620,43%" not in (
        fresh_project / "seeds" / "report_facts.csv"
    ).read_text(encoding="utf-8")


def test_revising_a_report_that_is_not_loaded_is_a_usage_error(fresh_project: Path) -> None:
    path = inbox(fresh_project) / "x.txt"
    path.write_text("全县销售总额12亿元。", encoding="utf-8")
    result = coopwh(fresh_project, "ingest", str(path), "--revises", "no-such-report")
    assert result.returncode == 2
    assert "no such report is loaded" in result.stderr and "2019-gxs-reform-pilots" in result.stderr
