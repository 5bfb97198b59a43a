/* Fund contributions with their source group and the amount times its multiplier. */
MODEL (
  name staging.stg_seeds__fund_contributions,
  kind VIEW,
  grain (report_id, span_start)
);

SELECT
  contributions.fund_id, /* Fund the money went into */
  contributions.source_type, /* Kind of contributor, e.g. municipal_finance */
  source_types.source_group, /* finance, coop, social or manager */
  contributions.contributor, /* Contributor as the text names it */
  contributions.amount_yuan, /* Amount as printed, in yuan */
  contributions.multiplier, /* How many contributors gave that amount (各, 分别) */
  contributions.amount_yuan * contributions.multiplier AS total_yuan, /* Amount times multiplier */
  contributions.report_id, /* Report the amount was read from */
  contributions.span_start, /* Offset of the amount in the report text */
  NULLIF(TRIM(contributions.note), '') AS note /* Reviewer's note */
FROM seeds.fund_contributions AS contributions
LEFT JOIN seeds.source_types AS source_types
  ON contributions.source_type = source_types.source_type