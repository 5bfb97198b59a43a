AUDIT (
  name assert_fund_parts_sum_to_stated_total
) /* A fund's stated total equals the sum of its stated contributions (each times its multiplier). */;

SELECT
  fund_id,
  fund_name,
  stated_total_yuan,
  recomputed_total_yuan,
  difference_yuan
FROM @this_model
WHERE
  check_status = 'fail'