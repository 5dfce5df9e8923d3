"""Resolve a card for one as-of date, one fee horizon and one set of assumptions.

The result says exactly which terms apply: `rest` expanded, conditional rules
and redemption options settled, per-order terms turned into monthly rates,
partner shares split off their category, caps grouped into pools (nested
pools in the order they are filled), fees with GST.  The evaluator and the
SQL compiler both consume ResolvedCard.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .kinds import BENEFIT_KINDS, EARN_KINDS, PRIMARY_KINDS, in_horizon
from .model import (
    CATEGORIES,
    ORDER_VALUE,
    PERIOD_MONTHS,
    RATE_PLACES,
    Cap,
    Card,
    Catalog,
    PerOrder,
    Rate,
    Redemption,
    Rule,
    Tier,
)

CENT = Decimal("0.01")

Values = dict[str, "bool | Decimal"]


@dataclass(frozen=True)
class Portion:
    """A category split by a partner share: `kept` is the share itself, else the rest."""

    share: str  # the share assumption
    fraction: Decimal  # its percent ÷ 100
    kept: bool


@dataclass(frozen=True)
class OrderTerms:
    """How per-order terms made a part's monthly rate (docs/rules.md, "Per-order terms")."""

    order_value: Decimal  # the category's average order value (₹)
    published: Rate  # the rule's rate as written
    per_order: PerOrder | None
    units_per_order: Fraction  # what one average order earns, after the per-order terms


@dataclass(frozen=True)
class EarnPart:
    """What one rule earns in one category, before caps.

    For a tiered rule, `preceding` lists the rule's categories laid out before
    this one on the combined-spend line (see docs/rules.md, tiered).
    """

    rule: Rule
    category: str
    rate: Rate | None  # after per-order terms
    tiers: tuple[Tier, ...]
    preceding: tuple[str, ...]
    pool: str | None  # the innermost pool (key into ResolvedCard.pools); None when uncapped
    portion: Portion | None = None  # None: the whole category's spend
    order: OrderTerms | None = None  # set when per-order terms changed the rate
    chain: tuple[str, ...] = ()  # every pool the part fills, innermost first


@dataclass(frozen=True)
class Pool:
    """One yearly ceiling and the earn parts that fill it, in fill order.

    `members` are all parts inside the pool, directly or through inner pools;
    ResolvedCard.pools lists inner pools before the pools holding them, so
    filling them in that order applies the innermost ceilings first."""

    key: str
    yearly_amount: Decimal
    members: tuple[int, ...]  # indexes into ResolvedCard.earn
    cap: Cap
    parent: str | None = None
    depth: int = 1  # 1: no pool inside it; else 1 + the deepest pool inside


@dataclass(frozen=True)
class ResolvedCard:
    card: Card
    earn: tuple[EarnPart, ...]
    pools: tuple[Pool, ...]
    benefits: tuple[Rule, ...]  # the benefit rules the horizon counts, in card order
    ladder: tuple[Redemption, ...]  # options in the order points go to them (best rate first)
    horizon: str = "first_year"
    fee: Decimal = Decimal(0)  # the fee the horizon charges, with GST
    joining_fee: Decimal = Decimal(0)  # with GST
    annual_fee: Decimal = Decimal(0)  # with GST
    gst_percent: Decimal = Decimal(0)
    splits: tuple[tuple[str, Portion], ...] = ()  # category -> its share (kept=True)

    @property
    def id(self) -> str:
        return self.card.id

    def of_kind(self, kind: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.benefits if r.kind == kind)

    @property
    def redemption(self) -> Redemption:
        """The best option: every point goes there unless it has limits."""
        return self.ladder[0]

    @property
    def blended(self) -> bool:
        """Points may go to more than one option (docs/rules.md, "Redemption")."""
        return self.ladder[0].limited


def in_force(valid_from: dt.date | None, valid_until: dt.date | None, as_of: dt.date) -> bool:
    return (valid_from is None or valid_from <= as_of) and (valid_until is None or as_of <= valid_until)


def applies(rule_or_option, as_of: dt.date, assumptions: Values) -> bool:
    if not all(assumptions.get(c.assumption) == c.value for c in rule_or_option.when):
        return False
    return in_force(getattr(rule_or_option, "valid_from", None), getattr(rule_or_option, "valid_until", None), as_of)


