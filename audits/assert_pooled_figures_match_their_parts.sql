AUDIT (
  name assert_pooled_figures_match_their_parts
) /* A summary's figure for several funds together equals the sum of the cases' figures for each (a warning: summaries and cases may count differently). */;

SELECT
  fund_id,
  metric_code,
  pooled_value,
  members_total,
  pooled_text,
  members_text
FROM @this_model
WHERE
  check_status = 'fail'