AUDIT (
  name assert_percentages_in_range
) /* Figures lie in range for their kind, by the one range rule in seeds.kinds: the unit a kind's figures have, and the range their value lies in (coverage and shares 0 to 100, growth above -100). */;

SELECT
  facts.fact_id,
  facts.kind,
  facts.value,
  facts.number_text
FROM @this_model AS facts
INNER JOIN seeds.kinds AS kinds
  ON facts.kind = kinds.kind
WHERE
  facts.value < kinds.min_value
  OR (
    kinds.strict_min AND facts.value <= kinds.min_value
  )
  OR facts.value > kinds.max_value
  OR facts.unit <> kinds.unit
