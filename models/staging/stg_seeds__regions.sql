/* Regions with their province and every name a report may use for them. */
MODEL (
  name staging.stg_seeds__regions,
  kind VIEW,
  grain region_code
);

SELECT
  region_code, /* GB/T 2260 code */
  name, /* Short name as reports use it, e.g. 寿光 */
  full_name, /* Official name, e.g. 寿光市 */
  NULLIF(TRIM(aliases), '') AS aliases, /* Other names, ';'-separated, e.g. 大通县 for 大通回族土族自治县 */
  level, /* province, prefecture or county */
  NULLIF(TRIM(parent_code), '') AS parent_code, /* Code of the region it belongs to */
  LEFT(region_code, 2) || '0000' AS province_code /* Code of its province */
FROM seeds.regions
