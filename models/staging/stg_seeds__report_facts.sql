/* Curated facts, typed and normalised: one row per figure and subject, with the baseline coded. */
MODEL (
  name staging.stg_seeds__report_facts,
  kind VIEW,
  grain fact_id
);

SELECT
  @FACT_ID(report_id, span_start, subject) AS fact_id, /* Stable key: report, offset and subject */
  report_id, /* Report the figure was read from */
  span_start, /* Offset of the figure's first character in the report text (Python str index) */
  span_end, /* Offset just past the figure's last character */
  number_text, /* The quantity as printed, e.g. 4.2万多户 */
  value, /* Normalised value: percent number, yuan, or plain count */
  unit, /* percent, pp, yuan, household, person, count, sqm, mu or other */
  kind, /* growth_pct, yoy_growth_pct, level, share_pct, coverage_pct, pp_change or other */
  qualifier, /* exact, approx, at_least or at_most */
  metric, /* The measured thing as the text names it */
  NULLIF(TRIM(metric_code), '') AS metric_code, /* Canonical metric code, where one applies */
  subject AS subject_id, /* Pilot unit or pilot type the figure belongs to */
  NULLIF(TRIM(baseline), '') AS baseline, /* What a change is measured against, as printed */
  @BASELINE_CODE(baseline) AS baseline_code, /* pre_pilot (2016 / 试点前) or prior_year (同比) */
  NULLIF(TRIM(period), '') AS period, /* When the figure holds, as printed */
  is_target, /* True for a plan or target rather than an achieved result */
  NULLIF(TRIM(fund_id), '') AS fund_id, /* Fund the figure describes, if any */
  NULLIF(TRIM(note), '') AS note, /* Reviewer's note */
  'curated' AS review_status /* curated (read and reviewed by hand) */
FROM seeds.report_facts