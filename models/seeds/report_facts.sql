/* Every quantitative figure of the reports, read and reviewed by hand, with its character span in the report text. */
MODEL (
  name seeds.report_facts,
  kind SEED (
    path '../../seeds/report_facts.csv'
  ),
  columns (
    report_id TEXT,
    span_start INT,
    span_end INT,
    number_text TEXT,
    value DOUBLE,
    unit TEXT,
    kind TEXT,
    qualifier TEXT,
    metric TEXT,
    metric_code TEXT,
    subject TEXT,
    baseline TEXT,
    period TEXT,
    is_target BOOLEAN,
    fund_id TEXT,
    note TEXT
  ),
  grain (report_id, span_start, subject),
  audits (
    unique_combination_of_columns(columns := (report_id, span_start, subject)),
    not_null(
      columns := (
        report_id,
        span_start,
        span_end,
        number_text,
        value,
        unit,
        kind,
        qualifier,
        metric,
        subject,
        is_target
      )
    )
  )
)