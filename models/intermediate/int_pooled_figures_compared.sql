/* Figures a summary gives for several funds together, against the sum of what the cases give for each fund. */
MODEL (
  name intermediate.int_pooled_figures_compared,
  kind VIEW,
  grain (fund_id, metric_code),
  audits (
    assert_pooled_figures_match_their_parts(blocking := FALSE)
  )
);

WITH pooled_funds AS (
  SELECT
    fund_id,
    fund_name,
    UNNEST(REGEXP_SPLIT_TO_ARRAY(member_fund_ids, ';')) AS member_fund_id
  FROM seeds.funds
  WHERE
    COALESCE(member_fund_ids, '') <> ''
), fund_facts AS (
  SELECT
    fund_id,
    metric_code,
    value,
    number_text,
    report_id,
    span_start,
    sentence
  FROM intermediate.int_facts_joined_to_subjects
  WHERE
    NOT fund_id IS NULL
    AND metric_code IN ('fund_projects', 'fund_invested', 'fund_dividends')
  QUALIFY
    ROW_NUMBER() OVER (PARTITION BY fund_id, metric_code ORDER BY report_id, span_start) = 1
), members_summed AS (
  SELECT
    pooled_funds.fund_id,
    fund_facts.metric_code,
    COUNT(DISTINCT pooled_funds.member_fund_id) AS members_with_figure,
    SUM(fund_facts.value) AS members_total,
    LISTAGG(fund_facts.number_text, ' + '
    ORDER BY
      fund_facts.span_start) AS members_text,
    LISTAGG(fund_facts.span_start::TEXT, ','
    ORDER BY
      fund_facts.span_start) AS members_span_starts,
    LISTAGG(fund_facts.sentence, ' / '
    ORDER BY
      fund_facts.span_start) AS members_sentences
  FROM pooled_funds
  INNER JOIN fund_facts
    ON pooled_funds.member_fund_id = fund_facts.fund_id
  GROUP BY
    pooled_funds.fund_id,
    fund_facts.metric_code
), member_counts AS (
  SELECT
    fund_id,
    MIN(fund_name) AS fund_name,
    COUNT(*) AS members
  FROM pooled_funds
  GROUP BY
    fund_id
)
SELECT
  member_counts.fund_id,
  member_counts.fund_name,
  pooled_facts.metric_code,
  pooled_facts.value AS pooled_value,
  pooled_facts.number_text AS pooled_text,
  pooled_facts.report_id,
  pooled_facts.span_start AS pooled_span_start,
  pooled_facts.sentence AS pooled_sentence,
  members_summed.members_total,
  members_summed.members_text,
  members_summed.members_span_starts,
  members_summed.members_sentences,
  CASE
    WHEN COALESCE(members_summed.members_with_figure, 0) < member_counts.members
    THEN 'not_checkable'
    WHEN @WITHIN_ROUNDING(
      pooled_facts.value,
      members_summed.members_total,
      @ROUNDING_TOLERANCE(pooled_facts.number_text, pooled_facts.value)
    )
    THEN 'pass' /* within the rounding of the summary's printed figure (macros/rounding.py) */
    ELSE 'fail'
  END AS check_status
FROM member_counts
INNER JOIN fund_facts AS pooled_facts
  ON member_counts.fund_id = pooled_facts.fund_id
LEFT JOIN members_summed
  ON member_counts.fund_id = members_summed.fund_id
  AND pooled_facts.metric_code = members_summed.metric_code