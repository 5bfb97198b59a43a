/* Curated and extracted facts together (extracted ones with their reviews applied); for the same report and span the curated fact wins. */
MODEL (
  name intermediate.int_facts_unioned,
  kind CUSTOM (materialization 'by_report'), /* rebuilt by report (materializations/by_report.py); read by its five audits and three models */
  grain fact_id,
  depends_on (raw.reports, seeds.pilots, seeds.pilot_types, seeds.regions, seeds.metrics, seeds.funds, seeds.units, seeds.kinds, seeds.qualifiers), /* read by its audits */
  audits (
    unique_values(columns := (fact_id)),
    assert_facts_use_the_vocabulary,
    assert_percentages_in_range,
    assert_facts_resolve_to_dimensions,
    assert_spans_are_well_formed
  )
);

WITH curated AS (
  SELECT
    *
  FROM staging.stg_seeds__report_facts
), extracted AS (
  SELECT
    fact_id,
    report_id,
    span_start,
    span_end,
    number_text,
    value,
    unit,
    kind,
    qualifier,
    metric,
    metric_code,
    subject_id,
    baseline,
    baseline_code,
    period,
    is_target,
    fund_id,
    note,
    review_status
  FROM intermediate.int_extracted_facts_reviewed
), extracted_without_curated AS (
  SELECT
    extracted.*
  FROM extracted
  LEFT JOIN (
    SELECT DISTINCT
      report_id,
      span_start
    FROM curated
  ) AS curated_spans
    ON extracted.report_id = curated_spans.report_id
    AND extracted.span_start = curated_spans.span_start
  WHERE
    curated_spans.span_start IS NULL
)
SELECT
  *
FROM curated
UNION ALL
SELECT
  *
FROM extracted_without_curated
