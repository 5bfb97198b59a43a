/* The seven special pilot types (专项试点) of the 2019 report. */
MODEL (
  name seeds.pilot_types,
  kind SEED (
    path '../../seeds/pilot_types.csv'
  ),
  columns (
    pilot_type_code TEXT,
    name_zh TEXT,
    name_en TEXT,
    summary_title TEXT
  ),
  grain pilot_type_code,
  audits (
    unique_values(columns := (pilot_type_code, name_zh)),
    not_null(columns := (pilot_type_code, name_zh, name_en))
  )
)