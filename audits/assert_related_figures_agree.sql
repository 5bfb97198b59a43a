AUDIT (
  name assert_related_figures_agree
) /* Curated shares agree with the counts they come from, and percentage-point changes with their endpoints, within the rounding of the printed figure (@WITHIN_ROUNDING), and none is impossible. (Relations the extractor found are checked the same way in marts.audit_findings, as warnings, or errors when impossible, that do not block: they wait for review.) */;

SELECT
  relation_id,
  relation_type,
  subject_id,
  stated_value,
  expected_value,
  tolerance
FROM @this_model
WHERE
  check_status IN ('fail', 'impossible') AND review_status = 'curated'
