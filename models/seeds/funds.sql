/* Funds the reports describe, with their stated totals; pooled rows stand for a summary's combined figures. */
MODEL (
  name seeds.funds,
  kind SEED (
    path '../../seeds/funds.csv'
  ),
  columns (
    fund_id TEXT,
    fund_name TEXT,
    subject TEXT,
    fund_type TEXT,
    stated_total_yuan DOUBLE,
    report_id TEXT,
    total_span_start INT,
    member_fund_ids TEXT,
    part_of_fund_id TEXT,
    note TEXT
  ),
  grain fund_id,
  audits (
    unique_values(columns := (
      fund_id
    )),
    not_null(columns := (fund_id, fund_name, subject, fund_type))
  )
)