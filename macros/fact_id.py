"""@FACT_ID(report_id, span_start, subject): the key of a figure, report:offset:subject, with ?
for a subject the text does not settle (NULL). Every model that keys a figure builds it here;
Python builds the same key with loaders/keys.py (a macro may not import project Python), and
tests/test_fact_id.py checks that the two agree on both engines' SQL."""

from sqlglot import exp
from sqlmesh import macro

NO_SUBJECT = "?"


@macro()
def fact_id(
    evaluator, report_id: exp.Expression, span_start: exp.Expression, subject: exp.Expression
) -> exp.Expression:
    """report_id || ':' || CAST(span_start AS TEXT) || ':' || COALESCE(subject, '?')."""
    key = report_id
    for part in (
        exp.Literal.string(":"),
        exp.cast(span_start, "TEXT"),
        exp.Literal.string(":"),
        exp.func("COALESCE", subject, exp.Literal.string(NO_SUBJECT)),
    ):
        key = exp.DPipe(this=key, expression=part)
    return key
