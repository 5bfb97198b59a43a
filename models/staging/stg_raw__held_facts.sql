/* Figures the door in held back from the marts, with the reason; the rest of their report loaded. */
MODEL (
  name staging.stg_raw__held_facts,
  kind VIEW,
  grain fact_id
);

SELECT
  @FACT_ID(report_id, span_start, subject) AS fact_id, /* Key a review uses: report, offset and the subject read ('?' when none) */
  report_id, /* Report the figure was read from */
  span_start, /* Offset of the figure in the report text (Python str index) */
  span_end, /* Offset just past it */
  number_text, /* The quantity as printed */
  value, /* Normalised value as the extractor read it */
  unit, /* Unit as the extractor read it */
  kind, /* Kind as the extractor read it */
  qualifier, /* exact, approx, at_least or at_most */
  metric, /* The measured thing as the text names it */
  NULLIF(TRIM(metric_code), '') AS metric_code, /* Canonical metric code, where one was recognised */
  subject AS subject_id, /* Subject as the extractor read it (empty when the text does not settle it) */
  NULLIF(TRIM(baseline), '') AS baseline, /* What a change is measured against, as printed */
  NULLIF(TRIM(period), '') AS period, /* When the figure holds, as printed */
  is_target, /* True for a plan or target rather than an achieved result */
  subject_text, /* Where the extractor looked for the subject, or why it could not settle it */
  reason /* Why the door in held it back */
FROM raw.held_facts
