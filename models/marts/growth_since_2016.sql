/* Growth per report, subject and canonical metric: against the 2016 / pre-pilot baseline (since_2016), year on year (year_on_year), or against another year the report names (since_other, e.g. 是2012年的1.1倍). Stated growth first; where the report gives none, the growth a ratio (是2016年的2.1倍), a before and after (由2016年的5亿元增加到12亿元) or a level and its change (286个，比改革前增加97个) implies, marked as implied. With the before value and the implied base level where the report gives the level. */
MODEL (
  name marts.growth_since_2016,
  kind CUSTOM (materialization 'by_report'), /* rebuilt by report (materializations/by_report.py) */
  grain (report_id, subject_id, metric_code, basis),
  audits (
    unique_combination_of_columns(columns := (report_id, subject_id, metric_code, basis)),
    not_null(
      columns := (subject_id, metric_code, basis, growth_pct, growth_basis, report_id, span_start)
    ),
    accepted_range("column" := growth_pct, min_v := -100, inclusive := FALSE)
  )
);

WITH facts AS (
  SELECT
    *
  FROM intermediate.int_facts_joined_to_subjects
), relations AS (
  SELECT
    *
  FROM intermediate.int_fact_relations_checked
), range_starts AS (
  SELECT DISTINCT
    report_id,
    start_span AS span_start
  FROM relations
  WHERE
    relation_type = 'range'
), stated_growth AS (
  SELECT
    *,
    CASE
      WHEN kind = 'yoy_growth_pct' OR baseline_code = 'prior_year'
      THEN 'year_on_year'
      WHEN baseline_code = 'pre_pilot'
      THEN 'since_2016'
      ELSE 'since_other'
    END AS basis,
    CASE WHEN kind = 'ratio' THEN ROUND((
      value - 1
    ) * 100, 6) ELSE value END AS growth_value,
    CASE WHEN kind = 'ratio' THEN 'implied by a ratio' ELSE 'stated' END AS growth_basis,
    NULL::DOUBLE AS before_value,
    NULL::INT AS before_span_start,
    NULL::TEXT AS before_period
  FROM facts
  WHERE
    NOT metric_code IS NULL
    AND (
      (
        kind IN ('growth_pct', 'ratio')
        AND NOT baseline IS NULL
        AND baseline_code IS DISTINCT FROM 'prior_year'
      )
      OR (
        kind IN ('yoy_growth_pct', 'ratio') AND baseline_code = 'prior_year'
      ) /* 为上年的1.2倍: 20% year on year */
    )
), befores AS ( /* the before of a before and after (由2016年的5亿元增加到12亿元: stated, a figure of the same subject as the after) or of a level and its change (412个，较改革前增加97个: 412 - 97) */
  SELECT
    relations.report_id,
    relations.end_span,
    relations.end_value,
    relations.start_value AS before_value,
    relations.start_span AS before_span_start,
    relations.before_period,
    before_facts.subject_id AS before_subject_id,
    'implied by before and after' AS growth_basis
  FROM relations
  INNER JOIN facts AS before_facts
    ON relations.report_id = before_facts.report_id
    AND relations.start_span = before_facts.span_start
  WHERE
    relations.relation_type = 'range' AND relations.start_value > 0
  UNION ALL
  SELECT
    report_id,
    end_span,
    end_value,
    end_value - change_value,
    NULL::INT,
    before_period,
    NULL,
    'implied by a level and its change'
  FROM relations
  WHERE
    relation_type = 'change' AND end_value - change_value > 0
), growth_from_before_and_after AS (
  SELECT
    after_facts.*,
    CASE @BASELINE_CODE(befores.before_period)
      WHEN 'pre_pilot'
      THEN 'since_2016'
      WHEN 'prior_year'
      THEN 'year_on_year'
      ELSE 'since_other'
    END AS basis,
    ROUND((
      befores.end_value / befores.before_value - 1
    ) * 100, 2) AS growth_value,
    befores.growth_basis,
    befores.before_value,
    befores.before_span_start,
    befores.before_period
  FROM befores
  INNER JOIN facts AS after_facts
    ON befores.report_id = after_facts.report_id AND befores.end_span = after_facts.span_start
  WHERE
    NOT befores.before_period IS NULL
    AND after_facts.kind = 'level'
    AND NOT after_facts.metric_code IS NULL
    AND (
      befores.before_subject_id IS NULL OR befores.before_subject_id = after_facts.subject_id
    )
), growth_candidates AS (
  SELECT
    *
  FROM stated_growth
  UNION ALL
  SELECT
    *
  FROM growth_from_before_and_after
), growth_facts AS (
  SELECT
    *
  FROM growth_candidates
  QUALIFY
    ROW_NUMBER() OVER (
      PARTITION BY report_id, subject_id, metric_code, basis
      ORDER BY growth_basis = 'stated' DESC, review_rank, span_start
    ) = 1
), level_facts AS (
  SELECT
    facts.report_id,
    facts.subject_id,
    facts.metric_code,
    facts.value,
    facts.unit,
    facts.number_text,
    facts.period,
    facts.span_start
  FROM facts
  LEFT JOIN range_starts
    ON facts.report_id = range_starts.report_id AND facts.span_start = range_starts.span_start
  WHERE
    facts.kind = 'level' AND NOT facts.metric_code IS NULL AND range_starts.span_start IS NULL
  QUALIFY
    ROW_NUMBER() OVER (
      PARTITION BY facts.report_id, facts.subject_id, facts.metric_code
      ORDER BY facts.review_rank, facts.span_start
    ) = 1
), level_befores AS (
  SELECT
    relations.report_id,
    relations.end_span,
    relations.start_value,
    relations.start_span,
    relations.before_period
  FROM relations
  WHERE
    relations.relation_type = 'range'
)
SELECT
  growth_facts.fact_id, /* Key of the figure the growth comes from in marts.facts (the growth, the ratio, or the after value) */
  growth_facts.subject_id, /* Pilot unit, pilot type (pooled result), other region (GB/T 2260 code) or national */
  growth_facts.subject_name, /* Its name */
  growth_facts.subject_kind, /* pilot, pilot_type, region or national */
  growth_facts.subject_level, /* province, prefecture, county, pooled or national */
  growth_facts.region_code, /* GB/T 2260 code of the unit (empty for pooled and national) */
  growth_facts.pilot_type_code, /* Special pilot type (empty for a region that is not a pilot) */
  growth_facts.province_code, /* Province code (empty for pooled and national results) */
  growth_facts.metric_code, /* Canonical metric, e.g. sales_total */
  growth_facts.metric_name_zh, /* Canonical metric name, e.g. 销售总额 */
  growth_facts.metric_name_en, /* Canonical metric name in English */
  growth_facts.metric AS metric_as_printed, /* The metric as the sentence names it, e.g. 汇总销售总额 */
  growth_facts.basis, /* since_2016 (vs 2016 / 试点前), year_on_year (同比) or since_other (vs another year, see baseline) */
  growth_facts.growth_value AS growth_pct, /* Growth in percent, e.g. 43 for +43% (a ratio of 2.1 gives 110) */
  growth_facts.growth_basis, /* stated, implied by a ratio (是…的2.1倍), implied by before and after (由…增加到…), or implied by a level and its change (412个，较改革前增加97个) */
  growth_facts.qualifier, /* exact, approx, at_least or at_most */
  growth_facts.number_text, /* The figure as printed: the growth, the ratio, or the after value */
  COALESCE(growth_facts.baseline, growth_facts.before_period) AS baseline, /* Baseline as printed: 2016, 试点前, 改革前, 上年, or another year */
  growth_facts.period, /* Period the growth ends in, where stated */
  COALESCE(growth_facts.before_value, level_befores.start_value) AS before_value, /* The level at the baseline: where the report states it (由…), or its level less its change (412个，较改革前增加97个: 315) */
  COALESCE(growth_facts.before_span_start, level_befores.start_span) AS before_span_start, /* Offset of that before value in the report text */
  level_facts.value AS level_value, /* The level the report gives for the same subject and metric */
  level_facts.unit AS level_unit, /* Its unit */
  level_facts.number_text AS level_number_text, /* The level as printed */
  level_facts.span_start AS level_span_start, /* Offset of the level in the report text */
  ROUND(level_facts.value / (
    1 + growth_facts.growth_value / 100
  ), 2) AS implied_base_level, /* Level at the baseline implied by level and growth: level / (1 + growth) */
  growth_facts.review_status, /* curated, accepted or corrected in review, or unreviewed (read by the extractor) */
  growth_facts.report_id, /* Report the growth was read from */
  growth_facts.span_start, /* Offset of the figure in the report text */
  growth_facts.span_end, /* Offset just past it */
  growth_facts.sentence /* The sentence it stands in */
FROM growth_facts
LEFT JOIN level_facts
  ON growth_facts.report_id = level_facts.report_id
  AND growth_facts.subject_id = level_facts.subject_id
  AND growth_facts.metric_code = level_facts.metric_code
LEFT JOIN level_befores /* not for year-on-year growth: its key is then NULL, which matches nothing (a condition on the left side alone would make this a nested loop join) */
  ON CASE WHEN growth_facts.basis <> 'year_on_year' THEN level_facts.report_id END = level_befores.report_id
  AND level_facts.span_start = level_befores.end_span
