/* How each fund was raised: contributions by source type, the fund's stated and recomputed totals, and the leverage of co-op money. One row per fund and contribution (funds without stated parts have one row). */
MODEL (
  name marts.fund_composition,
  kind FULL,
  grain (fund_id, contribution_span_start),
  audits (
    not_null(columns := (fund_id, fund_name, subject_id, source_type)),
    accepted_range("column" := leverage, min_v := 0)
  )
);

WITH funds AS (
  SELECT
    *
  FROM intermediate.int_fund_totals_checked
), contributions AS (
  SELECT
    *
  FROM staging.stg_seeds__fund_contributions
), source_types AS (
  SELECT
    *
  FROM seeds.source_types
)
SELECT
  funds.fund_id, /* Fund */
  funds.fund_name, /* Its name as the report gives it */
  funds.subject_id, /* Pilot unit or pilot type the fund belongs to */
  funds.fund_type, /* industry_fund, equity_fund, cooperative_development_fund or pooled */
  COALESCE(contributions.source_type, 'none_stated') AS source_type, /* Kind of contributor, e.g. municipal_finance */
  source_types.name_zh AS source_type_zh, /* Kind of contributor in Chinese */
  contributions.source_group, /* finance, coop, social or manager */
  contributions.contributor, /* Contributor as the text names it */
  contributions.amount_yuan, /* Amount as printed, in yuan */
  contributions.multiplier, /* How many contributors gave that amount (各, 分别) */
  contributions.total_yuan AS contribution_yuan, /* Amount times multiplier, in yuan */
  contributions.report_id AS contribution_report_id, /* Report the contribution was read from */
  contributions.span_start AS contribution_span_start, /* Offset of the contribution in the report text */
  funds.stated_total_yuan, /* The fund's total as the report states it, in yuan */
  funds.recomputed_total_yuan, /* Sum of all its stated contributions, in yuan */
  funds.difference_yuan, /* Recomputed minus stated total */
  funds.check_status AS total_check, /* pass, fail or not_checkable (no stated total or no parts) */
  funds.finance_yuan, /* Fiscal money in the fund */
  funds.coop_yuan, /* Co-op money in the fund */
  funds.social_yuan, /* Social and financial capital in the fund */
  funds.leverage, /* (finance + social) per yuan of co-op money */
  funds.report_id AS total_report_id, /* Report the stated total was read from */
  funds.total_span_start /* Offset of the stated total in the report text */
FROM funds
LEFT JOIN contributions
  ON funds.fund_id = contributions.fund_id
LEFT JOIN source_types
  ON contributions.source_type = source_types.source_type