/* One row per special pilot type: its units and its pooled results (growth since 2016 of the main business metrics), each with the key of the figure it was read from. */
MODEL (
  name marts.pilot_type_summary,
  kind FULL,
  grain pilot_type_code,
  audits (
    unique_values(columns := (
      pilot_type_code
    )),
    not_null(columns := (pilot_type_code, name_zh, units, unit_count))
  )
);

WITH pilot_types AS (
  SELECT
    *
  FROM seeds.pilot_types
), pilots AS (
  SELECT
    *
  FROM staging.stg_seeds__pilots
), pooled_growth AS (
  SELECT
    *
  FROM marts.growth_since_2016
  WHERE
    subject_kind = 'pilot_type' AND basis = 'since_2016'
  QUALIFY
    ROW_NUMBER() OVER (PARTITION BY subject_id, metric_code ORDER BY report_id DESC, span_start) = 1
), units_listed AS (
  SELECT
    pilot_type_code,
    LISTAGG(name, '、'
    ORDER BY
      region_code) AS units,
    COUNT(*) AS unit_count,
    COUNT(typical_case_title) AS typical_cases,
    SUM(CASE WHEN level = 'province' THEN 1 ELSE 0 END) AS province_units,
    SUM(CASE WHEN level = 'prefecture' THEN 1 ELSE 0 END) AS prefecture_units,
    SUM(CASE WHEN level = 'county' THEN 1 ELSE 0 END) AS county_units
  FROM pilots
  GROUP BY
    pilot_type_code
), pooled_growth_listed AS (
  SELECT
    subject_id AS pilot_type_code,
    LISTAGG(metric_name_zh || ' +' || number_text, '，'
    ORDER BY
      span_start) AS pooled_growth_text,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'sales_total') AS sales_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'sales_total') AS sales_growth_fact_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'profit_total') AS profit_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'profit_total') AS profit_growth_fact_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'assets_total') AS assets_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'assets_total') AS assets_growth_fact_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'owners_equity') AS equity_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'owners_equity') AS equity_growth_fact_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'farm_purchases') AS farm_purchases_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'farm_purchases') AS farm_purchases_growth_fact_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'consumer_retail') AS consumer_retail_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'consumer_retail') AS consumer_retail_growth_fact_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'ecommerce_sales') AS ecommerce_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'ecommerce_sales') AS ecommerce_growth_fact_id,
    MAX(growth_pct) FILTER(WHERE
      metric_code = 'living_services_revenue') AS living_services_growth_pct,
    MAX(fact_id) FILTER(WHERE
      metric_code = 'living_services_revenue') AS living_services_growth_fact_id,
    COUNT(*) AS pooled_growth_figures
  FROM pooled_growth
  GROUP BY
    subject_id
), pooled_facts AS (
  SELECT
    subject_id AS pilot_type_code,
    COUNT(*) AS pooled_facts
  FROM intermediate.int_facts_joined_to_subjects
  WHERE
    subject_kind = 'pilot_type'
  GROUP BY
    subject_id
)
SELECT
  pilot_types.pilot_type_code, /* Special pilot type */
  pilot_types.name_zh, /* Its name in Chinese */
  pilot_types.name_en, /* Its name in English */
  units_listed.units, /* Its pilot units, e.g. 四川、广东茂名、广西贵港、吉林敦化 */
  units_listed.unit_count, /* Number of pilot units */
  units_listed.province_units, /* Of which at province level (incl. municipalities) */
  units_listed.prefecture_units, /* Of which at prefecture level */
  units_listed.county_units, /* Of which at county level */
  units_listed.typical_cases, /* Units with a typical case in the report */
  pooled_growth_listed.sales_growth_pct, /* Pooled 销售总额 growth since 2016, percent */
  pooled_growth_listed.sales_growth_fact_id, /* Key of that figure in marts.facts */
  pooled_growth_listed.profit_growth_pct, /* Pooled 利润总额 growth, percent */
  pooled_growth_listed.profit_growth_fact_id, /* Key of that figure */
  pooled_growth_listed.assets_growth_pct, /* Pooled 资产总额 growth, percent */
  pooled_growth_listed.assets_growth_fact_id, /* Key of that figure */
  pooled_growth_listed.equity_growth_pct, /* Pooled 所有者权益 growth, percent */
  pooled_growth_listed.equity_growth_fact_id, /* Key of that figure */
  pooled_growth_listed.farm_purchases_growth_pct, /* Pooled 农产品购进额 growth, percent */
  pooled_growth_listed.farm_purchases_growth_fact_id, /* Key of that figure */
  pooled_growth_listed.consumer_retail_growth_pct, /* Pooled 消费品零售额 growth, percent */
  pooled_growth_listed.consumer_retail_growth_fact_id, /* Key of that figure */
  pooled_growth_listed.ecommerce_growth_pct, /* Pooled 电商销售额 growth, percent */
  pooled_growth_listed.ecommerce_growth_fact_id, /* Key of that figure */
  pooled_growth_listed.living_services_growth_pct, /* Pooled 居民生活服务营业额 growth, percent */
  pooled_growth_listed.living_services_growth_fact_id, /* Key of that figure */
  pooled_growth_listed.pooled_growth_text, /* All pooled growth figures in one line */
  COALESCE(pooled_facts.pooled_facts, 0) AS pooled_facts /* Number of pooled figures the summary gives */
FROM pilot_types
LEFT JOIN units_listed
  ON pilot_types.pilot_type_code = units_listed.pilot_type_code
LEFT JOIN pooled_growth_listed
  ON pilot_types.pilot_type_code = pooled_growth_listed.pilot_type_code
LEFT JOIN pooled_facts
  ON pilot_types.pilot_type_code = pooled_facts.pilot_type_code