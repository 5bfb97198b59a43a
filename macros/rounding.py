"""The one rounding rule every arithmetic check uses: a stated figure agrees with the value
recomputed from the others within half a unit of its last printed digit, inclusive, robust to
float error (8.8% printed for 7 of 80 = 8.75 agrees; 1.2 printed for 1.25 agrees).

- @ROUNDING_TOLERANCE(number_text, value): half a unit of the last digit of number_text, in the
  units of value: 71% -> 0.5, 8.8% -> 0.05, 1.43亿元 (value 143000000) -> 500000, 5000万元 ->
  5000. A figure with no digits (全覆盖, 三千多户) -> 0.5 of its value's unit.
- @WITHIN_ROUNDING(stated, recomputed, tolerance): TRUE when they agree by that rule (NULL
  when either is NULL)."""

from sqlglot import exp, parse_one
from sqlmesh import macro

EPSILON = "1e-9"  # relative: 8.8 - 8.75 is 0.05000000000000071 in binary floating point


def _first_group(evaluator, text: str, pattern: str) -> str:
    """@REGEXP_GROUP's SQL (macros/portable.py), written here: a macro's environment holds
    only the macros its model names."""
    if (evaluator.gateway or "").startswith("postgres"):
        return f"SUBSTRING({text}, '{pattern}')"
    return f"REGEXP_EXTRACT({text}, '{pattern}', 1)"


@macro()
def rounding_tolerance(
    evaluator, number_text: exp.Expression, value: exp.Expression
) -> exp.Expression:
    """Half a unit of the last printed digit of number_text, scaled to value's units."""
    text = f"REPLACE(({number_text.sql('duckdb')}), ',', '')"
    digits = _first_group(evaluator, text, r"([0-9]+(?:\.[0-9]+)?)")
    fraction = _first_group(evaluator, text, r"[0-9]\.([0-9]+)")
    decimals = f"COALESCE(LENGTH({fraction}), 0)"
    printed = f"TRY_CAST(NULLIF({digits}, '') AS DOUBLE)"
    amount = value.sql("duckdb")
    scale = (
        f"CASE WHEN {printed} > 0 AND ({amount}) <> 0 THEN ABS(({amount}) / {printed}) ELSE 1 END"
    )
    return parse_one(f"0.5 / POWER(10, {decimals}) * {scale}", dialect="duckdb")


@macro()
def within_rounding(
    evaluator, stated: exp.Expression, recomputed: exp.Expression, tolerance: exp.Expression
) -> exp.Expression:
    """ABS(stated - recomputed) <= tolerance, inclusive, with room for float error."""
    a, b, t = (e.sql("duckdb") for e in (stated, recomputed, tolerance))
    sql = f"ABS(({a}) - ({b})) <= ({t}) + {EPSILON} * GREATEST(1, ABS({a}), ABS({b}))"
    return parse_one(sql, dialect="duckdb")
