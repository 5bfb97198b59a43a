/* Reports the warehouse has read: one row per report, with its file and the latest date its figures speak of. */
MODEL (
  name seeds.reports,
  kind SEED (
    path '../../seeds/reports.csv'
  ),
  columns (
    report_id TEXT,
    path TEXT,
    title TEXT,
    data_as_of TEXT
  ),
  grain report_id,
  audits (
    unique_values(columns := (
      report_id
    )),
    not_null(columns := (report_id, path, title))
  )
)