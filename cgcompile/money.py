"""Amounts as a reader in India writes them: ₹1,20,000, ₹1,333.33, ₹0.25 a point."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def grouped(d: Decimal, cents: bool = False) -> str:
    """1,20,000 or 1,333.33: Indian grouping; whole amounts drop '.00' unless `cents`."""
    q = d.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):f}".split(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        pairs = []
        while len(head) > 2:
            pairs.insert(0, head[-2:])
            head = head[:-2]
        whole = ",".join([head, *pairs, tail])
    if frac == "00" and not cents:
        return sign + whole
    return f"{sign}{whole}.{frac}"


def inr(d: Decimal, cents: bool = False) -> str:
    return "₹" + grouped(d, cents)


def per_point(rate: Decimal) -> str:
    """₹ per point as people quote it: 1, 0.20, 0.25, 0.3333."""
    if rate == rate.to_integral_value():
        return str(int(rate))
    n = rate.normalize()
    return f"{n:f}" if n.as_tuple().exponent <= -2 else f"{rate.quantize(CENT):f}"


def listing(words: list[str]) -> str:
    """'Amazon', 'Amazon and Flipkart', 'Amazon, Flipkart and Myntra'."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
