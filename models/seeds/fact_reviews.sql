/* Decisions of reviewers on the figures the extractor read (coopwh review apply): accept, correct (with the corrected values; empty means unchanged) or reject, who decided and when, the sentence as it stood and the reviewer's note (审阅备注). Empty cells are read as empty text, not as numbers. */
MODEL (
  name seeds.fact_reviews,
  kind SEED (
    path '../../seeds/fact_reviews.csv',
    csv_settings (
      keep_default_na = FALSE,
      na_values = (
        span_start = (''),
        value = ('')
      )
    )
  ),
  columns (
    fact_id TEXT,
    report_id TEXT,
    span_start INT,
    decision TEXT,
    subject TEXT,
    metric_code TEXT,
    metric TEXT,
    value DOUBLE,
    unit TEXT,
    kind TEXT,
    qualifier TEXT,
    baseline TEXT,
    period TEXT,
    is_target TEXT,
    reviewer TEXT,
    reviewed_at TEXT,
    sentence TEXT,
    note TEXT
  ),
  grain fact_id,
  audits (
    unique_values(columns := (
      fact_id
    )),
    not_null(columns := (fact_id, report_id, span_start, decision)),
    accepted_values("column" := decision, is_in := ('accept', 'correct', 'reject'))
  )
)
