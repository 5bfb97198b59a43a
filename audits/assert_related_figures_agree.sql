AUDIT (
  name assert_related_figures_agree
) /* Shares agree with the counts they come from, and percentage-point changes with their endpoints, within the rounding of the printed figure. */;

SELECT
  relation_id,
  relation_type,
  subject_id,
  stated_value,
  expected_value,
  tolerance
FROM @this_model
WHERE
  check_status = 'fail'