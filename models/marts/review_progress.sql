/* How much of each report a person has looked at: its figures curated by hand, accepted, corrected or rejected in review, and those still waiting (unreviewed, or held back by the door in). One row per report. */
MODEL (
  name marts.review_progress,
  kind FULL,
  grain report_id,
  audits (
    unique_values(columns := (
      report_id
    )),
    not_null(columns := (report_id, figures, waiting))
  )
);

WITH facts AS (
  SELECT
    report_id,
    review_status
  FROM intermediate.int_facts_unioned
), rejected AS (
  SELECT
    report_id,
    COUNT(*) AS rejected
  FROM staging.stg_seeds__fact_reviews
  WHERE
    decision = 'reject'
  GROUP BY
    report_id
), held AS (
  SELECT
    report_id,
    COUNT(*) AS held
  FROM marts.held_facts
  GROUP BY
    report_id
), checks AS ( /* the checks of each report's own arithmetic, by their result */
  SELECT
    report_id,
    COUNT(*) FILTER(WHERE
      status = 'pass') AS checks_passed,
    COUNT(*) FILTER(WHERE
      status = 'warning') AS checks_warned,
    COUNT(*) FILTER(WHERE
      status = 'error') AS checks_failed,
    COUNT(*) FILTER(WHERE
      status = 'not_checkable') AS checks_not_checkable
  FROM marts.audit_findings
  WHERE
    NOT report_id IS NULL
  GROUP BY
    report_id
), counted AS (
  SELECT
    reports.report_id,
    COUNT(facts.review_status) FILTER(WHERE
      facts.review_status = 'curated') AS curated,
    COUNT(facts.review_status) FILTER(WHERE
      facts.review_status = 'accepted') AS accepted,
    COUNT(facts.review_status) FILTER(WHERE
      facts.review_status = 'corrected') AS corrected,
    COUNT(facts.review_status) FILTER(WHERE
      facts.review_status = 'unreviewed') AS unreviewed
  FROM raw.reports AS reports
  LEFT JOIN facts
    ON reports.report_id = facts.report_id
  GROUP BY
    reports.report_id
)
SELECT
  counted.report_id, /* Report */
  counted.curated + counted.accepted + counted.corrected + counted.unreviewed + COALESCE(rejected.rejected, 0) + COALESCE(held.held, 0) AS figures, /* Figures read in it (one per figure and subject) */
  counted.curated, /* Read and entered by hand (seeds/report_facts.csv) */
  counted.accepted, /* Accepted in review as the extractor read them */
  counted.corrected, /* Corrected in review */
  COALESCE(rejected.rejected, 0) AS rejected, /* Rejected in review: not figures, gone from the marts */
  counted.unreviewed, /* In the marts, not yet looked at */
  COALESCE(held.held, 0) AS held, /* Held back by the door in, not in the marts, waiting for review */
  counted.unreviewed + COALESCE(held.held, 0) AS waiting, /* Still to review: unreviewed and held */
  ROUND(
    100.0 * (
      counted.curated + counted.accepted + counted.corrected + COALESCE(rejected.rejected, 0)
    ) / NULLIF(
      counted.curated + counted.accepted + counted.corrected + counted.unreviewed + COALESCE(rejected.rejected, 0) + COALESCE(held.held, 0),
      0
    ),
    1
  ) AS reviewed_pct, /* Share of its figures a person has looked at, in percent */
  COALESCE(checks.checks_passed, 0) AS checks_passed, /* Checks of its own arithmetic (marts.audit_findings) that pass */
  COALESCE(checks.checks_warned, 0) AS checks_warned, /* Checks that disagree beyond rounding: warnings */
  COALESCE(checks.checks_failed, 0) AS checks_failed, /* Checks the figures cannot pass (parts above their total, a share above 100%): errors */
  COALESCE(checks.checks_not_checkable, 0) AS checks_not_checkable /* Checks its text makes but its figures cannot settle */
FROM counted
LEFT JOIN rejected
  ON counted.report_id = rejected.report_id
LEFT JOIN held
  ON counted.report_id = held.report_id
LEFT JOIN checks
  ON counted.report_id = checks.report_id