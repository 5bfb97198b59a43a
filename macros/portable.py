"""Functions DuckDB and PostgreSQL spell differently, for the one set of models both run.

SQLGlot translates most of the DuckDB dialect the models are written in; these it cannot, so
each macro writes the function of the gateway's engine (config.yaml: `local` is DuckDB; the
`postgres` gateway runs its SQLMesh unit tests on PostgreSQL too, so they agree)."""

from sqlglot import exp
from sqlmesh import macro


def _postgres(evaluator) -> bool:
    return (evaluator.gateway or "").startswith("postgres")


@macro()
def regexp_group(evaluator, text: exp.Expression, pattern: exp.Expression) -> exp.Expression:
    """@REGEXP_GROUP(text, pattern): the first parenthesised group of pattern in text (empty or
    NULL when it does not match)."""
    if _postgres(evaluator):
        return exp.Anonymous(this="SUBSTRING", expressions=[text, pattern])
    return exp.Anonymous(this="REGEXP_EXTRACT", expressions=[text, pattern, exp.Literal.number(1)])
