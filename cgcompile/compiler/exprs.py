"""sqlglot building blocks whose arithmetic is exact on DuckDB, MySQL/MariaDB and Spark.

Rules every helper here keeps (docs/rules.md, "Rounding"):
- no division: DuckDB turns DECIMAL / DECIMAL into DOUBLE, so rates arrive as
  literal decimals (Rate.per_rupee) and are multiplied;
- every DECIMAL cast names its precision and scale;
- LEAST/GREATEST are built with ignore_nulls so sqlglot's duckdb output stays a
  plain LEAST(...) instead of NULL-checking CASEs (inputs are never NULL, and on
  MySQL a NULL argument makes LEAST NULL anyway);
- ROUND(x, 2) on DECIMAL values is half away from zero on every engine (Spark:
  HALF_UP on decimals), which is half-up because every figure is >= 0;
- Spark (ANSI off, its default) gives NULL where a DECIMAL overflows, and past 38
  digits it drops fraction digits (allowPrecisionLoss): every product here stays
  within 38 digits with the scale it needs (tests/test_spark_compiler.py proves
  the figures against the evaluator, boundary users included).

Helpers fold constants where they can, so the generated SQL carries only the
arithmetic that depends on the user's spend.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlglot import exp

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)

# Intermediate widths: spend is DECIMAL(12,2); a 10-place rate times a sum of a
# few spends stays far below 18 integer digits.  Bounding widths keeps DuckDB's
# decimal arithmetic under its 38-digit limit after several multiplications.
UNITS_PRECISION = 18
YEARLY_PRECISION = 18
OUTPUT_TYPE = (12, 2)


def number(value: Decimal | int) -> exp.Expression:
    """A numeric literal written out in full (never 1E+3), without trailing zeros.

    The digits written decide the literal's DECIMAL scale on both engines, and
    with it the scale of every product (0.0150000000 would make DuckDB carry 12
    places where 5 suffice)."""
    d = Decimal(value).normalize()
    text = format(d, "f")
    return exp.Literal.number(text)


def const_value(e: exp.Expression) -> Decimal | None:
    """The value of a numeric literal (possibly cast or parenthesised), else None."""
    while isinstance(e, (exp.Paren, exp.Cast)):
        e = e.this
    if isinstance(e, exp.Literal) and not e.is_string:
        return Decimal(e.this)
    return None


def decimal_type(precision: int, scale: int) -> exp.DataType:
    return exp.DataType(
        this=exp.DataType.Type.DECIMAL,
        expressions=[exp.DataTypeParam(this=number(precision)), exp.DataTypeParam(this=number(scale))],
    )


def cast_decimal(e: exp.Expression, precision: int, scale: int) -> exp.Expression:
    return exp.Cast(this=e, to=decimal_type(precision, scale))


def cast_output(e: exp.Expression) -> exp.Expression:
    """An output figure: DECIMAL(12,2), the PRD's column type."""
    return cast_decimal(e, *OUTPUT_TYPE)


def varchar(value: str, length: int) -> exp.Expression:
    return exp.Cast(
        this=exp.Literal.string(value),
        to=exp.DataType(this=exp.DataType.Type.VARCHAR, expressions=[exp.DataTypeParam(this=number(length))]),
    )


def smallint(value: int) -> exp.Expression:
    return exp.Cast(this=number(value), to=exp.DataType.build("smallint"))


def bigint(e: exp.Expression) -> exp.Expression:
    """An exact integer (the value must have no fraction): MySQL writes it CAST(… AS SIGNED)."""
    return exp.Cast(this=e, to=exp.DataType.build("bigint"))


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def round_half_up(d: Decimal, places: int = 2) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _wrap(e: exp.Expression) -> exp.Expression:
    """Parenthesise compound operands so the tree prints as it reads."""
    if isinstance(e, (exp.Add, exp.Sub, exp.Mul, exp.IntDiv)):
        return exp.Paren(this=e)
    return e


def add(*terms: exp.Expression) -> exp.Expression:
    """Sum of terms; constant terms are folded into one literal at the end, zeros dropped."""
    const = ZERO
    rest: list[exp.Expression] = []
    for t in terms:
        v = const_value(t)
        if v is None:
            rest.append(t)
        else:
            const += v
    if const != 0 or not rest:
        rest.append(number(const))
    out = rest[0]
    for t in rest[1:]:
        out = exp.Add(this=out, expression=t)
    return out


