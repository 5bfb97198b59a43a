/* Regions with their province. */
MODEL (
  name staging.stg_seeds__regions,
  kind VIEW,
  grain region_code
);

SELECT
  region_code, /* GB/T 2260 code */
  name, /* Short name as the report uses it */
  full_name, /* Official name */
  level, /* province, prefecture or county */
  NULLIF(TRIM(parent_code), '') AS parent_code, /* Code of the region it belongs to */
  LEFT(region_code, 2) || '0000' AS province_code /* Code of its province */
FROM seeds.regions