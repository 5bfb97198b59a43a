AUDIT (
  name assert_pilots_resolve_to_dimensions
) /* Every pilot's region and pilot type exist, and its level is its region's level. */;

SELECT
  pilots.pilot_id,
  pilots.region_code,
  pilots.level,
  pilots.pilot_type_code
FROM @this_model AS pilots
LEFT JOIN seeds.regions AS regions
  ON pilots.region_code = regions.region_code
WHERE
  regions.region_code IS NULL
  OR regions.level <> pilots.level
  OR NOT pilots.pilot_type_code IN (
    SELECT
      pilot_type_code
    FROM seeds.pilot_types
  )