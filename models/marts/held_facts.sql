/* Figures the extractor read but the door in held back from the other marts, each with the reason and its sentence, until a reviewer accepts, corrects or rejects them (coopwh review). The rest of each report loaded. */
MODEL (
  name marts.held_facts,
  kind FULL,
  grain fact_id,
  audits (
    not_null(columns := (report_id, span_start, number_text, reason))
  )
);

WITH held AS (
  SELECT
    held.*
  FROM staging.stg_raw__held_facts AS held
  LEFT JOIN staging.stg_seeds__fact_reviews AS reviews
    ON held.fact_id = reviews.fact_id
  WHERE
    reviews.fact_id IS NULL
), sentences AS (
  SELECT
    *
  FROM staging.stg_raw__report_sentences
)
SELECT
  held.fact_id, /* Key a review names (coopwh review export lists held figures too) */
  held.report_id, /* Report the figure was read from */
  held.span_start, /* Offset of the figure in the report text (Python str index) */
  held.span_end, /* Offset just past it */
  held.number_text, /* The quantity as printed */
  held.value, /* Normalised value as the extractor read it */
  held.unit, /* Unit as the extractor read it */
  held.kind, /* Kind as the extractor read it */
  held.qualifier, /* exact, approx, at_least or at_most */
  held.metric, /* The measured thing as the text names it */
  held.metric_code, /* Canonical metric code, where one was recognised */
  held.subject_id, /* Subject as the extractor read it (empty when the text does not settle it) */
  held.subject_text, /* Where the extractor looked for the subject, or which places a shared name could be */
  held.reason, /* Why the door in held it back */
  sentences.sentence /* The sentence it stands in */
FROM held
LEFT JOIN sentences
  ON held.report_id = sentences.report_id
  AND held.span_start >= sentences.sentence_start
  AND held.span_start < sentences.sentence_end
