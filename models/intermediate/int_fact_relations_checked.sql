/* Each related set of figures, curated or found by the extractor (a share and its counts, a change and its endpoints, a range from a before to an after), with the figures' values, checked within the rounding of the printed figure. A curated relation wins over an extracted one on the same figure. */
MODEL (
  name intermediate.int_fact_relations_checked,
  kind CUSTOM (materialization 'by_report'), /* rebuilt by report (materializations/by_report.py); read by its audit and three marts */
  grain relation_id,
  audits (
    assert_related_figures_agree
  )
);

WITH curated_relations AS (
  SELECT
    relation_id,
    relation_type,
    report_id,
    share_span,
    part_span,
    whole_span,
    start_span,
    end_span,
    change_span,
    NULLIF(TRIM(before_period), '') AS before_period,
    note,
    'curated' AS review_status
  FROM seeds.fact_relations
), extracted_relations AS (
  SELECT
    *
  FROM staging.stg_raw__extracted_relations
), relations AS (
  SELECT
    *
  FROM curated_relations
  UNION ALL
  SELECT
    extracted.*
  FROM extracted_relations AS extracted
  LEFT JOIN curated_relations AS curated
    ON extracted.report_id = curated.report_id
    AND COALESCE(extracted.share_span, extracted.end_span) = COALESCE(curated.share_span, curated.end_span)
  WHERE
    curated.relation_id IS NULL
), facts AS (
  SELECT
    *
  FROM intermediate.int_facts_unioned
  QUALIFY
    ROW_NUMBER() OVER (
      PARTITION BY report_id, span_start
      ORDER BY review_status = 'curated' DESC, fact_id
    ) = 1
), resolved AS (
  SELECT
    relations.relation_id,
    relations.relation_type,
    relations.report_id,
    relations.review_status,
    relations.before_period,
    COALESCE(share_facts.subject_id, start_facts.subject_id, end_facts.subject_id) AS subject_id,
    COALESCE(share_facts.metric_code, end_facts.metric_code) AS metric_code,
    share_facts.value AS share_value,
    share_facts.number_text AS share_text,
    relations.share_span,
    part_facts.value AS part_value,
    relations.part_span,
    whole_facts.value AS whole_value,
    relations.whole_span,
    start_facts.value AS start_value,
    relations.start_span,
    end_facts.value AS end_value,
    relations.end_span,
    change_facts.value AS change_value,
    change_facts.number_text AS change_text,
    relations.change_span,
    relations.note
  FROM relations
  LEFT JOIN facts AS share_facts
    ON relations.report_id = share_facts.report_id
    AND relations.share_span = share_facts.span_start
  LEFT JOIN facts AS part_facts
    ON relations.report_id = part_facts.report_id
    AND relations.part_span = part_facts.span_start
  LEFT JOIN facts AS whole_facts
    ON relations.report_id = whole_facts.report_id
    AND relations.whole_span = whole_facts.span_start
  LEFT JOIN facts AS start_facts
    ON relations.report_id = start_facts.report_id
    AND relations.start_span = start_facts.span_start
  LEFT JOIN facts AS end_facts
    ON relations.report_id = end_facts.report_id
    AND relations.end_span = end_facts.span_start
  LEFT JOIN facts AS change_facts
    ON relations.report_id = change_facts.report_id
    AND relations.change_span = change_facts.span_start
), expected AS (
  SELECT
    *,
    CASE
      WHEN relation_type = 'share_of_total' AND whole_value > 0
      THEN part_value / whole_value * 100
      WHEN relation_type = 'pp_change' AND NOT start_value IS NULL
      THEN end_value - start_value
    END AS expected_value,
    CASE
      WHEN relation_type = 'share_of_total'
      THEN share_value
      WHEN relation_type = 'pp_change'
      THEN change_value
    END AS stated_value,
    0.5 /* Half a unit of the last printed digit: 71% allows 70.5 to 71.5 */ / POWER(
      10,
      COALESCE(LENGTH(@REGEXP_GROUP(COALESCE(share_text, change_text), '\.(\d+)')), 0)
    ) AS tolerance
  FROM resolved
)
SELECT
  *,
  CASE
    WHEN expected_value IS NULL OR stated_value IS NULL
    THEN 'not_checkable'
    WHEN ABS(expected_value - stated_value) <= tolerance
    THEN 'pass'
    ELSE 'fail'
  END AS check_status
FROM expected