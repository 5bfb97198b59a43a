/* Kinds of figure: growth against a baseline, year on year, level, share, coverage, percentage-point change, ratio, other. The one list every part uses. */
MODEL (
  name seeds.kinds,
  kind SEED (
    path '../../seeds/kinds.csv'
  ),
  columns (
    kind TEXT,
    name_zh TEXT,
    name_en TEXT,
    description TEXT
  ),
  grain kind,
  audits (
    unique_values(columns := (
      kind
    )),
    not_null(columns := (kind, name_zh, name_en))
  )
)
