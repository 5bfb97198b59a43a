/* Where fund money comes from, grouped into finance, co-op, social capital and fund manager. */
MODEL (
  name seeds.source_types,
  kind SEED (
    path '../../seeds/source_types.csv'
  ),
  columns (
    source_type TEXT,
    name_zh TEXT,
    name_en TEXT,
    source_group TEXT
  ),
  grain source_type,
  audits (
    unique_values(columns := (
      source_type
    )),
    accepted_values("column" := source_group, is_in := ('finance', 'coop', 'social', 'manager'))
  )
)