/* Every amount in the fund seeds (stated totals and contributions) beside the fact at the span it cites. */
MODEL (
  name intermediate.int_fund_amounts_traced,
  kind VIEW,
  grain (fund_id, report_id, span_start),
  audits (
    assert_fund_amounts_match_their_facts
  )
);

WITH amounts AS (
  SELECT
    fund_id,
    'stated total' AS amount_role,
    stated_total_yuan AS amount_yuan,
    report_id,
    total_span_start AS span_start
  FROM seeds.funds
  WHERE
    NOT stated_total_yuan IS NULL
  UNION ALL
  SELECT
    fund_id,
    'contribution of ' || contributor AS amount_role,
    amount_yuan,
    report_id,
    span_start
  FROM staging.stg_seeds__fund_contributions
), facts AS (
  SELECT
    report_id,
    span_start,
    MIN(value) AS fact_value,
    MIN(number_text) AS number_text,
    MIN(unit) AS unit,
    MIN(fund_id) AS fact_fund_id
  FROM staging.stg_seeds__report_facts
  GROUP BY
    report_id,
    span_start
)
SELECT
  amounts.fund_id,
  amounts.amount_role,
  amounts.amount_yuan,
  amounts.report_id,
  amounts.span_start,
  facts.number_text,
  facts.fact_value,
  facts.fact_fund_id,
  CASE
    WHEN facts.fact_value IS NULL
    THEN 'fail'
    WHEN facts.unit <> 'yuan' OR ABS(facts.fact_value - amounts.amount_yuan) >= 0.5
    THEN 'fail'
    WHEN facts.fact_fund_id IS DISTINCT FROM amounts.fund_id
    THEN 'fail'
    ELSE 'pass'
  END AS check_status
FROM amounts
LEFT JOIN facts
  ON amounts.report_id = facts.report_id AND amounts.span_start = facts.span_start