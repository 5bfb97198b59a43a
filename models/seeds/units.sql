/* Units of measure a figure can have: the one list the extractor, the door-in checks, the audits and the workbooks use. */
MODEL (
  name seeds.units,
  kind SEED (
    path '../../seeds/units.csv'
  ),
  columns (
    unit TEXT,
    name_zh TEXT,
    name_en TEXT,
    description TEXT
  ),
  grain unit,
  audits (
    unique_values(columns := (
      unit
    )),
    not_null(columns := (unit, name_zh, name_en))
  )
)
