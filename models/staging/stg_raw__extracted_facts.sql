/* Facts the extractor read from the reports, typed like the curated ones and marked unreviewed. */
MODEL (
  name staging.stg_raw__extracted_facts,
  kind VIEW,
  grain fact_id
);

SELECT
  @FACT_ID(report_id, span_start, subject) AS fact_id, /* Stable key: report, offset and subject */
  report_id, /* Report the figure was read from */
  span_start, /* Offset of the figure's first character in the report text (Python str index) */
  span_end, /* Offset just past the figure's last character */
  number_text, /* The quantity as printed */
  value, /* Normalised value: percent number, yuan, or plain count */
  unit, /* percent, pp, yuan, household, person, count, sqm, mu or other */
  kind, /* growth_pct, yoy_growth_pct, level, share_pct, coverage_pct, pp_change or other */
  qualifier, /* exact, approx, at_least or at_most */
  metric, /* The measured thing as the text names it */
  NULLIF(TRIM(metric_code), '') AS metric_code, /* Canonical metric code, where one was recognised */
  subject AS subject_id, /* Pilot unit or pilot type the figure belongs to */
  NULLIF(TRIM(baseline), '') AS baseline, /* What a change is measured against, as printed */
  @BASELINE_CODE(baseline) AS baseline_code, /* pre_pilot (2016 / 试点前) or prior_year (同比) */
  NULLIF(TRIM(period), '') AS period, /* When the figure holds, as printed */
  is_target, /* True for a plan or target rather than an achieved result */
  NULL::TEXT AS fund_id, /* Fund the figure describes (set only by review) */
  'extracted from ' || COALESCE(subject_text, 'the report') AS note, /* Where the extractor saw the subject */
  'unreviewed' AS review_status /* unreviewed: read by the extractor, not yet by a person */
FROM raw.extracted_facts
