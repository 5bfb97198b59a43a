/* Qualifiers of a printed figure: exact, approximately, at least, at most. The one list every part uses. */
MODEL (
  name seeds.qualifiers,
  kind SEED (
    path '../../seeds/qualifiers.csv'
  ),
  columns (
    qualifier TEXT,
    name_zh TEXT,
    name_en TEXT,
    description TEXT
  ),
  grain qualifier,
  audits (
    unique_values(columns := (
      qualifier
    )),
    not_null(columns := (qualifier, name_zh, name_en))
  )
)
