/* Coverage figures by the administrative level of the pilot and by what is covered, with the before value where the report gives or implies it. One row per coverage figure and subject. */
MODEL (
  name marts.coverage_by_level,
  kind CUSTOM (materialization 'by_report'), /* rebuilt by report (materializations/by_report.py) */
  grain fact_id,
  audits (
    unique_values(columns := (
      fact_id
    )),
    not_null(
      columns := (fact_id, subject_id, subject_level, covers, coverage_pct, report_id, span_start)
    ),
    accepted_range("column" := coverage_pct, min_v := 0, max_v := 100),
    accepted_range("column" := coverage_before_pct, min_v := 0, max_v := 100)
  )
);

WITH coverage_facts AS (
  SELECT
    *
  FROM intermediate.int_facts_joined_to_subjects
  WHERE
    kind = 'coverage_pct'
), relations AS (
  SELECT
    *
  FROM intermediate.int_fact_relations_checked
  WHERE
    relation_type IN ('range', 'pp_change')
), range_starts AS (
  SELECT
    report_id,
    start_span AS span_start
  FROM relations
  WHERE
    relation_type = 'range'
)
SELECT
  coverage_facts.fact_id, /* Key of the coverage figure */
  coverage_facts.subject_id, /* Pilot unit, pilot type (pooled result), other region (GB/T 2260 code) or national */
  coverage_facts.subject_name, /* Its name */
  coverage_facts.subject_level, /* Administrative level of the unit: province, prefecture, county, pooled or national */
  coverage_facts.region_code, /* GB/T 2260 code of the unit (empty for pooled and national) */
  coverage_facts.pilot_type_code, /* Special pilot type */
  coverage_facts.province_code, /* Province code */
  coverage_facts.metric_code, /* Canonical metric, e.g. township_coverage */
  coverage_facts.metric_name_zh, /* Canonical metric name */
  COALESCE(coverage_facts.metric_covers, 'other') AS covers, /* What is covered: township, village, prefecture supervisory board … */
  coverage_facts.metric AS metric_as_printed, /* The metric as the sentence names it */
  coverage_facts.value AS coverage_pct, /* Coverage after the pilot, in percent (全覆盖 = 100) */
  coverage_facts.qualifier, /* exact, approx (基本实现), at_least (以上) */
  coverage_facts.number_text, /* As printed, e.g. 89% or 全覆盖 */
  CASE
    WHEN relations.relation_type = 'range'
    THEN relations.start_value
    WHEN relations.relation_type = 'pp_change'
    THEN COALESCE(relations.start_value, relations.end_value - relations.change_value)
  END AS coverage_before_pct, /* Coverage before the pilot, where the report gives or implies it */
  CASE
    WHEN relations.relation_type = 'range'
    THEN 'stated'
    WHEN relations.relation_type = 'pp_change' AND relations.start_value IS NULL
    THEN 'implied by the percentage-point change'
    WHEN relations.relation_type = 'pp_change'
    THEN 'stated'
  END AS before_basis, /* stated, or implied by the percentage-point change */
  relations.before_period AS coverage_before_period, /* Year or baseline of the before value as printed, e.g. 2016 (empty when the report does not say) */
  COALESCE(relations.change_value, relations.end_value - relations.start_value) AS change_pp, /* Change in percentage points */
  relations.start_span AS before_span_start, /* Offset of the stated before value */
  relations.change_span AS change_span_start, /* Offset of the stated percentage-point change */
  coverage_facts.note, /* Reviewer's note (e.g. full coverage stated without digits) */
  coverage_facts.review_status, /* curated, accepted, corrected, or unreviewed (read by the extractor, its before value too) */
  coverage_facts.report_id, /* Report the figure was read from */
  coverage_facts.span_start, /* Offset of the coverage figure in the report text */
  coverage_facts.span_end, /* Offset just past it */
  coverage_facts.sentence /* The sentence it stands in */
FROM coverage_facts
LEFT JOIN relations
  ON coverage_facts.report_id = relations.report_id
  AND coverage_facts.span_start = relations.end_span
LEFT JOIN range_starts
  ON coverage_facts.report_id = range_starts.report_id
  AND coverage_facts.span_start = range_starts.span_start
WHERE
  range_starts.span_start IS NULL