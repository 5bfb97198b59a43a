/* Figures the extractor found related in each report, keyed like the curated relations and marked unreviewed. */
MODEL (
  name staging.stg_raw__extracted_relations,
  kind VIEW,
  grain relation_id
);

SELECT
  report_id || ':' || relation_type || ':' || COALESCE(relation_key, COALESCE(share_span, end_span)::TEXT) AS relation_id, /* Stable key: report, type and the offset of the related figure (of a total and its first part, for a total's parts) */
  relation_type, /* range, pp_change, change, share_of_total, growth, target_completion, sum_of_parts, respectively_sum, split_two_ways or parts_within_total */
  report_id, /* Report the figures were read from */
  share_span, /* Offset of the share (share_of_total) or of the completion ratio (target_completion) */
  part_span, /* Offset of the part (share_of_total) or of what was achieved (target_completion) */
  whole_span, /* Offset of the whole (share_of_total), the target (target_completion) or the stated total (sum_of_parts, respectively_sum, split_two_ways, parts_within_total); its parts are in stg_raw__extracted_relation_parts */
  start_span, /* Offset of the before value (range, pp_change, change, growth) */
  end_span, /* Offset of the after value */
  change_span, /* Offset of the stated change (pp_change, change, range; growth: the growth in percent) */
  NULLIF(TRIM(before_period), '') AS before_period, /* Year or baseline of the before value, e.g. 2016, 试点前 */
  note, /* The sentence that relates them */
  'unreviewed' AS review_status /* unreviewed: found by the extractor */
FROM raw.extracted_relations
