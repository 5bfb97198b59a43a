/* Pilot units with their region and province. */
MODEL (
  name staging.stg_seeds__pilots,
  kind VIEW,
  grain pilot_id,
  depends_on (seeds.regions, seeds.pilot_types), /* read by its audits */
  audits (
    assert_pilots_resolve_to_dimensions
  )
);

SELECT
  pilots.pilot_id, /* Pilot unit */
  pilots.name, /* Name as the report gives it, e.g. 广西贵港 */
  pilots.federation, /* The co-op federation running the pilot */
  pilots.region_code, /* GB/T 2260 code of its region */
  pilots.level, /* province, prefecture or county */
  pilots.pilot_type_code, /* Its special pilot type */
  NULLIF(TRIM(pilots.typical_case_title), '') AS typical_case_title, /* Title of its typical case, if it has one */
  LEFT(pilots.region_code, 2) || '0000' AS province_code /* GB/T 2260 code of its province */
FROM seeds.pilots AS pilots