def active_rules(card: Card, as_of: dt.date, assumptions: Values) -> tuple[Rule, ...]:
    return tuple(r for r in card.rules if applies(r, as_of, assumptions))


def rule_categories(rule: Rule, active: tuple[Rule, ...]) -> tuple[str, ...]:
    """The concrete categories of a rule; `rest` is what no other primary rule covers.

    A rule on a partner share covers only that share, so it leaves its
    category to `rest` (which earns on the remainder)."""
    if not rule.rest:
        return rule.categories
    covered = {c for r in active if r.kind in PRIMARY_KINDS and not r.rest and r.share is None for c in r.categories}
    return tuple(c for c in CATEGORIES if c not in covered)


def with_gst(fee: Decimal, gst_percent: Decimal) -> Decimal:
    """The fee the cardholder pays: fee × (1 + GST), rounded half-up to the paisa."""
    return (fee * (100 + gst_percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def round_rate(x: Fraction) -> Decimal:
    """Half-up to RATE_PLACES, exactly (as the loader rounds `points per`)."""
    scaled = x * 10**RATE_PLACES
    return Decimal(math.floor(scaled + Fraction(1, 2))).scaleb(-RATE_PLACES)


def order_terms(rule: Rule, category: str, values: Values) -> OrderTerms | None:
    """The monthly rate per-order terms give at the category's average order value.

    An average order earns min(its units, the per-order cap), nothing below the
    minimum, and whole `per` blocks only with full_blocks; the rate per rupee is
    that ÷ the order value, rounded to RATE_PLACES like any rate."""
    rate = rule.rate
    if rule.per_order is None and not rate.full_blocks:
        return None
    aov = Decimal(values[f"{ORDER_VALUE}.{category}"])
    exact = Fraction(rate.percent) / 100 if rate.percent is not None else Fraction(rate.points) / Fraction(rate.per)
    if rate.full_blocks:
        units = math.floor(Fraction(aov) / Fraction(rate.per)) * Fraction(rate.points)
    else:
        units = Fraction(aov) * exact
    terms = rule.per_order
    if terms is not None and terms.minimum is not None and aov < terms.minimum:
        units = Fraction(0)
    if terms is not None and terms.cap is not None and units > terms.cap:
        units = Fraction(terms.cap)
    return OrderTerms(order_value=aov, published=rate, per_order=terms, units_per_order=units)


def effective_rate(order: OrderTerms) -> Rate:
    per_rupee = round_rate(order.units_per_order / Fraction(order.order_value))
    return Rate(per_rupee=per_rupee, percent=(per_rupee * 100).normalize())


def _splits(active: tuple[Rule, ...], values: Values) -> dict[str, Portion]:
    out: dict[str, Portion] = {}
    for r in active:
        if r.share is not None:
            out[r.categories[0]] = Portion(r.share, Decimal(values[r.share]) / 100, True)
    return out


def _chain(rule: Rule, cat: str, named: dict[str, Cap]) -> tuple[tuple[str, Cap], ...]:
    """The pools a part fills, innermost first: its own cap, then what it sits within."""
    cap = rule.cap
    if cap is None:
        return ()
    if cap.pool is not None:
        key = cap.pool
        cap = named[key]
    elif cap.scope == "each":
        key = f"rules[{rule.index}].{cat}"
    else:
        key = f"rules[{rule.index}]"
    out = [(key, cap)]
    parent = cap.within
    while parent is not None:
        out.append((parent, named[parent]))
        parent = named[parent].within
    return tuple(out)


# What a card's points are worth when every option it has needs travel
# redemption and the catalog's users do not redeem for travel: nothing.
NO_REDEMPTION = "Not redeemable for shopping"


def _ladder(card: Card, as_of: dt.date, values: Values) -> tuple[Redemption, ...]:
    options = [o for o in card.redemption if applies(o, as_of, values)]
    if not options:
        # The loader allows this only when travel options are all there is.
        return (Redemption(method=NO_REDEMPTION, rupees_per_point=Decimal(0), pos=card.pos),)
    # sorted() is stable: the first listed of equal rates comes first.
    ordered = sorted(options, key=lambda o: -o.rupees_per_point)
    for i, option in enumerate(ordered):
        if not option.limited:
            return tuple(ordered[: i + 1])  # it takes every point left: the rest get none
    return tuple(ordered)


def _earn(active: tuple[Rule, ...], values: Values, named: dict[str, Cap], splits: dict[str, Portion]):
    earn: list[EarnPart] = []
    members: dict[str, list[int]] = {}
    caps: dict[str, Cap] = {}
    parents: dict[str, str | None] = {}
    for rule in active:
        if rule.kind not in EARN_KINDS:
            continue
        cats = rule_categories(rule, active)
        for i, cat in enumerate(cats):
            chain = _chain(rule, cat, named)
            for depth, (key, cap) in enumerate(chain):
                caps[key] = cap
                parents[key] = chain[depth + 1][0] if depth + 1 < len(chain) else None
                members.setdefault(key, []).append(len(earn))
            portion = None
            if rule.share is not None:
                portion = splits[cat]
            elif cat in splits and rule.kind in PRIMARY_KINDS:
                portion = Portion(splits[cat].share, splits[cat].fraction, False)
            order = order_terms(rule, cat, values) if not rule.tiers else None
            earn.append(
                EarnPart(
                    rule=rule,
                    category=cat,
                    rate=effective_rate(order) if order is not None else rule.rate,
                    tiers=rule.tiers,
                    preceding=cats[:i] if rule.tiers else (),
                    pool=chain[0][0] if chain else None,
                    portion=portion,
                    order=order,
                    chain=tuple(k for k, _ in chain),
                )
            )
    return earn, _pools(members, caps, parents)


def _pools(members: dict[str, list[int]], caps: dict[str, Cap], parents: dict[str, str | None]) -> tuple[Pool, ...]:
    children: dict[str, list[str]] = {}
    for key, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(key)

    def depth(key: str) -> int:
        return 1 + max((depth(c) for c in children.get(key, [])), default=0)

    pools = [
        Pool(
            key=k,
            yearly_amount=caps[k].amount * (12 // PERIOD_MONTHS[caps[k].period]),
            members=tuple(v),
            cap=caps[k],
            parent=parents[k],
            depth=depth(k),
        )
        for k, v in members.items()
    ]
    # Inner pools first (sorted() is stable: otherwise in the order first met).
    return tuple(sorted(pools, key=lambda p: p.depth))


def resolve(
    card: Card,
    as_of: dt.date,
    assumptions: Values,
    horizon: str = "first_year",
    gst_percent: Decimal = Decimal(0),
) -> ResolvedCard | None:
    """None when the card itself is not offered on `as_of`."""
    if not in_force(card.valid_from, card.valid_until, as_of):
        return None
    active = active_rules(card, as_of, assumptions)
    splits = _splits(active, assumptions)
    earn, pools = _earn(active, assumptions, dict(card.caps), splits)

    first_year = horizon == "first_year"
    joining, annual = with_gst(card.joining_fee, gst_percent), with_gst(card.annual_fee, gst_percent)
    return ResolvedCard(
        card=card,
        earn=tuple(earn),
        pools=pools,
        # Joining items belong to the first year; the renewal waiver to the years after.
        benefits=tuple(r for r in active if r.kind in BENEFIT_KINDS and in_horizon(r.kind, horizon)),
        ladder=_ladder(card, as_of, assumptions),
        horizon=horizon,
        fee=joining if first_year else annual,
        joining_fee=joining,
        annual_fee=annual,
        gst_percent=gst_percent,
        splits=tuple((c, splits[c]) for c in CATEGORIES if c in splits),
    )


def resolve_catalog(
    catalog: Catalog,
    as_of: dt.date | None = None,
    assumptions: Values | None = None,
    horizon: str | None = None,
) -> tuple[ResolvedCard, ...]:
    """Every card offered on the date, sorted by card id (the tie-break order)."""
    when = as_of or catalog.as_of
    values = {**catalog.defaults(), **(assumptions or {})}
    view = horizon or catalog.horizon
    resolved = (resolve(c, when, values, view, catalog.gst_percent) for c in sorted(catalog.cards, key=lambda c: c.id))
    return tuple(r for r in resolved if r is not None)
