/* One row per pilot unit with its key figures, each with the offset it was read from: what the provincial workbooks are built from. */
MODEL (
  name marts.pilot_scorecard,
  kind FULL,
  grain pilot_id,
  audits (
    unique_values(columns := (
      pilot_id
    )),
    not_null(columns := (pilot_id, name, level, pilot_type_code, province_code))
  )
);

WITH pilots AS (
  SELECT
    *
  FROM staging.stg_seeds__pilots
), pilot_types AS (
  SELECT
    *
  FROM seeds.pilot_types
), regions AS (
  SELECT
    *
  FROM staging.stg_seeds__regions
), facts AS (
  SELECT
    *
  FROM intermediate.int_facts_joined_to_subjects
), growth AS (
  SELECT
    *
  FROM marts.growth_since_2016
  WHERE
    basis = 'since_2016'
  QUALIFY
    ROW_NUMBER() OVER (PARTITION BY subject_id, metric_code ORDER BY report_id DESC, span_start) = 1
), growth_by_metric AS (
  SELECT
    subject_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'sales_total') AS sales_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'sales_total') AS sales_growth_fact_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'profit_total') AS profit_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'profit_total') AS profit_growth_fact_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'owners_equity') AS equity_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'owners_equity') AS equity_growth_fact_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'farm_product_sales') AS farm_product_sales_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'farm_product_sales') AS farm_product_sales_growth_fact_id
  FROM growth
  GROUP BY
    subject_id
), latest_coverage AS (
  SELECT
    subject_id,
    coverage_pct,
    coverage_before_pct,
    fact_id,
    report_id,
    span_start
  FROM marts.coverage_by_level
  WHERE
    metric_code = 'township_coverage'
  QUALIFY
    ROW_NUMBER() OVER (PARTITION BY subject_id ORDER BY report_id DESC, span_start DESC) = 1
), sales_level AS (
  SELECT
    subject_id,
    value,
    fact_id,
    report_id,
    span_start
  FROM facts
  WHERE
    kind = 'level' AND metric_code = 'sales_total'
  QUALIFY
    ROW_NUMBER() OVER (PARTITION BY subject_id ORDER BY report_id DESC, span_start) = 1
), fund_totals AS (
  SELECT
    subject_id,
    SUM(stated_total_yuan) AS funds_stated_total_yuan,
    COUNT(*) AS funds
  FROM intermediate.int_fund_totals_checked
  WHERE
    fund_type <> 'pooled' AND part_of_fund_id IS NULL
  GROUP BY
    subject_id
), fact_counts AS (
  SELECT
    subject_id,
    COUNT(*) AS facts
  FROM facts
  GROUP BY
    subject_id
)
SELECT
  pilots.pilot_id, /* Pilot unit */
  pilots.name, /* Name as the report gives it */
  pilots.federation, /* The co-op federation running the pilot */
  pilots.level, /* province, prefecture or county */
  pilots.region_code, /* GB/T 2260 code of its region */
  pilots.province_code, /* GB/T 2260 code of its province */
  provinces.full_name AS province_name, /* Its province */
  pilots.pilot_type_code, /* Special pilot type */
  pilot_types.name_zh AS pilot_type_zh, /* Special pilot type in Chinese */
  NOT pilots.typical_case_title IS NULL AS has_typical_case, /* Whether the report has a typical case on it */
  pilots.typical_case_title, /* Title of that case */
  growth_by_metric.sales_growth_pct, /* 销售总额 growth since 2016, percent */
  growth_by_metric.sales_growth_fact_id, /* Key of that figure in marts.facts: report, offset, subject */
  growth_by_metric.profit_growth_pct, /* 利润总额 growth since 2016, percent */
  growth_by_metric.profit_growth_fact_id, /* Key of that figure in marts.facts: report, offset, subject */
  growth_by_metric.equity_growth_pct, /* 所有者权益 growth since 2016, percent */
  growth_by_metric.equity_growth_fact_id, /* Key of that figure in marts.facts: report, offset, subject */
  growth_by_metric.farm_product_sales_growth_pct, /* 农产品销售额 growth since 2016, percent */
  growth_by_metric.farm_product_sales_growth_fact_id, /* Key of that figure in marts.facts: report, offset, subject */
  sales_level.value AS sales_total_yuan, /* 销售总额 level, yuan */
  sales_level.fact_id AS sales_total_fact_id, /* Key of that figure in marts.facts: report, offset, subject */
  latest_coverage.coverage_pct AS township_coverage_pct, /* 基层社乡镇覆盖率, percent */
  latest_coverage.coverage_before_pct AS township_coverage_before_pct, /* Before the pilot, where given or implied */
  latest_coverage.fact_id AS township_coverage_fact_id, /* Key of that figure in marts.facts: report, offset, subject */
  fund_totals.funds_stated_total_yuan, /* Stated size of its funds, yuan */
  COALESCE(fact_counts.facts, 0) AS facts /* Number of figures the reports give for it */
FROM pilots
INNER JOIN pilot_types
  ON pilots.pilot_type_code = pilot_types.pilot_type_code
LEFT JOIN regions AS provinces
  ON pilots.province_code = provinces.region_code
LEFT JOIN growth_by_metric
  ON pilots.pilot_id = growth_by_metric.subject_id
LEFT JOIN latest_coverage
  ON pilots.pilot_id = latest_coverage.subject_id
LEFT JOIN sales_level
  ON pilots.pilot_id = sales_level.subject_id
LEFT JOIN fund_totals
  ON pilots.pilot_id = fund_totals.subject_id
LEFT JOIN fact_counts
  ON pilots.pilot_id = fact_counts.subject_id