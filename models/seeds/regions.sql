/* Every administrative place the reports name, with its GB/T 2260 code, level and parent. */
MODEL (
  name seeds.regions,
  kind SEED (
    path '../../seeds/regions.csv'
  ),
  columns (
    region_code TEXT,
    name TEXT,
    full_name TEXT,
    level TEXT,
    parent_code TEXT,
    note TEXT
  ),
  grain region_code,
  audits (
    unique_values(columns := (region_code, full_name)),
    not_null(columns := (region_code, name, full_name, level)),
    accepted_values("column" := level, is_in := ('province', 'prefecture', 'county'))
  )
)