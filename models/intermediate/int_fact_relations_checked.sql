/* Each related set of figures, curated or found by the extractor (a share and its counts, a change and its endpoints, a range from a before to an after, a level with its growth and the level before, a target and its completion, a total and its parts, a total split two ways), with the figures' values, checked within the rounding of the printed figure (@WITHIN_ROUNDING, macros/rounding.py). A curated relation wins over an extracted one on the same figure, and a curated fund's total over an extracted sum on it. */
MODEL (
  name intermediate.int_fact_relations_checked,
  kind CUSTOM (materialization 'by_report'), /* rebuilt by report (materializations/by_report.py); read by its audit and three marts */
  grain relation_id,
  audits (
    assert_related_figures_agree
  )
);

WITH curated_relations AS (
  SELECT
    relation_id,
    relation_type,
    report_id,
    share_span,
    part_span,
    whole_span,
    start_span,
    end_span,
    change_span,
    NULLIF(TRIM(before_period), '') AS before_period,
    note,
    'curated' AS review_status
  FROM seeds.fact_relations
), extracted_relations AS (
  SELECT
    *
  FROM staging.stg_raw__extracted_relations
), curated_fund_totals AS (
  SELECT DISTINCT
    report_id,
    total_span_start
  FROM seeds.funds
  WHERE
    NOT total_span_start IS NULL
), relations AS (
  SELECT
    *
  FROM curated_relations
  UNION ALL
  SELECT
    extracted.*
  FROM extracted_relations AS extracted
  LEFT JOIN curated_relations AS curated
    ON extracted.report_id = curated.report_id
    AND COALESCE(extracted.share_span, extracted.end_span, extracted.whole_span) = COALESCE(curated.share_span, curated.end_span, curated.whole_span)
  LEFT JOIN curated_fund_totals
    ON extracted.report_id = curated_fund_totals.report_id
    AND extracted.whole_span = curated_fund_totals.total_span_start
    AND extracted.share_span IS NULL
  WHERE
    curated.relation_id IS NULL AND curated_fund_totals.total_span_start IS NULL
), facts AS (
  SELECT
    *
  FROM intermediate.int_facts_unioned
  QUALIFY
    ROW_NUMBER() OVER (
      PARTITION BY report_id, span_start
      ORDER BY review_status = 'curated' DESC, fact_id
    ) = 1
), parts AS (
  SELECT
    parts.relation_id,
    parts.part_no,
    parts.group_no,
    parts.part_span,
    parts.multiplier_span,
    part_facts.value * parts.multiplier AS part_value,
    part_facts.qualifier,
    @ROUNDING_TOLERANCE(part_facts.number_text, part_facts.value) * parts.multiplier AS part_tolerance,
    CASE
      WHEN parts.multiplier <> 1
      THEN CAST(CAST(parts.multiplier AS BIGINT) AS TEXT) || ' × '
      ELSE ''
    END || COALESCE(part_facts.number_text, '?') AS part_text
  FROM staging.stg_raw__extracted_relation_parts AS parts
  LEFT JOIN facts AS part_facts
    ON parts.report_id = part_facts.report_id AND parts.part_span = part_facts.span_start
), parts_summed AS (
  SELECT
    relation_id,
    SUM(CASE WHEN group_no = 1 THEN part_value END) AS parts_value,
    SUM(CASE WHEN group_no = 2 THEN part_value END) AS parts2_value,
    COUNT(*) - COUNT(part_value) AS parts_missing,
    COUNT(CASE WHEN qualifier <> 'exact' THEN 1 END) AS parts_approximate,
    MIN(part_value) AS smallest_part,
    MAX(part_tolerance) AS part_tolerance,
    STRING_AGG(CASE WHEN group_no = 1 THEN part_text END, ' + ' ORDER BY part_no) AS parts_text,
    STRING_AGG(CASE WHEN group_no = 2 THEN part_text END, ' + ' ORDER BY part_no) AS parts2_text,
    STRING_AGG(
      CAST(part_span AS TEXT) || COALESCE(',' || CAST(multiplier_span AS TEXT), ''),
      ','
      ORDER BY part_no
    ) AS parts_span_starts
  FROM parts
  GROUP BY
    relation_id
), resolved AS (
  SELECT
    relations.relation_id,
    relations.relation_type,
    relations.report_id,
    relations.review_status,
    relations.before_period,
    COALESCE(
      share_facts.subject_id,
      start_facts.subject_id,
      end_facts.subject_id,
      whole_facts.subject_id
    ) AS subject_id,
    COALESCE(share_facts.metric_code, end_facts.metric_code, whole_facts.metric_code) AS metric_code,
    share_facts.value AS share_value,
    share_facts.number_text AS share_text,
    relations.share_span,
    part_facts.value AS part_value,
    part_facts.number_text AS part_text,
    relations.part_span,
    whole_facts.value AS whole_value,
    whole_facts.number_text AS whole_text,
    relations.whole_span,
    start_facts.value AS start_value,
    start_facts.number_text AS start_text,
    relations.start_span,
    end_facts.value AS end_value,
    end_facts.number_text AS end_text,
    relations.end_span,
    change_facts.value AS change_value,
    change_facts.number_text AS change_text,
    change_facts.kind AS change_kind,
    relations.change_span,
    parts_summed.parts_value,
    parts_summed.parts2_value,
    parts_summed.parts_text,
    parts_summed.parts2_text,
    parts_summed.part_tolerance,
    parts_summed.smallest_part,
    parts_summed.parts_span_starts,
    COALESCE(parts_summed.parts_missing, 0) /* a figure it names is not among the facts */
    + CASE WHEN NOT relations.share_span IS NULL AND share_facts.value IS NULL THEN 1 ELSE 0 END
    + CASE WHEN NOT relations.part_span IS NULL AND part_facts.value IS NULL THEN 1 ELSE 0 END
    + CASE WHEN NOT relations.whole_span IS NULL AND whole_facts.value IS NULL THEN 1 ELSE 0 END
    + CASE WHEN NOT relations.start_span IS NULL AND start_facts.value IS NULL THEN 1 ELSE 0 END
    + CASE WHEN NOT relations.end_span IS NULL AND end_facts.value IS NULL THEN 1 ELSE 0 END
    + CASE WHEN NOT relations.change_span IS NULL AND change_facts.value IS NULL THEN 1 ELSE 0 END AS figures_missing,
    COALESCE(parts_summed.parts_approximate, 0) /* figures printed with 多, 约, 以上 … */
    + CASE WHEN share_facts.qualifier <> 'exact' THEN 1 ELSE 0 END
    + CASE WHEN part_facts.qualifier <> 'exact' THEN 1 ELSE 0 END
    + CASE WHEN whole_facts.qualifier <> 'exact' THEN 1 ELSE 0 END
    + CASE WHEN start_facts.qualifier <> 'exact' THEN 1 ELSE 0 END
    + CASE WHEN end_facts.qualifier <> 'exact' THEN 1 ELSE 0 END
    + CASE WHEN change_facts.qualifier <> 'exact' THEN 1 ELSE 0 END AS figures_approximate,
    relations.note
  FROM relations
  LEFT JOIN parts_summed
    ON relations.relation_id = parts_summed.relation_id
  LEFT JOIN facts AS share_facts
    ON relations.report_id = share_facts.report_id
    AND relations.share_span = share_facts.span_start
  LEFT JOIN facts AS part_facts
    ON relations.report_id = part_facts.report_id
    AND relations.part_span = part_facts.span_start
  LEFT JOIN facts AS whole_facts
    ON relations.report_id = whole_facts.report_id
    AND relations.whole_span = whole_facts.span_start
  LEFT JOIN facts AS start_facts
    ON relations.report_id = start_facts.report_id
    AND relations.start_span = start_facts.span_start
  LEFT JOIN facts AS end_facts
    ON relations.report_id = end_facts.report_id
    AND relations.end_span = end_facts.span_start
  LEFT JOIN facts AS change_facts
    ON relations.report_id = change_facts.report_id
    AND relations.change_span = change_facts.span_start
), expected AS (
  SELECT
    *,
    CASE
      WHEN relation_type IN ('share_of_total', 'target_completion') AND whole_value > 0
      THEN part_value / whole_value * 100
      WHEN (
        relation_type = 'growth'
        OR (
          relation_type = 'range' AND change_kind IN ('growth_pct', 'yoy_growth_pct')
        )
      )
      AND start_value > 0
      THEN (
        end_value / start_value - 1
      ) * 100
      WHEN relation_type IN ('pp_change', 'change', 'range') AND NOT change_value IS NULL
      THEN end_value - start_value
      WHEN relation_type IN ('sum_of_parts', 'respectively_sum', 'parts_within_total')
      THEN parts_value
      WHEN relation_type = 'split_two_ways'
      THEN parts2_value
    END AS expected_value,
    CASE
      WHEN relation_type IN ('share_of_total', 'target_completion')
      THEN share_value
      WHEN relation_type IN ('pp_change', 'change', 'range', 'growth')
      THEN change_value
      WHEN relation_type IN ('sum_of_parts', 'respectively_sum', 'parts_within_total')
      THEN whole_value
      WHEN relation_type = 'split_two_ways'
      THEN parts_value
    END AS stated_value,
    CASE
      WHEN relation_type IN ('share_of_total', 'target_completion')
      THEN @ROUNDING_TOLERANCE(share_text, share_value)
      WHEN relation_type IN ('sum_of_parts', 'respectively_sum', 'parts_within_total')
      THEN @ROUNDING_TOLERANCE(whole_text, whole_value)
      WHEN relation_type = 'split_two_ways'
      THEN part_tolerance
      ELSE @ROUNDING_TOLERANCE(change_text, change_value)
    END AS tolerance, /* Half a unit of the last printed digit of the stated figure: 71% allows 70.5 to 71.5 */
    CASE
      WHEN relation_type IN ('sum_of_parts', 'respectively_sum', 'parts_within_total')
      THEN whole_text
      WHEN relation_type IN ('share_of_total', 'target_completion')
      THEN share_text
      WHEN relation_type <> 'split_two_ways'
      THEN change_text
    END AS stated_text
  FROM resolved
), judged AS (
  SELECT
    *,
    CASE
      WHEN figures_missing > 0
      THEN 'a figure it relates is not among the facts (held back or rejected)'
      WHEN relation_type = 'range' AND change_span IS NULL
      THEN 'a before and an after with no change printed between them: nothing to compare'
      WHEN relation_type IN ('pp_change', 'change') AND start_span IS NULL
      THEN 'the before is not printed (the after and its change imply it): nothing to compare'
      WHEN relation_type IN ('share_of_total', 'target_completion') AND NOT whole_value > 0
      THEN 'the whole is 0'
      WHEN relation_type IN ('growth', 'range')
      AND change_kind IN ('growth_pct', 'yoy_growth_pct')
      AND NOT start_value > 0
      THEN 'the before is 0: no growth in percent'
      WHEN figures_approximate > 0
      THEN 'a figure is approximate (多, 约, 以上 …): no exact value to compare'
      WHEN expected_value IS NULL OR stated_value IS NULL
      THEN 'a figure it needs is not printed'
    END AS not_checkable_reason,
    CASE
      WHEN relation_type = 'share_of_total'
      AND (
        share_value > 100 OR part_value > whole_value + @ROUNDING_TOLERANCE(whole_text, whole_value)
      )
      THEN 'impossible: a part larger than its whole, a share above 100%'
      WHEN relation_type IN ('sum_of_parts', 'respectively_sum', 'parts_within_total')
      AND smallest_part >= 0
      AND parts_value > whole_value + @ROUNDING_TOLERANCE(whole_text, whole_value)
      THEN 'impossible: the parts add up to more than the stated total'
    END AS impossible_reason
  FROM expected
), in_printed_units AS (
  SELECT
    *,
    CAST(CASE
      WHEN relation_type IN ('sum_of_parts', 'respectively_sum', 'parts_within_total')
      AND TRY_CAST(NULLIF(@REGEXP_GROUP(REPLACE(whole_text, ',', ''), '([0-9]+(?:\.[0-9]+)?)'), '') AS DOUBLE) > 0
      THEN REGEXP_REPLACE(
        CAST(ROUND(
          expected_value / (
            whole_value / TRY_CAST(@REGEXP_GROUP(REPLACE(whole_text, ',', ''), '([0-9]+(?:\.[0-9]+)?)') AS DOUBLE)
          ),
          4
        ) AS TEXT),
        '\.0+$',
        ''
      ) || @REGEXP_GROUP(whole_text, '[0-9.]+(\D*)$')
      ELSE REGEXP_REPLACE(CAST(ROUND(expected_value, 2) AS TEXT), '\.0+$', '')
    END AS TEXT) AS expected_text /* The recomputed value, in the printed units of the stated figure where there are some (7500万元) */
  FROM judged
), checked AS (
  SELECT
  relation_id, /* Key: a curated relation's id, or report:type:offset for one the extractor found */
  relation_type, /* range, pp_change, change, share_of_total, growth, target_completion, sum_of_parts, respectively_sum, split_two_ways or parts_within_total */
  report_id, /* Report the figures were read from */
  review_status, /* curated, or unreviewed (found by the extractor) */
  before_period, /* Year or baseline of the before value */
  subject_id, /* Whose figures */
  metric_code, /* Metric of the related figures */
  share_value, /* The share or completion ratio, in percent */
  share_text, /* As printed */
  share_span, /* Offset of the share */
  part_value, /* The part, or what was achieved against a target */
  part_span, /* Offset of the part */
  whole_value, /* The whole, the target, or a stated total */
  whole_span, /* Offset of the whole */
  start_value, /* The before value */
  start_span, /* Offset of the before value */
  end_value, /* The after value */
  end_span, /* Offset of the after value */
  change_value, /* The stated change: in points, in the level's unit, or a growth in percent */
  change_text, /* As printed */
  change_span, /* Offset of the stated change */
  parts_value, /* Sum of the parts (each times its multiplier), of the first breakdown */
  parts2_value, /* Sum of the parts of the second breakdown (split_two_ways) */
  parts_text, /* The parts as printed, e.g. 3000万元 + 2500万元 + 13 × 200万元 */
  parts2_text, /* The parts of the second breakdown as printed */
  NULLIF(
    ARRAY_TO_STRING(
      [
        CAST(share_span AS TEXT),
        CAST(part_span AS TEXT),
        CAST(whole_span AS TEXT),
        CAST(start_span AS TEXT),
        CAST(end_span AS TEXT),
        CAST(change_span AS TEXT),
        parts_span_starts
      ],
      ','
    ),
    ''
  ) AS span_starts, /* Offsets of every figure involved, comma-separated */
  note, /* The sentence (or sentences) that relate them */
  stated_value, /* The figure as the report states it */
  stated_text, /* As printed */
  expected_value, /* The figure recomputed from the others */
  expected_text, /* The recomputed value, in the stated figure's printed units */
  tolerance, /* Half a unit of the last printed digit of the stated figure */
  COALESCE(not_checkable_reason, impossible_reason) AS reason, /* Why it cannot be checked, or why the stated figures are impossible */
  CASE
    WHEN NOT not_checkable_reason IS NULL
    THEN 'not_checkable'
    WHEN NOT impossible_reason IS NULL
    THEN 'impossible'
    WHEN relation_type = 'parts_within_total' /* some of the parts: no more than the total */
    THEN 'pass'
    WHEN @WITHIN_ROUNDING(stated_value, expected_value, tolerance)
    THEN 'pass'
    ELSE 'fail'
  END AS check_status /* pass, fail (outside rounding), impossible (parts above their total, a share above 100%) or not_checkable (reason says why) */
  FROM in_printed_units
), spans AS (
  SELECT
    relation_id,
    report_id,
    CAST(UNNEST(REGEXP_SPLIT_TO_ARRAY(span_starts, ',')) AS INT) AS span_start
  FROM checked
), sentences_of_relations AS (
  SELECT
    relation_id,
    STRING_AGG(sentence, ' / ' ORDER BY sentence_start) AS sentences
  FROM (
    SELECT DISTINCT
      spans.relation_id,
      sentences.sentence_start,
      sentences.sentence
    FROM spans
    INNER JOIN staging.stg_raw__report_sentences AS sentences
      ON spans.report_id = sentences.report_id
      AND spans.span_start >= sentences.sentence_start
      AND spans.span_start < sentences.sentence_end
  ) AS distinct_sentences
  GROUP BY
    relation_id
)
SELECT
  checked.*,
  sentences_of_relations.sentences /* The sentences of every figure involved, in the order of the text, separated by ' / ' */
FROM checked
LEFT JOIN sentences_of_relations
  ON checked.relation_id = sentences_of_relations.relation_id
