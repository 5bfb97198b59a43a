/* Facts with their subject (pilot unit, pooled pilot type, any other region by its GB/T 2260 code, or national), metric names, province and source sentence. */
MODEL (
  name intermediate.int_facts_joined_to_subjects,
  kind CUSTOM (materialization 'by_report'), /* rebuilt by report (materializations/by_report.py); read by seven models */
  grain fact_id
);

WITH facts AS (
  SELECT
    *
  FROM intermediate.int_facts_unioned
), pilots AS (
  SELECT
    *
  FROM staging.stg_seeds__pilots
), pilot_types AS (
  SELECT
    *
  FROM seeds.pilot_types
), metrics AS (
  SELECT
    *
  FROM seeds.metrics
), regions AS (
  SELECT
    *
  FROM staging.stg_seeds__regions
), sentences AS (
  SELECT
    *
  FROM staging.stg_raw__report_sentences
), subjects AS (
  SELECT
    pilot_id AS subject_id,
    'pilot' AS subject_kind,
    name AS subject_name,
    pilot_type_code,
    level,
    region_code,
    province_code
  FROM pilots
  UNION ALL
  SELECT
    pilot_type_code AS subject_id,
    'pilot_type' AS subject_kind,
    name_zh || '试点（汇总）' AS subject_name,
    pilot_type_code,
    'pooled' AS level,
    NULL AS region_code,
    NULL AS province_code
  FROM pilot_types
  UNION ALL
  SELECT
    regions.region_code AS subject_id,
    'region' AS subject_kind,
    COALESCE(grandparents.full_name, '') || COALESCE(parents.full_name, '') || regions.full_name AS subject_name,
    NULL AS pilot_type_code,
    regions.level,
    regions.region_code,
    regions.province_code
  FROM regions
  LEFT JOIN regions AS parents
    ON regions.parent_code = parents.region_code
  LEFT JOIN regions AS grandparents
    ON parents.parent_code = grandparents.region_code
  WHERE
    NOT regions.region_code IN (
      SELECT
        region_code
      FROM pilots
    )
  UNION ALL
  SELECT
    'national' AS subject_id,
    'national' AS subject_kind,
    '全国（报告未指明单位）' AS subject_name,
    NULL AS pilot_type_code,
    'national' AS level,
    NULL AS region_code,
    NULL AS province_code
)
SELECT
  facts.fact_id,
  facts.report_id,
  facts.span_start,
  facts.span_end,
  facts.number_text,
  facts.value,
  facts.unit,
  facts.kind,
  facts.qualifier,
  facts.metric,
  facts.metric_code,
  metrics.name_zh AS metric_name_zh,
  metrics.name_en AS metric_name_en,
  metrics.covers AS metric_covers,
  facts.subject_id,
  subjects.subject_kind,
  subjects.subject_name,
  subjects.pilot_type_code,
  subjects.level AS subject_level,
  subjects.region_code,
  subjects.province_code,
  provinces.full_name AS province_name,
  facts.baseline,
  facts.baseline_code,
  facts.period,
  facts.is_target,
  facts.fund_id,
  facts.note,
  facts.review_status,
  CASE facts.review_status
    WHEN 'curated'
    THEN 0
    WHEN 'corrected'
    THEN 1
    WHEN 'accepted'
    THEN 2
    ELSE 3
  END AS review_rank,
  sentences.sentence
FROM facts
LEFT JOIN subjects
  ON facts.subject_id = subjects.subject_id
LEFT JOIN metrics
  ON facts.metric_code = metrics.metric_code
LEFT JOIN regions AS provinces
  ON subjects.province_code = provinces.region_code
LEFT JOIN sentences
  ON facts.report_id = sentences.report_id
  AND facts.span_start >= sentences.sentence_start
  AND facts.span_start < sentences.sentence_end