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
  ) AS reviewed_pct /* Share of its figures a person has looked at, in percent */
FROM counted
LEFT JOIN rejected
  ON counted.report_id = rejected.report_id
LEFT JOIN held
  ON counted.report_id = held.report_id
