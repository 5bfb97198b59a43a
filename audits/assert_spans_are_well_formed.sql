AUDIT (
  name assert_spans_are_well_formed
) /* A fact's span is as long as its printed text and starts inside the report. */;

SELECT
  fact_id,
  span_start,
  span_end,
  number_text
FROM @this_model
WHERE
  span_start < 0 OR span_end - span_start <> LENGTH(number_text)