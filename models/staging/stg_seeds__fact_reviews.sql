/* Reviewers' decisions, typed: a corrected value is NULL where the reviewer left the extractor's reading. */
MODEL (
  name staging.stg_seeds__fact_reviews,
  kind VIEW,
  grain fact_id
);

SELECT
  fact_id, /* The figure as the extractor keyed it: report, offset and the subject it read ('?' when it read none) */
  report_id, /* Report the figure was read from */
  span_start, /* Offset of the figure in the report text */
  decision, /* accept, correct or reject */
  NULLIF(TRIM(subject), '') AS subject, /* Corrected subject id, if corrected */
  NULLIF(TRIM(metric_code), '') AS metric_code, /* Corrected metric code, if corrected */
  NULLIF(TRIM(metric), '') AS metric, /* Corrected metric as printed, if corrected */
  value, /* Corrected normalised value, if corrected */
  NULLIF(TRIM(unit), '') AS unit, /* Corrected unit, if corrected */
  NULLIF(TRIM(kind), '') AS kind, /* Corrected kind, if corrected */
  NULLIF(TRIM(qualifier), '') AS qualifier, /* Corrected qualifier, if corrected */
  NULLIF(TRIM(baseline), '') AS baseline, /* Corrected baseline, if corrected */
  NULLIF(TRIM(period), '') AS period, /* Corrected period, if corrected */
  CASE LOWER(TRIM(is_target)) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END AS is_target, /* Corrected target flag, if corrected */
  NULLIF(TRIM(reviewer), '') AS reviewer, /* Who decided */
  NULLIF(TRIM(reviewed_at), '') AS reviewed_at, /* When (UTC, ISO 8601) */
  NULLIF(note, '') AS note /* The reviewer's note (审阅备注) as typed, if any */
FROM seeds.fact_reviews
