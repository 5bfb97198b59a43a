/* Growth per report, subject and canonical metric: against the 2016 / pre-pilot baseline, and year on year kept apart in its own basis. With the implied base level where the report also gives the level. */
MODEL (
  name marts.growth_since_2016,
  kind FULL,
  grain (report_id, subject_id, metric_code, basis),
  audits (
    unique_combination_of_columns(columns := (report_id, subject_id, metric_code, basis)),
    not_null(columns := (subject_id, metric_code, basis, growth_pct, report_id, span_start)),
    accepted_range("column" := growth_pct, min_v := -100, inclusive := FALSE)
  )
);

WITH facts AS (
  SELECT
    *
  FROM intermediate.int_facts_joined_to_subjects
), growth_facts AS (
  SELECT
    *,
    CASE WHEN kind = 'growth_pct' THEN 'since_2016' ELSE 'year_on_year' END AS basis
  FROM facts
  WHERE
    NOT metric_code IS NULL
    AND (
      (
        kind = 'growth_pct' AND baseline_code = 'pre_pilot'
      )
      OR (
        kind = 'yoy_growth_pct' AND baseline_code = 'prior_year'
      )
    )
  QUALIFY
    ROW_NUMBER() OVER (
      PARTITION BY report_id, subject_id, metric_code, kind
      ORDER BY review_status, span_start
    ) = 1
), level_facts AS (
  SELECT
    report_id,
    subject_id,
    metric_code,
    value,
    unit,
    number_text,
    period,
    span_start
  FROM facts
  WHERE
    kind = 'level' AND NOT metric_code IS NULL
  QUALIFY
    ROW_NUMBER() OVER (
      PARTITION BY report_id, subject_id, metric_code
      ORDER BY review_status, span_start
    ) = 1
)
SELECT
  growth_facts.fact_id, /* Key of the growth figure in marts.facts */
  growth_facts.subject_id, /* Pilot unit or pilot type (pooled result) */
  growth_facts.subject_name, /* Its name */
  growth_facts.subject_kind, /* pilot or pilot_type */
  growth_facts.subject_level, /* province, prefecture, county, or pooled */
  growth_facts.pilot_type_code, /* Special pilot type */
  growth_facts.province_code, /* Province code (empty for pooled results) */
  growth_facts.metric_code, /* Canonical metric, e.g. sales_total */
  growth_facts.metric_name_zh, /* Canonical metric name, e.g. 销售总额 */
  growth_facts.metric_name_en, /* Canonical metric name in English */
  growth_facts.metric AS metric_as_printed, /* The metric as the sentence names it, e.g. 汇总销售总额 */
  growth_facts.basis, /* since_2016 (vs 2016 / 试点前) or year_on_year (同比) */
  growth_facts.value AS growth_pct, /* Growth in percent, e.g. 43 for +43% */
  growth_facts.qualifier, /* exact, approx, at_least or at_most */
  growth_facts.number_text, /* The growth as printed */
  growth_facts.baseline, /* Baseline as printed: 2016, 试点前, 改革前 or 上年 */
  growth_facts.period, /* Period the growth ends in, where stated */
  level_facts.value AS level_value, /* The level the report gives for the same subject and metric */
  level_facts.unit AS level_unit, /* Its unit */
  level_facts.number_text AS level_number_text, /* The level as printed */
  level_facts.span_start AS level_span_start, /* Offset of the level in the report text */
  ROUND(level_facts.value / (
    1 + growth_facts.value / 100
  ), 2) AS implied_base_level, /* Level at the baseline implied by level and growth: level / (1 + growth) */
  growth_facts.review_status, /* curated */
  growth_facts.report_id, /* Report the growth was read from */
  growth_facts.span_start, /* Offset of the growth in the report text */
  growth_facts.span_end, /* Offset just past it */
  growth_facts.sentence /* The sentence it stands in */
FROM growth_facts
LEFT JOIN level_facts
  ON growth_facts.report_id = level_facts.report_id
  AND growth_facts.subject_id = level_facts.subject_id
  AND growth_facts.metric_code = level_facts.metric_code