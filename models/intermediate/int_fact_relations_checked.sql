/* Each related set of figures (a share and its counts, a change and its endpoints, a range) with the figures' values, checked within the rounding of the printed figure. */
MODEL (
  name intermediate.int_fact_relations_checked,
  kind VIEW,
  grain relation_id,
  audits (
    assert_related_figures_agree
  )
);

WITH relations AS (
  SELECT
    *
  FROM seeds.fact_relations
), facts AS (
  SELECT
    *
  FROM staging.stg_seeds__report_facts
), resolved AS (
  SELECT
    relations.relation_id,
    relations.relation_type,
    relations.report_id,
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
      COALESCE(LENGTH(REGEXP_EXTRACT(COALESCE(share_text, change_text), '\.(\d+)', 1)), 0)
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