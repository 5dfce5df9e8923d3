"""The rule kinds, in one place.

A kind is named here with the keys it takes and the group it belongs to;
every stage that treats kinds differently holds a table keyed by these names
(the loader's readers, the evaluator, the fast evaluator, the SQL emitters,
the explanations, the boundary users), and tests/test_kinds.py fails when a
table lacks a kind.  Adding a kind: a Kind below, then one entry per table
(docs/rules.md, "Rule kinds").
"""
from __future__ import annotations

from dataclasses import dataclass

EARN = "earn"  # units on a category's monthly spend, capped
BENEFIT = "benefit"  # a yearly amount in rupees or points, on a threshold

COMMON_KEYS = ("kind", "description", "when", "valid_from", "valid_until", "source")


@dataclass(frozen=True)
class Kind:
    name: str
    group: str  # EARN | BENEFIT
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    # EARN: sets the base rate of its categories (a bonus adds on top of it).
    primary: bool = False
    # BENEFIT: the fee horizon it belongs to (None: every year).
    horizon: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return COMMON_KEYS + self.required + self.optional


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("flat", EARN, ("categories", "rate"), ("cap", "per_order", "share"), primary=True),
        Kind("tiered", EARN, ("categories", "tiers"), ("cap",), primary=True),
        Kind("bonus", EARN, ("categories", "rate"), ("cap", "per_order", "share")),
        Kind("milestone", BENEFIT, ("spend", "period", "amount", "unit"), ("repeat", "categories")),
        Kind("welcome", BENEFIT, ("amount", "unit"), ("spend", "within_days"), horizon="first_year"),
        Kind("fee_waiver", BENEFIT, ("annual_spend", "percent"), horizon="ongoing"),
        Kind("joining_fee_waiver", BENEFIT, ("spend", "within_days"), horizon="first_year"),
    )
}

RULE_KINDS = tuple(KINDS)
EARN_KINDS = tuple(k.name for k in KINDS.values() if k.group == EARN)
PRIMARY_KINDS = tuple(k.name for k in KINDS.values() if k.primary)
BENEFIT_KINDS = tuple(k.name for k in KINDS.values() if k.group == BENEFIT)
# Every key some kind takes, for "does not apply to a <kind> rule" messages.
ALL_RULE_KEYS = tuple(dict.fromkeys(key for k in KINDS.values() for key in k.keys))


def in_horizon(kind: str, horizon: str) -> bool:
    wanted = KINDS[kind].horizon
    return wanted is None or wanted == horizon
