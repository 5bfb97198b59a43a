/* The Chinese label of every code the workbooks and the quality page show (a level, a growth basis, what a coverage covers, a review status …): one place for each label, joined where it is shown. One row per domain and code. */
MODEL (
  name seeds.labels,
  kind SEED (
    path '../../seeds/labels.csv'
  ),
  columns (
    domain TEXT,
    code TEXT,
    label_zh TEXT
  ),
  grain (domain, code),
  audits (
    unique_combination_of_columns(columns := (domain, code)),
    not_null(columns := (domain, code, label_zh))
  )
)
