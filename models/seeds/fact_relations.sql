/* Figures the report relates to each other: a share and its counts, a change and its endpoints, a range. */
MODEL (
  name seeds.fact_relations,
  kind SEED (
    path '../../seeds/fact_relations.csv'
  ),
  columns (
    relation_id TEXT,
    relation_type TEXT,
    report_id TEXT,
    share_span INT,
    part_span INT,
    whole_span INT,
    start_span INT,
    end_span INT,
    change_span INT,
    note TEXT
  ),
  grain relation_id,
  audits (
    unique_values(columns := (
      relation_id
    )),
    accepted_values("column" := relation_type, is_in := ('share_of_total', 'pp_change', 'range'))
  )
)