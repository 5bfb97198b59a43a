AUDIT (
  name assert_units_are_known
) /* Every unit is one of seeds.units, the one list of units. */;

SELECT
  *
FROM @this_model
WHERE
  NOT unit IN (
    SELECT
      unit
    FROM seeds.units
  )
