"""What `--assume` and `--horizon` say, checked against the catalog."""
from __future__ import annotations

from decimal import Decimal

from .errors import CgError, did_you_mean
from .model import HORIZONS, Catalog


def parse_assumptions(pairs: tuple[str, ...] | list[str], catalog: Catalog) -> dict[str, bool | Decimal]:
    """`--assume amazon_prime=false avg_order_value.myntra=2500` → typed values; unknown names are errors."""
    declared = {a.name: a for a in catalog.assumptions}
    out: dict[str, bool | Decimal] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if name not in declared:
            raise CgError(f"--assume {pair}: unknown assumption '{name}'{did_you_mean(name, declared)}")
        a = declared[name]
        if not a.numeric:
            if not sep or value.lower() not in ("true", "false"):
                raise CgError(f"--assume {pair}: expected NAME=true or NAME=false")
            out[name] = value.lower() == "true"
            continue
        out[name] = _number_value(pair, value if sep else "", a.unit)
    return out


def _number_value(pair: str, text: str, unit: str) -> Decimal:
    try:
        number = Decimal(text)
    except ArithmeticError:
        number = None
    low, high = (Decimal(0), Decimal(100)) if unit == "percent" else (Decimal(0), None)
    if number is None or not number.is_finite() or number < low or (high is not None and number > high) or (unit == "rupees" and number == 0):
        what = "a percent from 0 to 100" if unit == "percent" else "an amount in rupees above 0"
        raise CgError(f"--assume {pair}: expected NAME=N with N {what}")
    return number


def horizon_choice(horizon: str | None, catalog: Catalog) -> str:
    """--horizon, else the catalog's."""
    if horizon is not None and horizon not in HORIZONS:
        raise CgError(f"--horizon {horizon}: expected one of {', '.join(HORIZONS)}")
    return horizon or catalog.horizon
