/* Every check the report's own arithmetic makes possible, with its result: pass, warning, error or not_checkable. Warnings are disagreements to report, not to hide (a summary's 37 projects against the cases' 20 + 16). */
MODEL (
  name marts.audit_findings,
  kind FULL,
  grain finding_id,
  audits (
    unique_values(columns := (
      finding_id
    )),
    not_null(columns := (finding_id, check_name, severity, status, message)),
    accepted_values("column" := status, is_in := ('pass', 'warning', 'error', 'not_checkable'))
  )
);

WITH sentences_at AS (
  SELECT DISTINCT
    report_id,
    span_start,
    sentence
  FROM intermediate.int_facts_joined_to_subjects
), fund_totals AS (
  SELECT
    'fund_total:' || fund_id AS finding_id,
    'assert_fund_parts_sum_to_stated_total' AS check_name,
    'error' AS severity,
    check_status,
    subject_id,
    fund_id,
    NULL AS relation_id,
    'fund_size' AS metric_code,
    stated_total_yuan AS stated_value,
    recomputed_total_yuan AS expected_value,
    fund_name || ': ' || COALESCE('stated total ' || stated_total_yuan::BIGINT::TEXT || ' yuan', 'no stated total') || ', ' || COALESCE(
      'sum of ' || parts_count::TEXT || ' stated contributions ' || recomputed_total_yuan::BIGINT::TEXT || ' yuan',
      'no stated contributions'
    ) AS message,
    report_id,
    /* ARRAY_TO_STRING skips a NULL part; SQLGlot's optimizer turns CONCAT_WS into NULL if any is */
    NULLIF(ARRAY_TO_STRING([total_span_start::TEXT, parts_span_starts], ','), '') AS span_starts,
    total_span_start AS first_span_start,
    NULL AS all_sentences
  FROM intermediate.int_fund_totals_checked
), fund_amounts AS (
  SELECT
    'fund_amount:' || fund_id || ':' || span_start::TEXT AS finding_id,
    'assert_fund_amounts_match_their_facts' AS check_name,
    'error' AS severity,
    check_status,
    NULL AS subject_id,
    fund_id,
    NULL AS relation_id,
    NULL AS metric_code,
    amount_yuan AS stated_value,
    fact_value AS expected_value,
    fund_id || ' ' || amount_role || ': seed says ' || amount_yuan::BIGINT::TEXT || ' yuan, the report says ' || COALESCE(number_text, 'nothing at that span') AS message,
    report_id,
    span_start::TEXT AS span_starts,
    span_start AS first_span_start,
    NULL AS all_sentences
  FROM intermediate.int_fund_amounts_traced
), relations AS (
  SELECT
    'relation:' || relation_id AS finding_id,
    'assert_related_figures_agree' AS check_name,
    CASE WHEN review_status = 'curated' THEN 'error' ELSE 'warning' END AS severity,
    check_status,
    subject_id,
    NULL AS fund_id,
    relation_id,
    metric_code,
    stated_value,
    ROUND(expected_value, 4) AS expected_value,
    relation_type || ': ' || CASE
      WHEN relation_type IN ('sum_of_parts', 'respectively_sum')
      THEN 'stated total ' || COALESCE(stated_text, '?') || ', the parts give ' || COALESCE(parts_text, '?') || ' = ' || COALESCE(expected_text, '?')
      WHEN relation_type = 'parts_within_total'
      THEN 'stated total ' || COALESCE(stated_text, '?') || ', some of its parts give ' || COALESCE(parts_text, '?') || ' = ' || COALESCE(expected_text, '?') || ', no more than the total'
      WHEN relation_type = 'split_two_ways'
      THEN 'one breakdown gives ' || COALESCE(parts_text, '?') || ', the other ' || COALESCE(parts2_text, '?')
      ELSE note
    END || COALESCE(
      ' (stated ' || stated_value::TEXT || ', recomputed ' || ROUND(expected_value, 2)::TEXT || ', allowed ±' || REGEXP_REPLACE(REGEXP_REPLACE(ROUND(tolerance, 6)::TEXT, '(\.[0-9]*[1-9])0+$', '\1'), '\.0+$', '') || ')',
      ''
    ) || COALESCE('; ' || reason, '') AS message,
    report_id,
    span_starts,
    COALESCE(share_span, start_span, end_span, whole_span) AS first_span_start,
    sentences AS all_sentences
  FROM intermediate.int_fact_relations_checked
), pooled AS (
  SELECT
    'pooled:' || fund_id || ':' || metric_code AS finding_id,
    'assert_pooled_figures_match_their_parts' AS check_name,
    'warning' AS severity,
    check_status,
    'development_fund' AS subject_id,
    fund_id,
    NULL AS relation_id,
    metric_code,
    pooled_value AS stated_value,
    members_total AS expected_value,
    fund_name || ' ' || metric_code || ': the summary says ' || pooled_text || COALESCE(', the cases give ' || members_text, ', the cases do not give every part') AS message,
    report_id,
    NULLIF(ARRAY_TO_STRING([pooled_span_start::TEXT, members_span_starts], ','), '') AS span_starts,
    pooled_span_start AS first_span_start,
    pooled_sentence || COALESCE(' / ' || members_sentences, '') AS all_sentences
  FROM intermediate.int_pooled_figures_compared
), all_checks AS (
  SELECT
    *
  FROM fund_totals
  UNION ALL
  SELECT
    *
  FROM fund_amounts
  UNION ALL
  SELECT
    *
  FROM relations
  UNION ALL
  SELECT
    *
  FROM pooled
)
SELECT
  all_checks.finding_id, /* Key: check and what it was run on */
  all_checks.check_name, /* The audit that runs this check in every build */
  all_checks.severity, /* error (blocks the build) or warning (reported, does not block; every check on figures the extractor related, until they are reviewed, is a warning however it fails) */
  CASE
    WHEN all_checks.check_status = 'fail'
    THEN all_checks.severity
    WHEN all_checks.check_status = 'impossible'
    THEN 'error'
    ELSE all_checks.check_status
  END AS status, /* pass, warning (outside rounding), error (a curated check that fails, or figures that cannot all be right: parts above their total, a share above 100%; only curated ones block the build) or not_checkable (the message says why) */
  all_checks.subject_id, /* Pilot unit or pilot type concerned */
  all_checks.fund_id, /* Fund concerned, if any */
  all_checks.relation_id, /* Related figures concerned, if any */
  all_checks.metric_code, /* Metric concerned, if any */
  all_checks.stated_value, /* The figure as the report states it */
  all_checks.expected_value, /* The figure recomputed from its parts */
  all_checks.message, /* What was compared, in words */
  all_checks.report_id, /* Report the figures were read from */
  all_checks.span_starts, /* Offsets of every figure involved, comma-separated */
  COALESCE(all_checks.all_sentences, sentences_at.sentence) AS sentences /* The sentences the figures stand in, separated by ' / ' */
FROM all_checks
LEFT JOIN sentences_at
  ON all_checks.report_id = sentences_at.report_id
  AND all_checks.first_span_start = sentences_at.span_start