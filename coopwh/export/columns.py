"""The workbooks' sheets and columns: Chinese and English headers, formats, the descriptions
of derived columns, the guide on every cover, and how many rows a sheet or cover lists."""

from __future__ import annotations

from coopwh.export.workbook import Column

NATIONAL = "全国"


MAX_SHEET_ROWS = 10_000  # rows on a long sheet (增长, 覆盖率, 全部数据): the newest reports'
# first; when a table has more, all of them go to a CSV beside the workbook (oldest first)


LONG_SHEETS = {"growth": "增长", "coverage": "覆盖率", "facts": "全部数据"}  # capped, in a CSV


CHART_BARS = 60  # bars on the 增长图 chart


CSV_ROWS = 40_000  # rows DuckDB sorts and writes at a time into a <scope>-<sheet>.csv


COVER_REPORTS = 30  # reports the cover lists by name


COVER_CHANGES = 20  # changed rows the cover lists (coopwh changes lists them all)


SOURCE = [
    Column("report_id", "来源报告", "Report"),
    Column("span_start", "原文位置（起）", "Span start", "int"),
    Column("span_end", "原文位置（止）", "Span end", "int"),
    Column("sentence", "原文句子", "Source sentence", "sentence"),
]


GROWTH = [
    Column("subject_name", "单位", "Unit"),
    Column("level_zh", "层级", "Level"),
    Column("metric_name_zh", "指标", "Metric"),
    Column("basis_zh", "口径", "Basis"),
    Column("growth_pct", "增长率", "Growth (%)", "pct"),
    Column("growth_basis_zh", "增长率来源", "Growth basis"),
    Column("number_text", "原文数字", "As printed"),
    Column("baseline", "基期", "Baseline"),
    Column("before_value", "基期水平（原文）", "Before value as stated", "number"),
    Column("period", "期间", "Period"),
    Column("level_number_text", "对应水平（原文）", "Level as printed"),
    Column("level_unit_zh", "水平量纲", "Level unit"),
    Column("implied_base_level", "推算基期水平", "Implied base level", "number"),
    *SOURCE,
]


CHART = [
    Column("chart_label", "单位·指标", "Unit · metric"),
    Column("growth_pct", "较2016年增长", "Growth since 2016 (%)", "pct"),
    Column("span_start", "原文位置（起）", "Span start", "int"),
]


COVERAGE = [
    Column("subject_name", "单位", "Unit"),
    Column("level_zh", "层级", "Level"),
    Column("covers_zh", "覆盖对象", "What is covered"),
    Column("metric_name_zh", "指标", "Metric"),
    Column("coverage_before_pct", "此前覆盖率", "Coverage before (%)", "pct"),
    Column("coverage_before_period", "此前年份", "Year of the before value"),
    Column("coverage_pct", "覆盖率", "Coverage (%)", "pct"),
    Column("change_pp", "变化（百分点）", "Change (points)", "pp"),
    Column("qualifier_zh", "数字性质", "Qualifier"),
    Column("number_text", "原文数字", "As printed"),
    Column("before_basis", "试点前数值来源", "Before value basis"),
    *SOURCE,
]


FUNDS = [
    Column("fund_name", "基金", "Fund"),
    Column("source_type_zh", "出资来源", "Source type"),
    Column("contributor", "出资方", "Contributor"),
    Column("amount_yuan", "单笔出资（万元）", "Amount each (10k yuan)", "wan"),
    Column("multiplier", "出资方数量", "Contributors", "int"),
    Column("contribution_yuan", "出资合计（万元）", "Contribution (10k yuan)", "wan"),
    Column("stated_total_yuan", "报告总规模（万元）", "Stated total (10k yuan)", "wan"),
    Column("recomputed_total_yuan", "各项加总（万元）", "Sum of parts (10k yuan)", "wan"),
    Column("total_check_zh", "总额核对", "Total check"),
    Column("leverage", "杠杆倍数", "Leverage (per yuan of co-op money)", "number"),
    Column("contribution_report_id", "来源报告", "Report"),
    Column("contribution_span_start", "出资原文位置", "Contribution span start", "int"),
    Column("total_span_start", "总规模原文位置", "Total span start", "int"),
]


