/* Metric dictionary: canonical codes, names in Chinese and English, unit, category and the report's wordings. */
MODEL (
  name seeds.metrics,
  kind SEED (
    path '../../seeds/metrics.csv'
  ),
  columns (
    metric_code TEXT,
    name_zh TEXT,
    name_en TEXT,
    unit TEXT,
    category TEXT,
    covers TEXT,
    wordings TEXT
  ),
  grain metric_code,
  depends_on (seeds.units), /* read by its audits */
  audits (
    assert_units_are_known,
    unique_values(columns := (
      metric_code
    )),
    not_null(columns := (metric_code, name_zh, name_en, unit, category))
  )
)