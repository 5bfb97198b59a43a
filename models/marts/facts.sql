/* Every figure of every report, with its subject (pilot unit, pilot type, any region of China, or national), metric, province and the sentence it was read from. One row per figure and subject. */
MODEL (
  name marts.facts,
  kind VIEW, /* int_facts_joined_to_subjects as analysts see it, and no model reads it: a view
  costs nothing to build (writing 380,000 rows again took 1 s at a thousand reports); the
  published copy holds it as a table */
  grain fact_id,
  audits (
    unique_values(columns := (
      fact_id
    )),
    not_null(
      columns := (
        fact_id,
        report_id,
        span_start,
        span_end,
        number_text,
        value,
        subject_id,
        subject_name
      )
    )
  )
);

WITH failed_checks AS ( /* the figures of each check of the report's own arithmetic that fails */
  SELECT
    report_id,
    span_start,
    STRING_AGG(DISTINCT finding_id, ',' ORDER BY finding_id) AS failed_checks
  FROM (
    SELECT
      report_id,
      'relation:' || relation_id AS finding_id,
      CAST(UNNEST(REGEXP_SPLIT_TO_ARRAY(span_starts, ',')) AS INT) AS span_start
    FROM intermediate.int_fact_relations_checked
    WHERE
      check_status IN ('fail', 'impossible')
  ) AS figures_of_failed_checks
  GROUP BY
    report_id,
    span_start
)
SELECT
  fact_id, /* Stable key: report, offset and subject */
  subject_id, /* Whose figure: a pilot unit (e.g. changli), a pilot type, another region by its GB/T 2260 code (e.g. 370783), or national */
  subject_name, /* Its name, e.g. 广西贵港, 双线运行机制试点（汇总） or 山东省潍坊市寿光市 */
  subject_kind, /* pilot (a pilot unit), pilot_type (pooled result of a pilot type), region (any other province, prefecture or county) or national (a report that names no unit) */
  subject_level, /* province, prefecture, county, pooled or national */
  region_code, /* GB/T 2260 code of the subject's region (empty for pooled and national) */
  pilot_type_code, /* Special pilot type of the subject (empty for a region that is not a pilot) */
  province_code, /* GB/T 2260 code of the subject's province (empty for pooled results) */
  province_name, /* Name of that province */
  metric, /* The measured thing as the text names it */
  metric_code, /* Canonical metric code, where one applies */
  metric_name_zh, /* Canonical metric name in Chinese */
  metric_name_en, /* Canonical metric name in English */
  kind, /* growth_pct, yoy_growth_pct, level, share_pct, coverage_pct, pp_change or other */
  value, /* Normalised value: percent number, yuan, or plain count */
  unit, /* percent, pp, yuan, household, person, count, sqm, mu or other */
  qualifier, /* exact, approx, at_least or at_most */
  number_text, /* The quantity as printed */
  baseline, /* What a change is measured against, as printed */
  baseline_code, /* pre_pilot or prior_year */
  period, /* When the figure holds, as printed */
  is_target, /* True for a plan or target rather than a result */
  fund_id, /* Fund the figure describes, if any */
  note, /* Reviewer's note */
  review_status, /* curated (entered by hand), accepted or corrected (read by the extractor, then reviewed: coopwh review), or unreviewed */
  report_id, /* Report the figure was read from */
  span_start, /* Offset of the figure in the report text (Python str index) */
  span_end, /* Offset just past the figure */
  sentence, /* The sentence of the report the figure stands in */
  failed_checks.failed_checks /* The checks of the report's own arithmetic this figure is part of and that fail (finding_id in marts.audit_findings, comma-separated); empty when none fails */
FROM intermediate.int_facts_joined_to_subjects AS facts
LEFT JOIN failed_checks
  USING (report_id, span_start)