/* Figures the extractor found related in each report, keyed like the curated relations and marked unreviewed. */
MODEL (
  name staging.stg_raw__extracted_relations,
  kind VIEW,
  grain relation_id
);

SELECT
  report_id || ':' || relation_type || ':' || COALESCE(share_span, end_span)::TEXT AS relation_id, /* Stable key: report, type and the offset of the related figure */
  relation_type, /* range, pp_change, change or share_of_total */
  report_id, /* Report the figures were read from */
  share_span, /* Offset of the share (share_of_total) */
  part_span, /* Offset of the part (share_of_total) */
  whole_span, /* Offset of the whole (share_of_total) */
  start_span, /* Offset of the before value (range) */
  end_span, /* Offset of the after value */
  change_span, /* Offset of the stated change (pp_change, change) */
  NULLIF(TRIM(before_period), '') AS before_period, /* Year or baseline of the before value, e.g. 2016, 试点前 */
  note, /* The sentence that relates them */
  'unreviewed' AS review_status /* unreviewed: found by the extractor */
FROM raw.extracted_relations
