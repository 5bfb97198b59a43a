"""@BASELINE_CODE(column): the baseline as printed, coded pre_pilot (2016, 试点前) or prior_year (同比)."""

from sqlglot import exp
from sqlmesh import macro

PRE_PILOT = ("试点前", "2016", "改革前")
PRIOR_YEAR = ("上年", "同比")


@macro()
def baseline_code(evaluator, column: exp.Expression) -> exp.Expression:
    """CASE mapping a printed baseline to pre_pilot or prior_year (NULL otherwise)."""
    return (
        exp.Case()
        .when(column.isin(*PRE_PILOT), exp.Literal.string("pre_pilot"))
        .when(column.isin(*PRIOR_YEAR), exp.Literal.string("prior_year"))
    )
