/* Each fund's stated total against the sum of its stated contributions, and the leverage of co-op money. */
MODEL (
  name intermediate.int_fund_totals_checked,
  kind VIEW,
  grain fund_id,
  audits (
    assert_fund_parts_sum_to_stated_total
  )
);

WITH funds AS (
  SELECT
    *
  FROM seeds.funds
), contributions AS (
  SELECT
    *
  FROM staging.stg_seeds__fund_contributions
), contributions_summed AS (
  SELECT
    fund_id,
    COUNT(*) AS parts_count,
    SUM(total_yuan) AS recomputed_total_yuan,
    SUM(CASE WHEN source_group = 'finance' THEN total_yuan ELSE 0 END) AS finance_yuan,
    SUM(CASE WHEN source_group = 'coop' THEN total_yuan ELSE 0 END) AS coop_yuan,
    SUM(CASE WHEN source_group = 'social' THEN total_yuan ELSE 0 END) AS social_yuan,
    SUM(CASE WHEN source_group = 'manager' THEN total_yuan ELSE 0 END) AS manager_yuan,
    LISTAGG(span_start::TEXT, ','
    ORDER BY
      span_start) AS parts_span_starts,
    MIN(report_id) AS parts_report_id
  FROM contributions
  GROUP BY
    fund_id
)
SELECT
  funds.fund_id,
  funds.fund_name,
  funds.subject AS subject_id,
  funds.fund_type,
  NULLIF(TRIM(funds.part_of_fund_id), '') AS part_of_fund_id,
  funds.stated_total_yuan,
  COALESCE(funds.report_id, contributions_summed.parts_report_id) AS report_id, /* a pooled fund states no total: its parts' report */
  funds.total_span_start,
  COALESCE(contributions_summed.parts_count, 0) AS parts_count,
  contributions_summed.recomputed_total_yuan,
  contributions_summed.finance_yuan,
  contributions_summed.coop_yuan,
  contributions_summed.social_yuan,
  contributions_summed.manager_yuan,
  contributions_summed.parts_span_starts,
  CASE
    WHEN contributions_summed.coop_yuan > 0
    THEN ROUND(
      (
        contributions_summed.finance_yuan + contributions_summed.social_yuan
      ) / contributions_summed.coop_yuan,
      4
    )
  END AS leverage,
  contributions_summed.recomputed_total_yuan - funds.stated_total_yuan AS difference_yuan,
  CASE
    WHEN funds.stated_total_yuan IS NULL
    OR contributions_summed.recomputed_total_yuan IS NULL
    THEN 'not_checkable'
    WHEN @WITHIN_ROUNDING(
      contributions_summed.recomputed_total_yuan,
      funds.stated_total_yuan,
      0.5 /* the seed states its totals to the yuan */
    )
    THEN 'pass'
    ELSE 'fail'
  END AS check_status
FROM funds
LEFT JOIN contributions_summed
  ON funds.fund_id = contributions_summed.fund_id