AUDIT (
  name assert_facts_use_the_vocabulary
) /* Every fact's unit, kind and qualifier is one of seeds.units, seeds.kinds and seeds.qualifiers: the one vocabulary the extractor, the door-in checks and the workbooks share. */;

SELECT
  fact_id,
  unit,
  kind,
  qualifier
FROM @this_model
WHERE
  NOT unit IN (
    SELECT
      unit
    FROM seeds.units
  )
  OR NOT kind IN (
    SELECT
      kind
    FROM seeds.kinds
  )
  OR NOT qualifier IN (
    SELECT
      qualifier
    FROM seeds.qualifiers
  )
