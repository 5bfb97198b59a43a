/* Kinds of figure: growth against a baseline, year on year, level, share, coverage, percentage-point change, ratio, other. The one list every part uses, with the one range rule of each kind's figures: the unit they have, and the range their value lies in from min_value (above it when strict_min) to max_value, empty for no bound (coverage and shares 0 to 100, growth above -100), read by assert_percentages_in_range, the door-in checks and the review. */
MODEL (
  name seeds.kinds,
  kind SEED (
    path '../../seeds/kinds.csv'
  ),
  columns (
    kind TEXT,
    name_zh TEXT,
    name_en TEXT,
    description TEXT,
    unit TEXT,
    min_value DOUBLE,
    max_value DOUBLE,
    strict_min BOOLEAN
  ),
  grain kind,
  audits (
    unique_values(columns := (
      kind
    )),
    not_null(columns := (kind, name_zh, name_en))
  )
)
