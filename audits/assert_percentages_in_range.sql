AUDIT (
  name assert_percentages_in_range
) /* Percentages lie in range for their kind: coverage and shares 0 to 100, growth above -100. */;

SELECT
  fact_id,
  kind,
  value,
  number_text
FROM @this_model
WHERE
  (
    kind IN ('coverage_pct', 'share_pct') AND (
      value < 0 OR value > 100
    )
  )
  OR (
    kind IN ('growth_pct', 'yoy_growth_pct') AND value <= -100
  )
  OR (
    kind IN ('coverage_pct', 'share_pct', 'growth_pct', 'yoy_growth_pct')
    AND unit <> 'percent'
  )