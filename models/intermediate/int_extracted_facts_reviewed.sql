/* The figures the extractor read, with the reviewers' decisions applied: rejected ones are gone, accepted ones marked, corrected ones carry the corrected values (the extractor's reading stays in raw.*). A figure the door in held back joins the marts only once a reviewer accepts or corrects it. */
MODEL (
  name intermediate.int_extracted_facts_reviewed,
  kind VIEW,
  grain fact_id
);

WITH extracted AS (
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
    period,
    is_target,
    note,
    review_status
  FROM staging.stg_raw__extracted_facts
), held AS (
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
    period,
    is_target,
    'held back: ' || reason AS note,
    'held' AS review_status
  FROM staging.stg_raw__held_facts
), candidates AS (
  SELECT
    *
  FROM extracted
  UNION ALL
  SELECT
    *
  FROM held
), reviews AS (
  SELECT
    *
  FROM staging.stg_seeds__fact_reviews
), reviewed AS (
  SELECT
    candidates.fact_id AS extracted_fact_id,
    candidates.report_id,
    candidates.span_start,
    candidates.span_end,
    candidates.number_text,
    COALESCE(reviews.value, candidates.value) AS value,
    COALESCE(reviews.unit, candidates.unit) AS unit,
    COALESCE(reviews.kind, candidates.kind) AS kind,
    COALESCE(reviews.qualifier, candidates.qualifier) AS qualifier,
    COALESCE(reviews.metric, candidates.metric) AS metric,
    COALESCE(reviews.metric_code, candidates.metric_code) AS metric_code,
    COALESCE(reviews.subject, candidates.subject_id) AS subject_id,
    COALESCE(reviews.baseline, candidates.baseline) AS baseline,
    COALESCE(reviews.period, candidates.period) AS period,
    COALESCE(reviews.is_target, candidates.is_target) AS is_target,
    candidates.note,
    CASE reviews.decision
      WHEN 'accept'
      THEN 'accepted'
      WHEN 'correct'
      THEN 'corrected'
      ELSE candidates.review_status
    END AS review_status,
    reviews.reviewer,
    reviews.reviewed_at
  FROM candidates
  LEFT JOIN reviews
    ON candidates.fact_id = reviews.fact_id
  WHERE
    reviews.decision IS DISTINCT FROM 'reject'
    AND (
      candidates.review_status <> 'held' OR reviews.decision IN ('accept', 'correct')
    )
)
SELECT
  @FACT_ID(report_id, span_start, subject_id) AS fact_id, /* Stable key: report, offset and subject (the corrected one, if corrected) */
  extracted_fact_id, /* The key the extractor gave it, which a review names */
  report_id, /* Report the figure was read from */
  span_start, /* Offset of the figure's first character in the report text (Python str index) */
  span_end, /* Offset just past the figure's last character */
  number_text, /* The quantity as printed */
  value, /* Normalised value: percent number, yuan, or plain count */
  unit, /* Unit (seeds.units) */
  kind, /* Kind (seeds.kinds) */
  qualifier, /* exact, approx, at_least or at_most */
  metric, /* The measured thing as the text names it */
  metric_code, /* Canonical metric code, where one applies */
  subject_id, /* Whose figure: pilot, pilot type, region code or national */
  baseline, /* What a change is measured against, as printed */
  @BASELINE_CODE(baseline) AS baseline_code, /* pre_pilot (2016 / 试点前) or prior_year (同比) */
  period, /* When the figure holds, as printed */
  is_target, /* True for a plan or target rather than an achieved result */
  NULL::TEXT AS fund_id, /* Fund the figure describes (curated facts only) */
  note, /* Where the extractor saw the subject, or why it was held back */
  review_status, /* unreviewed, accepted or corrected */
  reviewer, /* Who reviewed it, if anyone */
  reviewed_at /* When (UTC) */
FROM reviewed
