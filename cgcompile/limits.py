"""What the output tables can hold, and whether a card could ever exceed it.

A card the checker accepts must never fail a run: one figure too large for
card_recommendations' DECIMAL(12,2), or a name too long for its VARCHAR,
would stop the statement that ranks everybody.  So the loader refuses, with
the file:line:col of the term, any card whose text does not fit its column
and any card whose figures could pass the column's range for the largest
spend a user may have (model.MAX_MONTHLY_SPEND; larger users fail alone).
The bounds are upper bounds over every date and assumption: they add each
rule's most, whatever could stop it from paying at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .model import MAX_MONTHLY_SPEND, PERIOD_MONTHS, Card, Cap, Rule

# card_recommendations (PRD 3.2) and int_card_params: DECIMAL(12,2), VARCHAR(n).
DECIMAL_12_2 = Decimal(10) ** 10  # every figure stays below
TEXT_COLUMNS = {
    "name": ("card_recommendations.card_name", 200),
    "bank": ("int_card_params.bank", 100),
    "method": ("card_recommendations.redemption_method", 50),
    "id": ("card_recommendations.card_id", 100),
}
JINJA_OPENERS = ("{{", "{%", "{#")


def text_problem(field: str, value: str) -> str | None:
    """Why a text cannot go into its column (length, or Jinja that dbt would execute)."""
    column, length = TEXT_COLUMNS[field]
    for opener in JINJA_OPENERS:
        if opener in value:
            return f"contains '{opener}', which dbt would read as Jinja"
    if len(value) > length:
        return f"{len(value)} characters, more than {column} holds (VARCHAR({length}))"
    return None


def with_gst(fee: Decimal, gst_percent: Decimal) -> Decimal:
    return fee * (100 + gst_percent) / 100


def _cap_ceiling(cap: Cap, named: dict[str, Cap], categories: int) -> Decimal:
    base = named[cap.pool] if cap.pool else cap
    per_year = base.amount * (12 // PERIOD_MONTHS[base.period])
    return per_year * categories if cap.scope == "each" and not cap.pool else per_year


def _most_rate(rule: Rule) -> Decimal:
    if rule.tiers:
        return max(t.rate.per_rupee for t in rule.tiers)
    return rule.rate.per_rupee


@dataclass(frozen=True)
class Bound:
    """An upper bound and the rule that contributes most to it (None: the card as a whole)."""

    value: Decimal
    rule: Rule | None


def savings_bound(card: Card) -> Bound:
    """The most a year's earned units can be worth, for any valid user."""
    named = dict(card.caps)
    most_point = max(o.rupees_per_point for o in card.redemption)
    largest, total = None, Decimal(0)
    for rule in card.rules:
        if rule.kind not in ("flat", "tiered", "bonus"):
            continue
        units = 12 * MAX_MONTHLY_SPEND * _most_rate(rule)
        if rule.cap is not None:
            units = min(units, _cap_ceiling(rule.cap, named, max(1, len(rule.categories) or 6)))
        value = units * most_point
        total += value
        if largest is None or value > largest[0]:
            largest = (value, rule)
    return Bound(total, largest[1] if largest else None)


def extra_bound(card: Card, gst_percent: Decimal) -> Bound:
    """The most the extra benefits can add in a year (both fee views at once)."""
    most_point = max(o.rupees_per_point for o in card.redemption)
    largest, total = None, with_gst(card.joining_fee, gst_percent) + with_gst(card.annual_fee, gst_percent)
    for rule in card.rules:
        if rule.kind not in ("welcome", "milestone"):
            continue
        times = 12 // PERIOD_MONTHS[rule.period] if rule.kind == "milestone" and rule.repeat else 1
        value = rule.amount * times * (most_point if rule.unit == "points" else 1)
        total += value
        if largest is None or value > largest[0]:
            largest = (value, rule)
    return Bound(total, largest[1] if largest else None)
