"""Resolve a card for one as-of date and one set of assumptions.

The result says exactly which terms apply: `rest` expanded, conditional rules
and redemption options settled, caps grouped into pools with their fill
order.  The evaluator and the SQL compiler both consume ResolvedCard.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .model import CATEGORIES, PERIOD_MONTHS, Card, Catalog, Rate, Redemption, Rule, Tier

EARN_KINDS = ("flat", "tiered", "bonus")
PRIMARY_KINDS = ("flat", "tiered")


@dataclass(frozen=True)
class EarnPart:
    """What one rule earns in one category, before caps.

    For a tiered rule, `preceding` lists the rule's categories laid out before
    this one on the combined-spend line (see docs/rules.md, tiered).
    """

    rule: Rule
    category: str
    rate: Rate | None
    tiers: tuple[Tier, ...]
    preceding: tuple[str, ...]
    pool: str | None  # key into ResolvedCard.pools; None when uncapped


@dataclass(frozen=True)
class Pool:
    """One yearly ceiling and the earn parts that fill it, in fill order."""

    key: str
    yearly_amount: Decimal
    members: tuple[int, ...]  # indexes into ResolvedCard.earn


@dataclass(frozen=True)
class ResolvedCard:
    card: Card
    earn: tuple[EarnPart, ...]
    pools: tuple[Pool, ...]
    milestones: tuple[Rule, ...]
    welcome: tuple[Rule, ...]
    fee_waivers: tuple[Rule, ...]
    joining_fee_waivers: tuple[Rule, ...]
    redemption: Redemption

    @property
    def id(self) -> str:
        return self.card.id


def in_force(valid_from: dt.date | None, valid_until: dt.date | None, as_of: dt.date) -> bool:
    return (valid_from is None or valid_from <= as_of) and (valid_until is None or as_of <= valid_until)


def applies(rule_or_option, as_of: dt.date, assumptions: dict[str, bool]) -> bool:
    if not all(assumptions.get(c.assumption) == c.value for c in rule_or_option.when):
        return False
    return in_force(getattr(rule_or_option, "valid_from", None), getattr(rule_or_option, "valid_until", None), as_of)


def active_rules(card: Card, as_of: dt.date, assumptions: dict[str, bool]) -> tuple[Rule, ...]:
    return tuple(r for r in card.rules if applies(r, as_of, assumptions))


def rule_categories(rule: Rule, active: tuple[Rule, ...]) -> tuple[str, ...]:
    """The concrete categories of a rule; `rest` is what no other primary rule covers."""
    if not rule.rest:
        return rule.categories
    covered = {c for r in active if r.kind in PRIMARY_KINDS and not r.rest for c in r.categories}
    return tuple(c for c in CATEGORIES if c not in covered)


def resolve(card: Card, as_of: dt.date, assumptions: dict[str, bool]) -> ResolvedCard | None:
    """None when the card itself is not offered on `as_of`."""
    if not in_force(card.valid_from, card.valid_until, as_of):
        return None
    active = active_rules(card, as_of, assumptions)
    named_caps = dict(card.caps)
    earn: list[EarnPart] = []
    members: dict[str, list[int]] = {}
    amounts: dict[str, Decimal] = {}
    for rule in active:
        if rule.kind not in EARN_KINDS:
            continue
        cats = rule_categories(rule, active)
        for i, cat in enumerate(cats):
            key = None
            cap = rule.cap
            if cap is not None:
                if cap.pool is not None:
                    key, cap = cap.pool, named_caps[cap.pool]
                elif cap.scope == "each":
                    key = f"rules[{rule.index}].{cat}"
                else:
                    key = f"rules[{rule.index}]"
                amounts[key] = cap.amount * (12 // PERIOD_MONTHS[cap.period])
                members.setdefault(key, []).append(len(earn))
            earn.append(
                EarnPart(
                    rule=rule,
                    category=cat,
                    rate=rule.rate,
                    tiers=rule.tiers,
                    preceding=cats[:i] if rule.kind == "tiered" else (),
                    pool=key,
                )
            )
    pools = tuple(Pool(key=k, yearly_amount=amounts[k], members=tuple(v)) for k, v in members.items())
    options = [o for o in card.redemption if applies(o, as_of, assumptions)]
    # max() keeps the first of equal rates: the first listed option wins a tie.
    best = max(options, key=lambda o: o.rupees_per_point)

    def of_kind(kind: str) -> tuple[Rule, ...]:
        return tuple(r for r in active if r.kind == kind)

    return ResolvedCard(
        card=card,
        earn=tuple(earn),
        pools=pools,
        milestones=of_kind("milestone"),
        welcome=of_kind("welcome"),
        fee_waivers=of_kind("fee_waiver"),
        joining_fee_waivers=of_kind("joining_fee_waiver"),
        redemption=best,
    )


def resolve_catalog(
    catalog: Catalog, as_of: dt.date | None = None, assumptions: dict[str, bool] | None = None
) -> tuple[ResolvedCard, ...]:
    """Every card offered on the date, sorted by card id (the tie-break order)."""
    when = as_of or catalog.as_of
    values = {**catalog.defaults(), **(assumptions or {})}
    resolved = (resolve(c, when, values) for c in sorted(catalog.cards, key=lambda c: c.id))
    return tuple(r for r in resolved if r is not None)
