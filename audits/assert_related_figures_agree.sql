AUDIT (
  name assert_related_figures_agree
) /* Curated shares agree with the counts they come from, and percentage-point changes with their endpoints, within the rounding of the printed figure. (Relations the extractor found are checked the same way in marts.audit_findings, as warnings: they wait for review.) */;

SELECT
  relation_id,
  relation_type,
  subject_id,
  stated_value,
  expected_value,
  tolerance
FROM @this_model
WHERE
  check_status = 'fail' AND review_status = 'curated'