def sub(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    va, vb = const_value(a), const_value(b)
    if va is not None and vb is not None:
        return number(va - vb)
    if vb == 0:
        return a
    return exp.Sub(this=a, expression=_wrap(b))


def mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    va, vb = const_value(a), const_value(b)
    if va is not None and vb is not None:
        return number(va * vb)
    if va == 0 or vb == 0:
        return number(ZERO)
    if va == 1:
        return b
    if vb == 1:
        return a
    return exp.Mul(this=_wrap(a), expression=_wrap(b))


def least(*args: exp.Expression) -> exp.Expression:
    return exp.Least(this=args[0], expressions=list(args[1:]), ignore_nulls=True)


def greatest(*args: exp.Expression) -> exp.Expression:
    return exp.Greatest(this=args[0], expressions=list(args[1:]), ignore_nulls=True)


def round2(e: exp.Expression) -> exp.Expression:
    v = const_value(e)
    if v is not None:
        return number(round_half_up(v))
    return exp.Round(this=e, decimals=number(2))


def twelfth_round2(yearly: exp.Expression, scale: int) -> exp.Expression:
    """round_half_up(yearly / 12, 2) without dividing a DECIMAL.

    `yearly` has at most `scale` (>= 2) decimal places, so n = yearly × 10^scale
    is an integer and, with m = 10^(scale-2),
        round2(yearly / 12) = floor(n / (12m) + 1/2) / 100 = ((n + 6m) DIV 12m) × 0.01
    (the same as (2n + 12m) DIV 24m).  The cents are made a DECIMAL(18,0) before
    × 0.01 so that DuckDB keeps the product in 64 bits.
    """
    v = const_value(yearly)
    if v is not None:
        return number(round_half_up(v / 12))
    m = 10 ** (scale - 2)
    # yearly × 10^scale is a whole number, so the cast is exact on both engines
    n = exp.Cast(this=mul(yearly, number(10**scale)), to=exp.DataType.build("BIGINT"))
    cents = exp.IntDiv(this=exp.Paren(this=exp.Add(this=n, expression=number(6 * m))), expression=number(12 * m))
    return exp.Mul(this=cast_decimal(cents, 18, 0), expression=number(CENT))


def value_scale(e: exp.Expression) -> int:
    """Decimal places of a sum of literals and CASEs over literals: the most any value has.

    Only the values a CASE can return count, not the thresholds it compares."""
    v = const_value(e)
    if v is not None:
        return scale_of(v)
    if isinstance(e, exp.Add):
        return max(value_scale(e.this), value_scale(e.expression))
    if isinstance(e, exp.Case):
        values = [i.args["true"] for i in e.args.get("ifs", [])] + [e.args.get("default") or number(0)]
        return max(value_scale(v) for v in values)
    return 99  # unknown: assume rounding is needed


def ge(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.GTE(this=a, expression=b)


def case_when(branches: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression) -> exp.Expression:
    case = exp.Case()
    for cond, value in branches:
        case = case.when(cond, value)
    return case.else_(default)


def every(conditions: list[exp.Expression]) -> exp.Expression:
    out = conditions[0]
    for c in conditions[1:]:
        out = exp.And(this=out, expression=c)
    return out


def ratio_round(num: exp.Expression, num_scale: int, den: exp.Expression, den_scale: int, places: int, dialect: str) -> exp.Expression:
    """round_half_up(num ÷ den, places) for num >= 0, den > 0, without dividing a DECIMAL.

    num has at most num_scale places and den at most den_scale, so
    n = num × 10^num_scale and d = den × 10^den_scale are integers and
    num ÷ den × 10^places = n × 10^(den_scale + places) ÷ (d × 10^num_scale);
    half-up is (2X + Y) DIV 2Y.  The integers are 128-bit on DuckDB, DECIMAL(65,0)
    on MySQL (whose DIV of decimals is exact), DECIMAL(38,0) on Spark (its widest;
    DIV of decimals is exact there too, and the quotient, a rate × 10^places, fits
    the BIGINT Spark returns)."""
    wide = {"duckdb": exp.DataType.build("HUGEINT"), "spark": decimal_type(38, 0)}.get(dialect, decimal_type(65, 0))
    n = exp.Cast(this=mul(num, number(10**num_scale)), to=wide)
    d = exp.Cast(this=mul(den, number(10**den_scale)), to=wide)
    big_x = mul(n, number(10 ** (den_scale + places)))
    big_y = mul(d, number(10**num_scale))
    scaled = exp.IntDiv(this=exp.Paren(this=add(mul(big_x, number(2)), big_y)), expression=exp.Paren(this=mul(big_y.copy(), number(2))))
    return exp.Mul(this=cast_decimal(scaled, 18, 0), expression=number(Decimal(1).scaleb(-places)))


def either(conditions: list[exp.Expression]) -> exp.Expression:
    out = conditions[0]
    for c in conditions[1:]:
        out = exp.Or(this=out, expression=c)
    return out


def alias(e: exp.Expression, name: str) -> exp.Expression:
    return exp.alias_(e, name)


def scale_of(d: Decimal) -> int:
    """Decimal places needed to write d exactly."""
    exponent = d.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
