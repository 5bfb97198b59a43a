/* Where the reference seeds that are not curated by hand come from: package, version, licence and the date of the data. */
MODEL (
  name seeds.data_sources,
  kind SEED (
    path '../../seeds/data_sources.csv'
  ),
  columns (
    seed TEXT,
    source TEXT,
    version TEXT,
    licence TEXT,
    as_of TEXT,
    generated_by TEXT
  ),
  grain seed,
  audits (
    unique_values(columns := (
      seed
    )),
    not_null(columns := (seed, source, version, licence))
  )
)
