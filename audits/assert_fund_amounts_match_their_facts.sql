AUDIT (
  name assert_fund_amounts_match_their_facts
) /* Every amount in the fund seeds equals the fact at the span it cites, so it traces to the report. */;

SELECT
  fund_id,
  amount_role,
  amount_yuan,
  fact_value,
  number_text,
  span_start
FROM @this_model
WHERE
  check_status = 'fail'