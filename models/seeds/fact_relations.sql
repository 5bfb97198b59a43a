/* Figures the report relates to each other, curated: a share and its counts, a change and its endpoints, a range from a before to an after (with the before's year). Empty codes and periods are read as empty text, not as numbers (2016, not 2016.0). */
MODEL (
  name seeds.fact_relations,
  kind SEED (
    path '../../seeds/fact_relations.csv',
    csv_settings (
      keep_default_na = FALSE,
      na_values = (
        share_span = (''),
        part_span = (''),
        whole_span = (''),
        start_span = (''),
        end_span = (''),
        change_span = ('')
      )
    )
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
    before_period TEXT,
    note TEXT
  ),
  grain relation_id,
  audits (
    unique_values(columns := (
      relation_id
    )),
    accepted_values("column" := relation_type, is_in := ('share_of_total', 'pp_change', 'range', 'change'))
  )
)