PILOTS = [
    Column("name", "试点单位", "Pilot unit"),
    Column("federation", "联合社", "Federation"),
    Column("level_zh", "层级", "Level"),
    Column("pilot_type_zh", "试点类型", "Pilot type"),
    Column("has_typical_case", "有典型案例", "Has a typical case"),
    Column("sales_growth_pct", "销售总额增长", "Sales growth (%)", "pct"),
    Column("profit_growth_pct", "利润总额增长", "Profit growth (%)", "pct"),
    Column("equity_growth_pct", "所有者权益增长", "Equity growth (%)", "pct"),
    Column("farm_product_sales_growth_pct", "农产品销售额增长", "Farm sales growth (%)", "pct"),
    Column("sales_total_yuan", "销售总额（亿元）", "Total sales (100m yuan)", "yi"),
    Column("township_coverage_before_pct", "试点前乡镇覆盖率", "Township coverage before", "pct"),
    Column("township_coverage_pct", "乡镇覆盖率", "Township coverage (%)", "pct"),
    Column("funds_stated_total_yuan", "基金规模（亿元）", "Fund size (100m yuan)", "yi"),
    Column("facts", "数据条数", "Figures", "int"),
    Column("sales_growth_fact_id", "销售增长数据编号", "Sales growth fact id"),
    Column("township_coverage_fact_id", "覆盖率数据编号", "Coverage fact id"),
]


FACTS = [
    Column("subject_name", "单位", "Unit"),
    Column("level_zh", "层级", "Level"),
    Column("metric", "指标（原文）", "Metric as printed"),
    Column("metric_name_zh", "规范指标", "Canonical metric"),
    Column("kind_zh", "类别", "Kind"),
    Column("value", "数值", "Value", "value"),
    Column("unit_zh", "单位（量纲）", "Unit of measure"),
    Column("qualifier_zh", "数字性质", "Qualifier"),
    Column("number_text", "原文数字", "As printed"),
    Column("baseline", "基期", "Baseline"),
    Column("period", "期间", "Period"),
    Column("note", "备注", "Note"),
    Column("review_status_zh", "审阅状态", "Review status"),
    *SOURCE,
]


# the columns each mart is shown with on its sheet: a change to a mart's column is named by
# its heading there and its values shown as the sheet shows them (on the cover's 变化 lines)
MART_COLUMNS = {
    "facts": FACTS,
    "growth_since_2016": GROWTH,
    "coverage_by_level": COVERAGE,
    "fund_composition": FUNDS,
    "pilot_scorecard": PILOTS,
}


def column_of(mart: str, key: str) -> Column | None:
    """The sheet column that shows the mart's column key, if a sheet shows it."""
    return next((column for column in MART_COLUMNS.get(mart, ()) if column.key == key), None)


DERIVED = {
    "level_zh": "Administrative level of the unit, in Chinese",
    "basis_zh": "Basis of the growth: since 2016 / before the pilot, or year on year",
    "level_unit_zh": "Unit of measure of the level, in Chinese",
    "chart_label": "Unit and metric, the label of the chart's bar",
    "covers_zh": "What is covered, in Chinese",
    "qualifier_zh": "exact, approx (多, 余, 约), at least (以上) or at most (以下), in Chinese",
    "kind_zh": "Kind of figure, in Chinese",
    "unit_zh": "Unit of measure, in Chinese",
    "total_check_zh": "Whether the parts add up to the stated total, in Chinese",
    "pilot_type_zh": "Special pilot type, in Chinese",
    "growth_basis_zh": "Whether the report states the growth or it is implied, in Chinese",
    "review_status_zh": "Entered by hand, accepted or corrected in review, or not yet reviewed",
}


GUIDE = (
    "本工作簿由供销合作社改革试点数据仓库自动生成，请勿手工修改。"
    "各表第一行为表头，可筛选；百分数以“%”显示，金额以万元或亿元显示。"
    "每个数字都注明来源报告及其在原文中的位置（字符序号，从0起）和原文句子，可据此核对。"
    "“增长”表为较2016年（试点前）的增长及同比增长；“覆盖率”表为基层社等覆盖情况；"
    "“基金”表为基金出资构成与核对；“试点单位”表为各试点单位关键指标；"
    "“全部数据”表列出全部数字（行数超出一表所限时列出最新报告的，全部见同目录下的 CSV 文件）；"
    "“字段说明”表给出各列的中英文名称。"
)
