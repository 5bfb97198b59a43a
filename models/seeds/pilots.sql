/* Pilot units of the seven summaries, each with its region, level, pilot type and typical case if it has one. */
MODEL (
  name seeds.pilots,
  kind SEED (
    path '../../seeds/pilots.csv'
  ),
  columns (
    pilot_id TEXT,
    name TEXT,
    federation TEXT,
    region_code TEXT,
    level TEXT,
    pilot_type_code TEXT,
    typical_case_title TEXT
  ),
  grain pilot_id,
  audits (
    unique_values(columns := (pilot_id, region_code)),
    not_null(columns := (pilot_id, name, region_code, level, pilot_type_code)),
    accepted_values("column" := level, is_in := ('province', 'prefecture', 'county'))
  )
)