/* The parts of each total the extractor found with its parts, keyed to their relation: one row per part. */
MODEL (
  name staging.stg_raw__extracted_relation_parts,
  kind VIEW,
  grain (relation_id, part_no)
);

SELECT
  report_id || ':' || relation_type || ':' || relation_key AS relation_id, /* The relation the part belongs to (staging.stg_raw__extracted_relations) */
  report_id, /* Report the figures were read from */
  part_no, /* Position of the part in the text, from 1 */
  group_no, /* The breakdown it belongs to: 1, or 2 for the second breakdown of a total split two ways */
  part_span, /* Offset of the part's figure */
  COALESCE(multiplier, 1) AS multiplier, /* How many times the part counts (13个县各出资200万元: 13) */
  multiplier_span /* Offset of the count that gives the multiplier, when it is printed in digits */
FROM raw.extracted_relation_parts
