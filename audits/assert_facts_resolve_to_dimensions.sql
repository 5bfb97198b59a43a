AUDIT (
  name assert_facts_resolve_to_dimensions
) /* Every fact's report (loaded), subject (pilot, pilot type, region or national), metric and fund resolve to the dimensions. */;

SELECT
  fact_id,
  report_id,
  subject_id,
  metric_code,
  fund_id
FROM @this_model
WHERE
  NOT report_id IN (
    SELECT
      report_id
    FROM raw.reports
  )
  OR subject_id IS NULL
  OR NOT subject_id IN (
    SELECT
      pilot_id
    FROM seeds.pilots
    UNION ALL
    SELECT
      pilot_type_code
    FROM seeds.pilot_types
    UNION ALL
    SELECT
      region_code
    FROM seeds.regions
    UNION ALL
    SELECT
      'national'
  )
  OR (
    NOT metric_code IS NULL
    AND NOT metric_code IN (
      SELECT
        metric_code
      FROM seeds.metrics
    )
  )
  OR (
    NOT fund_id IS NULL
    AND NOT fund_id IN (
      SELECT
        fund_id
      FROM seeds.funds
    )
  )