/* Each contribution to a fund by source, with a multiplier where the text says 各 or 分别 (each). */
MODEL (
  name seeds.fund_contributions,
  kind SEED (
    path '../../seeds/fund_contributions.csv'
  ),
  columns (
    fund_id TEXT,
    source_type TEXT,
    contributor TEXT,
    amount_yuan DOUBLE,
    multiplier INT,
    report_id TEXT,
    span_start INT,
    note TEXT
  ),
  grain (fund_id, span_start),
  audits (
    unique_combination_of_columns(columns := (report_id, span_start)),
    not_null(
      columns := (fund_id, source_type, amount_yuan, multiplier, report_id, span_start)
    ),
    accepted_range("column" := multiplier, min_v := 1)
  )
)